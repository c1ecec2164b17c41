import type { Knex } from 'knex';
import { invalidInput } from '../lib/errors';
import { fractionDigits } from '../lib/currency-digits';
import { rateKey, ratesFor, type RateUsed } from './rates';

// The reports a merchant decides from (issue 14; docs/MONEY.md "Reports"), each read from the
// rollups of reports/rollup.ts over a range of the merchant's own days, so a year of a
// ten-million-order merchant is a few hundred thousand small rows at most (bench/reports.ts).
//
// A report's query answers rows per key (its dimensions), currency and, when it converts, day;
// this module adds them up per key and currency, converting each day's amounts into the
// reporting currency at the rate for that day (reports/rates.ts) when asked (in Postgres), and works out the
// figures derived from the sums (profit, margin, shares, days of stock left).

export const REPORTS = [
  'profit-by-sku',
  'profit-by-supplier',
  'profit-by-channel',
  'profit-by-day',
  'sales-by-hour',
  'sales-by-weekday',
  'orders-by-channel',
  'refunds-by-reason',
  'stock',
] as const;
export type ReportName = (typeof REPORTS)[number];

/** The longest range a report covers (and its previous period as long again). */
export const MAX_REPORT_DAYS = 731;

export type ReportValue = string | number | null;
export type ReportRow = Record<string, ReportValue>;

interface ReportSpec {
  /** The key columns, in order. */
  dims: string[];
  /** Counts, added up. */
  counts: string[];
  /** Amounts in minor units of the row's currency, added up (and converted). */
  money: string[];
  /** SQL selecting dims, `day`, `currency`, counts and money for merchant ? and days ? to ?; `day` is the SQL for the day column. */
  sql: (day: string) => string;
  /** How many times the query takes the (merchant, from, to) bindings. */
  bindings?: number;
  /** Figures worked out from the sums. */
  derive?: (row: ReportRow, range: { days: number }) => ReportRow;
  sort: (a: ReportRow, b: ReportRow) => number;
}

const n = (v: ReportValue) => Number(v ?? 0);
/** A share in per cent, one decimal; null when there is nothing to share. */
const percent = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : null);
const byText = (k: string) => (a: ReportRow, b: ReportRow) => String(a[k] ?? '').localeCompare(String(b[k] ?? ''));
const byNumberDesc = (k: string) => (a: ReportRow, b: ReportRow) => n(b[k]) - n(a[k]);
const then =
  (...cmp: ((a: ReportRow, b: ReportRow) => number)[]) =>
  (a: ReportRow, b: ReportRow) => {
    for (const c of cmp) {
      const d = c(a, b);
      if (d !== 0) return d;
    }
    return 0;
  };

/** Profit of a row with revenue, cost and what refunds reversed; margin on the revenue kept. */
const profit = (row: ReportRow): ReportRow => {
  const kept = n(row.revenue) - n(row.revenue_reversed);
  const p = kept - (n(row.cost) - n(row.cost_reversed));
  return { profit: p, margin_percent: percent(p, kept) };
};

const SKU_MONEY = ['revenue', 'cost', 'revenue_reversed'];
const skuSql = (select: string, join: string, group: string) => (day: string) =>
  `SELECT ${select}, ${day} AS day, r.currency::text AS currency, sum(r.units_delivered)::int AS units_delivered, sum(r.units_refunded)::int AS units_refunded,
          sum(r.revenue)::bigint AS revenue, sum(r.cost)::bigint AS cost, sum(r.revenue_reversed)::bigint AS revenue_reversed
     FROM report_sku_days r ${join}
    WHERE r.merchant_id = ? AND r.day BETWEEN ? AND ?
    GROUP BY ${group}, ${day === "''" ? 'r.currency' : 'r.day, r.currency'}`;

