import type { Db } from '../db';
import { InvariantBroken } from '../lib/errors';

// What an order's workflow is tagged with in Temporal's visibility store, so an operator can
// list "orders stuck in purchasing for supplier X" (docs/OPERATIONS.md#finding-orders-in-temporal).
// Ids and SKU codes only: nothing a buyer typed, nothing secret.
export interface OrderSearchFacts {
  merchantId: string;
  storefrontId: string;
  skus: string[];
  supplierIds: string[];
}

export async function orderSearchFacts(db: Db, orderId: string): Promise<OrderSearchFacts> {
  const order = await db('orders').where({ id: orderId }).first('merchant_id', 'storefront_id');
  if (!order) throw new InvariantBroken('order_missing', { orderId });
  const skus = await db('order_items as i').join('skus as s', 's.id', 'i.sku_id').where('i.order_id', orderId).distinct().orderBy('s.code').pluck('s.code');
  const supplierIds = await db('sku_supplier_routes as r')
    .join('order_items as i', 'i.sku_id', 'r.sku_id')
    .where('i.order_id', orderId)
    .distinct()
    .orderBy('r.supplier_id')
    .pluck('r.supplier_id');
  return { merchantId: order.merchant_id, storefrontId: order.storefront_id, skus, supplierIds };
}
