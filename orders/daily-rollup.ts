import type { Knex } from 'knex';
import { plannedOnce } from '../db';
import { acceptedReportSql, reportClosed, reportRefunded, SETTLED_REPORTS_DONE, settledReportSql } from '../reports/rollup';
import { acceptedSlotSql, laterSlotSql } from './rollup-slots';
import { unitCostSql } from './unit-cost';

// The dashboard's figures, kept per merchant, day, currency (and SKU and fulfilment mode) as
// orders change, so a merchant with ten million orders gets today's and yesterday's figures from
// a few small rows instead of scanning orders, settlements and deliveries. Every write to the
// rollups is here, called in the same transaction as the change it counts:
//
//   accepted   orders/accept-order.ts   (in its one statement: acceptedRollupSql; else rollUpAccepted),
//              orders/bulk/accept-bulk-order.ts
//   settled    orders/settle-order.ts   (delivered goods, revenue and cost, as settlement records them)
//   refunded   orders/refund-order.ts
//   failed / cancelled                  orders/close-order.ts
//
// Locks: every writer takes the day's order row before its SKU rows, SKU rows by id, so two
// writers never wait on each other in a circle. An acceptance takes its rollup rows (slots 0-7)
// BEFORE the stock's SKU rows, so the sale's hot SKU row is held for as little as possible; every
// later change takes SKU rows (stock given back) before its rollup rows (slots 8-15). The two
// never share a row (orders/rollup-slots.ts). The reports' rollups (reports/rollup.ts) are
// written after these, each writer here calling them last.
// Each row is kept in slots that readers add up (orders/rollup-slots.ts says which slot a change takes).
//
// Each change counts on the day it happens, in the merchant's time zone (merchants.time_zone,
// UTC when unset): an order accepted at 23:59 and settled at 00:01 is accepted yesterday and
// sold today. recomputedRollupsSql says the same thing as one GROUP BY over the source rows; the
// migration fills the tables from it and the tests hold the running totals to it.

type Q = Knex | Knex.Transaction;

/** The merchant's calendar day of an instant, given SQL for the merchant's time zone (or NULL). */
export const daySql = (timeZone: string, at: string) => `((${at}) AT TIME ZONE COALESCE(${timeZone}, 'UTC'))::date`;
export const zoneOf = (merchantId: string) => `(SELECT tz_m.time_zone FROM merchants tz_m WHERE tz_m.id = ${merchantId})`;
/** Today in the merchant's time zone. */
export const merchantTodaySql = (merchantId: string) => daySql(zoneOf(merchantId), 'now()');

const ORDER_COUNTERS = [
  'orders_accepted',
  'orders_delivered',
  'orders_failed',
  'orders_cancelled',
  'orders_refunded',
  'revenue',
  'cost',
  'revenue_reversed',
  'cost_reversed',
] as const;
const SKU_COUNTERS = ['units_ordered', 'units_delivered', 'revenue', 'cost', 'units_refunded', 'revenue_reversed'] as const;
const addUp = (table: string, counters: readonly string[]) => counters.map((c) => `${c} = ${table}.${c} + EXCLUDED.${c}`).join(', ');
const ORDER_KEY = 'merchant_id, day, currency';
const SKU_KEY = 'merchant_id, day, currency, sku_id, fulfilment_mode';
// What a running write conflicts on: the key and its slot.
const ORDER_SLOT = `${ORDER_KEY}, slot`;
const SKU_SLOT = `${SKU_KEY}, slot`;

/**
 * Data-modifying CTEs for the accepting statement: `order` names a CTE returning the new order's
 * id, merchant_id, created_at, currency, storefront_id, channel and campaign; `items` is SQL for its items' rows (sku_id, quantity).
 * The statement must reference ACCEPTED_ROLLUPS_DONE before it takes stock (lock order, above).
 *
 * rollup_skus reads rollup_order so that the day's order row is locked before the SKU rows, as
 * settlement and refunds lock them. Left unreferenced, Postgres would run the two after the main
 * query in reverse order of writing (sku rows first), and an order accepted while another was
 * being settled could wait on it in a circle (a deadlock; test/acceptance.test.ts).
 */
