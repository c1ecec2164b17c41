import type { Knex } from 'knex';
import type { Db } from '../db';
import { postGoodsBoughtOutside } from '../ledger/postings-for';
import { raiseAlert, resolveAlert } from '../lib/alerts';
import { recordAudit } from '../lib/audit';
import type { CodeVault } from '../lib/code-vault';
import { conflict, invalidInput, InvariantBroken, notFound } from '../lib/errors';
import { closeOrderIn } from './close-order';
import { redeemUrlRefusal } from '../stock/redeem-url';
import { CodeAlreadyHeld, storeBoughtCode } from '../suppliers/purchase-results';
import { appendEvent } from './events';
import { requireAllowed } from './order-facts';

// Manual fulfilment: some suppliers have no API, so staff buy on the supplier's site and enter
// the codes (or confirm the top-up) here. The order's workflow waits visibly with two deadlines
// from the SKU: escalate (an alert for a person), then cancel. Codes entered here go straight
// into the database, encrypted; the workflow is only told that the order is ready.

export type ManualTaskStatus = 'open' | 'escalated' | 'done' | 'cancelled';

/** The strictest deadlines among the order's manual SKUs (escalate null: it has none). */
async function manualPolicy(db: Knex, orderId: string): Promise<{ escalate: number | null; cancel: number; merchant_id: string }> {
  return db('order_units as u')
    .join('skus as s', 's.id', 'u.sku_id')
    .where({ 'u.order_id': orderId, 'u.source': 'manual' })
    .first(db.raw('min(s.manual_escalate_after_seconds) as escalate'), db.raw('min(s.manual_cancel_after_seconds) as cancel'), db.raw('min(s.merchant_id::text) as merchant_id'));
}

/** A retried order asks a person again: its task reopens, with fresh deadlines. */
export async function reopenManualTask(trx: Knex.Transaction, orderId: string): Promise<void> {
  const policy = await manualPolicy(trx, orderId);
  if (policy.escalate == null) return;
  await trx('manual_tasks')
    .where({ order_id: orderId })
    .update({
      status: 'open',
      done_by: null,
      escalate_at: trx.raw('now() + make_interval(secs => ?)', [policy.escalate]),
      cancel_at: trx.raw('now() + make_interval(secs => ?)', [Math.max(policy.cancel, policy.escalate)]),
      updated_at: trx.fn.now(),
    });
}

/** Opens the order's task once; answers with how long until each deadline (from the stored row). */
export async function openManualTask(db: Db, orderId: string): Promise<{ status: ManualTaskStatus; escalateInMs: number; cancelInMs: number } | undefined> {
  const policy = await manualPolicy(db, orderId);
  if (policy.escalate == null) return undefined;
  const opened = await db.raw(
    `INSERT INTO manual_tasks (id, merchant_id, order_id, status, escalate_at, cancel_at)
     VALUES (?, ?, ?, 'open', now() + make_interval(secs => ?), now() + make_interval(secs => ?))
     ON CONFLICT (order_id) DO NOTHING`,
    [crypto.randomUUID(), policy.merchant_id, orderId, policy.escalate, Math.max(policy.cancel, policy.escalate)],
  );
  // The deadlines measured by the database's clock, which set them.
  const { rows } = await db.raw<{ rows: { status: ManualTaskStatus; escalate_in: number; cancel_in: number }[] }>(
    `SELECT status,
            greatest(0, extract(epoch from escalate_at - now()) * 1000)::bigint AS escalate_in,
            greatest(0, extract(epoch from cancel_at - now()) * 1000)::bigint AS cancel_in
       FROM manual_tasks WHERE order_id = ?`,
    [orderId],
  );
  // Just inserted, or already there (ON CONFLICT): tasks are never deleted.
  const task = rows[0];
  if (!task) throw new InvariantBroken('manual_task_missing', { orderId });
  if (opened.rowCount > 0) await appendEvent(db, orderId, 'awaiting_manual_fulfilment', {});
  return { status: task.status, escalateInMs: task.escalate_in, cancelInMs: task.cancel_in };
}

export async function manualTaskStatus(db: Db, orderId: string): Promise<ManualTaskStatus> {
  const task = await db('manual_tasks').where({ order_id: orderId }).first('status');
  if (!task) throw new InvariantBroken('manual_task_missing', { orderId });
  return task.status;
}

export async function escalateManualTask(db: Db, orderId: string): Promise<ManualTaskStatus> {
  return db.transaction(async (trx) => {
    const task = await trx('manual_tasks').where({ order_id: orderId }).forUpdate().first();
    if (!task) throw new InvariantBroken('manual_task_missing', { orderId });
    if (task.status !== 'open') return task.status;
    await trx('manual_tasks').where({ id: task.id }).update({ status: 'escalated', updated_at: trx.fn.now() });
    await raiseAlert(trx, {
      merchantId: task.merchant_id,
      kind: 'manual_fulfilment_overdue',
      subjectId: orderId,
      message: `Order ${orderId} is still waiting for manual fulfilment; it is cancelled at ${task.cancel_at.toISOString()}`,
      detail: { cancelAt: task.cancel_at.toISOString() },
    });
    await appendEvent(trx, orderId, 'manual_fulfilment_escalated', { cancelAt: task.cancel_at.toISOString() });
    return 'escalated';
  });
}

/** The last deadline: cancel the order unless staff finished it first (the order row lock decides). */
export async function expireManualTask(db: Db, orderId: string): Promise<ManualTaskStatus> {
  return db.transaction(async (trx) => {
    await trx('orders').where({ id: orderId }).forUpdate().first('id');
    const task = await trx('manual_tasks').where({ order_id: orderId }).first();
    if (!task) throw new InvariantBroken('manual_task_missing', { orderId });
    if (task.status === 'done' || task.status === 'cancelled') return task.status;
    await closeOrderIn(trx, orderId, 'cancelled', 'manual_fulfilment_deadline: nobody fulfilled the order before its deadline');
    await resolveAlert(trx, task.merchant_id, 'manual_fulfilment_overdue', orderId);
    return 'cancelled';
  });
}

