import { z } from 'zod';
import { OrderViewSchema } from '../../orders/order-view';
import { FIELD_CODES } from '../../lib/field-codes';

// What the APIs answer, as zod schemas: the OpenAPI documents are generated from them
// (api/openapi/), the TypeScript client takes its types from them (clients/typescript/), and the
// contract test checks real answers against the documents.

export const FieldRefusalSchema = z
  .object({
    path: z.string().meta({ description: 'The refused field, its path joined with dots (items.0.quantity)' }),
    field: z.string().optional().meta({ description: 'For a query string: the parameter the problem is inside' }),
    code: z.enum(FIELD_CODES).optional().meta({ description: 'Stable machine-readable reason, e.g. required, too_small, invalid_email, shares_mismatch' }),
    params: z
      .record(z.string(), z.union([z.string(), z.number()]))
      .optional()
      .meta({ description: 'What the reason is about, e.g. { minimum: 1 } for too_small' }),
    message: z.string().meta({ description: 'English fallback text for a person' }),
  })
  .meta({ id: 'FieldRefusal' });

export const ErrorAnswerSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Stable machine-readable code, e.g. sold_out, validation_failed, idempotency_conflict' }),
      message: z.string().meta({ description: 'English fallback text for a person' }),
      details: z.looseObject({ fields: z.array(FieldRefusalSchema).optional().meta({ description: 'Each refused field, when the error names fields' }) }).optional(),
    }),
    errors: z.record(z.string(), z.string()).optional().meta({ description: 'Per-field messages, when the error names fields' }),
  })
  .meta({ id: 'Error' });

export const ProductSchema = z
  .object({
    sku: z.string(),
    name: z.string(),
    currency: z.string(),
    faceValue: z.number().int().nullable(),
    price: z.number().int(),
    fulfilmentMode: z.enum(['stock', 'supplier', 'topup', 'link', 'manual', 'bundle']),
    maxPerOrder: z.number().int().nullable(),
    customAmount: z
      .object({ min: z.number().int(), max: z.number().int(), step: z.number().int() })
      .nullable()
      .meta({ description: 'For custom face value products: send items[].amount (minor units) in this range, min plus a multiple of step; the price follows from it' }),
    parts: z
      .array(z.object({ sku: z.string(), name: z.string(), quantity: z.number().int() }))
      .nullable()
      .meta({ description: 'For bundles: the products one unit is made of' }),
    available: z.number().int().nullable().meta({
      description: 'Units that can still be promised, for products sold from imported stock; null for products bought when sold (supplier, top-up, link, by hand)',
    }),
  })
  .meta({ id: 'Product' });

export const ProductListSchema = z.object({ data: z.array(ProductSchema) }).meta({ id: 'ProductList' });

export type ErrorAnswer = z.infer<typeof ErrorAnswerSchema>;
export type OrderAnswer = z.infer<typeof OrderViewSchema>;
export { OrderViewSchema };
export type Product = z.infer<typeof ProductSchema>;
