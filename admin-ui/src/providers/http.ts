import { HttpError, type fetchUtils } from 'react-admin';
import { i18nProvider, intlLocale } from '../i18n';
import { formatDuration } from '../duration';
import { reportApiHealth, reportStillWaiting, SLOW_MS } from './api-health';
import { fieldKey, type FieldRefusal } from '../../../lib/field-codes';

// Every request of the console goes through here: same-origin, with the session cookie. Errors
// keep the API's shape ({ error: { code, message, details } }) and turn its per-field refusals
// (details.fields: code, params) into react-admin's { errors: { field: message } }, so forms show
// them beside the inputs. The message a person reads is the console's own text for the error's
// code (cf.errors.<code>) and each field's (cf.field_errors.<code>), in the chosen language, never
// the server's English; an unknown code gets a generic text.

export interface ApiErrorBody {
  error?: { code: string; message: string; details?: unknown };
  errors?: Record<string, string>;
}

export async function api<T = unknown>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<{ status: number; headers: Headers; json: T }> {
  const headers = new Headers(init.headers);
  headers.set('Accept', 'application/json');
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const started = Date.now();
  const waiting = setTimeout(reportStillWaiting, SLOW_MS);
  let res: Response;
  try {
    res = await fetch(path.startsWith('/') ? path : `/admin/${path}`, { ...init, body, headers, credentials: 'same-origin' });
  } catch (err) {
    if ((err as Error)?.name === 'AbortError') throw err;
    reportApiHealth({ reached: false });
    throw new HttpError(i18nProvider.translate('cf.errors.unreachable'), 0, { code: 'unreachable' });
  } finally {
    clearTimeout(waiting);
  }
  // A proxy in front answering 502/504 means the API behind it is away.
  reportApiHealth({ reached: res.status !== 502 && res.status !== 504, tookMs: Date.now() - started });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  if (!res.ok) throw toHttpError(res.status, json as ApiErrorBody | undefined, res.statusText);
  return { status: res.status, headers: res.headers, json: json as T };
}

export function toHttpError(status: number, body: ApiErrorBody | undefined, _fallback?: string): HttpError {
  const code = body?.error?.code ?? `http_${status}`;
  const message = errorText(code, body?.error?.details);
  return new HttpError(message, status, { ...body, errors: fieldTexts(body), code: body?.error?.code });
}

/** Each refused field's text in the chosen language, keyed as the server keys `errors` (the first refusal of a field). */
function fieldTexts(body: ApiErrorBody | undefined): Record<string, string> | undefined {
  if (!body?.errors) return undefined;
  const refusals = (body.error?.details as { fields?: Partial<FieldRefusal>[] } | undefined)?.fields ?? [];
  const texts: Record<string, string> = {};
  for (const f of refusals) if (typeof f.path === 'string') texts[fieldKey({ path: f.path, field: f.field })] ??= fieldText(f.code, f.params);
  // A field the answer names without a refusal of its own still gets words, never the server's.
  for (const key of Object.keys(body.errors)) texts[key] ??= fieldText(undefined);
  return texts;
}

/**
 * Why one field was refused, from its code and params; a code this console does not know reads as
 * the generic `invalid`. A param in seconds (`…Seconds`) is a duration, shown as one ("7 days").
 */
export function fieldText(code: string | undefined, params: Record<string, unknown> = {}): string {
  const generic = i18nProvider.translate('cf.field_errors.invalid');
  if (!code) return generic;
  const locale = intlLocale(i18nProvider.getLocale());
  const worded = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, k.endsWith('Seconds') && typeof v === 'number' ? formatDuration(v, locale) : v]));
  return i18nProvider.translate(`cf.field_errors.${code}`, { ...worded, _: generic });
}

/** An error code's text in the chosen language, its details as params (lists joined); a generic text for a code without one. */
export function errorText(code: string, details?: unknown): string {
  const params: Record<string, unknown> = { code };
  if (details && typeof details === 'object' && !Array.isArray(details))
    for (const [key, value] of Object.entries(details)) params[key] = Array.isArray(value) ? value.join(', ') : value;
  return i18nProvider.translate(`cf.errors.${code}`, { ...params, _: i18nProvider.translate('cf.errors.generic', { code }) });
}

/** The fetchJson react-admin's data provider expects, built on api(). */
export async function httpClient(url: string, options: fetchUtils.Options = {}) {
  const headers = new Headers(options.headers);
  if (options.body && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  // react-admin's delete labels its empty body text/plain, a form's type (api/admin/csrf.ts): say nothing.
  if (!options.body) headers.delete('Content-Type');
  const { status, headers: answered, json } = await api(url, { method: options.method, body: options.body ?? undefined, headers, signal: options.signal ?? undefined });
  return { status, headers: answered, body: JSON.stringify(json), json };
}
