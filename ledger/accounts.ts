import type { Knex } from 'knex';

// The ledger's accounts (docs/MONEY.md has the chart). The merchant's own accounts have no owner;
// supplier accounts belong to one supplier and receivables to one storefront. One account per
// kind, owner and currency, made the first time something is posted to it.

export const MERCHANT_ACCOUNTS = [
  'cash', // money the merchant paid out of Cardflow's sight (bank): supplier top-ups and payments
  'inventory', // goods held: imported codes, codes and top-ups bought, codes entered by hand
  'purchases_outside', // what goods bought outside Cardflow's supplier connections cost (imports, hand entries)
  'sales_revenue',
  'sales_refunds', // revenue given back to buyers (against sales_revenue)
  'cost_of_goods', // the cost of delivered units
  'goods_written_off', // goods lost: voided codes nobody was sold, top-ups made for refunded orders
  'supplier_balance_adjustments', // a supplier's reported balance differed from the books
] as const;
export const SUPPLIER_ACCOUNTS = [
  'supplier_prepaid', // our balance with a prepaid supplier (an asset)
  'supplier_payable', // what we owe a supplier on credit terms
  'supplier_claims', // money a supplier took for goods we could not accept
] as const;
export const STOREFRONT_ACCOUNTS = [
  'storefront_receivable', // what a storefront collected for us
  'storefront_prepaid', // a storefront's prepaid balance: money it paid ahead, owed back in goods (migration 028)
] as const;

export type AccountKind = (typeof MERCHANT_ACCOUNTS)[number] | (typeof SUPPLIER_ACCOUNTS)[number] | (typeof STOREFRONT_ACCOUNTS)[number];

export interface AccountRef {
  kind: AccountKind;
  currency: string;
  /** The supplier or storefront; none for the merchant's own accounts. */
  ownerId?: string;
}

const refKey = (a: AccountRef) => `${a.kind}|${a.ownerId ?? ''}|${a.currency}`;

/** The ids of a merchant's accounts, made where missing. */
export async function accountIds(trx: Knex, merchantId: string, refs: AccountRef[]): Promise<Map<string, string>> {
  const wanted = new Map(refs.map((r) => [refKey(r), { ...r, currency: r.currency.trim() }]));
  const find = async () => {
    const rows: { id: string; kind: AccountKind; owner_id: string | null; currency: string }[] = await trx('ledger_accounts')
      .where({ merchant_id: merchantId })
      .whereIn('kind', [...new Set([...wanted.values()].map((r) => r.kind))])
      .select('id', 'kind', 'owner_id', 'currency');
    const found = new Map<string, string>();
    for (const row of rows) {
      const key = refKey({ kind: row.kind, ownerId: row.owner_id ?? undefined, currency: row.currency });
      if (wanted.has(key)) found.set(key, row.id);
    }
    return found;
  };
  const found = await find();
  const missing = [...wanted].filter(([key]) => !found.has(key)).map(([, r]) => r);
  if (missing.length === 0) return found;
  // Sorted, so two transactions making the same new accounts wait on each other, never deadlock.
  missing.sort((a, b) => (refKey(a) < refKey(b) ? -1 : 1));
  await trx('ledger_accounts')
    .insert(missing.map((r) => ({ id: crypto.randomUUID(), merchant_id: merchantId, kind: r.kind, owner_id: r.ownerId ?? null, currency: r.currency })))
    .onConflict()
    .ignore();
  return find();
}

export function accountKey(a: AccountRef): string {
  return refKey({ ...a, currency: a.currency.trim() });
}
