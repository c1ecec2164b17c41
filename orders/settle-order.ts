import type { Db } from '../db';
import { InvariantBroken } from '../lib/errors';
import { postSale } from '../ledger/postings-for';
import { rollUpSettled } from './daily-rollup';
import { appendEvent } from './events';
import { unitCostSql } from './unit-cost';

// Settlement records what the order earned and what its units cost. One settlement per order
// (UNIQUE), so a retry records nothing twice.
export async function settleOrder(db: Db, orderId: string): Promise<{ revenue: number; cost: number }> {
  return db.transaction(async (trx) => {
    // The row lock orders this against a refund (orders/refund-order.ts), which reverses what is settled.
    const order = await trx('orders').where({ id: orderId }).forUpdate().first('merchant_id', 'storefront_id', 'currency', 'total_amount', 'status');
    if (!order) throw new InvariantBroken('order_missing', { orderId });
    const settled = await trx('settlements').where({ order_id: orderId }).first('revenue', 'cost');
    if (settled) return { revenue: Number(settled.revenue), cost: Number(settled.cost) }; // a retry after the commit
    if (order.status !== 'delivered') throw new InvariantBroken('order_not_settleable', { status: order.status });
    const units = await trx('deliveries as d')
      .join('order_units as u', 'u.id', 'd.unit_id')
      .join('order_items as i', 'i.id', 'u.order_item_id')
      .where('d.order_id', orderId)
      .orderBy('u.id')
      .select<{ unit_id: string; sku_id: string; price: number; cost: number | string }[]>(
        'u.id as unit_id',
        'u.sku_id',
        'i.unit_price as price',
        trx.raw(`${unitCostSql('u')} as cost`),
      );
    const sold = units.map((u) => ({ unitId: u.unit_id, skuId: u.sku_id, price: Number(u.price), cost: Number(u.cost) }));
    const revenue = Number(order.total_amount);
    const totalCost = sold.reduce((sum, u) => sum + u.cost, 0);
    const inserted = await trx('settlements')
      .insert({
        id: crypto.randomUUID(),
        order_id: orderId,
        merchant_id: order.merchant_id,
        currency: order.currency,
        revenue,
        cost: totalCost,
        gross_profit: revenue - totalCost,
      })
      .onConflict('order_id')
      .ignore()
      .returning('id');
    if (inserted.length > 0) {
      // The ledger's entries for the sale, in the settlement's transaction (ledger/postings-for.ts).
      await postSale(trx, { id: orderId, merchantId: order.merchant_id, storefrontId: order.storefront_id, currency: order.currency.trim() }, sold);
      await rollUpSettled(trx, { orderId, merchantId: order.merchant_id, currency: order.currency, revenue, cost: totalCost });
      await appendEvent(trx, orderId, 'settled', { revenue, cost: totalCost, grossProfit: revenue - totalCost, currency: order.currency });
    }
    return { revenue, cost: totalCost };
  });
}
