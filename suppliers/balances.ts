import type { Knex } from 'knex';
import type { Db } from '../db';
import type { SupplierRow } from '../db/tables';
import { raiseAlert, resolveAlert } from '../lib/alerts';
import { accountBalance } from '../ledger/balances';
import { postSupplierBalanceSeen } from '../ledger/postings-for';
import type { SupplierRegistry } from './registry';

// Each supplier's prepaid balance, as last seen: refreshed from the supplier, and moved by every
// charge, returned charge and top-up in between so a low balance is noticed before purchases
// start failing. The ledger's supplier_prepaid account moves with it (suppliers/charges.ts).

export async function recordSpend(trx: Knex, supplierId: string, amount: number): Promise<void> {
  await moveBalance(trx, supplierId, -amount);
}

/** Money back into the balance: a charge the supplier returned, or a top-up. */
export async function recordReturned(trx: Knex, supplierId: string, amount: number): Promise<void> {
  await moveBalance(trx, supplierId, amount);
}

async function moveBalance(trx: Knex, supplierId: string, by: number) {
  const [row] = await trx('suppliers')
    .where({ id: supplierId })
    .whereNotNull('balance')
    .update({ balance: trx.raw('balance + ?', [by]) })
    .returning(['merchant_id', 'name', 'balance', 'low_balance_threshold', 'currency']);
  if (row) await checkThreshold(trx, supplierId, row);
}

/** The supplier told us its balance (e.g. with an insufficient_balance refusal). */
export async function recordSeenBalance(db: Db, supplierId: string, balance: number): Promise<void> {
  await db.transaction((trx) => takeSeenBalance(trx, supplierId, balance));
}

export async function refreshBalance(db: Db, registry: SupplierRegistry, supplierId: string): Promise<{ balance: number; currency: string }> {
  const { adapter } = await registry.adapterFor(supplierId);
  const seen = await adapter.balance();
  await db.transaction((trx) => takeSeenBalance(trx, supplierId, seen.balance));
  return seen;
}

// The supplier's word is the balance. On the books, a prepaid supplier's balance account follows
// it, and any difference from what the books expected is posted where it stays visible; the
// supplier row is locked first, so no purchase is charged between reading the books and posting.
async function takeSeenBalance(trx: Knex.Transaction, supplierId: string, balance: number) {
  const supplier = await trx('suppliers').where({ id: supplierId }).forUpdate().first('merchant_id', 'terms', 'currency');
  if (!supplier) throw new Error(`supplier ${supplierId} is missing`);
  if (supplier.terms === 'prepaid' && supplier.currency) {
    const currency = supplier.currency.trim();
    const books = await accountBalance(trx, supplier.merchant_id, { kind: 'supplier_prepaid', ownerId: supplierId, currency });
    await postSupplierBalanceSeen(trx, { merchantId: supplier.merchant_id, supplierId, currency, difference: balance - books });
  }
  const [row] = await trx('suppliers')
    .where({ id: supplierId })
    .update({ balance, balance_checked_at: trx.fn.now() })
    .returning(['merchant_id', 'name', 'balance', 'low_balance_threshold', 'currency']);
  await checkThreshold(trx, supplierId, row);
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
