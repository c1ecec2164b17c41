import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { createApp } from '../api/app';
import { createDb, migrateToLatest, type Db } from '../db';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../db/embedded-postgres';
import { createMerchant, createSku, createStorefront } from '../db/seed';
import { CodeVault } from '../lib/code-vault';
import { loadConfig, securitySettings } from '../lib/config';
import { createLogger } from '../lib/logger';
import { OutboundHttp } from '../lib/outbound-http';
import { FulfilmentClient } from '../orders/fulfilment-client';
import { SupplierRegistry } from '../suppliers/registry';

// The console's reads for one merchant holding millions of orders (issue 13): a merchant with N
// orders spread over a year (several SKUs in every fulfilment mode, two currencies, three
// storefronts, buyers with emails and phones, a realistic mix of outcomes) is written with bulk
// SQL, then each read the console makes is timed through the real admin API (Express, auth,
// validation, JSON), warm: a few runs to warm up, then --runs timed ones, p50 and p99.
//
//   npm run bench:console-scale -- [--orders 10000000] [--runs 20] [--data-dir /tmp/cardflow-scale]
//
// With DATABASE_URL it uses that server (a database of its own is created in it); otherwise an
// embedded Postgres in --data-dir, kept between runs (the orders are written once per size).
// Orders are generated, not placed through the storefront API: writing ten million through
// Temporal would take days; only the rows the console reads are made (orders, their items,
// settlements and the daily rollups), with every index the migrations create.

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '10000000' },
    runs: { type: 'string', default: '20' },
    'data-dir': { type: 'string', default: path.join(os.tmpdir(), 'cardflow-console-scale') },
    // Chunks of a million written at once, each on its own connection: one INSERT … SELECT uses
    // one core, so two writers keep a 2-core machine busy.
    writers: { type: 'string', default: '2' },
  },
});
const N = Number(values.orders);
const RUNS = Number(values.runs);
const WRITERS = Math.max(1, Number(values.writers));
const log = createLogger('silent', 'bench');

const SKUS = [
  { code: 'GAME-100', name: 'Game card 100', currency: 'CNY', price: 9800, cost: 9200, mode: 'stock' },
  { code: 'VIDEO-VIP', name: 'Video membership, 1 month', currency: 'CNY', price: 2500, cost: 2100, mode: 'supplier' },
  { code: 'PHONE-50', name: 'Mobile top-up 50', currency: 'CNY', price: 4990, cost: 4900, mode: 'topup' },
  { code: 'COFFEE-L', name: 'Coffee e-voucher', currency: 'CNY', price: 3000, cost: 1800, mode: 'link' },
  { code: 'STEAM-20', name: 'Steam wallet 20', currency: 'USD', price: 2000, cost: 1850, mode: 'stock' },
  { code: 'GIFT-HAND', name: 'Gift card (by hand)', currency: 'USD', price: 5000, cost: 4500, mode: 'manual' },
] as const;

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

