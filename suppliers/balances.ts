import type { Knex } from 'knex';
import type { Db } from '../db';
import type { SupplierRow } from '../db/tables';
import { raiseAlert, resolveAlert } from '../lib/alerts';
import type { SupplierRegistry } from './registry';

// Each supplier's prepaid balance, as last seen: refreshed from the supplier, and decremented by
// every purchase in between so a low balance is noticed before purchases start failing.

export async function recordSpend(trx: Knex, supplierId: string, amount: number): Promise<void> {
  const [row] = await trx('suppliers')
    .where({ id: supplierId })
    .whereNotNull('balance')
    .update({ balance: trx.raw('balance - ?', [amount]) })
    .returning(['merchant_id', 'name', 'balance', 'low_balance_threshold', 'currency']);
  if (row) await checkThreshold(trx, supplierId, row);
}

/** The supplier told us its balance (e.g. with an insufficient_balance refusal). */
export async function recordSeenBalance(db: Db, supplierId: string, balance: number): Promise<void> {
  const [row] = await db('suppliers')
    .where({ id: supplierId })
    .update({ balance, balance_checked_at: db.fn.now() })
    .returning(['merchant_id', 'name', 'balance', 'low_balance_threshold', 'currency']);
  if (row) await checkThreshold(db, supplierId, row);
}

export async function refreshBalance(db: Db, registry: SupplierRegistry, supplierId: string): Promise<{ balance: number; currency: string }> {
  const { adapter } = await registry.adapterFor(supplierId);
  const seen = await adapter.balance();
  const [row] = await db('suppliers')
    .where({ id: supplierId })
    .update({ balance: seen.balance, balance_checked_at: db.fn.now() })
    .returning(['merchant_id', 'name', 'balance', 'low_balance_threshold', 'currency']);
  await checkThreshold(db, supplierId, row);
  return seen;
}

async function checkThreshold(db: Knex, supplierId: string, row: Pick<SupplierRow, 'merchant_id' | 'name' | 'balance' | 'low_balance_threshold' | 'currency'>) {
  if (row.low_balance_threshold == null || row.balance == null) return;
  if (row.balance < row.low_balance_threshold) {
    await raiseAlert(db, {
      merchantId: row.merchant_id,
      kind: 'supplier_low_balance',
      subjectId: supplierId,
      message: `Supplier ${row.name} balance ${row.balance} ${row.currency} is below the threshold of ${row.low_balance_threshold}; top it up`,
      detail: { balance: row.balance, threshold: row.low_balance_threshold, currency: row.currency },
    });
  } else {
    await resolveAlert(db, row.merchant_id, 'supplier_low_balance', supplierId);
  }
}