const CHANNEL_MONEY = ['revenue', 'cost', 'revenue_reversed', 'cost_reversed'];
const channelSql =
  (select: string, group: string, counts: string[], table: 'report_channel_days' | 'report_hours' = 'report_channel_days') =>
  (day: string) =>
    `SELECT ${select}, ${day} AS day, r.currency::text AS currency, ${counts.map((c) => `sum(r.${c})::int AS ${c}`).join(', ')},
          sum(r.revenue)::bigint AS revenue, sum(r.cost)::bigint AS cost, sum(r.revenue_reversed)::bigint AS revenue_reversed, sum(r.cost_reversed)::bigint AS cost_reversed
     FROM ${table} r ${group.includes('st.') ? 'JOIN storefronts st ON st.id = r.storefront_id' : ''}
    WHERE r.merchant_id = ? AND r.day BETWEEN ? AND ?
    GROUP BY ${group}, ${day === "''" ? 'r.currency' : 'r.day, r.currency'}`;

const ORDER_COUNTS = ['orders_accepted', 'orders_held', 'orders_rejected', 'orders_delivered', 'orders_failed', 'orders_cancelled', 'orders_refunded'];

const SPECS: Record<ReportName, ReportSpec> = {
  'profit-by-sku': {
    dims: ['sku', 'product'],
    counts: ['units_delivered', 'units_refunded'],
    money: SKU_MONEY,
    sql: skuSql('s.code AS sku, s.name AS product', 'JOIN skus s ON s.id = r.sku_id', 's.code, s.name'),
    derive: profit,
    sort: then(byNumberDesc('profit'), byText('sku')),
  },
  'profit-by-supplier': {
    // Goods that came from no supplier (codes imported with none named, hand fulfilment): supplier ''.
    dims: ['supplier'],
    counts: ['units_delivered', 'units_refunded'],
    money: SKU_MONEY,
    sql: skuSql("COALESCE(p.name, '') AS supplier", 'LEFT JOIN suppliers p ON p.id = r.supplier_id', 'p.name'),
    derive: profit,
    sort: then(byNumberDesc('profit'), byText('supplier')),
  },
  'profit-by-channel': {
    dims: ['storefront', 'channel'],
    counts: ['orders_delivered', 'units_delivered'],
    money: CHANNEL_MONEY,
    sql: channelSql('st.name AS storefront, r.channel', 'st.name, r.channel', ['orders_delivered', 'units_delivered']),
    derive: profit,
    sort: then(byNumberDesc('profit'), byText('storefront'), byText('channel')),
  },
  'profit-by-day': {
    dims: ['date'],
    counts: ['orders_accepted', 'orders_delivered'],
    money: CHANNEL_MONEY,
    sql: channelSql('r.day::text AS date', 'r.day', ['orders_accepted', 'orders_delivered'], 'report_hours'),
    derive: profit,
    sort: byText('date'),
  },
  'sales-by-hour': {
    dims: ['hour'],
    counts: ['orders_accepted', 'orders_delivered', 'units_delivered'],
    money: CHANNEL_MONEY,
    sql: channelSql('r.hour::int AS hour', 'r.hour', ['orders_accepted', 'orders_delivered', 'units_delivered'], 'report_hours'),
    derive: profit,
    sort: (a, b) => n(a.hour) - n(b.hour),
  },
  'sales-by-weekday': {
    // ISO weekday of the merchant's day: 1 Monday … 7 Sunday.
    dims: ['weekday'],
    counts: ['orders_accepted', 'orders_delivered', 'units_delivered'],
    money: CHANNEL_MONEY,
    sql: channelSql('extract(isodow FROM r.day)::int AS weekday', 'extract(isodow FROM r.day)', ['orders_accepted', 'orders_delivered', 'units_delivered'], 'report_hours'),
    derive: profit,
    sort: (a, b) => n(a.weekday) - n(b.weekday),
  },
  'orders-by-channel': {
    // What a fulfilment system sees of conversion: of the orders asked for (accepted, or answered
    // sold out: those are not orders and were counted as answered), the share accepted and sold
    // out; of the accepted ones, the share held for review, rejected by the risk check, delivered
    // and refunded in full.
    dims: ['channel', 'campaign'],
    counts: [...ORDER_COUNTS, 'sold_out'],
    money: [],
    bindings: 2,
    sql: () =>
      `SELECT r.channel, r.campaign, '' AS day, NULL AS currency, ${ORDER_COUNTS.map((c) => `sum(r.${c})::int AS ${c}`).join(', ')}, 0 AS sold_out
         FROM report_channel_days r WHERE r.merchant_id = ? AND r.day BETWEEN ? AND ? GROUP BY r.channel, r.campaign
       UNION ALL
       SELECT r.channel, r.campaign, '', NULL, ${ORDER_COUNTS.map(() => '0').join(', ')}, sum(r.answers)::int
         FROM report_sold_out r WHERE r.merchant_id = ? AND r.day BETWEEN ? AND ? GROUP BY r.channel, r.campaign`,
    derive: (r) => {
      const accepted = n(r.orders_accepted);
      const asked = accepted + n(r.sold_out);
      return {
        share_accepted: percent(accepted, asked),
        share_sold_out: percent(n(r.sold_out), asked),
        share_held: percent(n(r.orders_held), accepted),
        share_rejected: percent(n(r.orders_rejected), accepted),
        share_delivered: percent(n(r.orders_delivered), accepted),
        share_refunded: percent(n(r.orders_refunded), accepted),
      };
    },
    sort: then(byNumberDesc('orders_accepted'), byText('channel'), byText('campaign')),
  },
  'refunds-by-reason': {
    // Counted on the day of the refund (every other figure counts on its order's day).
    dims: ['reason'],
    counts: ['refunds'],
    money: ['amount'],
    sql: (day) =>
      `SELECT r.reason, ${day} AS day, r.currency::text AS currency, sum(r.refunds)::int AS refunds, sum(r.amount)::bigint AS amount
         FROM report_refund_reasons r WHERE r.merchant_id = ? AND r.day BETWEEN ? AND ?
        GROUP BY r.reason, ${day === "''" ? 'r.currency' : 'r.day, r.currency'}`,
    sort: then(byNumberDesc('refunds'), byText('reason')),
  },
  stock: {
    // Imported stock per SKU: units sold (delivered less refunded) in the range, the stock on hand
    // now, the days it lasts at the range's daily rate, and turnover = units sold ÷ stock on hand.
    dims: ['sku', 'product'],
    counts: ['stock_available', 'units_sold'],
    money: [],
    sql: () =>
      `SELECT s.code AS sku, s.name AS product, '' AS day, NULL AS currency, s.stock_available::int AS stock_available, COALESCE(sold.units, 0)::int AS units_sold
         FROM skus s
         LEFT JOIN (SELECT r.sku_id, sum(r.units_delivered - r.units_refunded) AS units FROM report_sku_days r
                     WHERE r.merchant_id = ? AND r.day BETWEEN ? AND ? GROUP BY r.sku_id) sold ON sold.sku_id = s.id
        WHERE s.fulfilment_mode = 'stock' AND s.merchant_id = ?`,
    derive: (r, { days }) => {
      const perDay = n(r.units_sold) / days;
      return {
        units_per_day: Math.round(perDay * 100) / 100,
        days_left: perDay > 0 ? Math.round((n(r.stock_available) / perDay) * 10) / 10 : null,
        turnover: n(r.stock_available) > 0 ? Math.round((n(r.units_sold) / n(r.stock_available)) * 100) / 100 : null,
      };
    },
    sort: then((a, b) => n(a.days_left ?? Infinity) - n(b.days_left ?? Infinity), byText('sku')),
  },
};

