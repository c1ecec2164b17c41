import type { Db } from '../db';
import { SupplierRefused, SupplierUnavailable } from './adapter';

// A supplier's recent failed calls, for the console's "last errors" of a connection: which
// operation, refused (with the refusal's code) or unanswered, and the adapter's own short wording
// (adapters never put the supplier's body in an error, so no code or credential reaches here).
// Only the newest KEPT per supplier stay: an outage writes many, and the console shows the latest.

export const KEPT = 50;

export async function recordCallFailure(db: Db, supplierId: string, operation: string, err: unknown): Promise<void> {
  // Anything else is our own bug, not the supplier's answer; it is logged where it is caught.
  if (!(err instanceof SupplierRefused || err instanceof SupplierUnavailable)) return;
  const refused = err instanceof SupplierRefused;
  await db('supplier_call_failures').insert({
    supplier_id: supplierId,
    operation,
    outcome: refused ? 'refused' : 'unavailable',
    code: refused ? err.code.slice(0, 60) : 'unavailable',
    detail: err.message.slice(0, 200),
  });
  await db('supplier_call_failures')
    .where({ supplier_id: supplierId })
    .where('id', '<=', db('supplier_call_failures').where({ supplier_id: supplierId }).orderBy('id', 'desc').offset(KEPT).limit(1).select('id'))
    .delete();
}

export async function recentCallFailures(db: Db, supplierId: string, limit = 20) {
  const rows = await db('supplier_call_failures').where({ supplier_id: supplierId }).orderBy('id', 'desc').limit(limit);
  return rows.map((r) => ({ operation: r.operation, outcome: r.outcome, code: r.code, detail: r.detail, at: r.created_at.toISOString() }));
}
