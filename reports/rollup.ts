import type { Knex } from 'knex';
import { daySql, reversedSql, zoneOf } from '../orders/daily-rollup';
import { acceptedSlotSql, laterSlotSql } from '../orders/rollup-slots';
import { unitCostSql } from '../orders/unit-cost';

// The reports' rollups (migration 027), written beside the dashboard's by orders/daily-rollup.ts,
// which calls these in the same transaction as each change of an order:
//
//   report_channel_days    per placement day, currency, storefront, channel, campaign:
//                          orders accepted, held, rejected, delivered, failed, cancelled, refunded;
//                          units delivered; revenue, cost and what refunds reversed
//   report_hours           per placement day, hour and currency: orders accepted and delivered,
//                          units delivered, money (the hour apart from the channel, so that a
//                          year of either stays tens of thousands of rows, not a million)
//   report_sku_days        per placement day, currency, SKU and supplier: units delivered and
//                          refunded, revenue, cost, revenue reversed
//   report_refund_reasons  per refund day, currency and reason: refunds and amount refunded
//   report_sold_out        per day and hour, storefront, channel, campaign: sold-out answers
//                          (not orders: nothing was written for them) and the units asked for
//
// Every order figure counts on the day and hour the ORDER was placed, in the merchant's time
// zone, so a day's shares (delivered, refunded) are shares of that day's orders and a day's
// profit is the profit of that day's orders. Refunds by reason count on the refund's day.
//
// Locks, after the dashboard's (its day row, then its SKU rows): the channel row, the hour row,
// then the SKU rows by SKU id and supplier, then the refund reason row. Rows are kept in slots
// that readers add up (orders/rollup-slots.ts).

type Q = Knex | Knex.Transaction;

const hourSql = (timeZone: string, at: string) => `extract(hour FROM (${at}) AT TIME ZONE COALESCE(${timeZone}, 'UTC'))::smallint`;

const CHANNEL_KEY = 'merchant_id, day, currency, storefront_id, channel, campaign';
const HOUR_KEY = 'merchant_id, day, hour, currency';
const SKU_CONFLICT = 'ON CONFLICT ON CONSTRAINT report_sku_days_key';
const addUp = (table: string, counters: readonly string[]) => counters.map((c) => `${c} = ${table}.${c} + EXCLUDED.${c}`).join(', ');

/** The channel row's key columns for the order row aliased `o` (with its merchant's zone). */
const channelKeyOf = (o: string) =>
  `${o}.merchant_id, ${daySql(zoneOf(`${o}.merchant_id`), `${o}.created_at`)}, ${o}.currency, ${o}.storefront_id, COALESCE(${o}.channel, ''), COALESCE(${o}.campaign, '')`;
/** The hour row's key columns for the order row aliased `o`. */
const hourKeyOf = (o: string) => {
  const zone = zoneOf(`${o}.merchant_id`);
  return `${o}.merchant_id, ${daySql(zone, `${o}.created_at`)}, ${hourSql(zone, `${o}.created_at`)}, ${o}.currency`;
};

/**
 * The same counts into the channel row, then the hour row, in the slot of a change after
 * acceptance: `select` is SQL selecting the counters' values FROM a source with the order aliased `o`.
 */
async function writeChannelAndHour(trx: Q, counters: string[], select: (key: string) => string, bindings: Record<string, unknown>) {
  await trx.raw(
    `INSERT INTO report_channel_days (${CHANNEL_KEY}, slot, ${counters.join(', ')}) ${select(`${channelKeyOf('o')}, ${laterSlotSql('o.id')}`)}
     ON CONFLICT (${CHANNEL_KEY}, slot) DO UPDATE SET ${addUp('report_channel_days', counters)}`,
    bindings,
  );
  await trx.raw(
    `INSERT INTO report_hours (${HOUR_KEY}, slot, ${counters.join(', ')}) ${select(`${hourKeyOf('o')}, ${laterSlotSql('o.id')}`)}
     ON CONFLICT (${HOUR_KEY}, slot) DO UPDATE SET ${addUp('report_hours', counters)}`,
    bindings,
  );
}