/** The columns of a report's rows, in order (the export's columns too). */
export function reportColumns(name: ReportName): { key: string; kind: 'dim' | 'count' | 'money' | 'derived' | 'currency' }[] {
  const spec = SPECS[name];
  const derived = spec.derive ? Object.keys(spec.derive(Object.fromEntries([...spec.counts, ...spec.money].map((k) => [k, 0])), { days: 1 })) : [];
  return [
    ...spec.dims.map((key) => ({ key, kind: 'dim' as const })),
    ...(spec.money.length ? [{ key: 'currency', kind: 'currency' as const }] : []),
    ...spec.counts.map((key) => ({ key, kind: 'count' as const })),
    ...spec.money.map((key) => ({ key, kind: 'money' as const })),
    ...derived.filter((key) => key !== 'profit').map((key) => ({ key, kind: 'derived' as const })),
    ...(derived.includes('profit') ? [{ key: 'profit', kind: 'money' as const }] : []),
  ];
}

export interface ReportPeriod {
  from: string;
  to: string;
  rows: ReportRow[];
  /** Every count and amount added up per currency (one entry without currency for count-only reports). */
  totals: ReportRow[];
}

export interface ReportAnswer extends ReportPeriod {
  report: ReportName;
  timeZone: string;
  /** The currency amounts were converted into; null when each stays in its own. */
  convertedTo: string | null;
  /** The rate used for each day and currency converted. */
  ratesUsed: RateUsed[];
  /** Days and currencies no rate was entered for (their amounts stay in their own currency). */
  missingRates: { currency: string; day: string }[];
  previous?: ReportPeriod;
  columns: ReturnType<typeof reportColumns>;
}

