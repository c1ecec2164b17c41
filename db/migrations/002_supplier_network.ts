import type { Knex } from 'knex';

// The supplier network: API suppliers with encrypted credentials, per-SKU routes, one row per
// purchase attempt, manual fulfilment tasks, and alerts for people.
//
// Invariants backed here:
//  - a unit has at most one live purchase (pending, processing or succeeded) at a time, so no
//    unit is ever bought twice, even if the code deciding it had a bug;
//  - a purchase reference is unique per supplier (it is the supplier's idempotency key);
//  - a route never pays more than its max_unit_cost (checked in code, recorded per purchase).

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('suppliers', (t) => {
    // Which adapter speaks this supplier's protocol (suppliers/adapters/<adapter>.ts).
    t.text('adapter');
    t.text('base_url');
    // Credentials (partner id, secret…) as one sealed JSON document; write-only through the API.
    t.text('credentials_key_id');
    t.binary('credentials');
    t.specificType('currency', 'char(3)');
    t.boolean('active').notNullable().defaultTo(true);
    t.integer('timeout_ms').notNullable().defaultTo(10_000);
    // Our own limit of calls per second, so we stay under the supplier's and one busy SKU
    // cannot starve the others.
    t.integer('rate_limit_per_second');
    // Last known prepaid balance; refreshed from the supplier and decremented per purchase.
    t.bigInteger('balance');
    t.timestamp('balance_checked_at', { useTz: true });
    t.bigInteger('low_balance_threshold');
    // Circuit breaker, shared by every worker: after `circuit_failure_threshold` calls in a row
    // with no answer, nobody calls this supplier until `circuit_open_until`; then one trial.
    t.integer('circuit_failure_threshold').notNullable().defaultTo(5);
    t.integer('circuit_cooldown_seconds').notNullable().defaultTo(30);
    t.integer('consecutive_failures').notNullable().defaultTo(0);
    t.timestamp('circuit_open_until', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE suppliers ADD CONSTRAINT suppliers_api_is_configured
    CHECK (kind <> 'api' OR (adapter IS NOT NULL AND base_url IS NOT NULL AND credentials IS NOT NULL AND currency IS NOT NULL))`);

  await knex.schema.alterTable('skus', (t) => {
    // stock mode: buy from the SKU's routes when imported stock runs out.
    t.boolean('supplier_fallback').notNullable().defaultTo(false);
    // manual mode: escalate to a person after this long, cancel after that long.
    t.integer('manual_escalate_after_seconds')
      .notNullable()
      .defaultTo(15 * 60);
    t.integer('manual_cancel_after_seconds')
      .notNullable()
      .defaultTo(24 * 60 * 60);
  });

  await knex.schema.createTable('sku_supplier_routes', (t) => {
    t.uuid('id').primary();
    t.uuid('sku_id').notNullable().references('skus.id');
    t.uuid('supplier_id').notNullable().references('suppliers.id');
    t.integer('priority').notNullable();
    t.text('supplier_product').notNullable();
    // In the supplier's currency, which must be the SKU's (settlement stays in one currency).
    t.bigInteger('max_unit_cost').notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.unique(['sku_id', 'priority']);
  });
  await knex.raw('ALTER TABLE sku_supplier_routes ADD CONSTRAINT routes_cost_positive CHECK (max_unit_cost > 0)');

  await knex.schema.alterTable('order_items', (t) => {
    // The buyer's game or video account, for top-ups (直充).
    t.text('account');
  });

  await knex.schema.alterTable('order_units', (t) => {
    // Where the unit's goods come from, decided at acceptance: imported stock, a supplier
    // purchase, or a person.
    t.text('source').notNullable().defaultTo('stock').checkIn(['stock', 'supplier', 'manual']);
    // A top-up's proof (supplier, receipt, account) instead of a code. Not secret.
    t.jsonb('receipt');
  });

  await knex.schema.alterTable('codes', (t) => {
    t.text('source').notNullable().defaultTo('import').checkIn(['import', 'supplier', 'manual']);
    t.bigInteger('unit_cost');
  });
  // Bought and hand-entered codes belong to no import batch.
  await knex.raw('ALTER TABLE codes ALTER COLUMN batch_id DROP NOT NULL');
  await knex.raw(`ALTER TABLE codes ADD CONSTRAINT codes_import_has_batch CHECK (source <> 'import' OR batch_id IS NOT NULL)`);

  // A top-up unit is delivered with a receipt, not a code.
  await knex.raw('ALTER TABLE deliveries ALTER COLUMN code_id DROP NOT NULL');

  await knex.schema.createTable('supplier_purchases', (t) => {
    t.uuid('id').primary();
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.uuid('order_id').notNullable().references('orders.id');
    t.uuid('unit_id').notNullable().references('order_units.id');
    t.uuid('supplier_id').notNullable().references('suppliers.id');
    t.uuid('route_id').references('sku_supplier_routes.id').onDelete('SET NULL');
    t.text('supplier_product').notNullable();
    // What the supplier knows this purchase by: `<unit id>.<attempt>`; repeats never charge twice.
    t.text('reference').notNullable();
    t.integer('attempt').notNullable();
    t.bigInteger('max_unit_cost').notNullable();
    t.bigInteger('unit_cost');
    t.text('supplier_order_id');
    // pending: sent, answer not yet known (a crash or a 5xx leaves it here until asked);
    // processing: the supplier took it and will finish later; succeeded; failed: not charged.
    t.text('status').notNullable().checkIn(['pending', 'processing', 'succeeded', 'failed']);
    t.text('failure_code');
    t.text('failure_message');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['supplier_id', 'reference']);
    t.unique(['unit_id', 'attempt']);
    t.index(['order_id']);
  });
  await knex.raw(`CREATE UNIQUE INDEX supplier_purchases_one_live_per_unit ON supplier_purchases (unit_id)
    WHERE status IN ('pending', 'processing', 'succeeded')`);

  await knex.schema.createTable('manual_tasks', (t) => {
    t.uuid('id').primary();
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.uuid('order_id').notNullable().unique().references('orders.id');
    t.text('status').notNullable().checkIn(['open', 'escalated', 'done', 'cancelled']);
    t.timestamp('escalate_at', { useTz: true }).notNullable();
    t.timestamp('cancel_at', { useTz: true }).notNullable();
    t.text('done_by');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`CREATE INDEX manual_tasks_waiting_idx ON manual_tasks (merchant_id, created_at) WHERE status IN ('open', 'escalated')`);

  await knex.schema.createTable('alerts', (t) => {
    t.uuid('id').primary();
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.text('kind').notNullable();
    t.text('subject_id').notNullable();
    t.text('message').notNullable();
    t.jsonb('detail').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('resolved_at', { useTz: true });
  });
  // One open alert per thing, so a flapping balance does not flood anyone.
  await knex.raw('CREATE UNIQUE INDEX alerts_one_open ON alerts (merchant_id, kind, subject_id) WHERE resolved_at IS NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('alerts');
  await knex.schema.dropTable('manual_tasks');
  await knex.schema.dropTable('supplier_purchases');
  await knex.raw('ALTER TABLE deliveries ALTER COLUMN code_id SET NOT NULL');
  await knex.raw('ALTER TABLE codes DROP CONSTRAINT codes_import_has_batch');
  await knex.raw('ALTER TABLE codes ALTER COLUMN batch_id SET NOT NULL');
  await knex.schema.alterTable('codes', (t) => t.dropColumns('source', 'unit_cost'));
  await knex.schema.alterTable('order_units', (t) => t.dropColumns('source', 'receipt'));
  await knex.schema.alterTable('order_items', (t) => t.dropColumn('account'));
  await knex.schema.dropTable('sku_supplier_routes');
  await knex.schema.alterTable('skus', (t) => t.dropColumns('supplier_fallback', 'manual_escalate_after_seconds', 'manual_cancel_after_seconds'));
  await knex.raw('ALTER TABLE suppliers DROP CONSTRAINT suppliers_api_is_configured');
  await knex.schema.alterTable('suppliers', (t) =>
    t.dropColumns(
      'adapter',
      'base_url',
      'credentials_key_id',
      'credentials',
      'currency',
      'active',
      'timeout_ms',
      'rate_limit_per_second',
      'balance',
      'balance_checked_at',
      'low_balance_threshold',
      'circuit_failure_threshold',
      'circuit_cooldown_seconds',
      'consecutive_failures',
      'circuit_open_until',
      'updated_at',
    ),
  );
}
