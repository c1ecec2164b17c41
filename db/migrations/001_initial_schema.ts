import type { Knex } from 'knex';

// The invariants in docs/ARCHITECTURE.md lean on constraints here, not only on code:
//  - no oversell: skus.stock_available >= 0 (reservations decrement it atomically);
//  - one code per unit, one unit per code: codes.unit_id is UNIQUE;
//  - one delivery per unit, one settlement per order: UNIQUE keys;
//  - duplicate codes within a SKU: UNIQUE (sku_id, fingerprint);
//  - the order timeline is append-only: a trigger refuses UPDATE and DELETE.
// Money is bigint minor units (fen/cents) beside a currency code.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('merchants', (t) => {
    t.uuid('id').primary();
    t.text('name').notNullable();
    t.specificType('currency', 'char(3)').notNullable().defaultTo('CNY');
    // Minimal risk policy; the full rule engine is its own piece of work.
    t.bigInteger('risk_max_order_amount');
    t.integer('risk_max_order_quantity');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary();
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.text('email').notNullable().unique();
    t.text('password_hash');
    t.text('role').notNullable().checkIn(['owner', 'operator', 'support', 'finance', 'viewer']);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('disabled_at', { useTz: true });
  });

  // Personal access tokens for the admin API (scripts such as `npm run import-codes`).
  await knex.schema.createTable('admin_tokens', (t) => {
    t.uuid('id').primary();
    t.uuid('user_id').notNullable().references('users.id');
    t.text('prefix').notNullable();
    t.text('token_hash').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('revoked_at', { useTz: true });
  });

  await knex.schema.createTable('storefronts', (t) => {
    t.uuid('id').primary();
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.text('name').notNullable();
    t.text('webhook_url');
    // Standard Webhooks secret, encrypted like codes (it must be readable to sign).
    t.text('webhook_secret_key_id');
    t.binary('webhook_secret');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('storefront_api_keys', (t) => {
    t.uuid('id').primary();
    t.uuid('storefront_id').notNullable().references('storefronts.id');
    t.text('prefix').notNullable();
    // SHA-256 of a 256-bit random key: the key itself is never stored.
    t.text('key_hash').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('revoked_at', { useTz: true });
  });

  await knex.schema.createTable('suppliers', (t) => {
    t.uuid('id').primary();
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.text('name').notNullable();
    t.text('kind').notNullable().checkIn(['manual', 'api']);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['merchant_id', 'name']);
  });

  await knex.schema.createTable('skus', (t) => {
    t.uuid('id').primary();
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.text('code').notNullable();
    t.text('name').notNullable();
    t.specificType('currency', 'char(3)').notNullable();
    t.bigInteger('face_value').notNullable();
    t.bigInteger('price').notNullable();
    t.bigInteger('cost').notNullable();
    t.text('fulfilment_mode').notNullable().checkIn(['stock', 'supplier', 'topup', 'link', 'manual']);
    t.boolean('active').notNullable().defaultTo(true);
    t.integer('max_per_order');
    t.integer('low_stock_threshold');
    // Units that can still be promised: available codes minus held reservations.
    t.integer('stock_available').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['merchant_id', 'code']);
  });
  await knex.raw('ALTER TABLE skus ADD CONSTRAINT skus_no_oversell CHECK (stock_available >= 0)');
  await knex.raw('ALTER TABLE skus ADD CONSTRAINT skus_money_non_negative CHECK (face_value >= 0 AND price >= 0 AND cost >= 0)');

  await knex.schema.createTable('stock_batches', (t) => {
    t.uuid('id').primary();
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.uuid('sku_id').notNullable().references('skus.id');
    t.uuid('supplier_id').references('suppliers.id');
    t.bigInteger('unit_cost').notNullable();
    t.specificType('currency', 'char(3)').notNullable();
    t.text('source');
    t.integer('imported_count').notNullable();
    t.integer('duplicate_count').notNullable();
    t.text('imported_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('orders', (t) => {
    t.uuid('id').primary();
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.uuid('storefront_id').notNullable().references('storefronts.id');
    t.text('external_ref').notNullable();
    t.text('request_hash').notNullable();
    t.text('status').notNullable().checkIn(['accepted', 'processing', 'delivered', 'failed', 'cancelled', 'refunded']);
    t.specificType('currency', 'char(3)').notNullable();
    t.bigInteger('total_amount').notNullable();
    t.jsonb('buyer').notNullable();
    t.jsonb('risk');
    t.text('reason');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('delivered_at', { useTz: true });
    // Idempotency: a storefront's externalRef names exactly one order.
    t.unique(['storefront_id', 'external_ref']);
    t.index(['merchant_id', 'created_at']);
  });
  // The reconciler looks for accepted orders whose workflow never started.
  await knex.raw(`CREATE INDEX orders_accepted_idx ON orders (created_at) WHERE status = 'accepted'`);

  await knex.schema.createTable('order_items', (t) => {
    t.uuid('id').primary();
    t.uuid('order_id').notNullable().references('orders.id');
    t.uuid('sku_id').notNullable().references('skus.id');
    t.integer('quantity').notNullable();
    t.bigInteger('unit_price').notNullable();
    t.unique(['order_id', 'sku_id']);
  });
  await knex.raw('ALTER TABLE order_items ADD CONSTRAINT order_items_quantity_positive CHECK (quantity > 0)');

  await knex.schema.createTable('order_units', (t) => {
    t.uuid('id').primary();
    t.uuid('order_id').notNullable().references('orders.id');
    t.uuid('order_item_id').notNullable().references('order_items.id');
    t.uuid('sku_id').notNullable().references('skus.id');
    t.integer('seq').notNullable();
    t.text('status').notNullable().checkIn(['pending', 'allocated', 'delivered', 'released']);
    t.unique(['order_item_id', 'seq']);
    t.index(['order_id']);
  });

  await knex.schema.createTable('codes', (t) => {
    t.uuid('id').primary();
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.uuid('sku_id').notNullable().references('skus.id');
    t.uuid('batch_id').notNullable().references('stock_batches.id');
    t.text('fingerprint').notNullable();
    t.text('key_id').notNullable();
    t.binary('secret').notNullable();
    t.text('mask').notNullable();
    t.timestamp('expires_at', { useTz: true });
    t.text('status').notNullable().checkIn(['available', 'allocated', 'voided']);
    // A code goes to at most one unit, and a unit gets at most one code.
    t.uuid('unit_id').unique().references('order_units.id');
    t.timestamp('allocated_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['sku_id', 'fingerprint']);
  });
  await knex.raw(`ALTER TABLE codes ADD CONSTRAINT codes_allocated_has_unit CHECK ((status = 'allocated') = (unit_id IS NOT NULL))`);
  // Allocation takes the soonest-expiring available code first.
  await knex.raw(`CREATE INDEX codes_available_idx ON codes (sku_id, expires_at, id) WHERE status = 'available'`);

  await knex.schema.createTable('reservations', (t) => {
    t.uuid('id').primary();
    t.uuid('order_id').notNullable().references('orders.id');
    t.uuid('order_item_id').notNullable().unique().references('order_items.id');
    t.uuid('sku_id').notNullable().references('skus.id');
    t.integer('quantity').notNullable();
    t.text('status').notNullable().checkIn(['held', 'consumed', 'released']);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['order_id']);
  });

  await knex.schema.createTable('order_events', (t) => {
    t.bigIncrements('id');
    t.uuid('order_id').notNullable().references('orders.id');
    t.text('type').notNullable();
    t.jsonb('detail').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['order_id', 'id']);
  });
  await knex.raw(`
    CREATE FUNCTION order_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'order_events is append-only';
    END $$;
    CREATE TRIGGER order_events_append_only BEFORE UPDATE OR DELETE ON order_events
      FOR EACH ROW EXECUTE FUNCTION order_events_append_only();
  `);

  await knex.schema.createTable('deliveries', (t) => {
    t.uuid('id').primary();
    t.uuid('order_id').notNullable().references('orders.id');
    t.uuid('unit_id').notNullable().unique().references('order_units.id');
    t.uuid('code_id').notNullable().unique().references('codes.id');
    t.timestamp('delivered_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['order_id']);
  });

  await knex.schema.createTable('webhook_attempts', (t) => {
    t.bigIncrements('id');
    t.uuid('storefront_id').notNullable().references('storefronts.id');
    t.uuid('order_id').notNullable().references('orders.id');
    t.text('message_id').notNullable();
    t.text('event_type').notNullable();
    t.text('url').notNullable();
    t.text('outcome').notNullable().checkIn(['succeeded', 'failed']);
    t.integer('http_status');
    t.text('error');
    t.integer('duration_ms').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['order_id']);
    t.index(['storefront_id', 'created_at']);
  });

  await knex.schema.createTable('settlements', (t) => {
    t.uuid('id').primary();
    t.uuid('order_id').notNullable().unique().references('orders.id');
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.specificType('currency', 'char(3)').notNullable();
    t.bigInteger('revenue').notNullable();
    t.bigInteger('cost').notNullable();
    t.bigInteger('gross_profit').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('risk_blocklist', (t) => {
    t.uuid('id').primary();
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.text('kind').notNullable().checkIn(['ip', 'email', 'phone', 'account', 'device']);
    t.text('value').notNullable();
    t.text('reason');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['merchant_id', 'kind', 'value']);
  });

  // Shared by every api process (rate-limiter-flexible's Postgres layout).
  await knex.schema.createTable('rate_limits', (t) => {
    t.string('key', 255).primary();
    t.integer('points').notNullable().defaultTo(0);
    t.bigInteger('expire');
  });

  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.text('actor').notNullable();
    t.text('action').notNullable();
    t.text('target');
    t.jsonb('detail').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['merchant_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'audit_log',
    'rate_limits',
    'risk_blocklist',
    'settlements',
    'webhook_attempts',
    'deliveries',
    'order_events',
    'reservations',
    'codes',
    'order_units',
    'order_items',
    'orders',
    'stock_batches',
    'skus',
    'suppliers',
    'storefront_api_keys',
    'storefronts',
    'admin_tokens',
    'users',
    'merchants',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.raw('DROP FUNCTION IF EXISTS order_events_append_only()');
}