const dayMs = 86_400_000;
const addDays = (day: string, d: number) => new Date(Date.parse(`${day}T00:00:00Z`) + d * dayMs).toISOString().slice(0, 10);
const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / dayMs) + 1;

export async function runReport(db: Knex, merchantId: string, name: ReportName, opts: { from?: string; to?: string; compare?: boolean; convert?: boolean }): Promise<ReportAnswer> {
  const {
    rows: [m],
  } = await db.raw(
    `SELECT COALESCE(time_zone, 'UTC') AS tz, reporting_currency::text AS reporting_currency, (now() AT TIME ZONE COALESCE(time_zone, 'UTC'))::date::text AS today FROM merchants WHERE id = ?`,
    [merchantId],
  );
  const to = opts.to ?? m.today;
  const from = opts.from ?? addDays(to, -29);
  const days = daysBetween(from, to);
  if (days < 1) throw invalidInput('validation_failed', '`from` must not be after `to`', { from, to });
  if (days > MAX_REPORT_DAYS) throw invalidInput('report_range_too_long', `A report covers at most ${MAX_REPORT_DAYS} days`, { days, max: MAX_REPORT_DAYS });
  const convertTo: string | null = opts.convert ? m.reporting_currency : null;
  if (opts.convert && !convertTo) throw invalidInput('reporting_currency_unset', 'Choose a reporting currency before converting reports');

  const ratesUsed = new Map<string, RateUsed>();
  const missing = new Map<string, { currency: string; day: string }>();
  const period = async (f: string, t: string): Promise<ReportPeriod> => {
    const rows = await readPeriod(db, merchantId, name, f, t, convertTo, m.today, ratesUsed, missing);
    return { from: f, to: t, rows, totals: totalsOf(name, rows) };
  };
  const current = await period(from, to);
  const previous = opts.compare ? await period(addDays(from, -days), addDays(from, -1)) : undefined;
  return {
    report: name,
    timeZone: m.tz,
    convertedTo: convertTo,
    ...current,
    ...(previous ? { previous } : {}),
    ratesUsed: [...ratesUsed.values()].sort((a, b) => a.fromCurrency.localeCompare(b.fromCurrency) || a.day.localeCompare(b.day)),
    missingRates: [...missing.values()].sort((a, b) => a.currency.localeCompare(b.currency) || a.day.localeCompare(b.day)),
    columns: reportColumns(name),
  };
}

