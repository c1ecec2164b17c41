import type { Knex } from 'knex';

// Risk control (issue 4): versioned rule sets, block and allow lists, velocity events, anomaly
// models, the review queue, and the `held` order status for orders waiting on a reviewer.

export async function up(knex: Knex): Promise<void> {
  // Orders waiting on a reviewer are `held`. Other migrations may add statuses too, so extend
  // the constraint as it stands rather than restating it.
  await replaceStatusCheck(knex, (statuses) => [...new Set([...statuses, 'held'])]);

  // The blocklist grows into block and allow lists with more kinds of entry.
  await knex.schema.renameTable('risk_blocklist', 'risk_list_entries');
  await knex.raw(`
    ALTER TABLE risk_list_entries RENAME CONSTRAINT risk_blocklist_pkey TO risk_list_entries_pkey;
    ALTER TABLE risk_list_entries DROP CONSTRAINT risk_blocklist_kind_check;
    ALTER TABLE risk_list_entries DROP CONSTRAINT risk_blocklist_merchant_id_kind_value_unique;
    ALTER TABLE risk_list_entries RENAME CONSTRAINT risk_blocklist_merchant_id_foreign TO risk_list_entries_merchant_id_foreign;
    ALTER TABLE risk_list_entries
      ADD COLUMN list text NOT NULL DEFAULT 'block' CONSTRAINT risk_list_entries_list_check CHECK (list IN ('block', 'allow')),
      ADD COLUMN created_by text,
      ADD CONSTRAINT risk_list_entries_kind_check
        CHECK (kind IN ('ip', 'cidr', 'email', 'email_domain', 'phone', 'account', 'device', 'payment')),
      ADD CONSTRAINT risk_list_entries_unique UNIQUE (merchant_id, kind, value, list);
  `);

  // Every change to a merchant's rules or settings writes a whole new version; old ones stay,
  // so an order can always show the rules it was judged by.
  await knex.schema.createTable('risk_rule_sets', (t) => {
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.integer('version').notNullable();
    t.jsonb('rules').notNullable();
    t.jsonb('settings').notNullable();
    t.text('change').notNullable();
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['merchant_id', 'version']);
  });

  // One row per order and subject (IP, device, account, ...), written by the risk check; the
  // composite index answers "how many orders, how much, how many accounts for this key since
  // t" from the index alone. Append-only and pruned past the longest window, so no foreign
  // keys: they would cost every insert a lookup.
  await knex.raw(`
    CREATE TABLE risk_velocity_events (
      merchant_id uuid NOT NULL,
      subject text NOT NULL,
      at timestamptz NOT NULL,
      amount bigint NOT NULL,
      buyer_key text,
      order_id uuid NOT NULL
    );
    CREATE INDEX risk_velocity_events_lookup ON risk_velocity_events (merchant_id, subject, at) INCLUDE (amount, buyer_key);
    CREATE INDEX risk_velocity_events_at ON risk_velocity_events USING brin (at);
  `);

  // A buyer's earlier orders (account id, else email) for history-based rules and the model.
  await knex.raw(`
    CREATE INDEX orders_risk_buyer_idx ON orders
      (merchant_id, (coalesce('account:' || (buyer->>'accountId'), 'email:' || lower(buyer->>'email'))), created_at)
  `);

  await knex.schema.createTable('risk_models', (t) => {
    t.bigIncrements('id');
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.timestamp('trained_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('history_from', { useTz: true }).notNullable();
    t.timestamp('history_to', { useTz: true }).notNullable();
    t.integer('order_count').notNullable();
    t.jsonb('params').notNullable();
    t.index(['merchant_id', 'id']);
  });

  await knex.schema.createTable('risk_reviews', (t) => {
    t.uuid('order_id').primary().references('orders.id');
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.text('status').notNullable().checkIn(['open', 'approved', 'rejected', 'expired', 'withdrawn']);
    t.integer('score').notNullable();
    t.jsonb('reasons').notNullable();
    t.timestamp('opened_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deadline_at', { useTz: true }).notNullable();
    t.timestamp('decided_at', { useTz: true });
    t.uuid('decided_by').references('users.id');
    t.text('note');
    t.index(['merchant_id', 'status', 'deadline_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['risk_reviews', 'risk_models', 'risk_velocity_events', 'risk_rule_sets']) await knex.schema.dropTableIfExists(table);
  await knex.raw('DROP INDEX IF EXISTS orders_risk_buyer_idx');
  await knex.raw(`
    DELETE FROM risk_list_entries WHERE list = 'allow' OR kind IN ('cidr', 'email_domain', 'payment');
    ALTER TABLE risk_list_entries DROP CONSTRAINT risk_list_entries_unique;
    ALTER TABLE risk_list_entries DROP CONSTRAINT risk_list_entries_kind_check;
    ALTER TABLE risk_list_entries DROP COLUMN list, DROP COLUMN created_by;
    ALTER TABLE risk_list_entries ADD CONSTRAINT risk_blocklist_kind_check CHECK (kind IN ('ip', 'email', 'phone', 'account', 'device'));
    ALTER TABLE risk_list_entries ADD CONSTRAINT risk_blocklist_merchant_id_kind_value_unique UNIQUE (merchant_id, kind, value);
    ALTER TABLE risk_list_entries RENAME CONSTRAINT risk_list_entries_merchant_id_foreign TO risk_blocklist_merchant_id_foreign;
    ALTER TABLE risk_list_entries RENAME CONSTRAINT risk_list_entries_pkey TO risk_blocklist_pkey;
  `);
  await knex.schema.renameTable('risk_list_entries', 'risk_blocklist');
  await knex.raw(`UPDATE orders SET status = 'accepted' WHERE status = 'held'`);
  await replaceStatusCheck(knex, (statuses) => statuses.filter((s) => s !== 'held'));
}

export async function replaceStatusCheck(knex: Knex, change: (statuses: string[]) => string[]) {
  const { rows } = await knex.raw(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'orders_status_check'`);
  if (rows.length !== 1) throw new Error('orders_status_check not found; the orders table is not as migration 001 left it');
  const statuses = change([...(rows[0].def as string).matchAll(/'([^']+)'/g)].map((m) => m[1]));
  // DDL takes no bind parameters; the names come from the constraint itself and are plain words.
  if (!statuses.every((s) => /^[a-z_]+$/.test(s))) throw new Error(`unexpected order statuses: ${statuses.join(', ')}`);
  await knex.raw(`ALTER TABLE orders DROP CONSTRAINT orders_status_check`);
  await knex.raw(`ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN (${statuses.map((s) => `'${s}'`).join(', ')}))`);
}
