import type { Knex } from 'knex';
import { postWriteOff } from '../ledger/postings-for';
import { InvariantBroken } from '../lib/errors';
import { codedVoidReason } from '../stock/void-reasons';
import { appendEvent } from './events';
import { codedReason, orderReason } from './reasons';
import { withSupplierOutcomes } from './supplier-outcomes';
import { giveBackGoods } from './unit-goods';

// A bundle is all parts or none, from the buyer's view. When its policy is `undo` and the order
// fails (a part could not be had), the parts it already holds are given back in the failing
// transaction (orders/close-order.ts): stock codes return to stock; codes bought from a supplier
// are voided (the buyer never saw them, but they are not ours to resell as stock), their cost
// written off in the ledger; top-ups already made cannot be taken back, so they are written off
// and listed for a person to settle with the buyer. A failed order's other goods stay with it, as
// any failed order's do. The supplier is never charged again for a given-back part: a person's
// retry of a failed order buys afresh only what it must, and the undone parts' purchases are
// final (their units hold no goods now, so they are released, not bought again).

export async function undoBundleParts(trx: Knex.Transaction, orderId: string, reason: string): Promise<void> {
  const unitIds = await trx('order_units as u')
    .join('order_items as i', 'i.id', 'u.order_item_id')
    .where({ 'u.order_id': orderId, 'i.bundle_policy': 'undo' })
    .whereIn('u.status', ['allocated', 'pending'])
    .orderBy('u.id')
    .pluck('u.id');
  if (unitIds.length === 0) return;
  const order = await trx('orders').where({ id: orderId }).first('merchant_id', 'currency', 'retried_at');
  if (!order) throw new InvariantBroken('order_missing', { orderId });
  // The voided codes and the write-offs say why in codes, with the order's own reason (stock/void-reasons.ts).
  const why = codedVoidReason('bundle_undone', {}, await undoneBecause(trx, { id: orderId, retried_at: order.retried_at }, reason));
  const goods = await giveBackGoods(trx, orderId, { unitIds, bought: 'void', voidReason: why });
  const released = goods.filter((g) => g.goods !== 'kept').map((g) => g.unitId);
  if (released.length) await trx('order_units').whereIn('id', released).update({ status: 'released' });
  const lost = goods.filter((g) => (g.goods === 'voided' || g.goods === 'kept') && g.cost > 0);
  const skuOf = new Map(
    (
      await trx('order_units')
        .whereIn(
          'id',
          lost.map((g) => g.unitId),
        )
        .select('id', 'sku_id')
    ).map((u) => [u.id, u.sku_id]),
  );
  const currency = String(order.currency).trim();
  await postWriteOff(
    trx,
    order.merchant_id,
    lost.map((g) => ({ subject: `unit:${g.unitId}`, currency, amount: g.cost, skuId: skuOf.get(g.unitId)!, orderId, unitId: g.unitId, reason: why })),
  );
  const topUps = goods.filter((g) => g.goods === 'kept').map((g) => g.unitId);
  await appendEvent(trx, orderId, 'bundle_undone', {
    codesReturnedToStock: goods.filter((g) => g.goods === 'restocked').length,
    codesVoided: goods.filter((g) => g.goods === 'voided').length,
    writtenOff: lost.reduce((sum, g) => sum + g.cost, 0),
    ...(topUps.length ? { topUpsToRefund: topUps, note: 'these parts were topped up before the bundle failed; refund them to the buyer' } : {}),
  });
}

/**
 * The order's reason as the void keeps it: a supplier failure with what each supplier said as
 * codes (orders/supplier-outcomes.ts, as the console's order reads them) rather than its English.
 */
async function undoneBecause(trx: Knex.Transaction, order: { id: string; retried_at: Date | null }, reason: string): Promise<string> {
  const read = orderReason(reason, null);
  const told = await withSupplierOutcomes(trx, order, read);
  return told !== read && told?.outcomes ? codedReason('supplier_failed', {}, told.outcomes) : reason;
}