async function database(): Promise<{ url: string; adminUrl: string; embedded?: EmbeddedDatabase }> {
  if (process.env.DATABASE_URL) {
    const name = `cardflow_scale_${N}`;
    const admin = createDb(process.env.DATABASE_URL, 1);
    const exists = await admin('pg_database').where({ datname: name }).first();
    if (!exists) await admin.raw(`CREATE DATABASE ${name}`);
    await admin.destroy();
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${name}`;
    return { url: url.toString(), adminUrl: url.toString() };
  }
  const dataDir = path.resolve(values['data-dir']);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  fs.chmodSync(dataDir, 0o755); // the embedded Postgres may run as its own system user
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: await freePort(), database: `scale_${N}`, persistent: true });
  const admin = new URL(embedded.adminUrl);
  admin.pathname = `/scale_${N}`;
  return { url: embedded.url, adminUrl: admin.toString(), embedded };
}

/** The merchant, its storefronts and SKUs, and N orders; done once per database. */
async function populate(db: Db, adminDb: Db, vault: CodeVault): Promise<{ merchantId: string; adminToken: string }> {
  const done = await db('merchants')
    .where({ name: `Scale ${N}` })
    .first('id');
  if (done) {
    const tokenFile = await db.raw(`SELECT obj_description('merchants'::regclass) AS token`);
    return { merchantId: done.id, adminToken: tokenFile.rows[0].token };
  }
  const t0 = Date.now();
  const merchant = await createMerchant(db, vault, { name: `Scale ${N}`, ownerEmail: `owner-${crypto.randomBytes(4).toString('hex')}@example.com` });
  const storefronts = [merchant.storefrontId];
  for (const name of ['Mini-program', 'Marketplace']) storefronts.push((await createStorefront(db, vault, { merchantId: merchant.merchantId, name })).storefrontId);
  const skuIds: string[] = [];
  for (const s of SKUS) {
    skuIds.push(
      await createSku(db, {
        merchantId: merchant.merchantId,
        code: s.code,
        name: s.name,
        faceValue: s.price,
        price: s.price,
        cost: s.cost,
        currency: s.currency,
        fulfilmentMode: s.mode,
      }),
    );
  }

  // Written without the secondary indexes, which are built once at the end (as a restore does);
  // the primary and unique keys stay, and foreign keys are not re-checked row by row.
  const indexes = (
    await adminDb.raw(
      `SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.tablename IN ('orders', 'order_items', 'settlements')
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
    )
  ).rows as { indexname: string; indexdef: string }[];
  for (const i of indexes) await adminDb.raw(`DROP INDEX ${i.indexname}`);

  const skuTable = `(VALUES ${SKUS.map((s, k) => `(${k}, '${skuIds[k]}'::uuid, '${s.currency}', ${s.price}, ${s.cost}, '${s.mode}')`).join(', ')}) AS s(k, id, currency, price, cost, mode)`;
  const sfTable = `(VALUES ${storefronts.map((id, k) => `(${k}, '${id}'::uuid)`).join(', ')}) AS sf(k, id)`;
  // While loading, checkpoints are spaced out (the default 1 GB of WAL forces one every few
  // hundred thousand orders, each rewriting full pages); put back once the merchant is written.
  await adminDb.raw(`ALTER SYSTEM SET max_wal_size = '16GB'`);
  await adminDb.raw(`ALTER SYSTEM SET checkpoint_timeout = '30min'`);
  await adminDb.raw(`SELECT pg_reload_conf()`);
  const chunk = 1_000_000;
  const chunks: [number, number][] = [];
  for (let from = 1; from <= N; from += chunk) chunks.push([from, Math.min(N, from + chunk - 1)]);
  const writeChunk = async ([from, to]: [number, number]) => {
    const c0 = Date.now();
    await adminDb.transaction(async (trx) => {
      await trx.raw(`SET LOCAL session_replication_role = replica`);
      await trx.raw(`SET LOCAL synchronous_commit = off`);
      // g is the order's number; h a well-mixed hash of it that picks SKU, storefront, outcome and buyer.
      await trx.raw(
        `CREATE TEMP TABLE gen ON COMMIT DROP AS
         SELECT g, md5('order' || g)::uuid AS id, abs(hashint8(g)) AS h,
                now() - interval '365 days' * (1 - g::float8 / ?) - interval '1 second' * (hashint8(g * 3) % 60) AS at
           FROM generate_series(?::bigint, ?::bigint) AS g`,
        [N, from, to],
      );
      await trx.raw(
        `INSERT INTO orders (id, merchant_id, storefront_id, external_ref, request_hash, status, currency, total_amount, buyer, risk, reason, created_at, updated_at, delivered_at, accept_seq)
         SELECT gen.id, ?, sf.id, 'SO' || lpad(gen.g::text, 10, '0'), 'bench', st.status, s.currency, s.price,
                jsonb_strip_nulls(jsonb_build_object(
                  'email', 'buyer' || (gen.h / 7 % 400000) || '@mail' || (gen.h % 5) || '.example.com',
                  'phone', '+86139' || lpad((gen.h / 11 % 100000000)::text, 8, '0'),
                  'ip', '203.0.' || (gen.h / 13 % 256) || '.' || (gen.h / 17 % 256),
                  'accountId', CASE WHEN s.mode = 'topup' THEN 'acct-' || (gen.h / 19 % 300000) END)),
                '{"decision":"allow","score":3}'::jsonb,
                CASE st.status WHEN 'failed' THEN 'supplier_out_of_stock' WHEN 'refunded' THEN 'buyer asked' WHEN 'cancelled' THEN 'manual_fulfilment_deadline' END,
                gen.at, gen.at + interval '4 seconds', CASE WHEN st.status IN ('delivered', 'refunded') THEN gen.at + interval '3 seconds' END, gen.g
           FROM gen
           JOIN ${skuTable} ON s.k = gen.h % ${SKUS.length}
           JOIN ${sfTable} ON sf.k = (gen.h / 3) % ${storefronts.length}
           CROSS JOIN LATERAL (SELECT CASE WHEN gen.h / 23 % 1000 < 930 THEN 'delivered' WHEN gen.h / 23 % 1000 < 950 THEN 'failed'
                                           WHEN gen.h / 23 % 1000 < 970 THEN 'refunded' ELSE 'cancelled' END AS status) st`,
        [merchant.merchantId],
      );
      await trx.raw(
        `INSERT INTO order_items (id, order_id, sku_id, quantity, unit_price)
         SELECT md5('item' || gen.g)::uuid, gen.id, s.id, 1, s.price FROM gen JOIN ${skuTable} ON s.k = gen.h % ${SKUS.length}`,
      );
      await trx.raw(
        `INSERT INTO settlements (id, order_id, merchant_id, currency, revenue, cost, gross_profit, created_at)
         SELECT md5('settlement' || gen.g)::uuid, gen.id, ?, s.currency, s.price, s.cost, s.price - s.cost, gen.at + interval '5 seconds'
           FROM gen JOIN ${skuTable} ON s.k = gen.h % ${SKUS.length} WHERE gen.h / 23 % 1000 < 930`,
        [merchant.merchantId],
      );
    });
    console.error(`  orders ${from}–${to} written in ${((Date.now() - c0) / 1000).toFixed(0)} s`);
  };
  const w0 = Date.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      for (let next = chunks.shift(); next; next = chunks.shift()) await writeChunk(next);
    }),
  );
  console.error(`  ${N} orders written in ${((Date.now() - w0) / 1000).toFixed(0)} s by ${WRITERS} writers`);
  // Indexes built as many at once as there are writers, each sorting in memory where it fits.
  const i0 = Date.now();
  const pending = [...indexes];
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      for (let i = pending.shift(); i; i = pending.shift()) {
        const def = i.indexdef;
        await adminDb.transaction(async (trx) => {
          await trx.raw(`SET LOCAL maintenance_work_mem = '1GB'`);
          await trx.raw(def);
        });
      }
    }),
  );
  console.error(`  ${indexes.length} indexes built in ${((Date.now() - i0) / 1000).toFixed(0)} s`);

  // The rollups as the running system keeps them: one row per day, currency, SKU and mode.
  const day = `(o.created_at AT TIME ZONE 'UTC')::date`;
  await adminDb.raw(
    `INSERT INTO daily_order_totals (merchant_id, day, currency, orders_accepted, orders_delivered, orders_failed, orders_cancelled, revenue, cost)
     SELECT o.merchant_id, ${day}, o.currency, count(*), count(*) FILTER (WHERE o.status = 'delivered'), count(*) FILTER (WHERE o.status = 'failed'),
            count(*) FILTER (WHERE o.status = 'cancelled'), coalesce(sum(o.total_amount) FILTER (WHERE o.status = 'delivered'), 0),
            coalesce(sum(s.cost) FILTER (WHERE o.status = 'delivered'), 0)
       FROM orders o JOIN order_items i ON i.order_id = o.id JOIN skus s ON s.id = i.sku_id WHERE o.merchant_id = ?
      GROUP BY 1, 2, 3`,
    [merchant.merchantId],
  );
  await adminDb.raw(
    `INSERT INTO daily_sku_sales (merchant_id, day, currency, sku_id, fulfilment_mode, units_ordered, units_delivered, revenue, cost)
     SELECT o.merchant_id, ${day}, o.currency, s.id, s.fulfilment_mode, count(*), count(*) FILTER (WHERE o.status = 'delivered'),
            coalesce(sum(i.unit_price) FILTER (WHERE o.status = 'delivered'), 0), coalesce(sum(s.cost) FILTER (WHERE o.status = 'delivered'), 0)
       FROM orders o JOIN order_items i ON i.order_id = o.id JOIN skus s ON s.id = i.sku_id WHERE o.merchant_id = ?
      GROUP BY 1, 2, 3, 4, 5`,
    [merchant.merchantId],
  );
  await adminDb.raw('VACUUM ANALYZE orders');
  await adminDb.raw('VACUUM ANALYZE order_items');
  await adminDb.raw('ANALYZE');
  await adminDb.raw(`ALTER SYSTEM RESET max_wal_size`);
  await adminDb.raw(`ALTER SYSTEM RESET checkpoint_timeout`);
  await adminDb.raw(`SELECT pg_reload_conf()`);
  // The owner's token, for the next run over the same data.
  await adminDb.raw(`COMMENT ON TABLE merchants IS '${merchant.adminToken}'`);
  console.error(`  ${N} orders ready in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return { merchantId: merchant.merchantId, adminToken: merchant.adminToken };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

async function main() {
  const { url, adminUrl, embedded } = await database();
  const db = createDb(url, 10);
  const adminDb = createDb(adminUrl, WRITERS + 1);
  try {
    await migrateToLatest(db);
    const vault = new CodeVault({ encryptionKeys: [{ id: 'bench', key: crypto.randomBytes(32) }], fingerprintKey: crypto.randomBytes(32) });
    const { merchantId, adminToken } = await populate(db, adminDb, vault);

    // The real API; the order workflows it would start are not needed by the reads timed here.
    const outbound = new OutboundHttp({ allowPlainHttp: true, allowPrivateAddresses: true });
    const fulfilment = new FulfilmentClient(undefined as unknown as Client, 'unused', log);
    const app = createApp({
      db,
      vault,
      fulfilment,
      suppliers: new SupplierRegistry(db, vault, outbound),
      outbound,
      temporalReachable: async () => undefined,
      log,
      limits: { maxBodyBytes: 64 * 1024, maxImportBytes: 1024 * 1024, ratePerMinute: 1_000_000 },
      security: securitySettings(loadConfig({})),
    });
    const server = await new Promise<import('node:http').Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const get = async (p: string) => {
      const res = await fetch(`${base}${p}`, { headers: { authorization: `Bearer ${adminToken}` } });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`${p}: HTTP ${res.status} ${body}`);
      return { res, rows: JSON.parse(body) as unknown[] };
    };
    const list = (filter: object, extra = '') =>
      `/admin/orders?sort=${encodeURIComponent('["createdAt","DESC"]')}&range=${encodeURIComponent('[0,24]')}&filter=${encodeURIComponent(JSON.stringify(filter))}${extra}`;

    // A deep page reached by keyset: the cursor the page before row N/2 would have handed out.
    const middle = await db('orders')
      .where({ merchant_id: merchantId })
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .offset(Math.floor(N / 2))
      .first<{ at: string; id: string } | undefined>(db.raw(`to_json(created_at) #>> '{}' AS at`), db.raw('id::text AS id'));
    if (!middle) throw new Error('the merchant has no orders');
    const cursor = Buffer.from(JSON.stringify([middle.at, middle.id])).toString('base64url');
    const sample = await db('orders')
      .where({ merchant_id: merchantId })
      .orderBy('created_at', 'desc')
      .offset(Math.floor(N / 3))
      .first('external_ref', 'buyer', 'storefront_id');
    if (!sample) throw new Error('the merchant has no orders');
    const buyer = sample.buyer as { email: string; phone: string };
    const storefrontId = (await db('storefronts').where({ merchant_id: merchantId }).orderBy('name').first('id'))?.id;
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

    const reads: [string, string][] = [
      ['order list, first page (newest 25)', list({})],
      ['order list, page 400 (offset 9,975, the deepest by offset)', `/admin/orders?sort=${encodeURIComponent('["createdAt","DESC"]')}&range=${encodeURIComponent('[9975,9999]')}`],
      [
        `order list, page ${Math.floor(N / 50).toLocaleString('en')} by keyset cursor`,
        list({}, `&cursor=${cursor}`).replace(encodeURIComponent('[0,24]'), encodeURIComponent(`[${Math.floor(N / 2)},${Math.floor(N / 2) + 24}]`)),
      ],
      ['order list sorted by amount, first page', list({}).replace(encodeURIComponent('["createdAt","DESC"]'), encodeURIComponent('["totalAmount","DESC"]'))],
      ['filter: status failed', list({ status: ['failed'] })],
      ['filter: storefront', list({ storefrontId })],
      ['filter: SKU (STEAM-20)', list({ sku: 'STEAM-20' })],
      ['filter: created yesterday', list({ createdFrom: yesterday, createdTo: yesterday })],
      ['filter: buyer email (buyer filter)', list({ buyer: buyer.email })],
      ['filter: buyer phone (buyer filter)', list({ buyer: buyer.phone })],
      ['search q: buyer email', list({ q: buyer.email })],
      ['search q: reference', list({ q: sample.external_ref })],
      ['dashboard', '/admin/dashboard'],
    ];
    const table: string[] = [];
    for (const [name, p] of reads) {
      const times: number[] = [];
      let answer = await get(p);
      for (let i = 0; i < 3; i++) answer = await get(p); // warm
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        answer = await get(p);
        times.push(performance.now() - t0);
      }
      const range = answer.res.headers.get('content-range');
      const total = range ? (range.endsWith('/*') ? `≈${Number(answer.res.headers.get('x-total-estimate')).toLocaleString('en')} (estimate)` : range.split('/')[1]) : '—';
      const rows = Array.isArray(answer.rows) ? String(answer.rows.length) : '—';
      table.push(`| ${name} | ${pct(times, 50).toFixed(1)} | ${pct(times, 99).toFixed(1)} | ${rows} | ${total} |`);
      console.error(`  ${name}: p50 ${pct(times, 50).toFixed(1)} ms`);
    }
    server.close();
    console.log(`\nOne merchant with ${N.toLocaleString('en')} orders; ${RUNS} warm runs per read (after 4 to warm up), through the admin API on loopback.\n`);
    console.log('| read | p50 ms | p99 ms | rows | total |\n| --- | ---: | ---: | ---: | --- |');
    console.log(table.join('\n'));
  } finally {
    await db.destroy();
    await adminDb.destroy();
    await embedded?.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
