import type { Knex } from 'knex';

// What the console needs: signed-in sessions, refunds (with their reversal of the settlement),
// and voided codes that remember why. A voided code keeps the unit it was delivered to, so the
// history of who got which code survives a refund.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sessions', (t) => {
    t.uuid('id').primary();
    t.uuid('user_id').notNullable().references('users.id');
    // SHA-256 of a 256-bit random token: the cookie's value is never stored.
    t.text('token_hash').notNullable().unique();
    t.text('ip');
    t.text('user_agent');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.index(['user_id']);
  });

  await knex.schema.alterTable('users', (t) => {
    t.timestamp('last_sign_in_at', { useTz: true });
  });

  await knex.schema.createTable('refunds', (t) => {
    t.uuid('id').primary();
    t.uuid('order_id').notNullable().unique().references('orders.id');
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.specificType('currency', 'char(3)').notNullable();
    // Paid back to the buyer.
    t.bigInteger('amount').notNullable();
    // Reversal of the settlement: revenue no longer earned, and the cost of codes that went back
    // to stock (a delivered code is voided, so its cost stays a cost).
    t.bigInteger('revenue_reversed').notNullable();
    t.bigInteger('cost_reversed').notNullable();
    t.integer('units_released').notNullable();
    t.integer('codes_voided').notNullable();
    t.text('reason').notNullable();
    t.text('refunded_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['merchant_id', 'created_at']);
  });
  await knex.raw('ALTER TABLE refunds ADD CONSTRAINT refunds_money_non_negative CHECK (amount >= 0 AND revenue_reversed >= 0 AND cost_reversed >= 0)');

  await knex.schema.alterTable('codes', (t) => {
    t.timestamp('voided_at', { useTz: true });
    t.text('void_reason');
  });
  // Same name, one more case: a code voided after delivery (a refund) keeps its unit.
  await knex.raw('ALTER TABLE codes DROP CONSTRAINT codes_allocated_has_unit');
  await knex.raw(`ALTER TABLE codes ADD CONSTRAINT codes_allocated_has_unit CHECK (status = 'voided' OR (status = 'allocated') = (unit_id IS NOT NULL))`);
  // Batches and the stock screen count codes by status.
  await knex.raw('CREATE INDEX codes_batch_status_idx ON codes (batch_id, status)');
  await knex.raw('CREATE INDEX orders_merchant_status_idx ON orders (merchant_id, status, created_at)');
  await knex.raw('CREATE INDEX settlements_merchant_created_idx ON settlements (merchant_id, created_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS settlements_merchant_created_idx');
  await knex.raw('DROP INDEX IF EXISTS orders_merchant_status_idx');
  await knex.raw('DROP INDEX IF EXISTS codes_batch_status_idx');
  await knex.raw('ALTER TABLE codes DROP CONSTRAINT codes_allocated_has_unit');
  await knex.raw(`ALTER TABLE codes ADD CONSTRAINT codes_allocated_has_unit CHECK ((status = 'allocated') = (unit_id IS NOT NULL))`);
  await knex.schema.alterTable('codes', (t) => {
    t.dropColumn('void_reason');
    t.dropColumn('voided_at');
  });
  await knex.schema.dropTableIfExists('refunds');
  await knex.schema.alterTable('users', (t) => t.dropColumn('last_sign_in_at'));
  await knex.schema.dropTableIfExists('sessions');
}
