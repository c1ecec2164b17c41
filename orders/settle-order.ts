import type { Db } from '../db';
import { InvariantBroken } from '../lib/errors';
import { rollUpSettled } from './daily-rollup';
import { appendEvent } from './events';
import { unitCostSql } from './unit-cost';

// Settlement records what the order earned and what its units cost. One settlement per order
// (UNIQUE), so a retry records nothing twice.
export async function settleOrder(db: Db, orderId: string): Promise<{ revenue: number; cost: number }> {
  return db.transaction(async (trx) => {
    // The row lock orders this against a refund (orders/refund-order.ts), which reverses what is settled.
    const order = await trx('orders').where({ id: orderId }).forUpdate().first('merchant_id', 'currency', 'total_amount', 'status');
    const settled = await trx('settlements').where({ order_id: orderId }).first('revenue', 'cost');
    if (settled) return { revenue: Number(settled.revenue), cost: Number(settled.cost) }; // a retry after the commit
    if (order.status !== 'delivered') throw new InvariantBroken('order_not_settleable', { status: order.status });
    const [{ cost }] = await trx('deliveries as d')
      .join('order_units as u', 'u.id', 'd.unit_id')
      .where('d.order_id', orderId)
      .select<{ cost: string | null }[]>(trx.raw(`sum(${unitCostSql('u')}) as cost`));
    const revenue = Number(order.total_amount);
    const totalCost = Number(cost ?? 0);
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
      await rollUpSettled(trx, { orderId, merchantId: order.merchant_id, currency: order.currency, revenue, cost: totalCost });
      await appendEvent(trx, orderId, 'settled', { revenue, cost: totalCost, grossProfit: revenue - totalCost, currency: order.currency });
    }
    return { revenue, cost: totalCost };
  });
}
