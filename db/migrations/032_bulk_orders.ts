import type { Knex } from 'knex';

// Enterprise bulk orders (企业福利批量采购, issue 15): one order of up to 50,000 units, fulfilled in
// pages by child workflows. The order itself is an ordinary order (orders, order_items,
// order_units, reservations), so codes, purchases, delivery and settlement keep their one owner;
// these tables hold only what is bulk: the order's terms and its recipients, units a page gave
// up on, the encrypted hand-over file, and per-customer wholesale price tiers (阶梯价).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('bulk_orders', (t) => {
    t.uuid('order_id').primary().references('orders.id');
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.uuid('sku_id').notNullable().references('skus.id');
    t.integer('quantity').notNullable();
    t.integer('page_size').notNullable();
    // false: every unit or none (delivered codes go back to stock); true: whatever could be had.
    t.boolean('partial_allowed').notNullable();
    // running → delivered | partially_delivered | failed
    t.text('status').notNullable().defaultTo('running').checkIn(['running', 'delivered', 'partially_delivered', 'failed']);
    t.integer('units_delivered').notNullable().defaultTo(0);
    t.text('reason');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.index(['merchant_id', 'created_at']);
  });
  await knex.raw('ALTER TABLE bulk_orders ADD CONSTRAINT bulk_orders_quantity_range CHECK (quantity BETWEEN 1 AND 50000)');

  // A CSV of recipients: one row per unit, in the order's unit sequence (order_units.seq).
  await knex.schema.createTable('bulk_order_recipients', (t) => {
    t.uuid('order_id').notNullable().references('bulk_orders.order_id');
    t.integer('seq').notNullable();
    t.text('recipient').notNullable();
    t.primary(['order_id', 'seq']);
  });

  // Units a page could not get (no code left, no supplier would sell): counted as failed.
  await knex.schema.createTable('bulk_unit_failures', (t) => {
    t.uuid('unit_id').primary().references('order_units.id');
    t.uuid('order_id').notNullable().references('bulk_orders.order_id');
    t.text('reason').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['order_id']);
  });

  // The hand-over file: an ECMA-376 encrypted XLSX. Its password is sealed by the code vault
  // (never stored in plaintext) and erased when it is shown, at the one download.
  await knex.schema.createTable('bulk_order_files', (t) => {
    t.uuid('order_id').primary().references('bulk_orders.order_id');
    t.binary('content');
    t.text('password_key_id');
    t.binary('password_sealed');
    t.integer('rows').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('downloaded_at', { useTz: true });
    t.uuid('downloaded_by').references('users.id');
  });

  // Wholesale price tiers (阶梯价): per storefront (the bulk customer) and SKU, the unit price from a quantity up.
  await knex.schema.createTable('bulk_price_tiers', (t) => {
    t.uuid('id').primary();
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.uuid('storefront_id').notNullable().references('storefronts.id');
    t.uuid('sku_id').notNullable().references('skus.id');
    t.integer('min_quantity').notNullable();
    t.bigInteger('unit_price').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['storefront_id', 'sku_id', 'min_quantity']);
  });
  await knex.raw('ALTER TABLE bulk_price_tiers ADD CONSTRAINT bulk_price_tiers_positive CHECK (min_quantity > 0 AND unit_price >= 0)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('bulk_price_tiers');
  await knex.schema.dropTable('bulk_order_files');
  await knex.schema.dropTable('bulk_unit_failures');
  await knex.schema.dropTable('bulk_order_recipients');
  await knex.schema.dropTable('bulk_orders');
}