/** The supplier a delivered unit's goods came from: its code's batch, or the purchase that bought it; null for none. */
export const unitSupplierSql = (unit = 'u') => `COALESCE(
    (SELECT us_b.supplier_id FROM codes us_c JOIN stock_batches us_b ON us_b.id = us_c.batch_id WHERE us_c.unit_id = ${unit}.id),
    (SELECT us_p.supplier_id FROM supplier_purchases us_p WHERE us_p.unit_id = ${unit}.id AND us_p.status = 'succeeded' ORDER BY us_p.attempt DESC LIMIT 1))`;

/**
 * A data-modifying CTE for the accepting statement: `order` names a CTE returning the new order's
 * id, merchant_id, created_at, currency, storefront_id, channel and campaign; `after` a CTE that must
 * have run first (the dashboard's SKU rows: lock order).
 */
export function acceptedReportSql(order: string, after: string): string {
  return `report_channel AS (
      INSERT INTO report_channel_days (${CHANNEL_KEY}, slot, orders_accepted)
      SELECT ${channelKeyOf(order)}, ${acceptedSlotSql(`${order}.id`)}, 1 FROM ${order} WHERE EXISTS (SELECT 1 FROM ${after})
      ON CONFLICT (${CHANNEL_KEY}, slot) DO UPDATE SET orders_accepted = report_channel_days.orders_accepted + 1
      RETURNING 1),
    report_hour AS (
      INSERT INTO report_hours (${HOUR_KEY}, slot, orders_accepted)
      SELECT ${hourKeyOf(order)}, ${acceptedSlotSql(`${order}.id`)}, 1 FROM ${order} WHERE EXISTS (SELECT 1 FROM report_channel)
      ON CONFLICT (${HOUR_KEY}, slot) DO UPDATE SET orders_accepted = report_hours.orders_accepted + 1
      RETURNING 1)`;
}

/**
 * A data-modifying CTE for the statement storing a risk verdict: `judged` names a CTE returning
 * the judged order's id; `decision` is the verdict. Held for review, or rejected outright.
 */
export function judgedReportSql(judged: string, decision: string): string {
  return `report_judged AS (
      INSERT INTO report_channel_days (${CHANNEL_KEY}, slot, orders_held, orders_rejected)
      SELECT ${channelKeyOf('jo')}, ${laterSlotSql('jo.id')}, (${decision} = 'review')::int, (${decision} = 'reject')::int
        FROM ${judged} JOIN orders jo ON jo.id = ${judged}.id
       WHERE ${decision} IN ('review', 'reject')
      ON CONFLICT (${CHANNEL_KEY}, slot) DO UPDATE SET ${addUp('report_channel_days', ['orders_held', 'orders_rejected'])}
      RETURNING 1),
    report_judged_hour AS (
      INSERT INTO report_hours (${HOUR_KEY}, slot, orders_held, orders_rejected)
      SELECT ${hourKeyOf('jo')}, ${laterSlotSql('jo.id')}, (${decision} = 'review')::int, (${decision} = 'reject')::int
        FROM ${judged} JOIN orders jo ON jo.id = ${judged}.id
       WHERE EXISTS (SELECT 1 FROM report_judged)
      ON CONFLICT (${HOUR_KEY}, slot) DO UPDATE SET ${addUp('report_hours', ['orders_held', 'orders_rejected'])})`;
}

/** A person (or the deadline) rejected the held order's review, in this transaction. */
export async function reportReviewRejected(trx: Q, orderId: string): Promise<void> {
  await writeChannelAndHour(trx, ['orders_rejected'], (key) => `SELECT ${key}, 1 FROM orders o WHERE o.id = :orderId`, { orderId });
}

/**
 * Data-modifying CTEs for the statement recording a settlement (orders/daily-rollup.ts): the
 * order delivered, its money, its units per SKU and supplier. Binds :orderId, :revenue, :cost;
 * `after` names a CTE that must have run first (the dashboard's SKU rows: lock order), read
 * through a count, which is one row even when it wrote none. The last CTE is SETTLED_REPORTS_DONE.
 */
