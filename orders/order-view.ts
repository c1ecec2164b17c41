import { z } from 'zod';
import { plannedOnce, type Db } from '../db';
import type { CodeVault } from '../lib/code-vault';
import { openCode } from '../stock/code-secret';
import { ORDER_STATUSES } from './lifecycle';

// The order as a storefront sees it: status, items, units with their delivered codes, and the
// timeline. Codes are decrypted only here, only for delivered units, only for the owner.
// Its schema is what the storefront's OpenAPI document and typed client say an order is.

/** A storefront never sees needs_attention: to it such an order is still processing (see below). */
const STOREFRONT_STATUSES = ORDER_STATUSES.filter((s) => s !== 'needs_attention');

const DeliveredCodeSchema = z.object({
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
    bundles: z
      .array(
        z.object({
          sku: z.string(),
          name: z.string(),
          quantity: z.number().int(),
          unitPrice: z.number().int().meta({ description: 'The bundle price: the sum of its parts’ shares' }),
          parts: z.array(z.object({ sku: z.string(), quantity: z.number().int() })).meta({ description: 'Its parts, each also listed in items' }),
        }),
      )
      .meta({ description: 'Bundles ordered: each is delivered with all its parts or not at all' }),
    items: z.array(
      z.object({
        sku: z.string(),
        name: z.string(),
        quantity: z.number().int(),
        unitPrice: z.number().int().meta({ description: 'For a part of a bundle, its share of the bundle price' }),
        bundle: z.string().nullable().meta({ description: 'The bundle (its SKU) this item is a part of' }),
        faceValue: z.number().int().nullable().meta({ description: 'The face value chosen per unit, for custom face value products' }),
        account: z.string().nullable().meta({ description: "The buyer's account, for top-ups" }),
        units: z.array(
          z.object({
            id: z.uuid(),
            status: z.string(),
            code: DeliveredCodeSchema.nullable(),
            receipt: z.object({ receipt: z.string(), account: z.string() }).nullable().meta({ description: "A delivered top-up's proof from the supplier" }),
          }),
        ),
      }),
    ),
    timeline: z.array(z.looseObject({ type: z.string(), at: z.string() })),
    workflow: z.unknown().optional().meta({ description: 'Live workflow state, with ?live=true' }),
  })
  .meta({ id: 'Order' });

export type OrderView = z.infer<typeof OrderViewSchema>;

export async function loadOrderView(db: Db, vault: CodeVault, where: { id?: string; externalRef?: string; storefrontId: string }): Promise<OrderView | undefined> {
  // One round trip: the order with its items, units (and codes) and timeline as JSON arrays.
  // Storefronts poll this; a new order answers with the same view built from what it wrote (acceptedOrderView).
  const { rows } = await plannedOnce(
    db.raw(
      `SELECT o.id, o.external_ref, o.status, o.reason, o.currency, o.total_amount, o.buyer, o.risk, o.created_at, o.updated_at, o.delivered_at,
            (SELECT coalesce(json_agg(x ORDER BY x.code COLLATE "C"), '[]') FROM
               (SELECT i.id, i.quantity, i.unit_price, i.account, i.face_value, i.bundle_quantity, s.code, s.name, b.code AS bundle_code, b.name AS bundle_name
                  FROM order_items i JOIN skus s ON s.id = i.sku_id LEFT JOIN skus b ON b.id = i.bundle_sku_id WHERE i.order_id = o.id) x) AS items_json,
            (SELECT coalesce(json_agg(x ORDER BY x.order_item_id, x.seq), '[]') FROM
               (SELECT u.id, u.order_item_id, u.seq, u.status, u.receipt, c.id AS code_id, c.key_id,
                       encode(c.secret, 'base64') AS secret, c.expires_at
                  FROM order_units u LEFT JOIN codes c ON c.unit_id = u.id WHERE u.order_id = o.id) x) AS units_json,
            (SELECT coalesce(json_agg(x ORDER BY x.id), '[]') FROM
               (SELECT e.id, e.type, e.detail, e.created_at FROM order_events e WHERE e.order_id = o.id) x) AS events_json
       FROM orders o
      WHERE o.storefront_id = ?${where.id ? ' AND o.id = ?' : ''}${where.externalRef ? ' AND o.external_ref = ?' : ''}
      LIMIT 1`,
      [where.storefrontId, ...(where.id ? [where.id] : []), ...(where.externalRef ? [where.externalRef] : [])],
    ),
  );
  const order = rows[0];
  if (!order) return undefined;
  return viewOf(vault, order, order.items_json, order.units_json, order.events_json);
}

/**
 * A just-accepted order as the view would read it, from the rows its acceptance wrote: every
 * accepted order answers with it, and reading it back cost the busiest moment of a sale a second
 * query per order. Nothing is delivered yet, so no code is opened.
 */
