import crypto from 'node:crypto';
import type { Db } from '../db';
import { recordAudit } from '../lib/audit';
import { conflict, notFound } from '../lib/errors';
import { releaseReservations } from '../stock/reservations';
import { appendEvent } from './events';

// A refund, in one transaction: stock the order still holds goes back (held reservations,
// codes allocated but never delivered), codes the buyer received are voided (they are spent and
// must never be sold again), the settlement is reversed, the order becomes `refunded`, and the
// timeline and the audit log say who did it and why.
//
// Only a finished order is refunded here: a delivered one (once settled) or a failed one. An
// order still in its workflow is cancelled instead, or refunded when it has finished, so the
// workflow and the refund never change the same order at once.

export const REFUNDABLE = ['delivered', 'failed'];

export interface RefundResult {
  amount: number;
  currency: string;
  unitsReleased: number;
  codesVoided: number;
  revenueReversed: number;
  costReversed: number;
}

export async function refundOrder(db: Db, req: { orderId: string; merchantId: string; reason: string; actor: string }): Promise<RefundResult> {
  return db.transaction(async (trx) => {
    // Settlement takes this lock too, so a refund sees either no settlement or a committed one.
    const order = await trx('orders').where({ id: req.orderId, merchant_id: req.merchantId }).forUpdate().first();
    if (!order) throw notFound('Order');
    if (order.status === 'refunded') throw conflict('already_refunded', 'The order has already been refunded');
    if (!REFUNDABLE.includes(order.status)) {
      throw conflict('not_refundable', `The order is ${order.status} and still being fulfilled; cancel it, or refund it once it is delivered or failed`);
    }
    const settlement = await trx('settlements').where({ order_id: order.id }).first();
    if (order.status === 'delivered' && !settlement) {
      throw conflict('refund_not_ready', 'The order is delivered and its settlement is being recorded; try again in a moment');
    }

    const heldReleased = await releaseReservations(trx, order.id);

    // Allocated but never delivered: back to stock, as if never taken.
    const allocated = await trx('codes as c')
      .join('order_units as u', 'u.id', 'c.unit_id')
      .join('stock_batches as b', 'b.id', 'c.batch_id')
      .where({ 'u.order_id': order.id, 'u.status': 'allocated' })
      .select('c.id', 'c.sku_id', 'u.id as unit_id', 'b.unit_cost');
    if (allocated.length) {
      await trx('codes').whereIn('id', allocated.map((c) => c.id)).update({ status: 'available', unit_id: null, allocated_at: null });
      await trx('order_units').whereIn('id', allocated.map((c) => c.unit_id)).update({ status: 'released' });
      const perSku = new Map<string, number>();
      for (const c of allocated) perSku.set(c.sku_id, (perSku.get(c.sku_id) ?? 0) + 1);
      for (const [skuId, n] of [...perSku].sort(([a], [b]) => (a < b ? -1 : 1))) await trx('skus').where({ id: skuId }).increment('stock_available', n);
    }

    // Delivered: the buyer has them; void so they are never sold again.
    const voided = await trx('codes')
      .whereIn('id', trx('deliveries').where({ order_id: order.id }).select('code_id'))
      .whereNot('status', 'voided')
      .update({ status: 'voided', voided_at: trx.fn.now(), void_reason: 'order refunded' });

    // Released codes were never part of the settlement (it counts delivered codes only).
    const result: RefundResult = {
      amount: Number(order.total_amount),
      currency: order.currency,
      unitsReleased: heldReleased + allocated.length,
      codesVoided: voided,
      revenueReversed: settlement ? Number(settlement.revenue) : 0,
      costReversed: 0,
    };
    await trx('refunds').insert({
      id: crypto.randomUUID(),
      order_id: order.id,
      merchant_id: order.merchant_id,
      currency: order.currency,
      amount: result.amount,
      revenue_reversed: result.revenueReversed,
      cost_reversed: result.costReversed,
      units_released: result.unitsReleased,
      codes_voided: result.codesVoided,
      reason: req.reason,
      refunded_by: req.actor,
    });
    await trx('orders').where({ id: order.id }).update({ status: 'refunded', reason: req.reason, updated_at: trx.fn.now() });
    await appendEvent(trx, order.id, 'refunded', { reason: req.reason, by: req.actor, ...result });
    await recordAudit(trx, { merchantId: order.merchant_id, actor: req.actor, action: 'order.refunded', target: `order:${order.id}`, detail: { reason: req.reason, previousStatus: order.status, ...result } });
    return result;
  });
}