export const SETTLED_REPORTS_DONE = 'report_settled_skus';
export function settledReportSql(after: string): string {
  const counters = ['orders_delivered', 'units_delivered', 'revenue', 'cost'];
  const select = (key: string, ranFirst: string) =>
    `SELECT ${key}, 1, (SELECT count(*) FROM deliveries d WHERE d.order_id = o.id), :revenue, :cost FROM orders o WHERE o.id = :orderId AND ${ranFirst}`;
  return `report_settled_channel AS (
      INSERT INTO report_channel_days (${CHANNEL_KEY}, slot, ${counters.join(', ')}) ${select(`${channelKeyOf('o')}, ${laterSlotSql('o.id')}`, `(SELECT count(*) FROM ${after}) >= 0`)}
      ON CONFLICT (${CHANNEL_KEY}, slot) DO UPDATE SET ${addUp('report_channel_days', counters)}
      RETURNING 1),
    report_settled_hour AS (
      INSERT INTO report_hours (${HOUR_KEY}, slot, ${counters.join(', ')}) ${select(`${hourKeyOf('o')}, ${laterSlotSql('o.id')}`, 'EXISTS (SELECT 1 FROM report_settled_channel)')}
      ON CONFLICT (${HOUR_KEY}, slot) DO UPDATE SET ${addUp('report_hours', counters)}
      RETURNING 1),
    ${SETTLED_REPORTS_DONE} AS (
      INSERT INTO report_sku_days (merchant_id, day, currency, sku_id, supplier_id, slot, units_delivered, revenue, cost)
      SELECT o.merchant_id, ${daySql(zoneOf('o.merchant_id'), 'o.created_at')}, o.currency, u.sku_id, ${unitSupplierSql('u')}, ${laterSlotSql('o.id')}, count(*), sum(i.unit_price), sum(${unitCostSql('u')})
        FROM deliveries d
        JOIN order_units u ON u.id = d.unit_id
        JOIN order_items i ON i.id = u.order_item_id
        JOIN orders o ON o.id = d.order_id
       WHERE d.order_id = :orderId AND EXISTS (SELECT 1 FROM report_settled_hour)
       GROUP BY 1, 2, 3, 4, 5, 6
       ORDER BY 4, 5
      ${SKU_CONFLICT} DO UPDATE SET ${addUp('report_sku_days', ['units_delivered', 'revenue', 'cost'])}
      RETURNING 1)`;
}

/** A refund was recorded in this transaction; `orderRefunded` when it refunded the order's last units. */
export async function reportRefunded(trx: Q, refundId: string, orderRefunded: boolean): Promise<void> {
  await writeChannelAndHour(
    trx,
    ['orders_refunded', 'revenue_reversed', 'cost_reversed'],
    (key) => `SELECT ${key}, :refunded, r.revenue_reversed, r.cost_reversed FROM refunds r JOIN orders o ON o.id = r.order_id WHERE r.id = :refundId`,
    { refundId, refunded: orderRefunded ? 1 : 0 },
  );
  await trx.raw(
    `INSERT INTO report_sku_days (merchant_id, day, currency, sku_id, supplier_id, slot, units_refunded, revenue_reversed)
     SELECT o.merchant_id, ${daySql(zoneOf('o.merchant_id'), 'o.created_at')}, o.currency, u.sku_id, ${unitSupplierSql('u')}, ${laterSlotSql('o.id')}, count(*), sum(${reversedSql('r', 'ru')})
       FROM refunds r
       JOIN refund_units ru ON ru.refund_id = r.id
       JOIN order_units u ON u.id = ru.unit_id
       JOIN orders o ON o.id = r.order_id
      WHERE r.id = :refundId
      GROUP BY 1, 2, 3, 4, 5, 6
      ORDER BY 4, 5
     ${SKU_CONFLICT} DO UPDATE SET ${addUp('report_sku_days', ['units_refunded', 'revenue_reversed'])}`,
    { refundId },
  );
  await trx.raw(
    `INSERT INTO report_refund_reasons (merchant_id, day, currency, reason, refunds, amount)
     SELECT r.merchant_id, ${daySql(zoneOf('r.merchant_id'), 'r.created_at')}, r.currency, r.reason, 1, r.amount FROM refunds r WHERE r.id = :refundId
     ON CONFLICT (merchant_id, day, currency, reason) DO UPDATE SET ${addUp('report_refund_reasons', ['refunds', 'amount'])}`,
    { refundId },
  );
}

