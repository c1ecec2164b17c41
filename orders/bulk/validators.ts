import { z } from 'zod';
import { coded } from '../../lib/field-codes';

// What a bulk order request may hold (issue 15): one SKU, a quantity or one recipient per unit,
// and whether a partial delivery is acceptable. Unknown fields are refused.

/** Each unit is a row, a code and a line of the file: bound what one request can make the system do. */
export const MAX_BULK_UNITS = 50_000;

export const BulkOrderRequestSchema = z
  .object({
    externalRef: z.string().trim().min(1).max(128),
    sku: z.string().trim().min(1).max(64),
    quantity: z.number().int().min(1).max(MAX_BULK_UNITS).optional(),
    // One per unit, in order: an employee's email, phone or staff number (a CSV's first column).
    recipients: z.array(z.string().trim().min(1).max(254)).min(1).max(MAX_BULK_UNITS).optional(),
    // false (the default): every unit or none.
    partialAllowed: z.boolean().default(false),
  })
  .strict()
  .refine((r) => r.quantity !== undefined || r.recipients !== undefined, { ...coded('quantity_or_recipients', 'give quantity or recipients'), path: ['quantity'] })
  .refine((r) => r.quantity === undefined || r.recipients === undefined || r.quantity === r.recipients.length, {
    ...coded('quantity_not_recipients', 'quantity must equal the number of recipients'),
    path: ['quantity'],
  });
export type BulkOrderRequest = z.infer<typeof BulkOrderRequestSchema>;

export const PriceTiersSchema = z
  .object({
    storefrontId: z.uuid(),
    sku: z.string().trim().min(1).max(64),
    tiers: z
      .array(z.object({ minQuantity: z.number().int().min(1).max(MAX_BULK_UNITS), unitPrice: z.number().int().min(0) }).strict())
      .max(20)
      .refine((t) => new Set(t.map((x) => x.minQuantity)).size === t.length, coded('quantity_break_repeated', 'each quantity break once')),
  })
  .strict();
export type PriceTiers = z.infer<typeof PriceTiersSchema>;
