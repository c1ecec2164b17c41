import type { Knex } from 'knex';
import type { Db } from '../db';
import { raiseAlert, resolveAlert } from '../lib/alerts';
import { recordAudit } from '../lib/audit';
import { InvariantBroken } from '../lib/errors';
import { orderMetrics } from '../lib/metrics';
import type { AttentionProblem, AttentionResolution } from '../workflows/messages';
import { appendEvent } from './events';
import type { OrderStatus } from './lifecycle';
import { reopenManualTask } from './manual-fulfilment';
import { refundOrder } from './refund-order';

// An order whose workflow stopped where a person must look: a step broke an invariant, or ran
// out of retries. Its row says so (status `needs_attention`, which step, what broke as a
// message code with params), an alert tells the merchant, and the workflow waits for a support
// action: retry the step, fulfil the missing units by hand, or refund.

/** As stored on the order row. */
export interface Attention extends AttentionProblem {
  previousStatus: OrderStatus;
  since: string;
  supplierIds: string[];
}

/** The order stops and asks for a person. Repeats (a worker crash mid-step) change nothing. */
export async function markNeedsAttention(db: Db, orderId: string, problem: AttentionProblem): Promise<void> {
  const stoppedNow = await db.transaction(async (trx) => {
    const order = await trx('orders').where({ id: orderId }).forUpdate().first('status', 'merchant_id', 'external_ref');
    if (!order) throw new InvariantBroken('order_missing', { orderId });
    if (order.status === 'needs_attention') return false;
    const attention: Attention = { ...problem, previousStatus: order.status, since: new Date().toISOString(), supplierIds: await suppliersOf(trx, orderId) };
    await trx('orders')
      .where({ id: orderId })
      .update({ status: 'needs_attention', reason: problem.code, attention: JSON.stringify(attention), updated_at: trx.fn.now() });
    await raiseAlert(trx, {
      merchantId: order.merchant_id,
      kind: 'order_needs_attention',
      subjectId: orderId,
      message: `Order ${order.external_ref} stopped at ${problem.step}: ${problem.code} ${JSON.stringify(problem.params)}`,
      detail: { step: problem.step, code: problem.code, params: problem.params },
    });
    await appendEvent(trx, orderId, 'needs_attention', { step: problem.step, code: problem.code, params: problem.params });
    return true;
  });
  if (stoppedNow) orderMetrics.needsAttention.inc();
}

/** The suppliers an order was bought from or routes to, most recent purchase first. */
async function suppliersOf(trx: Knex.Transaction, orderId: string): Promise<string[]> {
  const bought = await trx('supplier_purchases').where({ order_id: orderId }).orderBy('created_at', 'desc').pluck('supplier_id');
  const routed = await trx('sku_supplier_routes as r').join('order_items as i', 'i.sku_id', 'r.sku_id').where('i.order_id', orderId).orderBy('r.priority').pluck('r.supplier_id');
  return [...new Set([...bought, ...routed])];
}

/**
 * A support person chose what happens next: the order goes back to the status it had, the alert
 * is resolved, and the timeline and the audit log say who chose what.
 */
export async function leaveNeedsAttention(db: Db, orderId: string, resolution: AttentionResolution): Promise<void> {
  await db.transaction(async (trx) => {
    const order = await trx('orders').where({ id: orderId }).forUpdate().first('status', 'merchant_id', 'attention');
    if (!order) throw new InvariantBroken('order_missing', { orderId });
    if (order.status !== 'needs_attention') return; // a repeat of this same step
    // A stopped order's attention is the one markNeedsAttention wrote.
    const attention = order.attention as Attention;
    await trx('orders').where({ id: orderId }).update({ status: attention.previousStatus, reason: null, attention: null, updated_at: trx.fn.now() });
    await recordResolution(trx, orderId, { merchant_id: order.merchant_id, attention }, resolution);
  });
}

async function recordResolution(trx: Knex.Transaction, orderId: string, order: { merchant_id: string; attention: Attention }, resolution: AttentionResolution) {
  await resolveAlert(trx, order.merchant_id, 'order_needs_attention', orderId);
  const detail = { action: resolution.action, note: resolution.note, step: order.attention.step, code: order.attention.code };
  await appendEvent(trx, orderId, 'attention_resolved', { ...detail, by: resolution.actor });
  await recordAudit(trx, { merchantId: order.merchant_id, actor: resolution.actor, action: 'order.attention_resolved', target: `order:${orderId}`, detail });
}

/**
 * Fulfil by hand: the units still without goods (waiting on a supplier, or allocated and found
 * without their code) become manual units, so the order waits for staff as manual orders do.
 */
export async function handOverToManual(db: Db, orderId: string): Promise<{ units: number }> {
  return db.transaction(async (trx) => {
    await trx('orders').where({ id: orderId }).forUpdate().first('id');
    const missing = await trx('order_units as u')
      .leftJoin('codes as c', 'c.unit_id', 'u.id')
      .where('u.order_id', orderId)
      .where((q) => q.where('u.status', 'pending').orWhere((a) => a.where('u.status', 'allocated').whereNull('c.id').whereNull('u.receipt')))
      .pluck('u.id');
    if (missing.length > 0) {
      await trx('order_units').whereIn('id', missing).update({ source: 'manual', status: 'pending' });
      // A task closed earlier opens again for these, with fresh deadlines.
      await reopenManualTask(trx, orderId);
    }
    await appendEvent(trx, orderId, 'handed_to_manual', { units: missing.length });
    return { units: missing.length };
  });
}

/**
 * Refund a stopped order, whole: the goods it holds go back (orders/refund-order.ts) and the
 * order ends refunded, in the same transaction as the stop is resolved. Answers the refund's id,
 * for its `order.refunded` webhook.
 */
export async function refundNeedingAttention(db: Db, orderId: string, resolution: AttentionResolution): Promise<{ refundId: string }> {
  return db.transaction(async (trx) => {
    const order = await trx('orders').where({ id: orderId }).forUpdate().first('status', 'merchant_id', 'attention');
    if (!order) throw new InvariantBroken('order_missing', { orderId });
    if (order.status !== 'needs_attention') {
      // A repeat after the commit.
      const done = await trx('refunds').where({ order_id: orderId }).orderBy('created_at', 'desc').first('id');
      if (!done) throw new InvariantBroken('refund_missing', { orderId });
      return { refundId: done.id };
    }
    const refund = await refundOrder(trx, { orderId, merchantId: order.merchant_id, reason: resolution.note, actor: resolution.actor });
    await trx('orders').where({ id: orderId }).update({ attention: null });
    await recordResolution(trx, orderId, { merchant_id: order.merchant_id, attention: order.attention as Attention }, resolution);
    return { refundId: refund.refundId };
  });
}
