import type { Knex } from 'knex';
import type { AccountRef } from './accounts';
import { post } from './post';

// One function per business event, each saying which accounts it moves (docs/MONEY.md has the
// same as a table). Callers pass what they already know, inside the transaction of the change.
// Keys are the event's own ids, so a repeat of the event posts nothing.

const merchant = (kind: AccountRef['kind'], currency: string): AccountRef => ({ kind, currency });
const supplier = (kind: AccountRef['kind'], supplierId: string, currency: string): AccountRef => ({ kind, ownerId: supplierId, currency });

export type SupplierTerms = 'prepaid' | 'credit';

/** Where a supplier's charges go: drawn from the prepaid balance, or owed on credit. */
const supplierAccount = (terms: SupplierTerms, supplierId: string, currency: string) =>
  supplier(terms === 'credit' ? 'supplier_payable' : 'supplier_prepaid', supplierId, currency);

export interface SoldUnit {
  unitId: string;
  skuId: string;
  price: number;
  /** orders/unit-cost.ts */
  cost: number;
}

/**
 * A delivered order is settled: per unit, the storefront owes us its price (revenue), and the
 * goods leave inventory at their cost. A unit with no recorded cost still gets its (zero) cost
 * entry, so every delivered unit has exactly one.
 */
export async function postSale(trx: Knex, order: { id: string; merchantId: string; storefrontId: string; currency: string }, units: SoldUnit[]) {
  const c = order.currency;
  await post(
    trx,
    units.flatMap((u) => {
      const refs = { orderId: order.id, unitId: u.unitId, skuId: u.skuId, storefrontId: order.storefrontId };
      return [
        {
          key: `sale:${u.unitId}`,
          kind: 'sale',
          merchantId: order.merchantId,
          refs,
          lines: [
            { account: { kind: 'storefront_receivable' as const, ownerId: order.storefrontId, currency: c }, amount: u.price },
            { account: merchant('sales_revenue', c), amount: -u.price },
          ],
        },
        {
          key: `cost:${u.unitId}`,
          kind: 'cost',
          merchantId: order.merchantId,
          refs,
          lines: [
            { account: merchant('cost_of_goods', c), amount: u.cost },
            { account: merchant('inventory', c), amount: -u.cost },
          ],
        },
      ];
    }),
  );
}

/** Revenue given back for refunded units that had been settled: the storefront owes us less. */
export async function postBuyerRefund(
  trx: Knex,
  refund: { id: string; orderId: string; merchantId: string; storefrontId: string; currency: string; reason: string },
  units: { unitId: string; skuId: string; price: number }[],
) {
  const c = refund.currency;
  await post(
    trx,
    units.map((u) => ({
      key: `refund:${u.unitId}`,
      kind: 'buyer_refund',
      merchantId: refund.merchantId,
      refs: { orderId: refund.orderId, unitId: u.unitId, skuId: u.skuId, storefrontId: refund.storefrontId },
      memo: { refundId: refund.id, reason: refund.reason },
      lines: [
        { account: merchant('sales_refunds', c), amount: u.price },
        { account: { kind: 'storefront_receivable' as const, ownerId: refund.storefrontId, currency: c }, amount: -u.price },
      ],
    })),
  );
}

/**
 * Goods lost: a code voided that no buyer paid for, or a top-up made for an order refunded before
 * delivery. `subject` is `unit:<id>` (a refund's loss, goods_losses) or `code:<id>` (stock voided).
 */
export async function postWriteOff(
  trx: Knex,
  merchantId: string,
  items: { subject: string; currency: string; amount: number; skuId: string; orderId?: string; unitId?: string; reason: string }[],
) {
  await post(
    trx,
    items
      .filter((i) => i.amount > 0)
      .map((i) => ({
        key: `write-off:${i.subject}`,
        kind: 'write_off',
        merchantId,
        refs: { orderId: i.orderId, unitId: i.unitId, skuId: i.skuId },
        memo: { reason: i.reason },
        lines: [
          { account: merchant('goods_written_off', i.currency), amount: i.amount },
          { account: merchant('inventory', i.currency), amount: -i.amount },
        ],
      })),
  );
}

export interface SupplierCharge {
  purchaseId: string;
  merchantId: string;
  supplierId: string;
  terms: SupplierTerms;
  currency: string;
  amount: number;
  orderId: string;
  unitId: string;
  skuId: string;
}

/** A supplier took the money for a purchase: goods in, balance drawn (prepaid) or owed (credit). */
export async function postSupplierCharge(trx: Knex, ch: SupplierCharge) {
  await post(trx, [
    {
      key: `supplier-charge:${ch.purchaseId}`,
      kind: 'supplier_charge',
      merchantId: ch.merchantId,
      refs: { orderId: ch.orderId, unitId: ch.unitId, skuId: ch.skuId, supplierId: ch.supplierId },
      lines: [
        { account: merchant('inventory', ch.currency), amount: ch.amount },
        { account: supplierAccount(ch.terms, ch.supplierId, ch.currency), amount: -ch.amount },
      ],
    },
  ]);
}

