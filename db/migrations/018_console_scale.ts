import type { Knex } from 'knex';
import { rebuildDailyRollups } from '../../orders/daily-rollup';

// The console at ten million orders (issue 13).
//
// - Daily rollups: the dashboard reads its figures from two small tables kept up to date in the
//   same transaction as each change of an order (orders/daily-rollup.ts owns every write), not
//   from scans of orders, settlements and deliveries. A day is the merchant's own (merchants.
//   time_zone, an IANA name; unset means UTC). Existing rows are rolled up here once.
// - Indexes for each filter of the order list and for its keyset pages: (merchant, created_at,
//   id) for the default order and its cursor, (merchant, storefront, created_at) for the
//   storefront filter, (merchant, status, updated_at) for the dashboard's waiting list, one per
//   other sort order of the list (amount, reference, status, each then id),
//   order_items (sku_id, order_id) for the SKU filter, and the buyer filter's fields (an email by its
//   beginning, phone, account, IP and device exactly).

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('merchants', (t) => t.text('time_zone'));

  // Per merchant, day and currency: what happened to orders that day (each on the day it happened:
  // accepted on its order's day, settled on its settlement's, refunded on its refund's).
  await knex.raw(`
    CREATE TABLE daily_order_totals (
      merchant_id uuid NOT NULL REFERENCES merchants(id),
      day date NOT NULL,
      currency char(3) NOT NULL,
      orders_accepted integer NOT NULL DEFAULT 0,
      orders_delivered integer NOT NULL DEFAULT 0,
      orders_failed integer NOT NULL DEFAULT 0,
      orders_cancelled integer NOT NULL DEFAULT 0,
      orders_refunded integer NOT NULL DEFAULT 0,
      revenue bigint NOT NULL DEFAULT 0,
      cost bigint NOT NULL DEFAULT 0,
      revenue_reversed bigint NOT NULL DEFAULT 0,
      cost_reversed bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (merchant_id, day, currency)
    )`);
  // Per merchant, day, currency, SKU and fulfilment mode: units ordered, delivered (settled) and refunded.
  await knex.raw(`
    CREATE TABLE daily_sku_sales (
      merchant_id uuid NOT NULL REFERENCES merchants(id),
      day date NOT NULL,
      currency char(3) NOT NULL,
      sku_id uuid NOT NULL REFERENCES skus(id),
      fulfilment_mode text NOT NULL,
      units_ordered integer NOT NULL DEFAULT 0,
      units_delivered integer NOT NULL DEFAULT 0,
      revenue bigint NOT NULL DEFAULT 0,
      cost bigint NOT NULL DEFAULT 0,
      units_refunded integer NOT NULL DEFAULT 0,
      revenue_reversed bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (merchant_id, day, currency, sku_id, fulfilment_mode)
    )`);
  await rebuildDailyRollups(knex);

  await knex.raw('CREATE INDEX orders_merchant_created_id_idx ON orders (merchant_id, created_at, id)');
  // The new index answers everything the old (merchant_id, created_at) one did.
  await knex.raw('DROP INDEX IF EXISTS orders_merchant_id_created_at_index');
  await knex.raw('CREATE INDEX orders_merchant_storefront_idx ON orders (merchant_id, storefront_id, created_at)');
  await knex.raw('CREATE INDEX orders_merchant_status_updated_idx ON orders (merchant_id, status, updated_at)');
  await knex.raw('CREATE INDEX order_items_sku_idx ON order_items (sku_id, order_id)');
  // The list's other sort orders, each with the id as its tiebreak (and its cursor).
  await knex.raw('CREATE INDEX orders_merchant_amount_idx ON orders (merchant_id, total_amount, id)');
  await knex.raw('CREATE INDEX orders_merchant_ref_idx ON orders (merchant_id, external_ref, id)');
  await knex.raw('CREATE INDEX orders_merchant_status_id_idx ON orders (merchant_id, status, id)');
  // The buyer fields' indexes are migration 016's (the search and the buyer filter share them).
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS orders_merchant_status_id_idx');
  await knex.raw('DROP INDEX IF EXISTS orders_merchant_ref_idx');
  await knex.raw('DROP INDEX IF EXISTS orders_merchant_amount_idx');
  await knex.raw('DROP INDEX IF EXISTS order_items_sku_idx');
  await knex.raw('DROP INDEX IF EXISTS orders_merchant_status_updated_idx');
  await knex.raw('DROP INDEX IF EXISTS orders_merchant_storefront_idx');
  await knex.raw('CREATE INDEX IF NOT EXISTS orders_merchant_id_created_at_index ON orders (merchant_id, created_at)');
  await knex.raw('DROP INDEX IF EXISTS orders_merchant_created_id_idx');
  await knex.raw('DROP TABLE daily_sku_sales');
  await knex.raw('DROP TABLE daily_order_totals');
  await knex.schema.alterTable('merchants', (t) => t.dropColumn('time_zone'));
}
