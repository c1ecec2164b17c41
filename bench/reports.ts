import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDb, migrateToLatest } from '../db';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../db/embedded-postgres';
import { createMerchant, createStorefront } from '../db/seed';
import { CodeVault } from '../lib/code-vault';
import { REPORTS, runReport } from '../reports/reports';

// A year of reports for a merchant doing ten million orders a year (issue 14): the report
// rollups (reports/rollup.ts) are filled with a year of rows as such a merchant makes them —
// 365 days, two currencies, 4 storefronts × 3 channels × 4 campaigns (every combination every
// day), every hour of every day, 60 SKUs from 2
// suppliers each per day, 10 refund reasons, sold-out answers in one hour of ten — and every
// report is run over the whole year, in each currency and converted into the reporting currency
// at a rate per day (the first converted run writes the rates down; the timed runs read them).
//
//   npm run bench:reports -- [--runs 10] [--combos 48]
//
// With DATABASE_URL it uses that server (a database of its own is created in it); otherwise an
// embedded Postgres in a temporary directory. The rows are generated, not made by orders: the
// report reads only the rollups, whose size is what this measures.

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, combos: { type: 'string', default: '48' } } });
const RUNS = Number(values.runs);
const COMBOS = Number(values.combos);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function database(): Promise<{ url: string; embedded?: EmbeddedDatabase; dir?: string }> {
  const name = `cardflow_reports_${crypto.randomBytes(3).toString('hex')}`;
  if (process.env.DATABASE_URL) {
    const admin = createDb(process.env.DATABASE_URL, 1);
    await admin.raw(`CREATE DATABASE ${name}`);
    await admin.destroy();
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${name}`;
    return { url: url.toString() };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cardflow-reports-'));
  fs.chmodSync(dir, 0o755); // the embedded Postgres may run as its own system user
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port: await freePort(), database: name, persistent: false });
  return { url: embedded.url, embedded, dir };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function main() {
  const { url, embedded, dir } = await database();
  const db = createDb(url, 4);
  try {
    await migrateToLatest(db);
    const vault = new CodeVault({ encryptionKeys: [{ id: 'bench', key: crypto.randomBytes(32) }], fingerprintKey: crypto.randomBytes(32) });
    const merchant = await createMerchant(db, vault, { name: 'Reports bench', ownerEmail: `owner-${crypto.randomBytes(4).toString('hex')}@example.com` });
    const m = merchant.merchantId;
    await db('merchants').where({ id: m }).update({ time_zone: 'Asia/Shanghai', reporting_currency: 'CNY' });
    for (let i = 0; i < 3; i++) await createStorefront(db, vault, { merchantId: m, name: `Shop ${i}` });
    const t0 = Date.now();
    await db.raw(`INSERT INTO suppliers (id, merchant_id, name, kind) SELECT gen_random_uuid(), ?, 'Supplier ' || g, 'manual' FROM generate_series(1, 8) g`, [m]);
    await db.raw(
      `INSERT INTO skus (id, merchant_id, code, name, currency, face_value, price, cost, fulfilment_mode, stock_available)
       SELECT gen_random_uuid(), ?, 'SKU-' || g, 'Product ' || g, CASE WHEN g % 3 = 0 THEN 'USD' ELSE 'CNY' END, 1000, 1000, 800, 'stock', 500 + g
         FROM generate_series(1, 60) g`,
      [m],
    );
    // The channel rollup: every day of the year, both currencies, COMBOS storefront × channel × campaign keys;
    // the hour rollup: every hour of every day, both currencies (1,150 orders an hour).
    await db.raw(
      `WITH sf AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM storefronts WHERE merchant_id = :m),
            keys AS (SELECT sf.id AS storefront_id, 'channel-' || (k % 3) AS channel, 'campaign-' || (k % 4) AS campaign
                       FROM generate_series(0, :combos - 1) k JOIN sf ON sf.n = (k / 12) % 4 + 1)
       INSERT INTO report_channel_days (merchant_id, day, currency, storefront_id, channel, campaign, orders_accepted, orders_held, orders_rejected,
                                        orders_delivered, orders_failed, orders_cancelled, orders_refunded, units_delivered, revenue, cost, revenue_reversed, cost_reversed)
       SELECT :m, d::date, c, keys.storefront_id, keys.channel, keys.campaign, 288, 24, 0, 264, 0, 24, 0, 288, 2880000, 2304000, 0, 0
         FROM generate_series(current_date - 364, current_date, interval '1 day') d
        CROSS JOIN (VALUES ('CNY'), ('USD')) cur(c)
        CROSS JOIN keys
       ON CONFLICT DO NOTHING`,
      { m, combos: COMBOS },
    );
    await db.raw(
      `INSERT INTO report_hours (merchant_id, day, hour, currency, orders_accepted, orders_held, orders_rejected,
                                 orders_delivered, orders_failed, orders_cancelled, orders_refunded, units_delivered, revenue, cost, revenue_reversed, cost_reversed)
       SELECT :m, d::date, h, c, 576, 48, 0, 528, 0, 48, 0, 576, 5760000, 4608000, 0, 0
         FROM generate_series(current_date - 364, current_date, interval '1 day') d
        CROSS JOIN generate_series(0, 23) h
        CROSS JOIN (VALUES ('CNY'), ('USD')) cur(c)`,
      { m },
    );
    await db.raw(
      `INSERT INTO report_sku_days (merchant_id, day, currency, sku_id, supplier_id, units_delivered, revenue, cost, units_refunded, revenue_reversed)
       SELECT :m, d::date, s.currency, s.id, p.id, 200, 200000, 160000, 2, 2000
         FROM generate_series(current_date - 364, current_date, interval '1 day') d
        CROSS JOIN skus s
        CROSS JOIN LATERAL (SELECT id FROM suppliers WHERE merchant_id = :m ORDER BY md5(id::text || s.id::text) LIMIT 2) p
        WHERE s.merchant_id = :m`,
      { m },
    );
    await db.raw(
      `INSERT INTO report_refund_reasons (merchant_id, day, currency, reason, refunds, amount)
       SELECT :m, d::date, c, 'reason ' || r, 3, 3000
         FROM generate_series(current_date - 364, current_date, interval '1 day') d CROSS JOIN generate_series(1, 10) r CROSS JOIN (VALUES ('CNY'), ('USD')) cur(c)`,
      { m },
    );
    await db.raw(
      `INSERT INTO report_sold_out (merchant_id, day, hour, storefront_id, channel, campaign, answers, units)
       SELECT :m, d::date, h, st.id, 'channel-0', 'campaign-0', 500, 500
         FROM generate_series(current_date - 364, current_date, interval '1 day') d CROSS JOIN generate_series(0, 23) h CROSS JOIN storefronts st
        WHERE st.merchant_id = :m AND (extract(doy FROM d)::int + h) % 10 = 0`,
      { m },
    );
    await db.raw(
      `INSERT INTO reporting_rates (merchant_id, day, from_currency, to_currency, rate, entered_by)
       SELECT :m, d::date, 'USD', 'CNY', 7.1 + (extract(doy FROM d) / 1000.0), 'bench' FROM generate_series(current_date - 364, current_date, interval '1 day') d`,
      { m },
    );
    await db.raw('ANALYZE');
    const counts = await db.raw(
      `SELECT (SELECT count(*) FROM report_channel_days) AS channel_days, (SELECT count(*) FROM report_hours) AS hours, (SELECT count(*) FROM report_sku_days) AS sku_days,
              (SELECT count(*) FROM report_refund_reasons) AS refund_reasons, (SELECT count(*) FROM report_sold_out) AS sold_out,
              (SELECT sum(orders_accepted) FROM report_channel_days) AS orders`,
    );
    console.log(`rollups written in ${((Date.now() - t0) / 1000).toFixed(1)} s:`, counts.rows[0]);

    const { rows: clock } = await db.raw(`SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date::text AS today`);
    const to = clock[0].today as string;
    const from = new Date(Date.parse(`${to}T00:00:00Z`) - 364 * 86_400_000).toISOString().slice(0, 10);
    console.log(`\nreport over ${from} … ${to} (365 days), ${RUNS} timed runs after 2 warm-up runs, ms`);
    console.log('report                 | mode               | rows | p50    | p99    | max');
    for (const name of REPORTS) {
      for (const mode of ['own currency', 'converted to CNY', 'with previous year'] as const) {
        const opts = { from, to, convert: mode === 'converted to CNY', compare: mode === 'with previous year' };
        let rows = 0;
        for (let i = 0; i < 2; i++) rows = (await runReport(db, m, name, opts)).rows.length;
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const t = process.hrtime.bigint();
          await runReport(db, m, name, opts);
          times.push(Number(process.hrtime.bigint() - t) / 1e6);
        }
        times.sort((a, b) => a - b);
        console.log(
          `${name.padEnd(22)} | ${mode.padEnd(18)} | ${String(rows).padStart(4)} | ${pct(times, 50).toFixed(1).padStart(6)} | ${pct(times, 99).toFixed(1).padStart(6)} | ${times[times.length - 1].toFixed(1).padStart(6)}`,
        );
      }
    }
  } finally {
    await db.destroy();
    await embedded?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