export const ACCEPTED_ROLLUPS_DONE = 'report_hour';
export function acceptedRollupSql(order: string, items: string): string {
  const day = daySql(zoneOf(`${order}.merchant_id`), `${order}.created_at`);
  return `rollup_order AS (
      INSERT INTO daily_order_totals (${ORDER_SLOT}, orders_accepted)
      SELECT ${order}.merchant_id, ${day}, ${order}.currency, ${acceptedSlotSql(`${order}.id`)}, 1 FROM ${order}
      ON CONFLICT (${ORDER_SLOT}) DO UPDATE SET orders_accepted = daily_order_totals.orders_accepted + 1
      RETURNING 1),
    rollup_skus AS (
      INSERT INTO daily_sku_sales (${SKU_SLOT}, units_ordered)
      SELECT ${order}.merchant_id, ${day}, ${order}.currency, ri.sku_id, rs.fulfilment_mode, ${acceptedSlotSql(`${order}.id`)}, ri.quantity
        FROM ${order} CROSS JOIN (${items}) ri JOIN skus rs ON rs.id = ri.sku_id
       WHERE EXISTS (SELECT 1 FROM rollup_order)
       ORDER BY ri.sku_id
      ON CONFLICT (${SKU_SLOT}) DO UPDATE SET units_ordered = daily_sku_sales.units_ordered + EXCLUDED.units_ordered
      RETURNING 1),
    ${acceptedReportSql(order, 'rollup_skus')}`;
}

/**
 * The order is being accepted in this transaction by other statements than the accepting one (an
 * order of several stock lines, a bulk order): the same rows as acceptedRollupSql, written once
 * its items are, before its stock is reserved (lock order, above).
 */
export async function rollUpAccepted(trx: Q, orderId: string): Promise<void> {
  await trx.raw(
    `WITH accepted AS (SELECT id, merchant_id, created_at, currency, storefront_id, channel, campaign FROM orders WHERE id = :orderId),
     ${acceptedRollupSql('accepted', 'SELECT sku_id, quantity FROM order_items WHERE order_id = :orderId')}
     SELECT count(*) FROM ${ACCEPTED_ROLLUPS_DONE}`,
    { orderId },
  );
}

/**
 * A settlement was recorded for the order (in this transaction): its money, and its delivered
 * units per SKU, and the reports' rows. One statement: a settlement holds its slot's rows from
 * the first of them to its commit, and other settlements of the merchant that take the same slot
 * wait that long, so it holds them for one round trip, not five.
 */
export async function rollUpSettled(trx: Q, s: { orderId: string; merchantId: string; currency: string; revenue: number; cost: number }): Promise<void> {
  await plannedOnce(
    trx.raw(
      `WITH settled_day AS (
       INSERT INTO daily_order_totals (${ORDER_SLOT}, orders_delivered, revenue, cost)
       VALUES (:merchantId, ${merchantTodaySql(':merchantId')}, :currency, ${laterSlotSql(':orderId')}, 1, :revenue, :cost)
       ON CONFLICT (${ORDER_SLOT}) DO UPDATE SET ${addUp('daily_order_totals', ['orders_delivered', 'revenue', 'cost'])}
       RETURNING 1),
     settled_skus AS (
       INSERT INTO daily_sku_sales (${SKU_SLOT}, units_delivered, revenue, cost)
       SELECT o.merchant_id, ${merchantTodaySql('o.merchant_id')}, o.currency, u.sku_id, s.fulfilment_mode, ${laterSlotSql('o.id')}, count(*), sum(i.unit_price), sum(${unitCostSql('u')})
         FROM deliveries d
         JOIN order_units u ON u.id = d.unit_id
         JOIN order_items i ON i.id = u.order_item_id
         JOIN skus s ON s.id = u.sku_id
         JOIN orders o ON o.id = d.order_id
        WHERE d.order_id = :orderId AND EXISTS (SELECT 1 FROM settled_day)
        GROUP BY 1, 2, 3, 4, 5, 6
        ORDER BY 4
       ON CONFLICT (${SKU_SLOT}) DO UPDATE SET ${addUp('daily_sku_sales', ['units_delivered', 'revenue', 'cost'])}
       RETURNING 1),
     ${settledReportSql('settled_skus')}
     SELECT count(*) FROM ${SETTLED_REPORTS_DONE}`,
      s,
    ),
  );
}

/**
 * A refund was recorded (its refunds and refund_units rows written in this transaction);
 * `orderRefunded` when it refunded the order's last units.
 */
