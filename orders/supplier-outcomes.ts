import type { Knex } from 'knex';
import { supplierOutcome, type SupplierOutcome } from '../suppliers/outcome-codes';
import type { OrderReason } from './reasons';

/**
 * What each supplier said when the order's units could not be bought, as codes
 * (suppliers/outcome-codes.ts), read from the failed purchases of the order's last round of
 * attempts (a person's retry starts a new round, as in suppliers/purchase-unit.ts) rather than
 * from the English sentence of its reason. The console's order (orders/console-view.ts) and an
 * undone bundle's void reason (orders/bundle-undo.ts) both read them here.
 */
export async function lastSupplierOutcomes(db: Knex, order: { id: string; retried_at: Date | null }): Promise<SupplierOutcome[]> {
  const failed = await db('supplier_purchases as p')
    .join('suppliers as s', 's.id', 'p.supplier_id')
    .where({ 'p.order_id': order.id, 'p.status': 'failed' })
    .andWhere('p.created_at', '>', order.retried_at ?? new Date(0))
    .orderBy('p.created_at')
    .select('s.name', 'p.failure_code', 'p.failure_message');
  return failed.map((p) => supplierOutcome(p.name, p.failure_code, p.failure_message));
}

/**
 * A supplier failure's reason with what each supplier said, as codes: its own when it carries
 * them, else read from the purchases (above); any other reason as it is.
 */
export async function withSupplierOutcomes(db: Knex, order: { id: string; retried_at: Date | null }, reason: OrderReason | null): Promise<OrderReason | null> {
  if (reason?.code !== 'supplier_failed' || reason.outcomes) return reason;
  const outcomes = await lastSupplierOutcomes(db, order);
  return outcomes.length ? { ...reason, outcomes } : reason;
}
