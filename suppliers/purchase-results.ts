import type { Knex } from 'knex';
import type { Db } from '../db';
import { raiseAlert, resolveAlert } from '../lib/alerts';
import type { CodeVault } from '../lib/code-vault';
import { InvariantBroken } from '../lib/errors';
import { appendEvent } from '../orders/events';
import { fingerprintCode, maskCode, sealCode, type CodeSecret } from '../stock/code-secret';
import type { PurchaseOutcome, SupplierCard } from './adapter';
import { recordSpend } from './balances';

// What a supplier said about a purchase is written here, whoever heard it: the purchasing
// activity, a poll, or a callback. Idempotent: a purchase that already has its final answer
// ignores repeats, so duplicated callbacks give one code and one charge on our books.

export type PurchaseStatus = 'pending' | 'processing' | 'succeeded' | 'failed';

export async function applyOutcome(db: Db, vault: CodeVault, purchaseId: string, outcome: PurchaseOutcome): Promise<PurchaseStatus> {
  return db.transaction(async (trx) => {
    const p = await trx('supplier_purchases').where({ id: purchaseId }).forUpdate().first();
    if (!p) throw new InvariantBroken('purchase_missing', { purchaseId });
    if (p.status === 'succeeded' || p.status === 'failed') return p.status as PurchaseStatus;

    if (outcome.status === 'processing') {
      if (p.status !== 'processing') {
        await trx('supplier_purchases').where({ id: purchaseId }).update({
          status: 'processing', unit_cost: outcome.unitPrice, supplier_order_id: outcome.supplierOrderId ?? null, updated_at: trx.fn.now(),
        });
        await appendEvent(trx, p.order_id, 'supplier_processing', { unitId: p.unit_id, supplierId: p.supplier_id, reference: p.reference });
      }
      return 'processing';
    }

    // An asynchronous purchase reaching its end clears a "slow purchase" alert, if one was raised.
    if (p.status === 'processing') await resolveAlert(trx, p.merchant_id, 'supplier_purchase_slow', p.id);

    if (outcome.status === 'failed') {
      await markFailed(trx, p, outcome.code, outcome.message);
      return 'failed';
    }

    await trx('supplier_purchases').where({ id: purchaseId }).update({
      status: 'succeeded', unit_cost: outcome.unitPrice, supplier_order_id: outcome.supplierOrderId ?? null, updated_at: trx.fn.now(),
    });
    await recordSpend(trx, p.supplier_id, outcome.unitPrice);
    if (outcome.unitPrice > p.max_unit_cost) {
      // The supplier charged above the price we allowed: keep the goods, tell a person.
      await raiseAlert(trx, {
        merchantId: p.merchant_id, kind: 'supplier_price_above_max', subjectId: p.id,
        message: `Purchase ${p.reference} was charged ${outcome.unitPrice}, above its maximum of ${p.max_unit_cost}`,
      });
    }

    const unit = await trx('order_units').where({ id: p.unit_id }).forUpdate().first('id', 'sku_id', 'status');
    const stillWanted = unit.status === 'pending';
    if (outcome.topup) {
      if (stillWanted) {
        await trx('order_units').where({ id: unit.id }).update({
          status: 'allocated',
          receipt: JSON.stringify({ supplierId: p.supplier_id, receipt: outcome.topup.receipt, account: outcome.topup.account, unitCost: outcome.unitPrice }),
        });
      }
    } else if (outcome.card) {
      await storeBoughtCode(trx, vault, {
        merchantId: p.merchant_id, skuId: unit.sku_id, unitId: stillWanted ? unit.id : null, card: outcome.card, unitCost: outcome.unitPrice, source: 'supplier',
      });
      if (stillWanted) await trx('order_units').where({ id: unit.id }).update({ status: 'allocated' });
    } else {
      throw new InvariantBroken('purchase_without_goods', { reference: p.reference });
    }
    await appendEvent(trx, p.order_id, 'supplier_purchased', {
      unitId: p.unit_id, supplierId: p.supplier_id, reference: p.reference, unitCost: outcome.unitPrice,
      ...(stillWanted ? {} : { note: 'the order had closed; the code went to stock' }),
    });
    return 'succeeded';
  });
}

export async function markFailed(trx: Knex, p: { id: string; order_id: string; unit_id: string; supplier_id: string; reference: string }, code: string, message: string) {
  await trx('supplier_purchases').where({ id: p.id }).update({ status: 'failed', failure_code: code, failure_message: message.slice(0, 500), updated_at: trx.fn.now() });
  await appendEvent(trx, p.order_id, 'supplier_purchase_failed', { unitId: p.unit_id, supplierId: p.supplier_id, reference: p.reference, code, message: message.slice(0, 500) });
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
  const secret: CodeSecret = { number: opts.card.number, ...(opts.card.pin ? { pin: opts.card.pin } : {}), ...(opts.card.url ? { url: opts.card.url } : {}) };
  const sealed = sealCode(vault, id, secret);
  await trx('codes').insert({
    id,
    merchant_id: opts.merchantId,
    sku_id: opts.skuId,
    batch_id: null,
    fingerprint: fingerprintCode(vault, { ...secret, number: secret.number || secret.url || '' }),
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
