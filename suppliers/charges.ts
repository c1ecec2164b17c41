import type { Knex } from 'knex';
import { postSupplierCharge, postSupplierClaim, postSupplierRefund, type SupplierCharge, type SupplierTerms } from '../ledger/postings-for';
import { recordSpend, recordReturned } from './balances';

// What a supplier charged us for a purchase, on our books, in the caller's transaction: a prepaid
// supplier's balance is drawn (and its low-balance alert checked), a credit supplier is owed; the
// ledger posts either (ledger/postings-for.ts). A supplier has charged once it took the order at a
// price: when it answers `succeeded`, or `processing` (it finishes later, the money is gone now).

interface Purchase {
  id: string;
  merchant_id: string;
  supplier_id: string;
  order_id: string;
  unit_id: string;
}

async function chargeOf(trx: Knex, p: Purchase, amount: number): Promise<SupplierCharge> {
  const supplier: { terms: SupplierTerms; currency: string } = await trx('suppliers').where({ id: p.supplier_id }).first('terms', 'currency');
  const unit: { sku_id: string } = await trx('order_units').where({ id: p.unit_id }).first('sku_id');
  return {
    purchaseId: p.id,
    merchantId: p.merchant_id,
    supplierId: p.supplier_id,
    terms: supplier.terms,
    currency: supplier.currency.trim(),
    amount,
    orderId: p.order_id,
    unitId: p.unit_id,
    skuId: unit.sku_id,
  };
}

/** The supplier took the money for this purchase. */
export async function recordCharge(trx: Knex, p: Purchase, amount: number): Promise<void> {
  const charge = await chargeOf(trx, p, amount);
  if (charge.terms === 'prepaid') await recordSpend(trx, p.supplier_id, amount);
  await postSupplierCharge(trx, charge);
}

/** The supplier gave the money back (it failed the purchase after charging: a rejected top-up). */
export async function recordChargeReturned(trx: Knex, p: Purchase, amount: number): Promise<void> {
  const charge = await chargeOf(trx, p, amount);
  if (charge.terms === 'prepaid') await recordReturned(trx, p.supplier_id, amount);
  await postSupplierRefund(trx, charge);
}

/** We refused goods the supplier charged for: the money is a claim on the supplier until a person settles it. */
export async function recordChargeClaimed(trx: Knex, p: Purchase, amount: number, reason: string): Promise<void> {
  await postSupplierClaim(trx, await chargeOf(trx, p, amount), reason);
}
