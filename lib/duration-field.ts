import { z } from 'zod';
import { coded } from './field-codes';

/**
 * A duration in whole seconds (`base`, an integer schema) within [min, max], its bounds refinements rather than .min()/.max():
 * a refusal then names the bound as a duration (`minimumSeconds`, `maximumSeconds`), which the
 * console shows as "7 days" in the reader's language, not as a bare 604800. A refinement is
 * opaque to the OpenAPI documents (api/openapi/), so the bounds are stated for them as well.
 */
export function durationSeconds(base: z.ZodNumber, min: number, max: number, words: { tooShort: string; tooLong: string }) {
  return base
    .refine((s) => s >= min, coded('duration_too_short', words.tooShort, { minimumSeconds: min }))
    .refine((s) => s <= max, coded('duration_too_long', words.tooLong, { maximumSeconds: max }))
    .meta({ minimum: min, maximum: max });
}
