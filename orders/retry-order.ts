import type { Db } from '../db';
import { recordAudit } from '../lib/audit';
import { conflict, notFound } from '../lib/errors';
import { reserveStock } from '../stock/reservations';
import { appendEvent } from './events';

// Retrying a failed order (say its codes had expired and new stock has come in): reserve its
// units again and run a fresh workflow under the same workflow id. The workflow is started
// inside the transaction, so a Temporal that does not answer leaves the order failed and
// unchanged; the new run's first step waits on the order row until this commits.

export async function retryOrder(
  db: Db,
  req: { orderId: string; merchantId: string; actor: string },
  startFreshRun: (orderId: string) => Promise<void>,
): Promise<void> {
  await db.transaction(async (trx) => {
    const order = await trx('orders').where({ id: req.orderId, merchant_id: req.merchantId }).forUpdate().first();
    if (!order) throw notFound('Order');
    if (order.status !== 'failed') throw conflict('not_retryable', `The order is ${order.status}; only a failed order can be retried`);

    const items = await trx('order_items as i').join('skus as s', 's.id', 'i.sku_id').where('i.order_id', order.id).select('i.id', 'i.quantity', 's.id as sku_id', 's.code');
    // In SKU-id order, as acceptance reserves, so the two never deadlock.
    for (const item of [...items].sort((a, b) => (a.sku_id < b.sku_id ? -1 : 1))) {
      await reserveStock(trx, { id: item.sku_id, code: item.code }, item.quantity);
    }
    await trx('reservations').where({ order_id: order.id }).update({ status: 'held', updated_at: trx.fn.now() });
    await trx('order_units').where({ order_id: order.id, status: 'released' }).update({ status: 'pending' });
    // The risk decision already taken stands: the new run goes straight on to allocation.
    const passedRisk = order.risk?.decision === 'allow';
    await trx('orders')
      .where({ id: order.id })
      .update({ status: passedRisk ? 'processing' : 'accepted', reason: null, risk: passedRisk ? JSON.stringify(order.risk) : null, updated_at: trx.fn.now() });
    await appendEvent(trx, order.id, 'retried', { by: req.actor, previousReason: order.reason });
    await recordAudit(trx, { merchantId: order.merchant_id, actor: req.actor, action: 'order.retried', target: `order:${order.id}`, detail: { previousReason: order.reason } });
    await startFreshRun(order.id);
  });
}
