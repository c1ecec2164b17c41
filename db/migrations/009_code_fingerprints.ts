import type { Knex } from 'knex';

// A code is sold once. Fingerprints become per merchant (across SKUs) and are made from the
// normalised card number only (stock/code-identity.ts), version 2. A migration cannot re-make
// the old version-1 fingerprints: they are HMACs under a key the database never sees. So old
// rows keep version 1 here and are re-made by stock/refingerprint.ts, which `npm start`, the
// worker and `npm run reencrypt` run at start-up; the unique index below covers version 2 only,
// so the database enforces the rule for every row as soon as it has been re-made. A row found
// to repeat an older one on the way keeps `duplicate_of` (and, if unsold, is voided).

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('skus', (t) => {
    // Most codes are read aloud and typed; a few issuers' codes are case-sensitive.
    t.boolean('codes_case_sensitive').notNullable().defaultTo(false);
  });
  await knex.schema.alterTable('codes', (t) => {
    t.smallint('fingerprint_version').notNullable().defaultTo(1);
    t.uuid('duplicate_of').references('codes.id');
  });
  await knex.raw('ALTER TABLE codes DROP CONSTRAINT codes_sku_id_fingerprint_unique');
  await knex.raw('CREATE UNIQUE INDEX codes_merchant_fingerprint_unique ON codes (merchant_id, fingerprint) WHERE fingerprint_version = 2 AND duplicate_of IS NULL');
  await knex.raw('CREATE INDEX codes_fingerprint_outdated_idx ON codes (id) WHERE fingerprint_version < 2');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS codes_fingerprint_outdated_idx');
  await knex.raw('DROP INDEX IF EXISTS codes_merchant_fingerprint_unique');
  await knex.raw('ALTER TABLE codes ADD CONSTRAINT codes_sku_id_fingerprint_unique UNIQUE (sku_id, fingerprint)');
  await knex.schema.alterTable('codes', (t) => t.dropColumns('fingerprint_version', 'duplicate_of'));
  await knex.schema.alterTable('skus', (t) => t.dropColumn('codes_case_sensitive'));
}
