import type { Knex } from 'knex';
import type { Db } from '../db';
import type { SupplierPurchaseRow } from '../db/tables';
import { raiseAlert, resolveAlert } from '../lib/alerts';
import type { CodeVault } from '../lib/code-vault';
import { InvariantBroken, notFound } from '../lib/errors';
import { appendEvent } from '../orders/events';
import { FINGERPRINT_VERSION, fingerprintCode, maskCode, sealCode, type CodeSecret } from '../stock/code-secret';
import { cleanCode } from '../stock/code-identity';
import { heldCode, type HeldReason } from '../stock/held-codes';
import { redeemUrlRefusal } from '../stock/redeem-url';
import type { PurchaseOutcome, SupplierCard } from './adapter';
import { recordCharge, recordChargeClaimed, recordChargeReturned } from './charges';

// What a supplier said about a purchase is written here, whoever heard it: the purchasing
// activity, a poll, or a callback. Idempotent: a purchase that already has its final answer
// ignores repeats, so duplicated callbacks give one code and one charge on our books.

export type PurchaseStatus = 'pending' | 'processing' | 'succeeded' | 'failed';

export async function applyOutcome(db: Db, vault: CodeVault, purchaseId: string, outcome: PurchaseOutcome): Promise<PurchaseStatus> {
  return db.transaction(async (trx) => {
    const p = await trx('supplier_purchases').where({ id: purchaseId }).forUpdate().first();
    if (!p) throw new InvariantBroken('purchase_missing', { purchaseId });
    return applyOutcomeIn(trx, vault, p, outcome);
  });
}

export type CallbackResult =
  | { status: PurchaseStatus }
  /** Nothing in the callback can be checked: the order's workflow asks the supplier itself. */
  | { askSupplier: true }
  | { refused: 'purchase_not_awaiting_callback' | 'callback_price_mismatch' | 'callback_goods_mismatch'; message: string };

/**
 * A supplier's callback is believed only as far as it matches the purchase it names: the purchase
 * must be one the supplier told us (answering our own request) it would finish later, the price
 * must be the one it quoted then and within the route's maximum, and the goods must be the kind
 * the unit needs (a code, or a top-up receipt). Anything else changes nothing: polling asks the
 * supplier itself. A reported failure carries nothing to check, and believing a forged one would
 * buy the unit again elsewhere, so it is only a reason to ask the supplier now. A repeat for a
 * finished purchase is answered with its status, as before.
 */
export async function applyCallback(db: Db, vault: CodeVault, purchaseId: string, outcome: PurchaseOutcome): Promise<CallbackResult> {
  return db.transaction(async (trx) => {
    // The callback route found the purchase before calling; purchases are never deleted.
    const p = await trx('supplier_purchases').where({ id: purchaseId }).forUpdate().first();
    if (!p) throw new InvariantBroken('purchase_missing', { purchaseId });
    if (p.status === 'succeeded' || p.status === 'failed') return { status: p.status };
    if (p.status !== 'processing') {
      return { refused: 'purchase_not_awaiting_callback', message: `Purchase ${p.reference} is not waiting for a callback` };
    }
    if (outcome.status === 'failed') return { askSupplier: true };
    if (outcome.status === 'succeeded') {
      const quoted = p.unit_cost;
      if (!Number.isSafeInteger(outcome.unitPrice) || outcome.unitPrice !== quoted || outcome.unitPrice > p.max_unit_cost) {
        return { refused: 'callback_price_mismatch', message: `The callback's price is not the ${quoted} quoted for purchase ${p.reference}` };
      }
      const unit = await trx('order_units as u').join('order_items as i', 'i.id', 'u.order_item_id').where('u.id', p.unit_id).first('i.account');
      const wantsTopup = unit.account != null;
      if (wantsTopup ? !outcome.topup || outcome.card : !outcome.card || outcome.topup) {
        return { refused: 'callback_goods_mismatch', message: `Purchase ${p.reference} needs ${wantsTopup ? 'a top-up receipt' : 'a code'}` };
      }
    }
    return { status: await applyOutcomeIn(trx, vault, p, outcome) };
  });
}

