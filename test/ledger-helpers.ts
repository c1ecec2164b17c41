import type { Db } from '../db';
import type { AccountKind } from '../ledger/accounts';

// Reading the ledger back in tests: what the books say, to hold against the orders' own figures.

/** Entries whose lines do not sum to zero in some currency (the database refuses these; this is the check). */
export async function unbalancedEntries(db: Db): Promise<{ key: string; currency: string; total: number }[]> {
  const { rows } = await db.raw(`SELECT e.key, l.currency, sum(l.amount)::bigint AS total FROM ledger_entries e JOIN ledger_lines l ON l.entry_id = e.id
    GROUP BY e.key, l.currency HAVING sum(l.amount) <> 0`);
  return rows;
}

/** The sum of an account kind's lines for a merchant (debits positive), optionally of one owner and entry kind. */
export async function ledgerSum(db: Db, merchantId: string, kind: AccountKind, opts: { ownerId?: string; entryKind?: string } = {}): Promise<number> {
  const [row] = await db('ledger_lines as l')
    .join('ledger_accounts as a', 'a.id', 'l.account_id')
    .join('ledger_entries as e', 'e.id', 'l.entry_id')
    .where({ 'a.merchant_id': merchantId, 'a.kind': kind })
    .modify((q) => void (opts.ownerId ? q.where('a.owner_id', opts.ownerId) : q))
    .modify((q) => void (opts.entryKind ? q.where('e.kind', opts.entryKind) : q))
    .sum<{ total: number | null }[]>('l.amount as total');
  return Number(row.total ?? 0);
}

export async function entriesOf(db: Db, where: Record<string, string>): Promise<{ key: string; kind: string }[]> {
  return db('ledger_entries').where(where).orderBy('key').select('key', 'kind');
}

export async function sumOf(db: Db, table: string, column: string, where: Record<string, string> = {}): Promise<number> {
  const [row] = await db(table).where(where).sum<{ total: number | null }[]>(`${column} as total`);
  return Number(row.total ?? 0);
}
