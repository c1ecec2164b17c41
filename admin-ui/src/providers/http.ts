import { HttpError, type fetchUtils } from 'react-admin';

// Every request of the console goes through here: same-origin, with the session cookie. Errors
// keep the API's shape ({ error: { code, message, details } }) and turn its per-field messages
// into react-admin's { errors: { field: message } }, so forms show them beside the inputs.

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
  const res = await fetch(path.startsWith('/') ? path : `/admin/${path}`, { ...init, body, headers, credentials: 'same-origin' });
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

export function toHttpError(status: number, body: ApiErrorBody | undefined, fallback: string): HttpError {
  const message = body?.error?.message ?? fallback ?? 'Request failed';
  return new HttpError(message, status, { ...body, errors: body?.errors, code: body?.error?.code });
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
