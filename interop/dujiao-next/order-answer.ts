import type { Knex } from 'knex';
import type { DujiaoOrderRow } from '../../db/tables';
import type { CodeVault } from '../../lib/code-vault';
import { loadOrderView, type OrderView } from '../../orders/order-view';
import type { DujiaoStatus } from './protocol';
import { payloadLine } from './protocol';
import { toDecimal } from './money';

// A Cardflow order as the dujiao-next protocol shows it (§4.5, §4.6, §5): the same view a
// storefront gets from /v1/orders (codes opened only there), in the protocol's words.

/**
 * The protocol's status for a storefront's view of an order. Failed and refunded orders are not
 * charged, so to the shop they are canceled: its own order is then canceled and refunded (§5).
 */
export function dujiaoStatus(status: OrderView['status']): DujiaoStatus {
  switch (status) {
    case 'accepted':
    case 'held':
      return 'paid';
    case 'processing':
      return 'fulfilling';
    case 'delivered':
      return 'delivered';
    default:
      return 'canceled';
  }
}

/** The order's number, status, amount and (delivered) goods; undefined when the storefront cannot see it. */
export async function dujiaoOrderDetail(db: Knex, vault: CodeVault, row: Pick<DujiaoOrderRow, 'id' | 'order_id' | 'storefront_id'>) {
  const view = await loadOrderView(db, vault, { id: row.order_id, storefrontId: row.storefront_id });
  if (!view) return undefined;
  const skuNos = new Map<string, number>(
    (await db('skus as s').join('order_items as i', 'i.sku_id', 's.id').where('i.order_id', row.order_id).select('s.code', 's.public_no')).map((s) => [
      s.code,
      Number(s.public_no),
    ]),
  );
  const status = dujiaoStatus(view.status);
  const lines = view.items.flatMap((i) => i.units.flatMap((u) => (u.code ? [payloadLine(u.code)] : [])));
  return {
    ok: true as const,
    order_id: row.id,
    order_no: view.id,
    status,
    amount: toDecimal(view.totalAmount, view.currency),
    currency: view.currency,
    items: view.items.map((i) => ({
      product_id: skuNos.get(i.sku),
      sku_id: skuNos.get(i.sku),
      title: { 'zh-CN': i.name, en: i.name },
      quantity: i.quantity,
      unit_price: toDecimal(i.unitPrice, view.currency),
      total_price: toDecimal(i.unitPrice * i.quantity, view.currency),
      fulfillment_type: 'auto',
    })),
    ...(status === 'delivered' ? { fulfillment: { type: 'auto', status: 'delivered', payload: lines.join('\n'), delivery_data: null, delivered_at: view.deliveredAt } } : {}),
  };
}
