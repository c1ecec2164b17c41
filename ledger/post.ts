import type { Knex } from 'knex';
import { InvariantBroken } from '../lib/errors';
import { accountIds, accountKey, type AccountRef } from './accounts';

// Writes entries to the ledger inside the caller's transaction: the business change and its
// entries commit together or not at all. Each entry's business key makes it once-only: an entry
// whose key is already posted is skipped (a retried activity, a repeated callback), so callers
// post without first asking. The database checks balance, append-only and closed periods again
// (db/migrations/019_ledger.ts); the balance check here only says earlier what went wrong.

export interface EntryRefs {
  orderId?: string;
  unitId?: string;
  skuId?: string;
  supplierId?: string;
  storefrontId?: string;
}

export interface Posting {
  /** Unique business key, e.g. `sale:<unit id>`: the same event never posts twice. */
  key: string;
  /** The business event (docs/MONEY.md): sale, cost, supplier_charge, … */
  kind: string;
  merchantId: string;
  refs?: EntryRefs;
  memo?: Record<string, unknown>;
  /** Positive: debit; negative: credit. Integer minor units in the account's currency. */
  lines: { account: AccountRef; amount: number }[];
}

// Postgres takes at most 65,535 bound values in one statement; an entry binds 11 and its
// lines 4 each. A bulk order's sale posts two entries per unit, for up to 50,000 units.
const POSTINGS_PER_STATEMENT = 2_000;

/** Posts what is not posted yet; returns the keys it posted. */
export async function post(trx: Knex, postings: Posting[]): Promise<string[]> {
  if (postings.length > POSTINGS_PER_STATEMENT) {
    const keys: string[] = [];
    for (let i = 0; i < postings.length; i += POSTINGS_PER_STATEMENT) keys.push(...(await post(trx, postings.slice(i, i + POSTINGS_PER_STATEMENT))));
    return keys;
  }
  if (postings.length === 0) return [];
  for (const p of postings) checkBalanced(p);
  const merchantId = postings[0].merchantId;
  if (postings.some((p) => p.merchantId !== merchantId)) throw new InvariantBroken('ledger_mixed_merchants', { key: postings[0].key });

  const ids = postings.map(() => crypto.randomUUID());
  const inserted: { id: string; key: string }[] = await trx('ledger_entries')
    .insert(
      postings.map((p, i) => ({
        id: ids[i],
        merchant_id: p.merchantId,
        key: p.key,
        kind: p.kind,
        // The first open day: corrections of a closed month land in the open one.
        posted_on: trx.raw('ledger_first_open_day(?)', [p.merchantId]),
        order_id: p.refs?.orderId ?? null,
        unit_id: p.refs?.unitId ?? null,
        sku_id: p.refs?.skuId ?? null,
        supplier_id: p.refs?.supplierId ?? null,
        storefront_id: p.refs?.storefrontId ?? null,
        memo: p.memo ? JSON.stringify(p.memo) : null,
      })),
    )
    .onConflict('key')
    .ignore()
    .returning(['id', 'key']);
  if (inserted.length === 0) return [];
  const fresh = new Map(inserted.map((r) => [r.key, r.id]));
  const posted = postings.filter((p) => fresh.has(p.key));
  const accounts = await accountIds(
    trx,
    merchantId,
    posted.flatMap((p) => p.lines.map((l) => l.account)),
  );
  await trx('ledger_lines').insert(
    posted.flatMap((p) =>
      p.lines.map((l) => ({ entry_id: fresh.get(p.key), account_id: accounts.get(accountKey(l.account)), currency: l.account.currency.trim(), amount: l.amount })),
    ),
  );
  return posted.map((p) => p.key);
}

function checkBalanced(p: Posting) {
  if (p.lines.length === 0) throw new InvariantBroken('ledger_entry_without_lines', { key: p.key });
  const sums = new Map<string, number>();
  for (const l of p.lines) {
    if (!Number.isSafeInteger(l.amount)) throw new InvariantBroken('ledger_amount_not_integer', { key: p.key });
    const c = l.account.currency.trim();
    sums.set(c, (sums.get(c) ?? 0) + l.amount);
  }
  for (const [currency, sum] of sums) if (sum !== 0) throw new InvariantBroken('ledger_unbalanced', { key: p.key, currency, sum });
}
