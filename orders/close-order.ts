import type { Knex } from 'knex';
import type { Db } from '../db';
import { appendEvent } from './events';
import { releaseReservations } from '../stock/reservations';

export class OrderNotCancellable extends Error {
  constructor(status: string) {
    super(`order is ${status} and can no longer be cancelled`);
    this.name = 'OrderNotCancellable';
  }
}

// Ending an order early: in the same transaction that changes its status, undelivered
// reservations go back to stock, and so do codes already allocated or bought for it, so stock
// is never lost or counted twice and nothing we paid for disappears. Top-ups already made
// cannot be taken back; they are listed on the timeline for a person to settle with the buyer.
async function closeOrder(db: Db, orderId: string, status: 'cancelled' | 'failed', reason: string) {
  return db.transaction((trx) => closeOrderIn(trx, orderId, status, reason));
}

export async function closeOrderIn(trx: Knex.Transaction, orderId: string, status: 'cancelled' | 'failed', reason: string) {
  {
    const order = await trx('orders').where({ id: orderId }).forUpdate().first('status');
    if (order.status === status) return { status, released: 0 };
    if (!['accepted', 'held', 'processing'].includes(order.status)) throw new OrderNotCancellable(order.status);

    const released = await releaseReservations(trx, orderId);
    const returned = await returnAllocatedCodes(trx, orderId);
    const toppedUp = await trx('order_units').where({ order_id: orderId, status: 'allocated' }).whereNotNull('receipt').pluck('id');
    await trx('manual_tasks').where({ order_id: orderId }).whereIn('status', ['open', 'escalated']).update({ status: 'cancelled', updated_at: trx.fn.now() });
    await trx('orders').where({ id: orderId }).update({ status, reason, updated_at: trx.fn.now() });
    await appendEvent(trx, orderId, status, {
      reason,
      releasedUnits: released,
      ...(returned ? { codesReturnedToStock: returned } : {}),
      ...(toppedUp.length ? { toppedUpUnits: toppedUp.length, note: 'these units were topped up before the order closed; settle them with the buyer' } : {}),
    });
    return { status, released };
  }
}

async function returnAllocatedCodes(trx: Knex.Transaction, orderId: string): Promise<number> {
  const codes = await trx('codes as c')
    .join('order_units as u', 'u.id', 'c.unit_id')
    .where({ 'u.order_id': orderId, 'u.status': 'allocated' })
    .forUpdate()
    .select('c.id', 'c.sku_id', 'u.id as unit_id');
  if (codes.length === 0) return 0;
  await trx('codes').whereIn('id', codes.map((c) => c.id)).update({ status: 'available', unit_id: null, allocated_at: null });
  await trx('order_units').whereIn('id', codes.map((c) => c.unit_id)).update({ status: 'released' });
  const perSku = new Map<string, number>();
  for (const c of codes) perSku.set(c.sku_id, (perSku.get(c.sku_id) ?? 0) + 1);
  for (const [skuId, n] of [...perSku].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await trx('skus').where({ id: skuId }).increment('stock_available', n);
  }
  return codes.length;
}

export const cancelOrder = (db: Db, orderId: string, reason: string) => closeOrder(db, orderId, 'cancelled', reason);
export const failOrder = (db: Db, orderId: string, reason: string) => closeOrder(db, orderId, 'failed', reason);