export function acceptedOrderView(vault: CodeVault, written: AcceptedOrder): OrderView {
  const { order, lines, units, accepted, at } = written;
  const items: ItemJson[] = lines.map((l) => ({ ...l, bundle_code: l.bundle?.code ?? null, bundle_name: l.bundle?.name ?? null }));
  const unitRows: UnitJson[] = units.map((u) => ({ ...u, receipt: null, code_id: null, key_id: null, secret: null, expires_at: null }));
  const timestamps = { created_at: at, updated_at: at, delivered_at: null };
  const events: EventJson[] = [{ id: 0, type: 'accepted', detail: accepted, created_at: at.toISOString() }];
  // In the view's order: by SKU code, byte by byte (COLLATE "C"; SKU codes are ASCII).
  items.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return viewOf(vault, { ...order, ...timestamps, reason: null, risk: null }, items, unitRows, events);
}

/** What acceptance wrote (orders/accept-order.ts), as acceptedOrderView needs it. */
export interface AcceptedOrder {
  order: { id: string; external_ref: string; status: string; currency: string; total_amount: number; buyer: unknown };
  lines: (Omit<ItemJson, 'bundle_code' | 'bundle_name'> & { bundle?: { code: string; name: string } })[];
  units: { id: string; order_item_id: string; seq: number; status: string }[];
  accepted: Record<string, unknown>;
  /** The acceptance transaction's time: every row it wrote carries it. */
  at: Date;
}

interface OrderRowForView {
  id: string;
  external_ref: string;
  status: string;
  reason: string | null;
  currency: string;
  total_amount: number;
  buyer: unknown;
  risk: unknown;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
}

function viewOf(vault: CodeVault, order: OrderRowForView, items: ItemJson[], units: UnitJson[], events: EventJson[]): OrderView {
  const iso = (at: string | null) => (at === null ? null : new Date(at).toISOString());

  return {
    id: order.id,
    externalRef: order.external_ref,
    // An order stopped for support is the merchant's business: to the storefront it is still being fulfilled.
    status: order.status === 'needs_attention' ? 'processing' : order.status,
    reason: order.status === 'needs_attention' ? null : order.reason,
    currency: order.currency,
    totalAmount: order.total_amount,
    buyer: order.buyer as OrderView['buyer'],
    risk: order.risk,
    createdAt: order.created_at.toISOString(),
    updatedAt: order.updated_at.toISOString(),
    deliveredAt: order.delivered_at?.toISOString() ?? null,
    bundles: bundlesOf(items),
    items: items.map((i) => ({
      sku: i.code,
      name: i.name,
      quantity: i.quantity,
      unitPrice: i.unit_price,
      bundle: i.bundle_code,
      faceValue: i.face_value,
      account: i.account ?? null,
      units: units
        .filter((u) => u.order_item_id === i.id)
        .map((u) => ({
          id: u.id,
          status: u.status,
          code:
            u.status === 'delivered' && u.code_id && u.key_id && u.secret
              ? { ...openCode(vault, { id: u.code_id, key_id: u.key_id, secret: Buffer.from(u.secret, 'base64') }), expiresAt: iso(u.expires_at) }
              : null,
          receipt: u.status === 'delivered' && u.receipt ? { receipt: u.receipt.receipt, account: u.receipt.account } : null,
        })),
    })),
    timeline: events.map((e) => ({ type: e.type, at: iso(e.created_at)!, ...e.detail })),
  };
}

/** The bundles, from their parts' items: a part's quantity is the bundle's times its own per bundle. */
function bundlesOf(items: ItemJson[]): OrderView['bundles'] {
  const bundles = new Map<string, OrderView['bundles'][number]>();
  for (const i of items) {
    if (!i.bundle_code || !i.bundle_quantity) continue;
    const b = bundles.get(i.bundle_code) ?? { sku: i.bundle_code, name: i.bundle_name ?? i.bundle_code, quantity: i.bundle_quantity, unitPrice: 0, parts: [] };
    const perBundle = i.quantity / i.bundle_quantity;
    b.parts.push({ sku: i.code, quantity: perBundle });
    b.unitPrice += perBundle * i.unit_price;
    bundles.set(i.bundle_code, b);
  }
  return [...bundles.values()];
}

// The rows json_agg builds above, as JSON carries them (timestamps as strings).
interface ItemJson {
  id: string;
  quantity: number;
  unit_price: number;
  account: string | null;
  face_value: number | null;
  bundle_quantity: number | null;
  code: string;
  name: string;
  bundle_code: string | null;
  bundle_name: string | null;
}
interface UnitJson {
  id: string;
  order_item_id: string;
  seq: number;
  status: string;
  receipt: { receipt: string; account: string } | null;
  code_id: string | null;
  key_id: string | null;
  secret: string | null;
  expires_at: string | null;
}
interface EventJson {
  id: number;
  type: string;
  detail: Record<string, unknown>;
  created_at: string;
}
