import type { Knex } from 'knex';
import { rebuildReportRollups } from '../../reports/rollup';

// Reports over time (issue 14, docs/MONEY.md "Reports").
//
// - orders.channel / orders.campaign: what a storefront may say about where an order came from.
// - Report rollups, kept by reports/rollup.ts in the same transaction as each change of an order:
//   per placement day, storefront, channel and campaign (orders and their outcomes, money); per
//   placement day and hour (orders, money); per day, SKU and supplier (units and money); per day and refund reason; and the sold-out answers
//   (not orders) per hour and channel. Every figure is counted on the day and hour its ORDER was
//   placed, in the merchant's time zone, so a day's shares (delivered, refunded) are of that day's
//   orders. Existing orders are rolled up here once.
// - A reporting currency per merchant, the merchant's own rates per day and currency pair (each
//   entry audited), and the rate each report conversion used for a day, kept so it is never
//   worked out again.

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE orders ADD COLUMN channel text, ADD COLUMN campaign text`);
  await knex.raw(`ALTER TABLE merchants ADD COLUMN reporting_currency char(3)`);

  await knex.raw(`
    CREATE TABLE reporting_rates (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      merchant_id uuid NOT NULL REFERENCES merchants(id),
      day date NOT NULL,
      from_currency char(3) NOT NULL,
      to_currency char(3) NOT NULL,
      rate numeric(24, 10) NOT NULL CHECK (rate > 0),
      entered_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK (from_currency <> to_currency)
    )`);
  await knex.raw('CREATE INDEX reporting_rates_lookup_idx ON reporting_rates (merchant_id, from_currency, to_currency, day, created_at)');
  // The rate a report used to convert one day's amounts: written the first time a closed day is
  // converted, and read instead of the rates table from then on.
  await knex.raw(`
    CREATE TABLE reporting_rates_used (
      merchant_id uuid NOT NULL REFERENCES merchants(id),
      day date NOT NULL,
      from_currency char(3) NOT NULL,
      to_currency char(3) NOT NULL,
      rate numeric(24, 10) NOT NULL,
      rate_id uuid NOT NULL REFERENCES reporting_rates(id),
      used_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (merchant_id, from_currency, to_currency, day)
    )`);

  await knex.raw(`
    CREATE TABLE report_channel_days (
      merchant_id uuid NOT NULL REFERENCES merchants(id),
      day date NOT NULL,
      currency char(3) NOT NULL,
      storefront_id uuid NOT NULL REFERENCES storefronts(id),
      channel text NOT NULL DEFAULT '',
      campaign text NOT NULL DEFAULT '',
      orders_accepted integer NOT NULL DEFAULT 0,
      orders_held integer NOT NULL DEFAULT 0,
      orders_rejected integer NOT NULL DEFAULT 0,
      orders_delivered integer NOT NULL DEFAULT 0,
      orders_failed integer NOT NULL DEFAULT 0,
      orders_cancelled integer NOT NULL DEFAULT 0,
      orders_refunded integer NOT NULL DEFAULT 0,
      units_delivered integer NOT NULL DEFAULT 0,
      revenue bigint NOT NULL DEFAULT 0,
      cost bigint NOT NULL DEFAULT 0,
      revenue_reversed bigint NOT NULL DEFAULT 0,
      cost_reversed bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (merchant_id, day, currency, storefront_id, channel, campaign)
    )`);
  // Per placement day, hour and currency only: the hour is kept apart from the channel, so neither
  // table multiplies the other's rows (a year of hours is 8,760 rows per currency).
  await knex.raw(`
    CREATE TABLE report_hours (
      merchant_id uuid NOT NULL REFERENCES merchants(id),
      day date NOT NULL,
      hour smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),
      currency char(3) NOT NULL,
      orders_accepted integer NOT NULL DEFAULT 0,
      orders_held integer NOT NULL DEFAULT 0,
      orders_rejected integer NOT NULL DEFAULT 0,
      orders_delivered integer NOT NULL DEFAULT 0,
      orders_failed integer NOT NULL DEFAULT 0,
      orders_cancelled integer NOT NULL DEFAULT 0,
      orders_refunded integer NOT NULL DEFAULT 0,
      units_delivered integer NOT NULL DEFAULT 0,
      revenue bigint NOT NULL DEFAULT 0,
      cost bigint NOT NULL DEFAULT 0,
      revenue_reversed bigint NOT NULL DEFAULT 0,
      cost_reversed bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (merchant_id, day, hour, currency)
    )`);
  await knex.raw(`
    CREATE TABLE report_sku_days (
      merchant_id uuid NOT NULL REFERENCES merchants(id),
      day date NOT NULL,
      currency char(3) NOT NULL,
      sku_id uuid NOT NULL REFERENCES skus(id),
      supplier_id uuid REFERENCES suppliers(id),
      units_delivered integer NOT NULL DEFAULT 0,
      revenue bigint NOT NULL DEFAULT 0,
      cost bigint NOT NULL DEFAULT 0,
      units_refunded integer NOT NULL DEFAULT 0,
      revenue_reversed bigint NOT NULL DEFAULT 0,
      CONSTRAINT report_sku_days_key UNIQUE NULLS NOT DISTINCT (merchant_id, day, currency, sku_id, supplier_id)
    )`);
  await knex.raw(`
    CREATE TABLE report_refund_reasons (
      merchant_id uuid NOT NULL REFERENCES merchants(id),
      day date NOT NULL,
      currency char(3) NOT NULL,
      reason text NOT NULL,
      refunds integer NOT NULL DEFAULT 0,
      amount bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (merchant_id, day, currency, reason)
    )`);
  await knex.raw(`
    CREATE TABLE report_sold_out (
      merchant_id uuid NOT NULL REFERENCES merchants(id),
      day date NOT NULL,
      hour smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),
      storefront_id uuid NOT NULL REFERENCES storefronts(id),
      channel text NOT NULL DEFAULT '',
      campaign text NOT NULL DEFAULT '',
      answers integer NOT NULL DEFAULT 0,
      units integer NOT NULL DEFAULT 0,
      PRIMARY KEY (merchant_id, day, hour, storefront_id, channel, campaign)
    )`);
  await rebuildReportRollups(knex);
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['report_sold_out', 'report_refund_reasons', 'report_sku_days', 'report_hours', 'report_channel_days', 'reporting_rates_used', 'reporting_rates'])
    await knex.raw(`DROP TABLE ${t}`);
  await knex.raw('ALTER TABLE merchants DROP COLUMN reporting_currency');
  await knex.raw('ALTER TABLE orders DROP COLUMN channel, DROP COLUMN campaign');
}