/** The columns of a supplier_purchases row that applying an outcome reads. */
type PurchaseRow = Pick<SupplierPurchaseRow, 'id' | 'status' | 'merchant_id' | 'order_id' | 'unit_id' | 'supplier_id' | 'reference' | 'max_unit_cost' | 'unit_cost'>;

async function applyOutcomeIn(trx: Knex, vault: CodeVault, p: PurchaseRow, outcome: PurchaseOutcome): Promise<PurchaseStatus> {
  const purchaseId: string = p.id;
  if (p.status === 'succeeded' || p.status === 'failed') return p.status;

  if (outcome.status === 'processing') {
    if (p.status !== 'processing') {
      await recordCharge(trx, p, outcome.unitPrice);
      await trx('supplier_purchases')
        .where({ id: purchaseId })
        .update({
          status: 'processing',
          unit_cost: outcome.unitPrice,
          supplier_order_id: outcome.supplierOrderId ?? null,
          updated_at: trx.fn.now(),
        });
      await appendEvent(trx, p.order_id, 'supplier_processing', { unitId: p.unit_id, supplierId: p.supplier_id, reference: p.reference });
    }
    return 'processing';
  }

  // An asynchronous purchase reaching its end clears a "slow purchase" alert, if one was raised.
  if (p.status === 'processing') await resolveAlert(trx, p.merchant_id, 'supplier_purchase_slow', p.id);

  // A purchase that was processing had been charged (suppliers/charges.ts).
  const charged = p.status === 'processing';
  if (outcome.status === 'failed') {
    // Failing after it took the money, the supplier gives it back (a rejected top-up).
    if (charged) await recordChargeReturned(trx, p, Number(p.unit_cost));
    await markFailed(trx, p, outcome.code, outcome.message);
    return 'failed';
  }
  const badUrl = outcome.card?.url === undefined ? undefined : redeemUrlRefusal(outcome.card.url);
  if (badUrl) {
    // Goods the buyer cannot safely use are not delivered: the purchase fails with a reason on the
    // order's timeline (the charge is a claim for a person to settle with the supplier), and the
    // unit moves on to its next route.
    const message = `the supplier's code came with a redemption URL that is not allowed (${badUrl.message})`;
    if (!charged) await recordCharge(trx, p, outcome.unitPrice);
    await recordChargeClaimed(trx, p, charged ? Number(p.unit_cost) : outcome.unitPrice, message);
    await markFailed(trx, p, 'invalid_redeem_url', message);
    return 'failed';
  }

  await trx('supplier_purchases')
    .where({ id: purchaseId })
    .update({
      status: 'succeeded',
      unit_cost: outcome.unitPrice,
      supplier_order_id: outcome.supplierOrderId ?? null,
      updated_at: trx.fn.now(),
    });
  if (!charged) await recordCharge(trx, p, outcome.unitPrice);
  if (outcome.unitPrice > p.max_unit_cost) {
    // The supplier charged above the price we allowed: keep the goods, tell a person.
    await raiseAlert(trx, {
      merchantId: p.merchant_id,
      kind: 'supplier_price_above_max',
      subjectId: p.id,
      message: `Purchase ${p.reference} was charged ${outcome.unitPrice}, above its maximum of ${p.max_unit_cost}`,
    });
  }

  const unit = await trx('order_units').where({ id: p.unit_id }).forUpdate().first('id', 'sku_id', 'status');
  if (!unit) throw new InvariantBroken('unit_missing', { unitId: p.unit_id });
  const stillWanted = unit.status === 'pending';
  if (outcome.topup) {
    if (stillWanted) {
      await trx('order_units')
        .where({ id: unit.id })
        .update({
          status: 'allocated',
          receipt: JSON.stringify({ supplierId: p.supplier_id, receipt: outcome.topup.receipt, account: outcome.topup.account, unitCost: outcome.unitPrice }),
        });
    }
  } else if (outcome.card) {
    await storeBoughtCode(trx, vault, {
      merchantId: p.merchant_id,
      skuId: unit.sku_id,
      unitId: stillWanted ? unit.id : null,
      card: outcome.card,
      unitCost: outcome.unitPrice,
      source: 'supplier',
    });
    if (stillWanted) await trx('order_units').where({ id: unit.id }).update({ status: 'allocated' });
  } else {
    throw new InvariantBroken('purchase_without_goods', { reference: p.reference });
  }
  await appendEvent(trx, p.order_id, 'supplier_purchased', {
    unitId: p.unit_id,
    supplierId: p.supplier_id,
    reference: p.reference,
    unitCost: outcome.unitPrice,
    ...(stillWanted ? {} : { note: 'the order had closed; the code went to stock' }),
  });
  return 'succeeded';
}