/** The order was closed as failed or cancelled in this transaction. */
export async function reportClosed(trx: Q, orderId: string, status: 'failed' | 'cancelled'): Promise<void> {
  const counter = status === 'failed' ? 'orders_failed' : 'orders_cancelled';
  await writeChannelAndHour(trx, [counter], (key) => `SELECT ${key}, 1 FROM orders o WHERE o.id = :orderId`, { orderId });
}

/** Sold-out answers waiting to be written, per merchant, storefront, channel, campaign and minute. */
export interface SoldOutAnswer {
  merchantId: string;
  storefrontId: string;
  channel?: string;
  campaign?: string;
  units: number;
}

/**
 * Writes sold-out answers, added up (one statement for many answers: in a flash sale most buyers
 * are answered sold out, and one row per hour and channel would be the hottest row of all if each
 * answer wrote it). `at` is when they were answered.
 */
export async function writeSoldOut(db: Q, answers: (SoldOutAnswer & { at: string; answers: number })[]): Promise<void> {
  if (answers.length === 0) return;
  const zone = zoneOf('t.merchant_id');
  await db.raw(
    `INSERT INTO report_sold_out (merchant_id, day, hour, storefront_id, channel, campaign, answers, units)
     SELECT t.merchant_id, ${daySql(zone, 't.at')}, ${hourSql(zone, 't.at')}, t.storefront_id, COALESCE(t.channel, ''), COALESCE(t.campaign, ''), sum(t.answers), sum(t.units)
       FROM json_to_recordset(:rows::json) AS t(merchant_id uuid, storefront_id uuid, channel text, campaign text, at timestamptz, answers int, units int)
      GROUP BY 1, 2, 3, 4, 5, 6
      ORDER BY 1, 2, 3, 4, 5, 6
     ON CONFLICT (merchant_id, day, hour, storefront_id, channel, campaign) DO UPDATE SET ${addUp('report_sold_out', ['answers', 'units'])}`,
    {
      rows: JSON.stringify(
        answers.map((a) => ({ merchant_id: a.merchantId, storefront_id: a.storefrontId, channel: a.channel, campaign: a.campaign, at: a.at, answers: a.answers, units: a.units })),
      ),
    },
  );
}

/**
 * The rollups as they must be, from the source rows alone (sold-out answers have none: they are
 * kept only as counted). The migration fills the tables from these; tests hold the running totals to them.
 */
