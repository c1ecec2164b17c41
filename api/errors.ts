import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { AppError, type ErrorKind } from '../lib/errors';
import { fieldKey, fieldRefusalsOf, type FieldRefusal } from '../lib/field-codes';
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

/** Validates with a zod schema; failures list each bad field with its code and params (lib/field-codes.ts). */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, where = 'body'): z.infer<S> {
  // reportInput tells a missing field from a wrong one; the input itself is not passed on.
  const parsed = schema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    const fields: FieldRefusal[] = fieldRefusalsOf(parsed.error.issues).map((f, n) => {
      // In a query string the thing to correct is the parameter (sort, range, filter), however
      // deep inside its JSON the problem is: `field` names it for `errors`, `path` stays exact.
      const path = parsed.error.issues[n].path;
      return where === 'query' && path.length > 1 ? { ...f, field: String(path[0]) } : f;
    });
    throw new AppError('invalid_input', 'validation_failed', `The request ${where} is invalid`, { fields });
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
  if (refused) throw new AppError('invalid_input', 'validation_failed', `The ${field} is not allowed: ${refused.message}`, { fields: [{ path: field, ...refused }] });
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
    const details = e.details as ErrorAnswer['error']['details'];
    const answer: ErrorAnswer = { error: { code: e.code, message: e.message, ...(details !== undefined ? { details } : {}) }, ...fieldErrors(e.details) };
    res.json(answer);
  };
}

/**
 * Per-field messages also as `errors: { field: message }`, the form react-admin puts beside its
 * inputs, in English for API clients; the console words each from its code instead.
 */
function fieldErrors(details: unknown): { errors?: Record<string, string> } {
  const fields = (details as { fields?: FieldRefusal[] } | undefined)?.fields;
  if (!Array.isArray(fields) || fields.length === 0) return {};
  const errors: Record<string, string> = {};
  for (const f of fields) errors[fieldKey(f)] ??= f.message;
  return { errors };
}
