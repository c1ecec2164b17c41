import type { Knex } from 'knex';
import type { Db } from '../db';
import { periodBounds, type Period } from './period';

// Cardflow's own statement of a supplier over a period: every purchase we sent it, by reference,
// with what the ledger says it took (the `supplier-charge:<purchase>` entry) and gave back
// (`supplier-refund:<purchase>`), and the storefront order each one was for. The amounts come from
// the ledger, not from the purchase row, so the statement says what the books say.

export interface OurStatementLine {
  purchase_id: string;
  reference: string;
  supplier_order_id: string | null;
  supplier_product: string;
  status: string;
  created_at: Date;
  /** Minor units; null when the books hold no charge (a failed purchase, one still unknown). */
  charged: number | null;
  refunded: number | null;
  order_id: string;
  external_ref: string;
  order_status: string;
  storefront: string;
  unit_id: string;
  unit_status: string;
  delivered: boolean;
  sku: string;
}

const ledgerAmount = (db: Knex, prefix: string) =>
  db.raw(`(SELECT l.amount FROM ledger_entries e JOIN ledger_lines l ON l.entry_id = e.id AND l.amount > 0 WHERE e.key = ? || p.id::text LIMIT 1)`, [prefix]);

/** Purchases of the supplier: those made in the period, or (`references`) those named, whenever they were made. */
export function ourStatementQuery(db: Db, merchantId: string, supplierId: string, scope: { period: Period } | { references: string[] }): Knex.QueryBuilder {
  const q = db('supplier_purchases as p')
    .join('orders as o', 'o.id', 'p.order_id')
    .join('storefronts as sf', 'sf.id', 'o.storefront_id')
    .join('order_units as u', 'u.id', 'p.unit_id')
    .join('skus as s', 's.id', 'u.sku_id')
    .where({ 'p.merchant_id': merchantId, 'p.supplier_id': supplierId })
    .select(
      'p.id as purchase_id',
      'p.reference',
      'p.supplier_order_id',
      'p.supplier_product',
      'p.status',
      'p.created_at',
      db.raw(`${ledgerAmount(db, 'supplier-charge:').toQuery()} AS charged`),
      db.raw(`${ledgerAmount(db, 'supplier-refund:').toQuery()} AS refunded`),
      'o.id as order_id',
      'o.external_ref',
      'o.status as order_status',
      'sf.name as storefront',
      'u.id as unit_id',
      'u.status as unit_status',
      db.raw('EXISTS (SELECT 1 FROM deliveries d WHERE d.unit_id = p.unit_id) AS delivered'),
      's.code as sku',
    );
  if ('period' in scope) {
    const { start, end } = periodBounds(scope.period);
    q.where('p.created_at', '>=', start).where('p.created_at', '<', end);
  } else {
    q.whereIn('p.reference', scope.references);
  }
  return q;
}

export async function ourStatement(db: Db, merchantId: string, supplierId: string, period: Period): Promise<OurStatementLine[]> {
  return ourStatementQuery(db, merchantId, supplierId, { period }).orderBy('p.created_at').orderBy('p.reference');
}
