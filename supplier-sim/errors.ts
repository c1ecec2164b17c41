import type { z } from 'zod';

/** An answer in the protocol's error shape: `{"error":{"code","message",...extra}}`. */
export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'SimError';
  }
}

/** Validates input; failures become `400 invalid_request` naming each bad field. */
export function parseOr400<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new SimError(400, 'invalid_request', problems.join('; '));
  }
  return parsed.data;
}