export interface ManualEntry {
  merchantId: string;
  orderId: string;
  actor: string;
  /** For units without an account: one code per unit, in the order pendingManualUnits lists them. */
  codes?: { number: string; pin?: string; url?: string; expiresAt?: string }[];
  /** For top-up units: the receipt of each top-up, in the order pendingManualUnits lists them. */
  receipts?: string[];
  unitCost?: number;
}

/**
 * The units of these orders still waiting for a person, in the order `fulfilManually` matches
 * entered codes and receipts to them: the console lists them from here, so its form lines up.
 */
export async function pendingManualUnits(db: Knex, orderIds: string[]): Promise<{ id: string; order_id: string; sku_id: string; sku: string; account: string | null }[]> {
  if (orderIds.length === 0) return [];
  return (
    db('order_units as u')
      .join('order_items as i', 'i.id', 'u.order_item_id')
      .join('skus as s', 's.id', 'u.sku_id')
      .whereIn('u.order_id', orderIds)
      .where({ 'u.source': 'manual', 'u.status': 'pending' })
      // By product code, then unit: the same order every time, and the one people read in.
      .orderBy(['u.order_id', 's.code', 'u.order_item_id', 'u.seq'])
      .select('u.id', 'u.order_id', 'u.sku_id', 's.code as sku', 'i.account')
  );
}

export async function fulfilManually(db: Db, vault: CodeVault, entry: ManualEntry): Promise<{ units: number }> {
  const badUrls = (entry.codes ?? []).flatMap((c, i) => {
    const refused = c.url === undefined ? undefined : redeemUrlRefusal(c.url);
    return refused ? [{ path: `codes.${i}.url`, ...refused }] : [];
  });
  if (badUrls.length) throw invalidInput('validation_failed', 'Some redemption URLs are not allowed; nothing was saved', { fields: badUrls });
  return db.transaction(async (trx) => {
    const order = await trx('orders').where({ id: entry.orderId, merchant_id: entry.merchantId }).forUpdate().first('id', 'status', 'storefront_id', 'currency');
    if (!order) throw notFound('Order');
    await requireAllowed(trx, 'fulfil', order);
    const task = await trx('manual_tasks').where({ order_id: order.id }).first('status');
    if (!task || (task.status !== 'open' && task.status !== 'escalated') || order.status !== 'processing') {
      throw conflict('not_awaiting_manual_fulfilment', `Order ${order.id} is ${order.status} and not waiting for manual fulfilment`);
    }
    const units = await pendingManualUnits(trx, [order.id]);
    const needCodes = units.filter((u) => !u.account);
    const needReceipts = units.filter((u) => u.account);
    const codes = entry.codes ?? [];
    const receipts = entry.receipts ?? [];
    if (codes.length !== needCodes.length || receipts.length !== needReceipts.length) {
      throw invalidInput(
        'manual_entry_mismatch',
        `This order needs ${needCodes.length} code(s) and ${needReceipts.length} top-up receipt(s); got ${codes.length} and ${receipts.length}`,
        { codesNeeded: needCodes.length, receiptsNeeded: needReceipts.length },
      );
    }
    for (const [i, unit] of needCodes.entries()) {
      try {
        await trx.raw('SAVEPOINT manual_code');
        await storeBoughtCode(trx, vault, {
          merchantId: entry.merchantId,
          skuId: unit.sku_id,
          unitId: unit.id,
          card: codes[i],
          unitCost: entry.unitCost ?? null,
          source: 'manual',
        });
        await trx.raw('RELEASE SAVEPOINT manual_code');
      } catch (err) {
        // A code in stock or ever delivered (any SKU of the merchant) is never handed out again.
        const reason = err instanceof CodeAlreadyHeld ? err.reason : (err as { code?: string }).code === '23505' ? 'already_in_stock' : undefined;
        if (reason) throw invalidInput('duplicate_code', `Code ${i + 1} is already held (${reason}); nothing was saved`, { index: i, reason });
        throw err;
      }
    }
    for (const [i, unit] of needReceipts.entries()) {
      await trx('order_units')
        .where({ id: unit.id })
        .update({
          receipt: JSON.stringify({ receipt: receipts[i], account: unit.account, enteredBy: entry.actor, unitCost: entry.unitCost ?? null }),
        });
    }
    await trx('order_units')
      .whereIn(
        'id',
        units.map((u) => u.id),
      )
      .update({ status: 'allocated' });
    // What the staff paid for the goods, into inventory (ledger/postings-for.ts).
    await postGoodsBoughtOutside(
      trx,
      entry.merchantId,
      units.map((u) => ({ subject: `unit:${u.id}`, currency: order.currency.trim(), amount: entry.unitCost ?? 0, skuId: u.sku_id, orderId: order.id, unitId: u.id })),
    );
    await trx('manual_tasks').where({ order_id: order.id }).update({ status: 'done', done_by: entry.actor, updated_at: trx.fn.now() });
    await resolveAlert(trx, entry.merchantId, 'manual_fulfilment_overdue', order.id);
    await appendEvent(trx, order.id, 'manual_fulfilled', { units: units.length, by: entry.actor });
    await recordAudit(trx, { merchantId: entry.merchantId, actor: entry.actor, action: 'order.manual_fulfilment', target: `order:${order.id}`, detail: { units: units.length } });
    return { units: units.length };
  });
}
