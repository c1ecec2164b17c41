// One error class for every failure a caller should see, with a stable machine-readable code.
// api/errors.ts is the single place that turns it into HTTP.

export type ErrorKind =
  | 'invalid_input' // 400
  | 'unauthorized' // 401
  | 'forbidden' // 403
  | 'payment_required' // 402
  | 'not_found' // 404
  | 'conflict' // 409
  | 'too_large' // 413
  | 'rate_limited' // 429
  | 'unavailable'; // 503

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const invalidInput = (code: string, message: string, details?: unknown) => new AppError('invalid_input', code, message, details);
export const notFound = (what: string) => new AppError('not_found', 'not_found', `${what} not found`);
export const conflict = (code: string, message: string, details?: unknown) => new AppError('conflict', code, message, details);

/**
 * Something that "cannot happen" did (delivery finds units without code, settlement of an order
 * not delivered): retrying will not fix it, a person must look. Says what broke as a message
 * code with params a console can translate, never a code or secret.
 */
export class InvariantBroken extends Error {
  constructor(
    readonly code: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(`${code} ${JSON.stringify(params)}`);
    this.name = 'InvariantBroken';
  }
}