/** A supplier gave a charge back (the game server rejected a top-up): the charge, reversed. */
export async function postSupplierRefund(trx: Knex, ch: SupplierCharge) {
  await post(trx, [
    {
      key: `supplier-refund:${ch.purchaseId}`,
      kind: 'supplier_refund',
      merchantId: ch.merchantId,
      refs: { orderId: ch.orderId, unitId: ch.unitId, skuId: ch.skuId, supplierId: ch.supplierId },
      lines: [
        { account: supplierAccount(ch.terms, ch.supplierId, ch.currency), amount: ch.amount },
        { account: merchant('inventory', ch.currency), amount: -ch.amount },
      ],
    },
  ]);
}

/** A supplier charged for goods we refused (an unsafe redemption URL): a claim on it, for a person to settle. */
export async function postSupplierClaim(trx: Knex, ch: SupplierCharge, reason: string) {
  await post(trx, [
    {
      key: `supplier-claim:${ch.purchaseId}`,
      kind: 'supplier_claim',
      merchantId: ch.merchantId,
      refs: { orderId: ch.orderId, unitId: ch.unitId, skuId: ch.skuId, supplierId: ch.supplierId },
      memo: { reason },
      lines: [
        { account: supplier('supplier_claims', ch.supplierId, ch.currency), amount: ch.amount },
        { account: merchant('inventory', ch.currency), amount: -ch.amount },
      ],
    },
  ]);
}

/** Money paid to a supplier: a prepaid balance topped up, or a credit supplier paid what it is owed. */
export async function postSupplierPayment(trx: Knex, pay: { id: string; merchantId: string; supplierId: string; terms: SupplierTerms; currency: string; amount: number }) {
  await post(trx, [
    {
      key: `supplier-payment:${pay.id}`,
      kind: pay.terms === 'credit' ? 'supplier_payment' : 'supplier_top_up',
      merchantId: pay.merchantId,
      refs: { supplierId: pay.supplierId },
      lines: [
        { account: supplierAccount(pay.terms, pay.supplierId, pay.currency), amount: pay.amount },
        { account: merchant('cash', pay.currency), amount: -pay.amount },
      ],
    },
  ]);
}

/**
 * A prepaid supplier reported a balance other than the books say (the first report is the opening
 * balance): the books follow the supplier, and the difference stays visible in its own account.
 */
export async function postSupplierBalanceSeen(trx: Knex, seen: { merchantId: string; supplierId: string; currency: string; difference: number }) {
  if (seen.difference === 0) return;
  await post(trx, [
    {
      key: `supplier-balance-seen:${seen.supplierId}:${crypto.randomUUID()}`,
      kind: 'supplier_balance_seen',
      merchantId: seen.merchantId,
      refs: { supplierId: seen.supplierId },
      lines: [
        { account: supplier('supplier_prepaid', seen.supplierId, seen.currency), amount: seen.difference },
        { account: merchant('supplier_balance_adjustments', seen.currency), amount: -seen.difference },
      ],
    },
  ]);
}

/** Goods bought outside Cardflow's supplier connections came in: an imported batch, or codes entered by hand. */
export async function postGoodsBoughtOutside(
  trx: Knex,
  merchantId: string,
  items: { subject: string; currency: string; amount: number; skuId: string; orderId?: string; unitId?: string }[],
) {
  await post(
    trx,
    items
      .filter((i) => i.amount > 0)
      .map((i) => ({
        key: `bought-outside:${i.subject}`,
        kind: 'goods_bought_outside',
        merchantId,
        refs: { orderId: i.orderId, unitId: i.unitId, skuId: i.skuId },
        lines: [
          { account: merchant('inventory', i.currency), amount: i.amount },
          { account: merchant('purchases_outside', i.currency), amount: -i.amount },
        ],
      })),
  );
}

/**
 * A reconciliation difference resolved with an adjustment (reconciliation/resolve.ts): the books
 * take the supplier's statement as what it took. `difference` is the statement's figure less the
 * books' for one reference. When the supplier took more (charged twice, charged for nothing, a
 * refund never given, a higher price), the extra is a claim on it, like a charge for goods we
 * refused. On credit terms the payable grows by it (we owe what the statement says); on prepaid
 * terms the balance itself already follows the supplier's reported balance (suppliers/balances.ts
 * posts the gap to supplier_balance_adjustments), so the claim is taken from there. When the
 * supplier took less (on credit terms only), we owe less and the gain shows in the adjustments.
 */
export async function postReconciliationAdjustment(
  trx: Knex,
  adj: { differenceId: string; merchantId: string; supplierId: string; terms: SupplierTerms; currency: string; difference: number; orderId?: string; reason: string },
) {
  const c = adj.currency;
  const lines =
    adj.difference > 0
      ? [
          { account: supplier('supplier_claims', adj.supplierId, c), amount: adj.difference },
          { account: adj.terms === 'credit' ? supplier('supplier_payable', adj.supplierId, c) : merchant('supplier_balance_adjustments', c), amount: -adj.difference },
        ]
      : [
          { account: supplier('supplier_payable', adj.supplierId, c), amount: -adj.difference },
          { account: merchant('supplier_balance_adjustments', c), amount: adj.difference },
        ];
  const key = `reconciliation-adjustment:${adj.differenceId}`;
  await post(trx, [
    {
      key,
      kind: 'reconciliation_adjustment',
      merchantId: adj.merchantId,
      refs: { supplierId: adj.supplierId, orderId: adj.orderId },
      memo: { differenceId: adj.differenceId, reason: adj.reason },
      lines,
    },
  ]);
  return key;
}