async function readPeriod(
  db: Knex,
  merchantId: string,
  name: ReportName,
  from: string,
  to: string,
  convertTo: string | null,
  today: string,
  ratesUsed: Map<string, RateUsed>,
  missing: Map<string, { currency: string; day: string }>,
): Promise<ReportRow[]> {
  const spec = SPECS[name];
  const converting = convertTo !== null && spec.money.length > 0;
  const bindings = name === 'stock' ? [merchantId, from, to, merchantId] : Array.from({ length: spec.bindings ?? 1 }, () => [merchantId, from, to]).flat();
  let rows: ReportRow[];
  if (!converting) rows = (await db.raw<{ rows: ReportRow[] }>(spec.sql("''"), bindings)).rows;
  else {
    // Which days of which other currencies the range holds, their rates (fixed for good on first
    // use), then the sums with each day's amounts converted in Postgres: numeric arithmetic,
    // rounded half away from zero per row and day, so a year is summed where the rows are.
    const perDay = spec.sql('r.day::text');
    const { rows: pairs } = await db.raw<{ rows: { currency: string; day: string }[] }>(
      `SELECT DISTINCT trim(currency) AS currency, day FROM (${perDay}) b WHERE trim(currency) <> ?`,
      [...bindings, convertTo],
    );
    const rates = await ratesFor(db, merchantId, convertTo, pairs, today);
    for (const p of pairs) {
      const rate = rates.get(rateKey(p.currency, p.day));
      if (rate) ratesUsed.set(rateKey(p.currency, p.day), rate);
      else missing.set(rateKey(p.currency, p.day), p);
    }
    const rateRows = [...rates.values()].map((r) => ({ currency: r.fromCurrency, day: r.day, rate: r.rate, shift: fractionDigits(convertTo) - fractionDigits(r.fromCurrency) }));
    const dims = spec.dims.map((d) => `b.${d}`).join(', ');
    rows = (
      await db.raw<{ rows: ReportRow[] }>(
        `SELECT ${dims}, CASE WHEN x.rate IS NULL THEN trim(b.currency) ELSE ? END AS currency,
                ${spec.counts.map((c) => `sum(b.${c})::bigint AS ${c}`).join(', ')},
                ${spec.money.map((k) => `sum(CASE WHEN x.rate IS NULL THEN b.${k} ELSE round(b.${k} * x.rate * power(10::numeric, x.shift)) END)::bigint AS ${k}`).join(', ')}
           FROM (${perDay}) b
           LEFT JOIN json_to_recordset(?::json) AS x(currency text, day text, rate numeric, shift int) ON x.currency = trim(b.currency) AND x.day = b.day
          GROUP BY ${dims}, ${spec.dims.length + 1}`,
        [convertTo, ...bindings, JSON.stringify(rateRows)],
      )
    ).rows;
  }
  const sums = new Map<string, ReportRow>();
  for (const raw of rows) {
    const currency = raw.currency === null ? null : String(raw.currency).trim();
    const key = JSON.stringify([...spec.dims.map((d) => raw[d]), currency]);
    const sum = sums.get(key) ?? { ...Object.fromEntries(spec.dims.map((d) => [d, raw[d]])), ...(spec.money.length ? { currency } : {}) };
    for (const c of spec.counts) sum[c] = n(sum[c]) + n(raw[c]);
    for (const k of spec.money) sum[k] = n(sum[k]) + n(raw[k]);
    sums.set(key, sum);
  }
  const days = daysBetween(from, to);
  return [...sums.values()].map((r) => ({ ...r, ...spec.derive?.(r, { days }) })).sort(spec.sort);
}

function totalsOf(name: ReportName, rows: ReportRow[]): ReportRow[] {
  const spec = SPECS[name];
  if (name === 'stock') return [];
  const byCurrency = new Map<string, ReportRow>();
  for (const r of rows) {
    const c = spec.money.length ? String(r.currency) : '';
    const t = byCurrency.get(c) ?? (spec.money.length ? { currency: c } : {});
    for (const k of [...spec.counts, ...spec.money]) t[k] = n(t[k]) + n(r[k]);
    byCurrency.set(c, t);
  }
  return [...byCurrency.values()].map((t) => ({ ...t, ...spec.derive?.(t, { days: 1 }) }));
}
