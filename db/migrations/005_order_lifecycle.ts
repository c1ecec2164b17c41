import type { Knex } from 'knex';

// The order lifecycle in one place (issue 11): orders that need a person's attention, refunds of
// single units (several refunds per order, each unit refunded once), and the cost of goods a
// refund voids, kept as a loss the books can post later.

export async function up(knex: Knex): Promise<void> {
  // A set union, as 003 does: another migration adding the same status is harmless.
  await replaceCheck(knex, 'orders', 'orders_status_check', 'status', (s) => [...new Set([...s, 'needs_attention'])]);
  await replaceCheck(knex, 'order_units', 'order_units_status_check', 'status', (s) => [...new Set([...s, 'refunded'])]);

  // When a person last retried the order: its purchases start afresh from then, and the
  // reconciler restarts a retried order whose new run never started.
  await knex.schema.alterTable('orders', (t) => t.timestamp('retried_at', { useTz: true }));
  await knex.raw(`CREATE INDEX orders_retried_processing_idx ON orders (retried_at) WHERE status = 'processing' AND retried_at IS NOT NULL`);

  // Partial refunds: an order may be refunded unit by unit, so several refunds per order.
  await knex.raw('ALTER TABLE refunds DROP CONSTRAINT refunds_order_id_unique');
  await knex.raw('CREATE INDEX refunds_order_idx ON refunds (order_id)');

  // Which units each refund covered and what became of their goods. UNIQUE unit: refunded once.
  await knex.schema.createTable('refund_units', (t) => {
    t.uuid('refund_id').notNullable().references('refunds.id');
    t.uuid('unit_id').notNullable().unique().references('order_units.id');
    t.uuid('order_id').notNullable().references('orders.id');
    // restocked: a stock code never delivered, back on sale; voided: a code the buyer had, or one
    // bought or entered by hand; kept: a top-up made (it cannot be taken back); none: no goods yet.
    t.text('goods').notNullable().checkIn(['restocked', 'voided', 'kept', 'none']);
    t.bigInteger('price').notNullable();
    t.index(['order_id']);
  });

  // What goods a refund wrote off had cost us: a row the money side can post to its ledger.
  await knex.schema.createTable('goods_losses', (t) => {
    t.uuid('id').primary();
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.uuid('order_id').notNullable().references('orders.id');
    t.uuid('unit_id').notNullable().unique().references('order_units.id');
    t.uuid('code_id').references('codes.id');
    t.uuid('refund_id').notNullable().references('refunds.id');
    t.specificType('currency', 'char(3)').notNullable();
    t.bigInteger('amount').notNullable();
    t.text('reason').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['merchant_id', 'created_at']);
  });
  await knex.raw('ALTER TABLE goods_losses ADD CONSTRAINT goods_losses_amount_non_negative CHECK (amount >= 0)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('goods_losses');
  await knex.schema.dropTableIfExists('refund_units');
  await knex.raw('DROP INDEX IF EXISTS refunds_order_idx');
  await knex.raw('DROP INDEX IF EXISTS orders_retried_processing_idx');
  await knex.schema.alterTable('orders', (t) => t.dropColumn('retried_at'));
  await knex.raw('ALTER TABLE refunds ADD CONSTRAINT refunds_order_id_unique UNIQUE (order_id)');
  await replaceCheck(knex, 'order_units', 'order_units_status_check', 'status', (s) => s.filter((x) => x !== 'refunded'));
  await replaceCheck(knex, 'orders', 'orders_status_check', 'status', (s) => s.filter((x) => x !== 'needs_attention'));
}

async function replaceCheck(knex: Knex, table: string, name: string, column: string, change: (values: string[]) => string[]) {
  const { rows } = await knex.raw(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = ?`, [name]);
  if (rows.length !== 1) throw new Error(`${name} not found; ${table} is not as the earlier migrations left it`);
  const values = change([...(rows[0].def as string).matchAll(/'([^']+)'/g)].map((m) => m[1]));
  // DDL takes no bind parameters; the values come from the constraint itself and are plain words.
  if (!values.every((s) => /^[a-z_]+$/.test(s))) throw new Error(`unexpected values in ${name}: ${values.join(', ')}`);
  await knex.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${name}`);
  await knex.raw(`ALTER TABLE ${table} ADD CONSTRAINT ${name} CHECK (${column} IN (${values.map((s) => `'${s}'`).join(', ')}))`);
}
