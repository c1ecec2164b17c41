import type { Db } from '../db';
import { raiseAlert, resolveAlert } from '../lib/alerts';

// One circuit per supplier, kept in Postgres so every worker sees the same one. After
// `circuit_failure_threshold` calls in a row that got no usable answer, the circuit opens and
// nobody calls that supplier for `circuit_cooldown_seconds`: its orders go to the next route at
// once instead of each waiting out a timeout. Then exactly one caller gets a trial call; an
// answer closes the circuit, another failure opens it again.

export interface CircuitView {
  supplier_id: string;
  circuit_open_until: Date | null;
}

/** May we call this supplier now? Claims the single trial call when the cooldown is over. */
export async function mayCall(db: Db, route: CircuitView): Promise<boolean> {
  if (!route.circuit_open_until) return true;
  const claimed = await db('suppliers')
    .where({ id: route.supplier_id })
    .andWhere('circuit_open_until', '<=', db.fn.now())
    .update({ circuit_open_until: db.raw(`now() + make_interval(secs => circuit_cooldown_seconds)`) });
  return claimed > 0;
}

/** The supplier answered (yes or no): it is healthy. Writes only when something changes. */
export async function recordAnswer(db: Db, supplierId: string): Promise<void> {
  const closed = await db('suppliers')
    .where({ id: supplierId })
    .andWhere((q) => q.where('consecutive_failures', '>', 0).orWhereNotNull('circuit_open_until'))
    .update({ consecutive_failures: 0, circuit_open_until: null })
    .returning(['merchant_id']);
  if (closed.length > 0) await resolveAlert(db, closed[0].merchant_id, 'supplier_circuit_open', supplierId);
}

/** No usable answer (timeout, 5xx, garbage). Opens the circuit at the threshold. */
export async function recordFailure(db: Db, supplierId: string): Promise<void> {
  const [row] = await db('suppliers')
    .where({ id: supplierId })
    .update({
      consecutive_failures: db.raw('consecutive_failures + 1'),
      circuit_open_until: db.raw(
        `CASE WHEN consecutive_failures + 1 >= circuit_failure_threshold
              THEN now() + make_interval(secs => circuit_cooldown_seconds) ELSE circuit_open_until END`,
      ),
    })
    .returning(['merchant_id', 'name', 'consecutive_failures', 'circuit_failure_threshold', 'circuit_open_until']);
  if (row && row.consecutive_failures === row.circuit_failure_threshold) {
    await raiseAlert(db, {
      merchantId: row.merchant_id,
      kind: 'supplier_circuit_open',
      subjectId: supplierId,
      message: `Supplier ${row.name} gave no usable answer ${row.consecutive_failures} times in a row; its orders go to the next route until it recovers`,
      detail: { openUntil: row.circuit_open_until },
    });
  }
}