export async function rollUpRefunded(trx: Q, refundId: string, orderRefunded: boolean): Promise<void> {
  await trx.raw(
    `INSERT INTO daily_order_totals (${ORDER_SLOT}, orders_refunded, revenue_reversed, cost_reversed)
     SELECT r.merchant_id, ${merchantTodaySql('r.merchant_id')}, r.currency, ${laterSlotSql('r.order_id')}, :refunded, r.revenue_reversed, r.cost_reversed FROM refunds r WHERE r.id = :refundId
     ON CONFLICT (${ORDER_SLOT}) DO UPDATE SET ${addUp('daily_order_totals', ['orders_refunded', 'revenue_reversed', 'cost_reversed'])}`,
    { refundId, refunded: orderRefunded ? 1 : 0 },
  );
  await trx.raw(
    `INSERT INTO daily_sku_sales (${SKU_SLOT}, units_refunded, revenue_reversed)
     SELECT r.merchant_id, ${merchantTodaySql('r.merchant_id')}, r.currency, u.sku_id, s.fulfilment_mode, ${laterSlotSql('r.order_id')}, count(*), sum(${reversedSql('r', 'ru')})
       FROM refunds r
       JOIN refund_units ru ON ru.refund_id = r.id
       JOIN order_units u ON u.id = ru.unit_id
       JOIN skus s ON s.id = u.sku_id
      WHERE r.id = :refundId
      GROUP BY 1, 2, 3, 4, 5, 6
      ORDER BY 4
     ON CONFLICT (${SKU_SLOT}) DO UPDATE SET ${addUp('daily_sku_sales', ['units_refunded', 'revenue_reversed'])}`,
    { refundId },
  );
  await reportRefunded(trx, refundId, orderRefunded);
}

// A refunded unit's revenue comes off only if a settlement counted it; settlement happens once
// every unit is delivered, so a settled order's refunded units were all delivered
// (orders/refund-order.ts reverses revenue by the same rule).
export const reversedSql = (refund: string, unit: string) =>
  `CASE WHEN EXISTS (SELECT 1 FROM settlements rv_s WHERE rv_s.order_id = ${refund}.order_id) THEN ${unit}.price ELSE 0 END`;

/** The order was closed as failed or cancelled (in this transaction). */
export async function rollUpClosed(trx: Q, orderId: string, status: 'failed' | 'cancelled'): Promise<void> {
  const counter = status === 'failed' ? 'orders_failed' : 'orders_cancelled';
  await trx.raw(
    `INSERT INTO daily_order_totals (${ORDER_SLOT}, ${counter})
     SELECT o.merchant_id, ${merchantTodaySql('o.merchant_id')}, o.currency, ${laterSlotSql('o.id')}, 1 FROM orders o WHERE o.id = :orderId
     ON CONFLICT (${ORDER_SLOT}) DO UPDATE SET ${addUp('daily_order_totals', [counter])}`,
    { orderId },
  );
  await reportClosed(trx, orderId, status);
}

/**
 * The rollups as they must be, from the source rows alone (optionally for one merchant): one
 * query per table, with the rollup tables' columns. The running totals always equal these.
 */
