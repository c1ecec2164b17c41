import type { Knex } from 'knex';
import type { AccountKind } from './accounts';

// Reading the ledger: an account's balance is the sum of its lines (debits positive).

/** The balance of one account; 0 when nothing was ever posted to it. */
export async function accountBalance(db: Knex, merchantId: string, account: { kind: AccountKind; ownerId?: string; currency: string }): Promise<number> {
  const [row] = await db('ledger_lines as l')
    .join('ledger_accounts as a', 'a.id', 'l.account_id')
    .where({ 'a.merchant_id': merchantId, 'a.kind': account.kind, 'a.currency': account.currency.trim() })
    .modify((q) => void (account.ownerId ? q.where('a.owner_id', account.ownerId) : q.whereNull('a.owner_id')))
    .sum<{ total: number | null }[]>('l.amount as total');
  return Number(row?.total ?? 0);
}