export async function markFailed(trx: Knex, p: { id: string; order_id: string; unit_id: string; supplier_id: string; reference: string }, code: string, message: string) {
  await trx('supplier_purchases')
    .where({ id: p.id })
    .update({ status: 'failed', failure_code: code, failure_message: message.slice(0, 500), updated_at: trx.fn.now() });
  await appendEvent(trx, p.order_id, 'supplier_purchase_failed', { unitId: p.unit_id, supplierId: p.supplier_id, reference: p.reference, code, message: message.slice(0, 500) });
}

/** A code the merchant already holds (in stock or ever delivered, any SKU) cannot be stored again. */
export class CodeAlreadyHeld extends Error {
  constructor(readonly reason: HeldReason) {
    super(`the code is already held (${reason})`);
    this.name = 'CodeAlreadyHeld';
  }
}

/**
 * A code we paid for, sealed like an imported one. With no unit (the order closed while the
 * purchase was in flight) it joins the SKU's stock instead of being lost.
 */
export async function storeBoughtCode(
  trx: Knex,
  vault: CodeVault,
  opts: { merchantId: string; skuId: string; unitId: string | null; card: SupplierCard; unitCost: number | null; source: 'supplier' | 'manual' },
): Promise<string> {
  const id = crypto.randomUUID();
  const number = cleanCode(opts.card.number);
  const pin = opts.card.pin ? cleanCode(opts.card.pin) : undefined;
  const secret: CodeSecret = { number, ...(pin ? { pin } : {}), ...(opts.card.url ? { url: opts.card.url } : {}) };
  const sku = await trx('skus').where({ id: opts.skuId }).first('codes_case_sensitive');
  if (!sku) throw notFound('SKU');
  const fp = fingerprintCode(vault, secret.number || secret.url || '', sku.codes_case_sensitive);
  const held = await heldCode(trx, opts.merchantId, fp);
  if (held) throw new CodeAlreadyHeld(held.reason);
  const sealed = sealCode(vault, id, secret);
  await trx('codes').insert({
    id,
    merchant_id: opts.merchantId,
    sku_id: opts.skuId,
    batch_id: null,
    fingerprint: fp.own,
    fingerprint_version: FINGERPRINT_VERSION,
    key_id: sealed.keyId,
    secret: sealed.payload,
    mask: maskCode({ number: secret.number || secret.url || '' }),
    expires_at: opts.card.expiresAt ? new Date(opts.card.expiresAt) : null,
    status: opts.unitId ? 'allocated' : 'available',
    unit_id: opts.unitId,
    allocated_at: opts.unitId ? trx.fn.now() : null,
    source: opts.source,
    unit_cost: opts.unitCost,
  });
  if (!opts.unitId) await trx('skus').where({ id: opts.skuId }).increment('stock_available', 1);
  return id;
}
