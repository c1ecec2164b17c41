import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { AppError, type ErrorKind } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { OutboundHttp } from '../lib/outbound-http';
import type { ErrorAnswer } from './openapi/answers';

// The one place errors become HTTP: `{ error: { code, message, details? } }` with a stable code
// (its schema, ErrorAnswerSchema in api/openapi/answers.ts, is what the API documents say).

const STATUS: Record<ErrorKind, number> = {
  invalid_input: 400,
  unauthorized: 401,
  payment_required: 402,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
};

/** Validates with a zod schema; failures list each bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, where = 'body'): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new AppError('invalid_input', 'validation_failed', `The request ${where} is invalid`, {
      // In a query string the thing to correct is the parameter (sort, range, filter), however
      // deep inside its JSON the problem is: `field` names it for `errors`, `path` stays exact.
      fields: parsed.error.issues.map((i) => ({
        path: i.path.join('.'),
        ...(where === 'query' && i.path.length > 1 ? { field: String(i.path[0]) } : {}),
        message: i.message,
      })),
    });
  }
  return parsed.data;
}

/**
 * A merchant-set address (a webhook URL, a supplier's base URL) that the guarded outbound client
 * would refuse is refused when it is saved, as a 400 naming the field.
 */
export async function checkOutboundTarget(outbound: OutboundHttp, field: string, url: string | null | undefined): Promise<void> {
  if (!url) return;
  const refused = await outbound.refusalOf(url);
  if (refused) throw new AppError('invalid_input', 'validation_failed', `The ${field} is not allowed: ${refused}`, { fields: [{ path: field, message: refused }] });
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', 'route_not_found', `No route for ${req.method} ${req.path}`));
};

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let e: AppError;
    if (err instanceof AppError) e = err;
    else if (err?.type === 'entity.parse.failed') e = new AppError('invalid_input', 'malformed_json', 'The request body is not valid JSON');
    else if (err?.type === 'entity.too.large') e = new AppError('too_large', 'body_too_large', `The request body exceeds ${err.limit} bytes`);
    else if (err?.type === 'encoding.unsupported' || err?.type === 'charset.unsupported') e = new AppError('invalid_input', 'unsupported_encoding', err.message);
    else {
      // Unexpected: log the details, answer without them (they may hold internals).
      log.error({ err, method: req.method, path: req.path }, 'unhandled error');
      e = new AppError('unavailable', 'internal_error', 'Something went wrong on our side; the request can be retried');
      res.status(500);
    }
    if (res.statusCode < 400) res.status(STATUS[e.kind]);
    const answer: ErrorAnswer = { error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) }, ...fieldErrors(e.details) };
    res.json(answer);
  };
}

/** Per-field messages also as `errors: { field: message }`, the form react-admin puts beside its inputs. */
function fieldErrors(details: unknown): { errors?: Record<string, string> } {
  const fields = (details as { fields?: { path: string; field?: string; message: string }[] } | undefined)?.fields;
  if (!Array.isArray(fields) || fields.length === 0) return {};
  const errors: Record<string, string> = {};
  for (const f of fields) errors[f.field ?? (f.path || 'root')] ??= f.message;
  return { errors };
}
