import type { Db } from '../db';
import { appendEvent } from '../orders/events';
import { releaseReservations } from '../stock/reservations';

export class OrderNotCancellable extends Error {
  constructor(status: string) {
    super(`order is ${status} and can no longer be cancelled`);
    this.name = 'OrderNotCancellable';
  }
}

// Ending an order early: its undelivered reservations go back to stock in the same
// transaction that changes its status, so stock is never lost or counted twice.
async function closeOrder(db: Db, orderId: string, status: 'cancelled' | 'failed', reason: string) {
  return db.transaction(async (trx) => {
    const order = await trx('orders').where({ id: orderId }).forUpdate().first('status');
    if (order.status === status) return { status, released: 0 };
    if (!['accepted', 'held', 'processing'].includes(order.status)) throw new OrderNotCancellable(order.status);
    const allocated = await trx('order_units').where({ order_id: orderId }).whereIn('status', ['allocated', 'delivered']).first('id');
    if (allocated) throw new OrderNotCancellable('already holding codes');

    const released = await releaseReservations(trx, orderId);
    await trx('orders').where({ id: orderId }).update({ status, reason, updated_at: trx.fn.now() });
    await appendEvent(trx, orderId, status, { reason, releasedUnits: released });
    return { status, released };
  });
}

export const cancelOrder = (db: Db, orderId: string, reason: string) => closeOrder(db, orderId, 'cancelled', reason);
export const failOrder = (db: Db, orderId: string, reason: string) => closeOrder(db, orderId, 'failed', reason);
