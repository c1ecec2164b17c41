import { z } from 'zod';
import { ORDER_STATUSES } from '../../orders/lifecycle';

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

/** A storefront never sees needs_attention: to it such an order is still processing (orders/order-view.ts). */
const STOREFRONT_STATUSES = ORDER_STATUSES.filter((s) => s !== 'needs_attention');

const DeliveredCodeSchema = z
  .object({
    number: z.string(),
    pin: z.string().optional(),
    url: z.string().optional(),
    expiresAt: z.string().nullable(),
  });

export const OrderViewSchema = z
  .object({
    id: z.uuid(),
    externalRef: z.string(),
    status: z.enum(STOREFRONT_STATUSES as [string, ...string[]]),
    reason: z.string().nullable(),
    currency: z.string(),
    totalAmount: z.number().int().meta({ description: 'Minor units (fen, cents)' }),
    buyer: z.record(z.string(), z.unknown()),
    risk: z.unknown(),
    createdAt: z.string(),
    updatedAt: z.string(),
    deliveredAt: z.string().nullable(),
    items: z.array(
      z.object({
        sku: z.string(),
        name: z.string(),
        quantity: z.number().int(),
        unitPrice: z.number().int(),
        account: z.string().nullable(),
        units: z.array(
          z.object({
            id: z.uuid(),
            status: z.string(),
            code: DeliveredCodeSchema.nullable(),
            receipt: z.object({ receipt: z.string(), account: z.string() }).nullable(),
          }),
        ),
      }),
    ),
    timeline: z.array(z.looseObject({ type: z.string(), at: z.string() })),
    workflow: z.unknown().optional().meta({ description: 'Live workflow state, with ?live=true' }),
  })
  .meta({ id: 'Order' });

export const ProductSchema = z
  .object({
    sku: z.string(),
    name: z.string(),
    currency: z.string(),
    faceValue: z.number().int().nullable(),
    price: z.number().int(),
    fulfilmentMode: z.enum(['stock', 'supplier', 'topup', 'link', 'manual']),
    maxPerOrder: z.number().int().nullable(),
    available: z.number().int(),
  })
  .meta({ id: 'Product' });

export const ProductListSchema = z.object({ data: z.array(ProductSchema) }).meta({ id: 'ProductList' });

export type ErrorAnswer = z.infer<typeof ErrorAnswerSchema>;
export type OrderAnswer = z.infer<typeof OrderViewSchema>;
export type Product = z.infer<typeof ProductSchema>;