export function recomputedReportSql(): { channel: string; hours: string; skus: string; reasons: string } {
  const zone = 'm.time_zone';
  const day = (at: string) => daySql(zone, at);
  const events = (type: string) => `(SELECT count(*) FROM order_events e WHERE e.order_id = o.id AND e.type = '${type}')`;
  const counters = `
           count(*)::int AS orders_accepted,
           count(*) FILTER (WHERE o.risk->>'decision' = 'review')::int AS orders_held,
           count(*) FILTER (WHERE o.risk->>'decision' = 'reject' OR o.risk->'review'->>'status' IN ('rejected', 'expired'))::int AS orders_rejected,
           count(s.id)::int AS orders_delivered,
           sum(${events('failed')})::int AS orders_failed,
           sum(${events('cancelled')})::int AS orders_cancelled,
           sum((SELECT count(*) FROM order_events e WHERE e.order_id = o.id AND e.type = 'refunded' AND e.detail->>'partial' = 'false'))::int AS orders_refunded,
           sum(CASE WHEN s.id IS NULL THEN 0 ELSE (SELECT count(*) FROM deliveries d WHERE d.order_id = o.id) END)::int AS units_delivered,
           COALESCE(sum(s.revenue), 0)::bigint AS revenue,
           COALESCE(sum(s.cost), 0)::bigint AS cost,
           sum((SELECT COALESCE(sum(r.revenue_reversed), 0) FROM refunds r WHERE r.order_id = o.id))::bigint AS revenue_reversed,
           sum((SELECT COALESCE(sum(r.cost_reversed), 0) FROM refunds r WHERE r.order_id = o.id))::bigint AS cost_reversed
      FROM orders o JOIN merchants m ON m.id = o.merchant_id LEFT JOIN settlements s ON s.order_id = o.id`;
  const channel = `
    SELECT o.merchant_id, ${day('o.created_at')} AS day, o.currency, o.storefront_id, COALESCE(o.channel, '') AS channel, COALESCE(o.campaign, '') AS campaign,
           ${counters}
     GROUP BY 1, 2, 3, 4, 5, 6`;
  const hours = `
    SELECT o.merchant_id, ${day('o.created_at')} AS day, ${hourSql(zone, 'o.created_at')} AS hour, o.currency,
           ${counters}
     GROUP BY 1, 2, 3, 4`;
  const skus = `
    SELECT merchant_id, day, currency, sku_id, supplier_id, sum(units_delivered)::int AS units_delivered, sum(revenue)::bigint AS revenue, sum(cost)::bigint AS cost,
           sum(units_refunded)::int AS units_refunded, sum(revenue_reversed)::bigint AS revenue_reversed
      FROM (
        SELECT o.merchant_id, ${day('o.created_at')} AS day, o.currency, u.sku_id, ${unitSupplierSql('u')} AS supplier_id, 1 AS units_delivered,
               i.unit_price::bigint AS revenue, (${unitCostSql('u')})::bigint AS cost, 0 AS units_refunded, 0::bigint AS revenue_reversed
          FROM settlements st
          JOIN orders o ON o.id = st.order_id
          JOIN merchants m ON m.id = o.merchant_id
          JOIN deliveries d ON d.order_id = st.order_id
          JOIN order_units u ON u.id = d.unit_id
          JOIN order_items i ON i.id = u.order_item_id
        UNION ALL
        SELECT o.merchant_id, ${day('o.created_at')}, o.currency, u.sku_id, ${unitSupplierSql('u')}, 0, 0, 0, 1, (${reversedSql('r', 'ru')})::bigint
          FROM refunds r
          JOIN refund_units ru ON ru.refund_id = r.id
          JOIN order_units u ON u.id = ru.unit_id
          JOIN orders o ON o.id = r.order_id
          JOIN merchants m ON m.id = o.merchant_id
      ) AS happened
     GROUP BY 1, 2, 3, 4, 5`;
  const reasons = `
    SELECT r.merchant_id, ${day('r.created_at')} AS day, r.currency, r.reason, count(*)::int AS refunds, sum(r.amount)::bigint AS amount
      FROM refunds r JOIN merchants m ON m.id = r.merchant_id
     GROUP BY 1, 2, 3, 4`;
  return { channel, hours, skus, reasons };
}

const CHANNEL_COUNTERS = [
  'orders_accepted',
  'orders_held',
  'orders_rejected',
  'orders_delivered',
  'orders_failed',
  'orders_cancelled',
  'orders_refunded',
  'units_delivered',
  'revenue',
  'cost',
  'revenue_reversed',
  'cost_reversed',
];

/** Fills the report rollups from the source rows (the migration; after a merchant's time zone changed). */
export async function rebuildReportRollups(db: Knex): Promise<void> {
  const { channel, hours, skus, reasons } = recomputedReportSql();
  const rebuild = async (trx: Knex.Transaction) => {
    await trx.raw('LOCK TABLE daily_order_totals, daily_sku_sales, report_channel_days, report_hours, report_sku_days, report_refund_reasons IN EXCLUSIVE MODE');
    await trx.raw('DELETE FROM report_channel_days');
    await trx.raw('DELETE FROM report_hours');
    await trx.raw('DELETE FROM report_sku_days');
    await trx.raw('DELETE FROM report_refund_reasons');
    await trx.raw(`INSERT INTO report_channel_days (${CHANNEL_KEY}, ${CHANNEL_COUNTERS.join(', ')}) ${channel}`);
    await trx.raw(`INSERT INTO report_hours (${HOUR_KEY}, ${CHANNEL_COUNTERS.join(', ')}) ${hours}`);
    await trx.raw(`INSERT INTO report_sku_days (merchant_id, day, currency, sku_id, supplier_id, units_delivered, revenue, cost, units_refunded, revenue_reversed) ${skus}`);
    await trx.raw(`INSERT INTO report_refund_reasons (merchant_id, day, currency, reason, refunds, amount) ${reasons}`);
  };
  if ((db as Knex.Transaction).isTransaction) await rebuild(db as Knex.Transaction);
  else await db.transaction(rebuild);
}
