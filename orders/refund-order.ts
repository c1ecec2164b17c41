import crypto from 'node:crypto';
import type { Db } from '../db';
import { recordAudit } from '../lib/audit';
import { invalidInput, notFound } from '../lib/errors';
import { releaseReservations } from '../stock/reservations';
import { returnBalance } from '../storefronts/prepaid-balance';
import { postBuyerRefund, postWriteOff } from '../ledger/postings-for';
import { rollUpRefunded } from './daily-rollup';
import { appendEvent } from './events';
import { requireAllowed } from './order-facts';
import { codedVoidReason } from '../stock/void-reasons';
import { giveBackGoods } from './unit-goods';
import { queueWebhook } from './webhook-outbox';

// A refund, of the whole order or of some of its units, in one transaction. Each unit's goods
// are given back (orders/unit-goods.ts): a stock code the buyer never received goes back on
// sale; a code the buyer had, or one bought or entered by hand, is voided; a top-up made stays
// made. Goods written off that no settlement counted are recorded as a loss (goods_losses), for
// the books. The settlement's revenue for the units is reversed; the units become `refunded`
// and the storefront no longer sees their codes; the order is `refunded` once every unit is.
// The storefront is told (`order.refunded`) through the webhook outbox, queued in the same transaction.
//
// Which orders may be refunded is orders/lifecycle.ts's to say.

export interface RefundResult {
  refundId: string;
  amount: number;
  currency: string;
  units: number;
  unitsReleased: number;
  codesVoided: number;
  revenueReversed: number;
  costReversed: number;
  loss: number;
}

export async function refundOrder(db: Db, req: { orderId: string; merchantId: string; reason: string; actor: string; unitIds?: string[] }): Promise<RefundResult> {
  return db.transaction(async (trx) => {
    // Settlement takes this lock too, so a refund sees either no settlement or a committed one.
    const order = await trx('orders').where({ id: req.orderId, merchant_id: req.merchantId }).forUpdate().first();
    if (!order) throw notFound('Order');
    await requireAllowed(trx, 'refund', order);

    const open = await trx('order_units as u')
      .join('order_items as i', 'i.id', 'u.order_item_id')
      .where('u.order_id', order.id)
      .whereNot('u.status', 'refunded')
      .select('u.id', 'u.status', 'u.sku_id', 'i.unit_price');
    const openIds = new Set(open.map((u) => u.id));
    const wanted = req.unitIds ? [...new Set(req.unitIds)] : [...openIds];
    const unknown = wanted.filter((id) => !openIds.has(id));
    if (unknown.length) throw invalidInput('unit_not_refundable', 'Some units are not units of this order still to be refunded; nothing was refunded', { units: unknown });
    const targets = open.filter((u) => wanted.includes(u.id));
    const wasDelivered = new Set(targets.filter((u) => u.status === 'delivered').map((u) => u.id));

    const settlement = await trx('settlements').where({ order_id: order.id }).first();
    const goods = await giveBackGoods(trx, order.id, { unitIds: wanted, bought: 'void', voidReason: codedVoidReason('order_refunded') });
    const lastUnits = targets.length === openIds.size;
    // Reservations still held (an order that needs attention) go back with its last units.
    const heldReleased = lastUnits ? await releaseReservations(trx, order.id) : 0;

    const refundId = crypto.randomUUID();
    const amount = targets.reduce((sum, u) => sum + Number(u.unit_price), 0);
    // The settlement counted delivered units only, and delivered goods are never restocked: no
    // settled cost comes back. Goods written off that it never counted are a loss.
    const losses = goods.filter((g) => (g.goods === 'voided' || g.goods === 'kept') && !wasDelivered.has(g.unitId) && g.cost > 0);
    const result: RefundResult = {
      refundId,
      amount,
      currency: order.currency.trim(),
      units: targets.length,
      unitsReleased: heldReleased + goods.filter((g) => g.goods === 'restocked').length,
      codesVoided: goods.filter((g) => g.goods === 'voided').length,
      revenueReversed: settlement ? targets.filter((u) => wasDelivered.has(u.id)).reduce((sum, u) => sum + Number(u.unit_price), 0) : 0,
      costReversed: 0,
      loss: losses.reduce((sum, g) => sum + g.cost, 0),
    };
    await trx('refunds').insert({
      id: refundId,
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
    const goodsOf = new Map(goods.map((g) => [g.unitId, g.goods]));
    await trx('refund_units').insert(targets.map((u) => ({ refund_id: refundId, unit_id: u.id, order_id: order.id, goods: goodsOf.get(u.id) ?? 'none', price: u.unit_price })));
    // The ledger: settled revenue given back, and the goods written off (ledger/postings-for.ts).
    const currency = order.currency.trim();
    if (settlement) {
      const refunded = targets.filter((u) => wasDelivered.has(u.id)).map((u) => ({ unitId: u.id, skuId: u.sku_id, price: Number(u.unit_price) }));
      await postBuyerRefund(trx, { id: refundId, orderId: order.id, merchantId: order.merchant_id, storefrontId: order.storefront_id, currency, reason: req.reason }, refunded);
    }
    const skuOf = new Map(targets.map((u) => [u.id, u.sku_id]));
    await postWriteOff(
      trx,
      order.merchant_id,
      losses.map((g) => ({ subject: `unit:${g.unitId}`, currency, amount: g.cost, skuId: skuOf.get(g.unitId), orderId: order.id, unitId: g.unitId, reason: req.reason })),
    );
    // A prepaid storefront's balance gets back what the refunded units cost it.
    await returnBalance(trx, order, { key: `refund:${refundId}`, kind: 'order_refunded', amount: result.amount });
    if (losses.length) {
      await trx('goods_losses').insert(
        losses.map((g) => ({
          id: crypto.randomUUID(),
          merchant_id: order.merchant_id,
          order_id: order.id,
          unit_id: g.unitId,
          code_id: g.codeId,
          refund_id: refundId,
          currency: order.currency,
          amount: g.cost,
          reason: req.reason,
        })),
      );
    }
    await trx('order_units').whereIn('id', wanted).update({ status: 'refunded' });
    if (lastUnits) {
      await trx('manual_tasks').where({ order_id: order.id }).whereIn('status', ['open', 'escalated']).update({ status: 'cancelled', updated_at: trx.fn.now() });
      await trx('orders').where({ id: order.id }).update({ status: 'refunded', reason: req.reason, updated_at: trx.fn.now() });
    } else {
      await trx('orders').where({ id: order.id }).update({ updated_at: trx.fn.now() });
    }
    await queueWebhook(trx, { type: 'order.refunded', orderId: order.id, refundId });
    await rollUpRefunded(trx, refundId, lastUnits);
    const { refundId: _id, ...summary } = result;
    await appendEvent(trx, order.id, 'refunded', { reason: req.reason, by: req.actor, partial: !lastUnits, ...summary });
    await recordAudit(trx, {
      merchantId: order.merchant_id,
      actor: req.actor,
      action: 'order.refunded',
      target: `order:${order.id}`,
      detail: { reason: req.reason, previousStatus: order.status, refundId, ...summary },
    });
    return result;
  });
}