export function recomputedRollupsSql(merchantId?: string): { orders: string; skus: string; orderBindings: string[]; skuBindings: string[] } {
  const only = (alias: string) => (merchantId ? `WHERE ${alias}.merchant_id = ?` : '');
  const day = (at: string) => daySql('m.time_zone', at);
  const zeros = (n: number) => Array(n).fill('0').join(', ');
  const orders = `
    SELECT merchant_id, day, currency, ${ORDER_COUNTERS.map((c) => `sum(${c})::${c.startsWith('orders') ? 'int' : 'bigint'} AS ${c}`).join(', ')}
      FROM (
        SELECT o.merchant_id, ${day('o.created_at')} AS day, o.currency, 1 AS orders_accepted, 0 AS orders_delivered, 0 AS orders_failed, 0 AS orders_cancelled,
               0 AS orders_refunded, 0::bigint AS revenue, 0::bigint AS cost, 0::bigint AS revenue_reversed, 0::bigint AS cost_reversed
          FROM orders o JOIN merchants m ON m.id = o.merchant_id ${only('o')}
        UNION ALL
        SELECT s.merchant_id, ${day('s.created_at')}, s.currency, 0, 1, 0, 0, 0, s.revenue, s.cost, 0, 0
          FROM settlements s JOIN merchants m ON m.id = s.merchant_id ${only('s')}
        UNION ALL
        SELECT o.merchant_id, ${day('e.created_at')}, o.currency, 0, 0, (e.type = 'failed')::int, (e.type = 'cancelled')::int, 0, 0, 0, 0, 0
          FROM order_events e JOIN orders o ON o.id = e.order_id JOIN merchants m ON m.id = o.merchant_id
         WHERE e.type IN ('failed', 'cancelled') ${merchantId ? 'AND o.merchant_id = ?' : ''}
        UNION ALL
        SELECT r.merchant_id, ${day('r.created_at')}, r.currency, 0, 0, 0, 0,
               (SELECT count(*) FROM order_events e WHERE e.order_id = r.order_id AND e.type = 'refunded' AND e.detail->>'partial' = 'false' AND e.created_at = r.created_at)::int,
               0, 0, r.revenue_reversed, r.cost_reversed
          FROM refunds r JOIN merchants m ON m.id = r.merchant_id ${only('r')}
      ) AS happened
     GROUP BY merchant_id, day, currency`;
  const skus = `
    SELECT merchant_id, day, currency, sku_id, fulfilment_mode,
           ${SKU_COUNTERS.map((c) => `sum(${c})::${c.startsWith('units') ? 'int' : 'bigint'} AS ${c}`).join(', ')}
      FROM (
        SELECT o.merchant_id, ${day('o.created_at')} AS day, o.currency, i.sku_id, s.fulfilment_mode, i.quantity AS units_ordered,
               0 AS units_delivered, 0::bigint AS revenue, 0::bigint AS cost, 0 AS units_refunded, 0::bigint AS revenue_reversed
          FROM orders o JOIN order_items i ON i.order_id = o.id JOIN skus s ON s.id = i.sku_id JOIN merchants m ON m.id = o.merchant_id ${only('o')}
        UNION ALL
        SELECT st.merchant_id, ${day('st.created_at')}, st.currency, u.sku_id, s.fulfilment_mode, 0, 1, i.unit_price, ${unitCostSql('u')}, 0, 0
          FROM settlements st
          JOIN deliveries d ON d.order_id = st.order_id
          JOIN order_units u ON u.id = d.unit_id
          JOIN order_items i ON i.id = u.order_item_id
          JOIN skus s ON s.id = u.sku_id
          JOIN merchants m ON m.id = st.merchant_id ${only('st')}
        UNION ALL
        SELECT r.merchant_id, ${day('r.created_at')}, r.currency, u.sku_id, s.fulfilment_mode, ${zeros(4)}, 1, ${reversedSql('r', 'ru')}
          FROM refunds r
          JOIN refund_units ru ON ru.refund_id = r.id
          JOIN order_units u ON u.id = ru.unit_id
          JOIN skus s ON s.id = u.sku_id
          JOIN merchants m ON m.id = r.merchant_id ${only('r')}
      ) AS happened
     GROUP BY merchant_id, day, currency, sku_id, fulfilment_mode`;
  const each = (n: number) => (merchantId ? Array<string>(n).fill(merchantId) : []);
  return { orders, skus, orderBindings: each(4), skuBindings: each(3) };
}

/**
 * Fills the rollups from the source rows: the migration, after a merchant's time zone changed
 * (past days are kept as they were counted until then), or after a restore that lost them. The
 * lock holds back changes of orders (their rollup writes wait for it), so none is lost or counted twice.
 */
export async function rebuildDailyRollups(db: Knex): Promise<void> {
  const { orders, skus, orderBindings, skuBindings } = recomputedRollupsSql();
  const rebuild = async (trx: Knex.Transaction) => {
    await trx.raw('LOCK TABLE daily_order_totals, daily_sku_sales IN EXCLUSIVE MODE');
    await trx.raw('DELETE FROM daily_sku_sales');
    await trx.raw('DELETE FROM daily_order_totals');
    await trx.raw(`INSERT INTO daily_order_totals (${ORDER_KEY}, ${ORDER_COUNTERS.join(', ')}) ${orders}`, orderBindings);
    await trx.raw(`INSERT INTO daily_sku_sales (${SKU_KEY}, ${SKU_COUNTERS.join(', ')}) ${skus}`, skuBindings);
  };
  // A migration already runs in a transaction.
  if ((db as Knex.Transaction).isTransaction) await rebuild(db as Knex.Transaction);
  else await db.transaction(rebuild);
}
