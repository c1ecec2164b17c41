import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import type { DailyOrderTotalsRow, OrderRow, SkuRow } from '../../db/tables';
import { merchantTodaySql } from '../../orders/daily-rollup';
import { manualTaskOpenSql } from '../../orders/order-facts';
import { orderReason } from '../../orders/reasons';
import { runReport } from '../../reports/reports';
import { parseOrThrow } from '../errors';
import { coded } from '../../lib/field-codes';
import { allow } from './auth';

// The day at a glance, from the daily rollups (orders/daily-rollup.ts) rather than scans, so it
// answers as fast at ten million orders as at ten: per currency (money in two currencies is two
// figures, never one hiding the other), today against yesterday (the merchant's days), orders per
// hour over the last 24 hours (an index range of one day), the most profitable SKUs of the last 7
// days in every fulfilment mode, ranked within their currency, SKUs at or below their low-stock
// threshold, and the orders waiting on a person (failed, held, stuck, or to be fulfilled by hand),
// each list with its full count.

/** Orders a person has to look at: failed ones, and ones in progress for too long. */
export const STUCK_AFTER_MINUTES = 10;
/** Top SKUs shown per currency, and rows shown of the other lists (their counts are whole). */
const TOP_PER_CURRENCY = 5;
const LIST_ROWS = 10;

// `tz` was the viewer's time zone; days are now the merchant's (the rollups are kept by them).
// Still accepted, so a console of the previous release keeps working.
const Query = z
  .object({
    tz: z
      .string()
      .max(64)
      .refine(
        (tz) => {
          try {
            new Intl.DateTimeFormat('en', { timeZone: tz });
            return true;
          } catch {
            return false;
          }
        },
        coded('time_zone', 'an IANA time zone such as Asia/Shanghai'),
      )
      .optional(),
  })
  .strict();

/** A day's rollup as the dashboard selects it: the day as text (YYYY-MM-DD), two sums made in SQL. */
type DayTotalsRow = Pick<DailyOrderTotalsRow, 'currency' | 'orders_accepted' | 'orders_delivered' | 'orders_failed' | 'orders_cancelled' | 'orders_refunded'> & {
  day: string;
  gmv: number;
  gross_profit: number;
};

interface DayTotals {
  currency: string;
  orders: number;
  delivered: number;
  failed: number;
  cancelled: number;
  refunded: number;
  gmv: number;
  grossProfit: number;
}

/** A top SKU as its query selects it (bigints come back as numbers, db/index.ts). */
interface TopSkuLine {
  currency: string;
  rank: number;
  sku: string;
  name: string;
  fulfilment_mode: SkuRow['fulfilment_mode'];
  units: number;
  revenue: number;
  gross_profit: number;
}
/** An order waiting on a person, as waitingSql selects it. */
type WaitingLine = Pick<OrderRow, 'id' | 'external_ref' | 'status' | 'reason' | 'currency' | 'total_amount' | 'updated_at'> & { manual_cancel_at: Date | null };

