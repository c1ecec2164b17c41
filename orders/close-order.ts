import type { Knex } from 'knex';
import type { Db } from '../db';
import { InvariantBroken } from '../lib/errors';
import { orderMetrics } from '../lib/metrics';
import { releaseReservations } from '../stock/reservations';
import { returnBalance } from '../storefronts/prepaid-balance';
import { rollUpClosed } from './daily-rollup';
import { appendEvent } from './events';
import { mayClose } from './lifecycle';
import { codedVoidReason } from '../stock/void-reasons';
import { giveBackGoods } from './unit-goods';
import { undoBundleParts } from './bundle-undo';

export class OrderNotCancellable extends Error {
  constructor(status: string) {
    super(`order is ${status} and can no longer be cancelled`);
    this.name = 'OrderNotCancellable';
  }
}

// Ending an order early, in the same transaction that changes its status. Reservations not yet
// turned into codes always go back to stock. Then:
//   - cancelled: the goods go back too (orders/unit-goods.ts), so stock is never lost or counted
//     twice and nothing we paid for disappears;
//   - failed: the goods it already holds stay with it, so a retry fetches only what is missing
//     and nothing paid for is bought again (a refund gives them back).
// Top-ups already made cannot be taken back; they are listed for a person to settle with the buyer.
async function closeOrder(db: Db, orderId: string, status: 'cancelled' | 'failed', reason: string) {
  const closed = await db.transaction((trx) => closeOrderIn(trx, orderId, status, reason));
  if (closed.closedNow && status === 'failed') orderMetrics.failed.inc();
  return { status: closed.status, released: closed.released };
}

export async function closeOrderIn(trx: Knex.Transaction, orderId: string, status: 'cancelled' | 'failed', reason: string) {
  const order = await trx('orders').where({ id: orderId }).forUpdate().first('status', 'merchant_id', 'storefront_id');
  if (!order) throw new InvariantBroken('order_missing', { orderId });
  if (order.status === status) return { status, released: 0, closedNow: false };
  if (!mayClose(order.status)) throw new OrderNotCancellable(order.status);

  const released = await releaseReservations(trx, orderId);
  // A failing bundle whose policy is `undo` gives back its parts first (orders/bundle-undo.ts).
  if (status === 'failed') await undoBundleParts(trx, orderId, reason);
  const goods = status === 'cancelled' ? await giveBackGoods(trx, orderId, { bought: 'restock', voidReason: codedVoidReason('order_cancelled', {}, reason) }) : [];
  const restocked = goods.filter((g) => g.goods === 'restocked').map((g) => g.unitId);
  if (restocked.length) await trx('order_units').whereIn('id', restocked).update({ status: 'released' });
  const toppedUp = goods.filter((g) => g.goods === 'kept').length;
  const held = status === 'failed' ? await trx('order_units').where({ order_id: orderId, status: 'allocated' }).count<{ n: number }[]>('* as n') : [{ n: 0 }];
  await trx('manual_tasks').where({ order_id: orderId }).whereIn('status', ['open', 'escalated']).update({ status: 'cancelled', updated_at: trx.fn.now() });
  await trx('orders').where({ id: orderId }).update({ status, reason, updated_at: trx.fn.now() });
  await rollUpClosed(trx, orderId, status);
  // A prepaid storefront's balance gets back what the order drew (a credit limit frees itself: it counts open orders).
  const balanceReturned = await returnBalance(
    trx,
    { id: orderId, merchant_id: order.merchant_id, storefront_id: order.storefront_id },
    { key: `close:${orderId}`, kind: 'order_closed' },
  );
  await appendEvent(trx, orderId, status, {
    reason,
    releasedUnits: released,
    ...(restocked.length ? { codesReturnedToStock: restocked.length } : {}),
    ...(balanceReturned ? { balanceReturned } : {}),
    ...(Number(held[0].n) ? { unitsKept: Number(held[0].n) } : {}),
    ...(toppedUp ? { toppedUpUnits: toppedUp, note: 'these units were topped up before the order closed; settle them with the buyer' } : {}),
  });
  return { status, released, closedNow: true };
}

export const cancelOrder = (db: Db, orderId: string, reason: string) => closeOrder(db, orderId, 'cancelled', reason);
export const failOrder = (db: Db, orderId: string, reason: string) => closeOrder(db, orderId, 'failed', reason);
