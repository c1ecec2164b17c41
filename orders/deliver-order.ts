import crypto from 'node:crypto';
import type { Db } from '../db';
import { InvariantBroken } from '../lib/errors';
import { orderMetrics } from '../lib/metrics';
import { notifyOnCommit } from '../lib/pg-notifications';
import { appendEvent } from './events';
import { queueWebhook } from './webhook-outbox';

// Delivery is recorded before anyone is told: from this commit on, the storefront can fetch
// the codes through the API whatever happens to webhooks. One delivery row per unit (UNIQUE).
// With `queueWebhook` (workflows from the outbox on), the `order.delivered` webhook is queued
// in the same transaction; older workflows send it themselves, as a step after this one.
export async function deliverOrder(db: Db, orderId: string, opts: { queueWebhook?: boolean } = {}): Promise<{ delivered: number }> {
  const { delivered, acceptedAt } = await deliverOnce(db, orderId, opts.queueWebhook ?? false);
  // Counted once the delivery committed, and not again when a repeated step finds it done.
  if (acceptedAt) {
    orderMetrics.delivered.inc();
    orderMetrics.acceptToDeliveredSeconds.observe((Date.now() - acceptedAt.getTime()) / 1000);
  }
  return { delivered };
}

async function deliverOnce(db: Db, orderId: string, queue: boolean): Promise<{ delivered: number; acceptedAt?: Date }> {
  return db.transaction(async (trx) => {
    const order = await trx('orders').where({ id: orderId }).forUpdate().first('status', 'created_at');
    if (!order) throw new InvariantBroken('order_missing', { orderId });
    if (order.status === 'delivered') {
      const [{ count }] = await trx('deliveries').where({ order_id: orderId }).count<{ count: number }[]>('* as count');
      return { delivered: Number(count) };
    }
    if (order.status !== 'processing') throw new InvariantBroken('order_not_deliverable', { status: order.status });

    // Each unit carries a code, or for a top-up the supplier's receipt.
    const units = await trx('order_units as u')
      .leftJoin('codes as c', 'c.unit_id', 'u.id')
      .where({ 'u.order_id': orderId, 'u.status': 'allocated' })
      .andWhere((q) => q.whereNotNull('c.id').orWhereNotNull('u.receipt'))
      .select('u.id as unit_id', 'c.id as code_id');
    const [{ count: unitCount }] = await trx('order_units').where({ order_id: orderId }).count<{ count: number }[]>('* as count');
    if (units.length !== Number(unitCount)) {
      throw new InvariantBroken('units_without_code', { withCode: units.length, units: Number(unitCount) });
    }
    await trx('deliveries')
      .insert(units.map((u) => ({ id: crypto.randomUUID(), order_id: orderId, unit_id: u.unit_id, code_id: u.code_id })))
      .onConflict('unit_id')
      .ignore();
    await trx('order_units').where({ order_id: orderId }).update({ status: 'delivered' });
    await trx('orders').where({ id: orderId }).update({ status: 'delivered', delivered_at: trx.fn.now(), updated_at: trx.fn.now() });
    await appendEvent(trx, orderId, 'delivered', { units: units.length });
    if (queue) await queueWebhook(trx, { type: 'order.delivered', orderId });
    // Wakes a storefront request waiting for this order (Prefer: wait, api/storefront/wait-for-delivery.ts).
    await notifyOnCommit(trx, 'order_decided', orderId);
    return { delivered: units.length, acceptedAt: order.created_at };
  });
}
