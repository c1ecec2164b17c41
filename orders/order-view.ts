import type { Db } from '../db';
import type { CodeVault } from '../lib/code-vault';
import { openCode } from '../stock/code-secret';

// The order as a storefront sees it: status, items, units with their delivered codes, and the
// timeline. Codes are decrypted only here, only for delivered units, only for the owner.

export interface OrderView {
  id: string;
  externalRef: string;
  status: string;
  reason: string | null;
  currency: string;
  totalAmount: number;
  buyer: Record<string, unknown>;
  risk: unknown;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
  items: {
    sku: string;
    name: string;
    quantity: number;
    unitPrice: number;
    /** The buyer's account, for top-ups. */
    account: string | null;
    units: {
      id: string;
      status: string;
      code: null | { number: string; pin?: string; url?: string; expiresAt: string | null };
      /** A delivered top-up's proof from the supplier. */
      receipt: null | { receipt: string; account: string };
    }[];
  }[];
  timeline: ({ type: string; at: string } & Record<string, unknown>)[];
}

export async function loadOrderView(
  db: Db,
  vault: CodeVault,
  where: { id?: string; externalRef?: string; storefrontId: string },
): Promise<OrderView | undefined> {
  const q = db('orders').where({ storefront_id: where.storefrontId });
  if (where.id) q.andWhere({ id: where.id });
  if (where.externalRef) q.andWhere({ external_ref: where.externalRef });
  const order = await q.first();
  if (!order) return undefined;

  const [items, units, events] = await Promise.all([
    db('order_items as i')
      .join('skus as s', 's.id', 'i.sku_id')
      .where('i.order_id', order.id)
      .orderBy('s.code')
      .select('i.id', 'i.quantity', 'i.unit_price', 'i.account', 's.code', 's.name'),
    db('order_units as u')
      .leftJoin('codes as c', 'c.unit_id', 'u.id')
      .where('u.order_id', order.id)
      .orderBy(['u.order_item_id', 'u.seq'])
      .select('u.id', 'u.order_item_id', 'u.status', 'u.receipt', 'c.id as code_id', 'c.key_id', 'c.secret', 'c.expires_at'),
    db('order_events').where({ order_id: order.id }).orderBy('id').select('type', 'detail', 'created_at'),
  ]);

  return {
    id: order.id,
    externalRef: order.external_ref,
    status: order.status,
    reason: order.reason,
    currency: order.currency,
    totalAmount: order.total_amount,
    buyer: order.buyer,
    risk: order.risk,
    createdAt: order.created_at.toISOString(),
    updatedAt: order.updated_at.toISOString(),
    deliveredAt: order.delivered_at?.toISOString() ?? null,
    items: items.map((i) => ({
      sku: i.code,
      name: i.name,
      quantity: i.quantity,
      unitPrice: i.unit_price,
      account: i.account ?? null,
      units: units
        .filter((u) => u.order_item_id === i.id)
        .map((u) => ({
          id: u.id,
          status: u.status,
          code:
            u.status === 'delivered' && u.code_id
              ? { ...openCode(vault, { id: u.code_id, key_id: u.key_id, secret: u.secret }), expiresAt: u.expires_at?.toISOString() ?? null }
              : null,
          receipt: u.status === 'delivered' && u.receipt ? { receipt: u.receipt.receipt, account: u.receipt.account } : null,
        })),
    })),
    timeline: events.map((e) => ({ type: e.type, at: e.created_at.toISOString(), ...e.detail })),
  };
}
