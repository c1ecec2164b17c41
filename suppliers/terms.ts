import type { Db } from '../db';
import { recordAudit } from '../lib/audit';
import { conflict, notFound } from '../lib/errors';
import { postSupplierPayment, type SupplierTerms } from '../ledger/postings-for';
import { recordReturned } from './balances';

// A supplier's terms (docs/MONEY.md): `prepaid`, each purchase drawn from a balance the merchant
// tops up (the low-balance alert watches it); or `credit`, each purchase owed and paid `creditDays`
// after the statement period (a week or a month) it fell in ends.

export interface Terms {
  terms: SupplierTerms;
  creditDays?: number | null;
  statementPeriod?: 'week' | 'month' | null;
}

export async function setSupplierTerms(db: Db, merchantId: string, supplierId: string, t: Terms, actor: string): Promise<void> {
  await db.transaction(async (trx) => {
    const supplier = await trx('suppliers').where({ id: supplierId, merchant_id: merchantId }).forUpdate().first('terms', 'credit_days', 'statement_period');
    if (!supplier) throw notFound('Supplier');
    const credit = t.terms === 'credit';
    await trx('suppliers')
      .where({ id: supplierId })
      .update({ terms: t.terms, credit_days: credit ? t.creditDays : null, statement_period: credit ? t.statementPeriod : null });
    await recordAudit(trx, {
      merchantId,
      actor,
      action: 'supplier.terms',
      target: `supplier:${supplierId}`,
      detail: { from: { terms: supplier.terms, creditDays: supplier.credit_days, statementPeriod: supplier.statement_period }, to: t },
    });
  });
}

/**
 * Money the merchant paid a supplier: a prepaid balance topped up, or a credit supplier paid on
 * account. One row, the balance moved and the ledger posted, in one transaction.
 */
export async function paySupplier(
  db: Db,
  pay: { merchantId: string; supplierId: string; amount: number; reference?: string; actor: string },
): Promise<{ id: string; kind: 'top_up' | 'payment' }> {
  return db.transaction(async (trx) => {
    // Locked: a payment and a balance report or charge of the same supplier take turns.
    const supplier = await trx('suppliers').where({ id: pay.supplierId, merchant_id: pay.merchantId }).forUpdate().first('id', 'terms', 'currency');
    if (!supplier) throw notFound('Supplier');
    if (!supplier.currency) throw conflict('supplier_without_currency', 'Set the supplier’s currency before paying it', { supplierId: pay.supplierId });
    const id = crypto.randomUUID();
    const kind = supplier.terms === 'credit' ? ('payment' as const) : ('top_up' as const);
    const currency = supplier.currency.trim();
    await trx('supplier_payments').insert({
      id,
      merchant_id: pay.merchantId,
      supplier_id: pay.supplierId,
      kind,
      currency,
      amount: pay.amount,
      reference: pay.reference ?? null,
      paid_by: pay.actor,
    });
    if (kind === 'top_up') await recordReturned(trx, pay.supplierId, pay.amount);
    await postSupplierPayment(trx, { id, merchantId: pay.merchantId, supplierId: pay.supplierId, terms: supplier.terms, currency, amount: pay.amount });
    await recordAudit(trx, {
      merchantId: pay.merchantId,
      actor: pay.actor,
      action: `supplier.${kind}`,
      target: `supplier:${pay.supplierId}`,
      detail: { paymentId: id, amount: pay.amount, currency, reference: pay.reference ?? null },
    });
    return { id, kind };
  });
}
