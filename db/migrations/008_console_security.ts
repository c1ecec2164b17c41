import type { Knex } from 'knex';

// Console security (issue 12):
// - audit-log and webhook-attempt ids become time-ordered UUIDs (version 7) instead of one
//   sequence shared by every merchant, which told each merchant how busy the others were;
//   ordering by id still means ordering by time.
// - admin tokens expire and remember when they were last used; sessions remember when they were
//   last used, for the idle timeout.
// - failed sign-ins are counted per account AND client address, for a backoff that a stranger's
//   guesses cannot turn into a lock on the owner.
// - an email is unique within a merchant, not across merchants, so inviting a user cannot tell
//   one merchant which addresses another merchant's staff use.

// RFC 9562 UUIDv7 (Postgres 18 has uuidv7(); this also runs on the Postgres 16 of
// docker-compose): 48 bits of Unix milliseconds, then 12 bits of sub-millisecond fraction
// (method 3, so ids made one after another in one process sort in order), then random bits.
const UUID_V7 = `
CREATE OR REPLACE FUNCTION cardflow_uuid_v7(at timestamptz DEFAULT clock_timestamp()) RETURNS uuid
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  micros bigint := floor(extract(epoch FROM at) * 1000000);
  fraction int := ((micros % 1000) * 4096 / 1000)::int;
  bytes bytea := uuid_send(gen_random_uuid());
BEGIN
  bytes := overlay(bytes PLACING substring(int8send(micros / 1000) FROM 3) FROM 1 FOR 6);
  bytes := set_byte(bytes, 6, 112 | (fraction >> 8)); -- version 7
  bytes := set_byte(bytes, 7, fraction & 255);
  RETURN encode(bytes, 'hex')::uuid;
END $$`;

const TIME_ORDERED = ['audit_log', 'webhook_attempts'] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(UUID_V7);
  for (const table of TIME_ORDERED) {
    await knex.raw(`ALTER TABLE ${table} ALTER COLUMN id DROP DEFAULT`);
    // Existing rows keep their order: their time, and within one millisecond their old number.
    await knex.raw(`ALTER TABLE ${table} ALTER COLUMN id TYPE uuid USING (
      encode(set_byte(set_byte(uuid_send(cardflow_uuid_v7(created_at)), 6, 112 | ((id % 4096)::int >> 8)), 7, (id % 256)::int), 'hex')::uuid)`);
    await knex.raw(`ALTER TABLE ${table} ALTER COLUMN id SET DEFAULT cardflow_uuid_v7()`);
    await knex.raw(`DROP SEQUENCE IF EXISTS ${table}_id_seq`);
  }

  await knex.schema.alterTable('admin_tokens', (t) => {
    t.text('name');
    // Tokens made before expiry existed get the default lifetime from now.
    t.timestamp('expires_at', { useTz: true }).notNullable().defaultTo(knex.raw(`now() + interval '90 days'`));
    t.timestamp('last_used_at', { useTz: true });
    t.index(['user_id']);
  });

  await knex.schema.alterTable('sessions', (t) => {
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('sign_in_failures', (t) => {
    t.text('email').notNullable();
    t.text('address').notNullable();
    t.integer('failures').notNullable();
    t.timestamp('last_failure_at', { useTz: true }).notNullable();
    t.primary(['email', 'address']);
  });

  await knex.raw('ALTER TABLE users DROP CONSTRAINT users_email_unique');
  await knex.raw('ALTER TABLE users ADD CONSTRAINT users_merchant_email_unique UNIQUE (merchant_id, email)');
  await knex.raw('CREATE INDEX users_email_idx ON users (email)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS users_email_idx');
  await knex.raw('ALTER TABLE users DROP CONSTRAINT users_merchant_email_unique');
  await knex.raw('ALTER TABLE users ADD CONSTRAINT users_email_unique UNIQUE (email)');
  await knex.schema.dropTableIfExists('sign_in_failures');
  await knex.schema.alterTable('sessions', (t) => t.dropColumn('last_seen_at'));
  await knex.schema.alterTable('admin_tokens', (t) => {
    t.dropIndex(['user_id']);
    t.dropColumn('last_used_at');
    t.dropColumn('expires_at');
    t.dropColumn('name');
  });
  for (const table of TIME_ORDERED) {
    await knex.raw(`ALTER TABLE ${table} ALTER COLUMN id DROP DEFAULT`);
    await knex.raw(`ALTER TABLE ${table} ADD COLUMN old_order bigint`);
    await knex.raw(`UPDATE ${table} t SET old_order = n.rn FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM ${table}) n WHERE n.id = t.id`);
    await knex.raw(`ALTER TABLE ${table} DROP COLUMN id`);
    await knex.raw(`ALTER TABLE ${table} RENAME COLUMN old_order TO id`);
    await knex.raw(`CREATE SEQUENCE ${table}_id_seq OWNED BY ${table}.id`);
    await knex.raw(`SELECT setval('${table}_id_seq', coalesce((SELECT max(id) FROM ${table}), 0) + 1, false)`);
    await knex.raw(`ALTER TABLE ${table} ALTER COLUMN id SET DEFAULT nextval('${table}_id_seq'), ALTER COLUMN id SET NOT NULL, ADD PRIMARY KEY (id)`);
  }
  await knex.raw('DROP FUNCTION IF EXISTS cardflow_uuid_v7(timestamptz)');
}
