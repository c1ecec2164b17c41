import { z } from 'zod';
import { OrderViewSchema } from '../../orders/order-view';

// What the APIs answer, as zod schemas: the OpenAPI documents are generated from them
// (api/openapi/), the TypeScript client takes its types from them (clients/typescript/), and the
// contract test checks real answers against the documents.

export const ErrorAnswerSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Stable machine-readable code, e.g. sold_out, validation_failed, idempotency_conflict' }),
      message: z.string().meta({ description: 'English fallback text for a person' }),
      details: z.unknown().optional(),
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
