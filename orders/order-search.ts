import net from 'node:net';
import type { Knex } from 'knex';
import type { CodeVault } from '../lib/code-vault';
import { FINGERPRINT_VERSION, fingerprintCode } from '../stock/code-secret';
import { normaliseIp } from '../risk/signals';

// The console's one search box: whatever a support person pastes — the storefront's reference,
// the order id, the buyer's email, phone, account or IP, or a code the buyer got — finds the
// order. Every arm is an equality or a prefix on an expression indexed per merchant
// (db/migrations/016_order_search.ts, spelled the same), so the search stays an index lookup at
// millions of orders. Codes are found by their fingerprint (stock/code-secret.ts): the search
// never reads a code's plaintext, and the term itself is never stored or logged.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** As many digits as tell one phone from another; fewer would match half the book. */
const MIN_PHONE_DIGITS = 6;
/** Codes shorter than this are not codes anyone sells; skip the fingerprint arm. */
const MIN_CODE_LENGTH = 4;

/** For LIKE patterns: the user's %, _ and \ match themselves. */
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The SQL expressions the indexes are made on (migration 016). */
export const SEARCH_SQL = {
  email: (o: string) => `lower(${o}.buyer->>'email')`,
  phoneDigitsReversed: (o: string) => `reverse(regexp_replace(${o}.buyer->>'phone', '[^0-9]', '', 'g'))`,
  account: (o: string) => `(${o}.buyer->>'accountId')`,
  ip: (o: string) => `(${o}.buyer->>'ip')`,
  device: (o: string) => `(${o}.buyer->>'deviceId')`,
};

/** The codes (any status, any SKU) the merchant holds under this text, whichever case rule their SKU has. */
export async function codesMatching(db: Knex, vault: CodeVault, merchantId: string, text: string) {
  const term = text.trim();
  if (term.length < MIN_CODE_LENGTH) return [];
  // A case-insensitive SKU stores the code under `own`, a case-sensitive one under `otherKind`.
  const fp = fingerprintCode(vault, term, false);
  const fingerprints = [fp.own, fp.otherKind];
  // Two arms, each implying one partial index's predicate, so both are index scans.
  return db('codes as c')
    .where('c.merchant_id', merchantId)
    .where((w) =>
      w
        .where((a) => a.where('c.fingerprint_version', FINGERPRINT_VERSION).whereNull('c.duplicate_of').whereIn('c.fingerprint', fingerprints))
        .orWhere((a) => a.whereNotNull('c.duplicate_of').whereIn('c.fingerprint', fingerprints)),
    )
    .select('c.id', 'c.unit_id');
}

/** Order ids whose units got one of these codes. */
async function ordersWithCode(db: Knex, vault: CodeVault, merchantId: string, term: string): Promise<string[]> {
  const unitIds = (await codesMatching(db, vault, merchantId, term)).map((c) => c.unit_id).filter((u): u is string => !!u);
  if (!unitIds.length) return [];
  return db('order_units').whereIn('id', unitIds).distinct().pluck('order_id');
}

/** Order ids with an item topping up this account (direct top-ups, 直充). */
async function ordersToppingUp(db: Knex, merchantId: string, account: string): Promise<string[]> {
  return db('order_items as i').join('orders as o', 'o.id', 'i.order_id').where({ 'i.account': account, 'o.merchant_id': merchantId }).limit(1000).distinct().pluck('i.order_id');
}

export interface SearchScope {
  merchantId: string;
  /** May this person see top-up accounts (lib/permissions.ts: manual-tasks.show)? Then they may search by them. */
  topUpAccounts: boolean;
}

/**
 * Narrows an orders query (aliased `o`, already walled to the merchant) to the orders `text`
 * finds: one condition, an OR of indexed arms. Which arms apply follows from the text's shape.
 */
export async function whereOrderMatches(db: Knex, vault: CodeVault, query: Knex.QueryBuilder, text: string, scope: SearchScope, alias = 'o'): Promise<void> {
  const term = text.trim();
  const ids = new Set<string>();
  if (UUID.test(term)) ids.add(term.toLowerCase());
  for (const id of await ordersWithCode(db, vault, scope.merchantId, term)) ids.add(id);
  if (scope.topUpAccounts) for (const id of await ordersToppingUp(db, scope.merchantId, term)) ids.add(id);
  const digits = term.replace(/[^0-9]/g, '');
  const looksLikePhone = /^\+?[0-9 ()-]+$/.test(term) && digits.length >= MIN_PHONE_DIGITS;
  const ip = net.isIP(term) ? normaliseIp(term) : undefined;
  query.where((w) => {
    w.where(`${alias}.external_ref`, 'like', `${escapeLike(term)}%`);
    if (term.length >= 3) w.orWhereRaw(`${SEARCH_SQL.email(alias)} LIKE ?`, [`${escapeLike(term.toLowerCase())}%`]);
    if (looksLikePhone) w.orWhereRaw(`${SEARCH_SQL.phoneDigitsReversed(alias)} LIKE ?`, [`${[...digits].reverse().join('')}%`]);
    w.orWhereRaw(`${SEARCH_SQL.account(alias)} = ?`, [term]);
    if (ip) w.orWhereRaw(`${SEARCH_SQL.ip(alias)} IN (?, ?)`, [term, ip]);
    if (ids.size) w.orWhereIn(`${alias}.id`, [...ids]);
  });
}

/**
 * The buyer filter (the order list's "buyer" field and the buyer's history on a review): the
 * orders of one buyer: by email (or its beginning), phone (or its last digits), account, IP or device.
 */
export function whereBuyerIs(query: Knex.QueryBuilder, value: string, alias = 'o'): void {
  const v = value.trim();
  const digits = v.replace(/[^0-9]/g, '');
  query.where((w) => {
    w.whereRaw(`${SEARCH_SQL.email(alias)} LIKE ?`, [`${escapeLike(v.toLowerCase())}%`]);
    if (digits.length >= MIN_PHONE_DIGITS && /^\+?[0-9 ()-]+$/.test(v)) w.orWhereRaw(`${SEARCH_SQL.phoneDigitsReversed(alias)} LIKE ?`, [`${[...digits].reverse().join('')}%`]);
    w.orWhereRaw(`${SEARCH_SQL.account(alias)} = ?`, [v]);
    if (net.isIP(v)) w.orWhereRaw(`${SEARCH_SQL.ip(alias)} IN (?, ?)`, [v, normaliseIp(v)]);
    w.orWhereRaw(`${SEARCH_SQL.device(alias)} = ?`, [v]);
  });
}