export function adminDashboardRouter(deps: { db: Db }) {
  const { db } = deps;
  const router = Router();

  router.get('/dashboard', allow('dashboard', 'show'), async (req, res) => {
    parseOrThrow(Query, req.query, 'query');
    const m = req.admin!.merchantId;
    // Every query at once, the merchant's today computed inside each (not asked first and passed
    // on): on a busy server each round trip waits its turn, and a sequential one adds its wait to
    // the answer's. The queries run a few milliseconds apart, so only at the very turn of the
    // merchant's day could the labels and the rows disagree; the next refresh agrees.
    const today = merchantTodaySql('?');
    const [
      {
        rows: [clock],
      },
      totals,
      currencies,
      perHour,
      topSkus,
      lowStock,
      lowStockCount,
      waiting,
      waitingCount,
    ] = await Promise.all([
      db.raw(`SELECT ${today}::text AS today, (${today} - 1)::text AS yesterday, COALESCE(time_zone, 'UTC') AS tz FROM merchants WHERE id = ?`, [m, m, m]),
      // A day's figures are kept in slots (orders/rollup-slots.ts): added up here.
      db('daily_order_totals')
        .where({ merchant_id: m })
        .whereRaw(`day IN (${today}, ${today} - 1)`, [m, m])
        .groupBy('day', 'currency')
        .select<DayTotalsRow[]>(
          db.raw('day::text AS day'),
          'currency',
          db.raw('sum(orders_accepted)::int AS orders_accepted'),
          db.raw('sum(orders_delivered)::int AS orders_delivered'),
          db.raw('sum(orders_failed)::int AS orders_failed'),
          db.raw('sum(orders_cancelled)::int AS orders_cancelled'),
          db.raw('sum(orders_refunded)::int AS orders_refunded'),
          db.raw('sum(revenue - revenue_reversed)::bigint AS gmv'),
          db.raw('sum((revenue - cost) - (revenue_reversed - cost_reversed))::bigint AS gross_profit'),
        ),
      // Every currency the merchant sells in has its figure, even at zero.
      db.raw(`SELECT currency FROM merchants WHERE id = ? UNION SELECT DISTINCT currency FROM skus WHERE merchant_id = ?`, [m, m]),
      db.raw(
        `SELECT h.hour, (SELECT count(*) FROM orders o WHERE o.merchant_id = ? AND o.created_at >= h.hour AND o.created_at < h.hour + interval '1 hour')::int AS orders
           FROM generate_series(date_trunc('hour', now()) - interval '23 hours', date_trunc('hour', now()), interval '1 hour') AS h(hour)
          ORDER BY h.hour`,
        [m],
      ),
      db.raw(
        `SELECT * FROM (
           SELECT r.currency, s.code AS sku, s.name, r.fulfilment_mode, r.units::int AS units, r.revenue::bigint AS revenue, r.gross_profit::bigint AS gross_profit,
                  row_number() OVER (PARTITION BY r.currency ORDER BY r.gross_profit DESC, s.code)::int AS rank
             FROM (SELECT currency, sku_id, fulfilment_mode, sum(units_delivered - units_refunded) AS units,
                          sum(revenue - revenue_reversed) AS revenue, sum(revenue - cost - revenue_reversed) AS gross_profit
                     FROM daily_sku_sales
                    WHERE merchant_id = ? AND day > ${today} - 7 AND day <= ${today}
                    GROUP BY currency, sku_id, fulfilment_mode
                   HAVING sum(units_delivered) > 0) r
             JOIN skus s ON s.id = r.sku_id) ranked
          WHERE rank <= ?
          ORDER BY currency, rank`,
        [m, m, m, TOP_PER_CURRENCY],
      ),
      lowStockQuery(db, m).orderBy('stock_available').orderBy('code').limit(LIST_ROWS).select('code', 'name', 'stock_available', 'low_stock_threshold'),
      lowStockQuery(db, m).count<{ count: number }[]>('* as count'),
      db.raw(...waitingListQuery(m)),
      db.raw(`SELECT count(*)::int AS count FROM (${waitingSql(false)}) w`, waitingBindings(m)),
    ]);

    const day = (d: string) => {
      const money = new Map<string, DayTotals>();
      const blank = (currency: string): DayTotals => ({ currency, orders: 0, delivered: 0, failed: 0, cancelled: 0, refunded: 0, gmv: 0, grossProfit: 0 });
      for (const { currency } of currencies.rows as { currency: string }[]) money.set(currency.trim(), blank(currency.trim()));
      for (const t of totals.filter((row) => row.day === d)) {
        money.set(t.currency.trim(), {
          currency: t.currency.trim(),
          orders: t.orders_accepted,
          delivered: t.orders_delivered,
          failed: t.orders_failed,
          cancelled: t.orders_cancelled,
          refunded: t.orders_refunded,
          gmv: Number(t.gmv),
          grossProfit: Number(t.gross_profit),
        });
      }
      const perCurrency = [...money.values()].sort((a, b) => a.currency.localeCompare(b.currency));
      return { day: d, orders: perCurrency.reduce((n, c) => n + c.orders, 0), money: perCurrency };
    };

    res.json({
      id: 'today',
      timeZone: clock.tz,
      today: day(clock.today),
      todayConverted: await convertedHeadline(db, m, clock.today),
      yesterday: day(clock.yesterday),
      ordersPerHour: perHour.rows.map((r: { hour: Date; orders: number }) => ({ hour: r.hour.toISOString(), orders: r.orders })),
      topSkus: topSkus.rows.map((r: TopSkuLine) => ({
        currency: r.currency.trim(),
        rank: r.rank,
        sku: r.sku,
        name: r.name,
        mode: r.fulfilment_mode,
        units: r.units,
        revenue: Number(r.revenue),
        grossProfit: Number(r.gross_profit),
      })),
      lowStock: lowStock.map((s) => ({ sku: s.code, name: s.name, stockAvailable: s.stock_available, lowStockThreshold: s.low_stock_threshold })),
      lowStockCount: Number(lowStockCount[0].count),
      waitingOnPerson: {
        count: waitingCount.rows[0].count,
        orders: waiting.rows.map((o: WaitingLine) => ({
          id: o.id,
          externalRef: o.external_ref,
          status: o.status,
          reason: o.reason,
          // Failed and held orders carry no risk rejection (that cancels), so no assessment is needed to word it.
          reasonCode: orderReason(o.reason, null),
          currency: o.currency.trim(),
          totalAmount: o.total_amount,
          since: o.updated_at.toISOString(),
          manualCancelAt: o.manual_cancel_at?.toISOString() ?? null,
        })),
      },
    });
  });

  return router;
}

