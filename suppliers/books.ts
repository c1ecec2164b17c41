import type { Db } from '../db';
import { accountBalance } from '../ledger/balances';

// What the console's supplier page shows about money, read from the ledger: the prepaid balance or
// the amount owed, what was spent this statement period, how often purchases failed, and what
// each SKU cost on average. Periods are calendar weeks (Monday) or months, in UTC.

export interface SupplierBooks {
  terms: 'prepaid' | 'credit';
  currency: string | null;
  creditDays: number | null;
  statementPeriod: 'week' | 'month';
  /** prepaid: our balance with the supplier on the books; credit: null. */
  balance: number | null;
  /** credit: what we owe it; prepaid: null. */
  owed: number | null;
  period: { from: string; to: string; dueOn: string | null };
  spend: number;
  purchases: { finished: number; failed: number; failureRate: number | null };
  averageCostPerSku: { sku: string; units: number; averageCost: number }[];
}

export async function supplierBooks(db: Db, merchantId: string, supplierId: string): Promise<SupplierBooks | undefined> {
  const s = await db('suppliers').where({ id: supplierId, merchant_id: merchantId }).first('terms', 'currency', 'credit_days', 'statement_period');
  if (!s) return undefined;
  const currency: string | null = s.currency?.trim() ?? null;
  const periodKind: 'week' | 'month' = s.statement_period ?? 'month';
  const { rows } = await db.raw<{ rows: { from: string; to: string }[] }>(
    `SELECT to_char(date_trunc(?, current_date), 'YYYY-MM-DD') AS "from", to_char(date_trunc(?, current_date) + ('1 ' || ?)::interval, 'YYYY-MM-DD') AS "to"`,
    [periodKind, periodKind, periodKind],
  );
  const { from, to } = rows[0];
  const dueOn = s.terms === 'credit' ? new Date(Date.parse(`${to}T00:00:00Z`) + (s.credit_days ?? 0) * 86_400_000).toISOString().slice(0, 10) : null;

  const own = (kind: 'supplier_prepaid' | 'supplier_payable') => (currency ? accountBalance(db, merchantId, { kind, ownerId: supplierId, currency }) : Promise.resolve(0));
  // A charge credits the supplier's account and a returned charge debits it: spend is their net.
  const [spent] = await db('ledger_entries as e')
    .join('ledger_lines as l', 'l.entry_id', 'e.id')
    .join('ledger_accounts as a', 'a.id', 'l.account_id')
    .where({ 'e.merchant_id': merchantId, 'e.supplier_id': supplierId, 'a.kind': 'inventory' })
    .whereIn('e.kind', ['supplier_charge', 'supplier_refund'])
    .where('e.posted_on', '>=', from)
    .where('e.posted_on', '<', to)
    .sum<{ total: number | null }[]>('l.amount as total');
  const perSku = await db('ledger_entries as e')
    .join('ledger_lines as l', 'l.entry_id', 'e.id')
    .join('ledger_accounts as a', 'a.id', 'l.account_id')
    .join('skus as k', 'k.id', 'e.sku_id')
    .where({ 'e.merchant_id': merchantId, 'e.supplier_id': supplierId, 'a.kind': 'inventory' })
    .whereIn('e.kind', ['supplier_charge', 'supplier_refund'])
    .where('e.posted_on', '>=', from)
    .where('e.posted_on', '<', to)
    .groupBy('k.code')
    .orderBy('k.code')
    .select<{ sku: string; units: number; total: number }[]>(
      'k.code as sku',
      db.raw(`(count(*) FILTER (WHERE e.kind = 'supplier_charge') - count(*) FILTER (WHERE e.kind = 'supplier_refund'))::int AS units`),
      db.raw('sum(l.amount)::bigint AS total'),
    );
  const [tries] = await db('supplier_purchases')
    .where({ merchant_id: merchantId, supplier_id: supplierId })
    .whereIn('status', ['succeeded', 'failed'])
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .select<{ finished: number; failed: number }[]>(db.raw('count(*)::int AS finished'), db.raw(`count(*) FILTER (WHERE status = 'failed')::int AS failed`));
  return {
    terms: s.terms,
    currency,
    creditDays: s.credit_days,
    statementPeriod: periodKind,
    balance: s.terms === 'prepaid' ? await own('supplier_prepaid') : null,
    owed: s.terms === 'credit' ? -(await own('supplier_payable')) : null,
    period: { from, to, dueOn },
    spend: Number(spent?.total ?? 0),
    purchases: { finished: tries.finished, failed: tries.failed, failureRate: tries.finished ? tries.failed / tries.finished : null },
    averageCostPerSku: perSku.filter((r) => r.units > 0).map((r) => ({ sku: r.sku, units: r.units, averageCost: Math.round(Number(r.total) / r.units) })),
  };
}
