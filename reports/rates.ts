import type { Knex } from 'knex';
import type { ReportingRateRow } from '../db/tables';
import { recordAudit } from '../lib/audit';
import { invalidInput } from '../lib/errors';

// The merchant's reporting currency and the rates they enter for it (docs/MONEY.md "Reports").
// Amounts are kept and rolled up in their own currency; a report that converts takes, for each
// day and currency, the latest rate the merchant entered for that day or the nearest day before
// it. The first time a day that has ended is converted, the rate is written down
// (reporting_rates_used) and every later report uses that same rate, even when a rate is entered
// or corrected afterwards: a figure once reported is never worked out again. Today's rate is not
// written down until the day is over (a rate entered later today still counts).

type Q = Knex | Knex.Transaction;

/** A rate as the merchant types it: a positive decimal with at most 10 places. */
export const RATE_PATTERN = /^(?:0|[1-9]\d{0,13})(?:\.\d{1,10})?$/;

export async function setReportingCurrency(db: Knex, merchantId: string, currency: string | null, actor: string): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('merchants').where({ id: merchantId }).update({ reporting_currency: currency });
    await recordAudit(trx, { merchantId, actor, action: 'reporting.currency_set', target: `merchant:${merchantId}`, detail: { currency } });
  });
}

export async function enterRate(
  db: Knex,
  merchantId: string,
  r: { day: string; fromCurrency: string; toCurrency: string; rate: string },
  actor: string,
): Promise<ReportingRateRow> {
  if (r.fromCurrency === r.toCurrency) {
    throw invalidInput('reporting_rate_same_currency', 'A rate converts one currency into another', { currency: r.fromCurrency });
  }
  return db.transaction(async (trx) => {
    const [row] = await trx('reporting_rates')
      .insert({ merchant_id: merchantId, day: r.day, from_currency: r.fromCurrency, to_currency: r.toCurrency, rate: r.rate, entered_by: actor })
      .returning('*');
    await recordAudit(trx, { merchantId, actor, action: 'reporting.rate_entered', target: `reporting_rate:${row.id}`, detail: { ...r } });
    return row;
  });
}

/** The merchant's rates, newest day first (what the console's rates table shows). */
export async function listRates(db: Q, merchantId: string) {
  const { rows } = await db.raw(
    `SELECT id, day::text AS day, from_currency, to_currency, rate::text AS rate, entered_by, created_at FROM reporting_rates
      WHERE merchant_id = ? ORDER BY day DESC, created_at DESC LIMIT 500`,
    [merchantId],
  );
  return rows as (Omit<ReportingRateRow, 'merchant_id'> & { day: string })[];
}

/** A rate a report used for one day of one currency. */
export interface RateUsed {
  day: string;
  fromCurrency: string;
  toCurrency: string;
  rate: string;
  rateId: string;
  /** When it was written down for good; null for today's, not written down yet. */
  fixedAt: string | null;
}

/**
 * The rate for each (currency, day) asked, into `to`; days before `today` get theirs written down
 * on first use. Pairs with no rate on or before their day are missing from the answer.
 */
export async function ratesFor(db: Knex, merchantId: string, to: string, wanted: { currency: string; day: string }[], today: string): Promise<Map<string, RateUsed>> {
  const out = new Map<string, RateUsed>();
  const pairs = [...new Map(wanted.filter((w) => w.currency !== to).map((w) => [key(w.currency, w.day), w])).values()];
  if (pairs.length === 0) return out;
  const currencies = [...new Set(pairs.map((p) => p.currency))];
  const days = pairs.map((p) => p.day).sort();
  const [first, last] = [days[0], days[days.length - 1]];

  const fixedRows = async () =>
    (
      await db.raw(
        `SELECT day::text AS day, from_currency, rate::text AS rate, rate_id, used_at FROM reporting_rates_used
          WHERE merchant_id = ? AND to_currency = ? AND from_currency = ANY(?) AND day BETWEEN ? AND ?`,
        [merchantId, to, currencies, first, last],
      )
    ).rows as { day: string; from_currency: string; rate: string; rate_id: string; used_at: Date }[];
  const remember = (rows: Awaited<ReturnType<typeof fixedRows>>) => {
    for (const f of rows)
      out.set(key(f.from_currency, f.day), { day: f.day, fromCurrency: f.from_currency, toCurrency: to, rate: f.rate, rateId: f.rate_id, fixedAt: f.used_at.toISOString() });
  };
  remember(await fixedRows());
  const open = pairs.filter((p) => !out.has(key(p.currency, p.day)));
  if (open.length === 0) return out;

  // Every rate the merchant entered up to the last day asked, per currency by day (latest entry of a day wins).
  const entered = (
    await db.raw(
      `SELECT DISTINCT ON (from_currency, day) id, from_currency, day::text AS day, rate::text AS rate FROM reporting_rates
        WHERE merchant_id = ? AND to_currency = ? AND from_currency = ANY(?) AND day <= ?
        ORDER BY from_currency, day, created_at DESC, id`,
      [merchantId, to, currencies, last],
    )
  ).rows as { id: string; from_currency: string; day: string; rate: string }[];
  const byCurrency = new Map<string, typeof entered>();
  for (const e of entered) byCurrency.set(e.from_currency, [...(byCurrency.get(e.from_currency) ?? []), e]);
  const toFix: { currency: string; day: string; rate: string; rateId: string }[] = [];
  for (const p of open) {
    const candidates = byCurrency.get(p.currency) ?? [];
    let found: (typeof entered)[number] | undefined;
    for (const c of candidates) if (c.day <= p.day) found = c;
    if (!found) continue;
    if (p.day < today) toFix.push({ currency: p.currency, day: p.day, rate: found.rate, rateId: found.id });
    else out.set(key(p.currency, p.day), { day: p.day, fromCurrency: p.currency, toCurrency: to, rate: found.rate, rateId: found.id, fixedAt: null });
  }
  if (toFix.length) {
    // Another report may fix the same day at the same moment: the first one written stands, and is read back.
    await db.raw(
      `INSERT INTO reporting_rates_used (merchant_id, day, from_currency, to_currency, rate, rate_id)
       SELECT ?, t.day, t.currency, ?, t.rate, t.rate_id FROM json_to_recordset(?::json) AS t(day date, currency char(3), rate numeric, rate_id uuid)
       ON CONFLICT DO NOTHING`,
      [merchantId, to, JSON.stringify(toFix.map((t) => ({ day: t.day, currency: t.currency, rate: t.rate, rate_id: t.rateId })))],
    );
    remember(await fixedRows());
  }
  return out;
}

const key = (currency: string, day: string) => `${currency}|${day}`;
export const rateKey = key;
