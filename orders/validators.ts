import { z } from 'zod';
import { coded } from '../lib/field-codes';
import { phoneNumber } from '../lib/phone-number';
import { riskSignalFields } from '../risk/signal-fields';

// What a storefront may send when it submits a paid order. Unknown fields are refused so a
// typo ("quantiy") is an error, not a silently ignored value.

// Each unit is a row and, later, a code: bound what one request can make the system do.
export const MAX_UNITS_PER_ITEM = 1000;
export const MAX_UNITS_PER_ORDER = 1000;

export const BuyerSchema = z
  .object({
    accountId: z.string().trim().min(1).max(128).optional(),
    email: z.email().max(254).optional(),
    phone: phoneNumber.optional(),
    ip: z.union([z.ipv4(), z.ipv6()]).optional(),
    deviceId: z.string().trim().min(1).max(128).optional(),
    // Risk signals (account age, countries, payment instrument): see risk/signal-fields.ts.
    ...z.object(riskSignalFields).partial().shape,
  })
  .strict();

export const OrderRequestSchema = z
  .object({
    externalRef: z.string().trim().min(1).max(128),
    items: z
      .array(
        z
          .object({
            sku: z.string().trim().min(1).max(64),
            quantity: z.number().int().min(1).max(MAX_UNITS_PER_ITEM),
            // The buyer's game or video account, for direct top-up SKUs (直充).
            account: z.string().trim().min(1).max(128).optional(),
            // The face value of each unit, for custom face value SKUs (面值自定义), minor units.
            amount: z.number().int().min(1).max(1e12).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(50)
      .refine((items) => new Set(items.map((i) => i.sku)).size === items.length, coded('sku_repeated', 'each SKU may appear only once; put the total in quantity'))
      .refine(
        (items) => items.reduce((n, i) => n + i.quantity, 0) <= MAX_UNITS_PER_ORDER,
        coded('too_many_units', `an order may hold at most ${MAX_UNITS_PER_ORDER} units in all`, { maximum: MAX_UNITS_PER_ORDER }),
      ),
    buyer: BuyerSchema.default({}),
    // Where the storefront says the order came from, for reports by channel and campaign
    // (e.g. channel "wechat-mini", campaign "double-11"): labels, not checked against a list.
    channel: z.string().trim().min(1).max(64).optional(),
    campaign: z.string().trim().min(1).max(64).optional(),
  })
  .strict();

export type OrderRequest = z.infer<typeof OrderRequestSchema>;
export type Buyer = z.infer<typeof BuyerSchema>;

export const CancelRequestSchema = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();

/** A storefront finds its order by the externalRef it gave. */
export const OrderLookupQuerySchema = z.object({ externalRef: z.string().trim().min(1).max(128) }).strict();
