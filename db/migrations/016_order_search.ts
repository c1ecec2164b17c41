import type { Knex } from 'knex';

// One search box (orders/order-search.ts): reference, order id, buyer email, phone, account, IP
// and a code. Each of these is an equality or a prefix on one expression, so each gets a btree
// index on (merchant_id, expression) and Postgres answers the search as a BitmapOr of index
// scans, never a `%…%` scan over the buyer JSON. pg_trgm is shipped with the embedded Postgres,
// but not every managed Postgres lets a migration create an extension, and people search for
// identifiers they paste, not for fragments: exact and prefix matches are what is needed.
// The expressions are spelled exactly as orders/order-search.ts spells them.

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE INDEX orders_search_ref_idx ON orders (merchant_id, external_ref text_pattern_ops);
    CREATE INDEX orders_search_email_idx ON orders (merchant_id, lower(buyer->>'email') text_pattern_ops);
    -- The phone's digits reversed: "ends with the digits typed" is a prefix, so +86 138 0013 8000
    -- is found by 13800138000.
    CREATE INDEX orders_search_phone_idx ON orders (merchant_id, reverse(regexp_replace(buyer->>'phone', '[^0-9]', '', 'g')) text_pattern_ops);
    CREATE INDEX orders_search_account_idx ON orders (merchant_id, (buyer->>'accountId'));
    CREATE INDEX orders_search_ip_idx ON orders (merchant_id, (buyer->>'ip'));
    CREATE INDEX orders_search_device_idx ON orders (merchant_id, (buyer->>'deviceId'));
    -- The game or video account a top-up goes to.
    CREATE INDEX order_items_account_idx ON order_items (account) WHERE account IS NOT NULL;
    -- Codes are found by fingerprint: codes_merchant_fingerprint_unique covers every current
    -- code but those marked as twins of another (stock/refingerprint.ts); this covers those.
    CREATE INDEX codes_duplicate_fingerprint_idx ON codes (merchant_id, fingerprint) WHERE duplicate_of IS NOT NULL;
    -- The audit log export walks a merchant's rows in id (time) order.
    CREATE INDEX audit_log_merchant_id_idx ON audit_log (merchant_id, id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  for (const index of [
    'audit_log_merchant_id_idx',
    'codes_duplicate_fingerprint_idx',
    'order_items_account_idx',
    'orders_search_device_idx',
    'orders_search_ip_idx',
    'orders_search_account_idx',
    'orders_search_phone_idx',
    'orders_search_email_idx',
    'orders_search_ref_idx',
  ])
    await knex.raw(`DROP INDEX IF EXISTS ${index}`);
}