/** Why today's money is not one converted figure; text at cf.dashboard.converted.why_not.<code>. */
export const HEADLINE_GAPS = ['no_reporting_currency', 'rate_missing'] as const;
const gap = (code: (typeof HEADLINE_GAPS)[number], params: Record<string, string> = {}) => ({ code, params });

/**
 * Today's money as one figure in the merchant's reporting currency, converted by the reports' own
 * rule (reports/reports.ts with reports/rates.ts: the day's rate, written down once the day is
 * over) rather than a second conversion here; the same sums as the per-currency figures
 * (revenue less reversals, and gross profit). When it cannot be one figure, why not, as a code:
 * no reporting currency chosen, or no rate entered for some currency.
 */
async function convertedHeadline(db: Db, merchantId: string, today: string) {
  const merchant = await db('merchants').where({ id: merchantId }).first('reporting_currency');
  const currency = merchant?.reporting_currency?.trim();
  if (!currency) return { figure: null, rates: [], whyNot: gap('no_reporting_currency') };
  const report = await runReport(db, merchantId, 'profit-by-day', { from: today, to: today, convert: true });
  const rates = report.ratesUsed.map((r) => ({ from: r.fromCurrency, to: r.toCurrency, rate: r.rate, day: r.day }));
  if (report.missingRates.length)
    return { figure: null, rates, whyNot: gap('rate_missing', { currencies: [...new Set(report.missingRates.map((r) => r.currency))].join(', '), to: currency }) };
  const total = report.totals.find((t) => t.currency === currency);
  return {
    figure: { currency, gmv: Number(total?.revenue ?? 0) - Number(total?.revenue_reversed ?? 0), grossProfit: Number(total?.profit ?? 0) },
    rates,
    whyNot: null,
  };
}

// Products bought from suppliers or fulfilled by hand hold no stock to run low.
const lowStockQuery = (db: Db, merchantId: string) =>
  db('skus').where({ merchant_id: merchantId, active: true, fulfilment_mode: 'stock' }).whereNotNull('low_stock_threshold').whereRaw('stock_available <= low_stock_threshold');

// The orders waiting on a person, as one UNION ALL of disjoint parts, so each part reads its own
// index ((merchant, status, updated_at); open manual tasks) and the first rows or the count come
// without scanning the merchant's orders: failed or held; accepted or processing for too long
// without a manual task; to be fulfilled by hand (staff must enter its codes before its deadline).
// `limited`: each part stops at the rows the page shows.
function waitingSql(limited = true): string {
  const cols = `o.id, o.external_ref, o.status, o.reason, o.currency, o.total_amount, o.updated_at`;
  const limit = limited ? 'ORDER BY o.updated_at, o.id LIMIT ?' : '';
  // Failed and held are two parts, not one `status IN (…)`: the index gives each status's rows in
  // updated_at order, so each part stops after the first rows; over both at once Postgres read
  // and sorted every failed order (200,000 at ten million orders, 1 s) to show ten.
  return `(SELECT ${cols}, NULL::timestamptz AS manual_cancel_at FROM orders o WHERE o.merchant_id = ? AND o.status = 'failed' ${limit})
    UNION ALL
    (SELECT ${cols}, NULL::timestamptz FROM orders o WHERE o.merchant_id = ? AND o.status = 'held' ${limit})
    UNION ALL
    (SELECT ${cols}, NULL::timestamptz FROM orders o
      WHERE o.merchant_id = ? AND o.status IN ('accepted', 'processing') AND o.updated_at < now() - make_interval(mins => ?)
        AND NOT ${manualTaskOpenSql('o.id')} ${limit})
    UNION ALL
    (SELECT ${cols}, mt.cancel_at FROM manual_tasks mt JOIN orders o ON o.id = mt.order_id
      WHERE mt.merchant_id = ? AND mt.status IN ('open', 'escalated') AND o.status NOT IN ('failed', 'held') ${limit})`;
}

/** The first orders waiting on a person, oldest first: SQL and bindings. */
function waitingListQuery(merchantId: string): [string, (string | number)[]] {
  return [`SELECT * FROM (${waitingSql()}) w ORDER BY updated_at, id LIMIT ?`, [...waitingBindings(merchantId, LIST_ROWS), LIST_ROWS]];
}

function waitingBindings(merchantId: string, limit?: number): (string | number)[] {
  const l = limit === undefined ? [] : [limit];
  return [merchantId, ...l, merchantId, ...l, merchantId, STUCK_AFTER_MINUTES, ...l, merchantId, ...l];
}
