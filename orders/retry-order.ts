import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Db } from '../db';
import { recordAudit } from '../lib/audit';
import { notFound } from '../lib/errors';
import type { RiskAssessment } from '../risk/assess-order';
import { soldOut, takeStockSql } from '../stock/reservations';
import { appendEvent } from './events';
import { reopenManualTask } from './manual-fulfilment';
import { requireAllowed } from './order-facts';

// Retrying an order that failed (or needs attention), whatever its kind. It keeps what it already
// holds: codes allocated or bought and top-ups made stay with their units, so nothing paid for is
// bought again. Only the units it gave up are fetched again, along today's routes: stock units
// reserve stock again (a fallback line takes what there is and buys the rest), bought and
// topped-up units are bought again, a person is asked again for manual ones.
//
// The new workflow run starts after the commit: a commit that fails leaves no run behind, and a
// start that does not happen is made by the reconciler (worker/reconciler.ts), which restarts a
// retried order that has no running workflow.

export async function retryOrder(db: Db, req: { orderId: string; merchantId: string; actor: string }, startRun: (orderId: string) => Promise<void>): Promise<void> {
  await db.transaction(async (trx) => {
    const order = await trx('orders').where({ id: req.orderId, merchant_id: req.merchantId }).forUpdate().first();
    if (!order) throw notFound('Order');
    await requireAllowed(trx, 'retry', order);
    const fetched = await fetchAgain(trx, order.id);
    if (fetched.manual > 0) await reopenManualTask(trx, order.id);
    // The risk decision already taken stands: the new run goes straight on to fulfilment.
    const passedRisk = (order.risk as RiskAssessment | null)?.decision === 'allow';
    await trx('orders')
      .where({ id: order.id })
      .update({
        status: passedRisk ? 'processing' : 'accepted',
        reason: null,
        risk: passedRisk ? JSON.stringify(order.risk) : null,
        retried_at: trx.fn.now(),
        updated_at: trx.fn.now(),
      });
    await appendEvent(trx, order.id, 'retried', { by: req.actor, previousReason: order.reason, ...fetched });
    await recordAudit(trx, {
      merchantId: order.merchant_id,
      actor: req.actor,
      action: 'order.retried',
      target: `order:${order.id}`,
      detail: { previousReason: order.reason, ...fetched },
    });
  });
  // Never fails the retry: the order is committed, and the reconciler starts it if this did not.
  await startRun(req.orderId).catch(() => undefined);
}

/** Puts the units the order gave up back to pending, taking stock for its stock units again. */
async function fetchAgain(
  trx: Knex.Transaction,
  orderId: string,
): Promise<{ kept: number; fromStock: number; toBuy: number; manual: number; voidedCodesLetGo: number; purchasesGivenBack: number }> {
  const units = await trx('order_units as u')
    .join('skus as s', 's.id', 'u.sku_id')
    .where('u.order_id', orderId)
    .orderBy(['u.sku_id', 'u.order_item_id', 'u.seq'])
    .select('u.id', 'u.order_item_id', 'u.sku_id', 'u.status', 'u.source', 's.code', 's.fulfilment_mode', 's.supplier_fallback');
  const kept = units.filter((u) => u.status === 'allocated' || u.status === 'delivered').length;
  const again = units.filter((u) => u.status === 'released' || u.status === 'pending');
  let fromStock = 0;

  // Stock lines in SKU-id order, as acceptance takes them, so the two never deadlock.
  const stockLines = new Map<string, typeof again>();
  for (const u of again.filter((x) => x.source === 'stock')) stockLines.set(u.order_item_id, [...(stockLines.get(u.order_item_id) ?? []), u]);
  for (const [itemId, line] of stockLines) {
    const sku = line[0];
    const fallback = sku.fulfilment_mode === 'stock' && sku.supplier_fallback;
    const { rows } = await trx.raw(takeStockSql(fallback ? 'up_to' : 'all'), { skuId: sku.sku_id, quantity: line.length });
    if (rows.length === 0) {
      const row = await trx('skus').where({ id: sku.sku_id }).first('stock_available');
      throw soldOut(sku, line.length, row?.stock_available ?? 0);
    }
    const taken = Number(rows[0].take);
    // Units stock cannot cover are bought, as at acceptance.
    const short = line.slice(taken);
    if (short.length)
      await trx('order_units')
        .whereIn(
          'id',
          short.map((u) => u.id),
        )
        .update({ source: 'supplier' });
    if (taken > 0) {
      await trx.raw(
        `INSERT INTO reservations (id, order_id, order_item_id, sku_id, quantity, status) VALUES (?, ?, ?, ?, ?, 'held')
         ON CONFLICT (order_item_id) DO UPDATE SET quantity = EXCLUDED.quantity, status = 'held', updated_at = now()`,
        [crypto.randomUUID(), orderId, itemId, sku.sku_id, taken],
      );
    }
    fromStock += taken;
  }
  // A unit fetched again holds nothing now, but what was bought for it may still point at it: a
  // bundle's undo (orders/bundle-undo.ts) voided its bought code, or a code that came after the
  // order closed went to stock. The voided code lets go of the unit (it stays voided, so it is never
  // delivered; the write-off names the unit) to make room for the unit's new code. Its purchase
  // stays succeeded, as charged, but is no longer the unit's live one, so the unit is bought again
  // under a fresh reference (suppliers/purchase-unit.ts numbers the attempts).
  const againIds = again.map((u) => u.id);
  const voidedCodesLetGo = againIds.length ? await trx('codes').whereIn('unit_id', againIds).where({ status: 'voided' }).update({ unit_id: null }) : 0;
  const purchasesGivenBack = againIds.length
    ? await trx('supplier_purchases').whereIn('unit_id', againIds).where({ status: 'succeeded' }).whereNull('given_back_at').update({ given_back_at: trx.fn.now() })
    : 0;
  if (again.length)
    await trx('order_units')
      .whereIn(
        'id',
        again.map((u) => u.id),
      )
      .update({ status: 'pending' });
  const manual = again.filter((u) => u.source === 'manual').length;
  return { kept, fromStock, toBuy: again.length - fromStock - manual, manual, voidedCodesLetGo, purchasesGivenBack };
}
