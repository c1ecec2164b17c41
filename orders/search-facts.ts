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

/** One statement: it also rides along with the order's fulfilment plan (orders/plan-fulfilment.ts). */
export async function orderSearchFacts(db: Db, orderId: string): Promise<OrderSearchFacts> {
  const { rows } = await db.raw(
    `SELECT o.merchant_id, o.storefront_id,
            ARRAY(SELECT DISTINCT s.code FROM order_items i JOIN skus s ON s.id = i.sku_id WHERE i.order_id = o.id ORDER BY s.code) AS skus,
            ARRAY(SELECT DISTINCT r.supplier_id::text FROM sku_supplier_routes r JOIN order_items i ON i.sku_id = r.sku_id WHERE i.order_id = o.id ORDER BY 1) AS supplier_ids
       FROM orders o WHERE o.id = ?`,
    [orderId],
  );
  if (rows.length === 0) throw new InvariantBroken('order_missing', { orderId });
  const [order] = rows;
  return { merchantId: order.merchant_id, storefrontId: order.storefront_id, skus: order.skus, supplierIds: order.supplier_ids };
}
