import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDb, migrateToLatest } from '../db';
import { startEmbeddedPostgres } from '../db/embedded-postgres';
import { createMerchant, createSku } from '../db/seed';
import { CodeVault } from '../lib/code-vault';
import type { Buyer } from '../orders/validators';
import { assessOrder } from '../risk/assess-order';
import { velocityEventRows, velocitySubquery } from '../risk/velocity';
import { DEFAULT_RULE_SET } from '../risk/rule-sets';
import { buyerKey, subjectKeys } from '../risk/signals';
import { generateDataset, prng } from '../risk/eval/generate';
import { loadHistory } from '../risk/eval/replay';
import { trainMerchantModel } from '../risk/model/train';

// The risk step under a flash sale: a month of history (orders and velocity events) behind a
// merchant, a trained model, the default rules, then N orders accepted within five minutes and
// all waiting for their risk check at once. Each check is timed as the worker's activity would
// be (pool waits included), at a few concurrency levels.
//
//   npm run bench:risk -- [--orders 10000] [--buyers 20000] [--concurrency 1,2,4,10,100] [--database-url ...]
//   [--explain]: before the first run's checks, the plan (EXPLAIN ANALYZE) of the velocity count
//   for an ordinary buyer's order and for the bot's, on this history

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '10000' },
    buyers: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '1,2,4,10,100' },
    pool: { type: 'string', default: '10' },
    'database-url': { type: 'string' },
    explain: { type: 'boolean', default: false },
  },
});

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

async function main() {
  let stopPg: (() => Promise<void>) | undefined;
  let url = values['database-url'];
  if (!url) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cardflow-risk-bench-'));
    fs.chmodSync(dir, 0o755);
    const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: 20000 + crypto.randomInt(20000), database: 'risk_bench', persistent: false });
    stopPg = async () => {
      await pg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    };
    url = pg.url;
  }
  const pool = Number(values.pool);
  const db = createDb(url, pool);
  try {
    await migrateToLatest(db);
    const vault = new CodeVault({ encryptionKeys: [{ id: 'bench', key: crypto.randomBytes(32) }], fingerprintKey: crypto.randomBytes(32) });
    const dataset = generateDataset({ seed: 1, buyers: Number(values.buyers), historyDays: 30, evaluationDays: 1 });
    const merchant = await createMerchant(db, vault, { name: 'Bench', ownerEmail: `bench-${crypto.randomUUID()}@example.com` });
    const skuIds = new Map<string, { id: string; price: number }>();
    for (const sku of dataset.skus)
      skuIds.set(sku.code, {
        id: await createSku(db, { merchantId: merchant.merchantId, code: sku.code, name: sku.code, faceValue: sku.price, price: sku.price, cost: sku.price }),
        price: sku.price,
      });
    const shop = { merchantId: merchant.merchantId, storefrontId: merchant.storefrontId, skuIds };

    const saleStart = Date.parse(dataset.evaluateFrom);
    const history = dataset.orders.filter((o) => Date.parse(o.at) < saleStart);
    let t = Date.now();
    await loadHistory(db, shop, history);
    await trainMerchantModel(db, merchant.merchantId, new Date(saleStart));
    await db.raw('VACUUM ANALYZE');
    const [{ events }] = (await db.raw('SELECT count(*)::int AS events FROM risk_velocity_events')).rows;
    console.log(`history: ${history.length} delivered orders, ${events} velocity events, model trained (${((Date.now() - t) / 1000).toFixed(0)} s)`);

    const r = prng(2);
    const n = Number(values.orders);
    const levels = values.concurrency.split(',').map(Number);
    console.log(`\n${n} orders accepted within 5 minutes and waiting, per run; default rules + model; pool ${pool} connections\n`);
    console.log('| concurrent checks | p50 ms | p95 ms | p99 ms | max ms | checks/s |\n| --- | --- | --- | --- | --- | --- |');
    for (const [run, concurrency] of levels.entries()) {
      // The flash sale: existing buyers plus some guests, one bot hammering from one address.
      const ids: string[] = [];
      const rows = [];
      const items = [];
      for (let i = 0; i < n; i++) {
        const id = crypto.randomUUID();
        const base = history[Math.floor(r.next() * history.length)].buyer;
        const buyer = r.chance(0.03)
          ? { ip: '198.51.100.66', deviceId: 'dev-bot', email: `bot${i}@mailinator.com` }
          : r.chance(0.1)
            ? { email: `guest${run}-${i}@example.com`, ip: `100.${r.int(64, 127)}.${r.int(0, 255)}.${r.int(1, 254)}` }
            : base;
        const sku = r.pick(dataset.skus);
        ids.push(id);
        // Each run two days after the last, so no velocity window reaches the previous run's sale.
        const at = new Date(saleStart + run * 2 * 86_400_000 + Math.floor((i * 300_000) / n));
        rows.push({
          id,
          merchant_id: shop.merchantId,
          storefront_id: shop.storefrontId,
          external_ref: `flash-${run}-${i}`,
          request_hash: 'bench',
          status: 'accepted' as const,
          currency: 'CNY',
          total_amount: sku.price,
          buyer: JSON.stringify(buyer),
          created_at: at,
          updated_at: at,
        });
        items.push({ id: crypto.randomUUID(), order_id: id, sku_id: skuIds.get(sku.code)!.id, quantity: 1, unit_price: sku.price });
      }
      // Accepted as the API accepts them: each with its velocity events, numbered in order.
      for (let i = 0; i < rows.length; i += 1000) {
        const written = await db('orders')
          .insert(rows.slice(i, i + 1000))
          .returning(['id', 'merchant_id', 'created_at', 'total_amount', 'accept_seq', 'buyer']);
        await db.batchInsert(
          'risk_velocity_events',
          written.flatMap((w) => velocityEventRows(w, w.buyer as Buyer)),
          1000,
        );
      }
      await db.batchInsert('order_items', items, 1000);
      if (values.explain && run === 0) {
        await db.raw('ANALYZE');
        const bot = rows.findIndex((o) => JSON.parse(o.buyer).deviceId === 'dev-bot');
        for (const [who, i] of [
          ['an ordinary buyer', rows.findIndex((o) => !JSON.parse(o.buyer).email?.startsWith('guest'))],
          ['the bot', bot],
        ] as const) {
          if (i < 0) continue;
          console.log(`\nthe velocity count of ${who}'s order (${rows[i].buyer}):\n${await explainVelocity(db, ids[i])}`);
        }
      }

      const latencies: number[] = [];
      const decisions: Record<string, number> = {};
      let next = 0;
      t = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < ids.length) {
            const id = ids[next++];
            const t0 = performance.now();
            const verdict = await assessOrder(db, id);
            latencies.push(performance.now() - t0);
            decisions[verdict.decision] = (decisions[verdict.decision] ?? 0) + 1;
          }
        }),
      );
      const seconds = (performance.now() - t) / 1000;
      const f = (x: number) => x.toFixed(1);
      console.log(
        `| ${concurrency} | ${f(pct(latencies, 50))} | ${f(pct(latencies, 95))} | ${f(pct(latencies, 99))} | ${f(Math.max(...latencies))} | ${(n / seconds).toFixed(0)} |`,
      );
      console.error(`   decisions: ${JSON.stringify(decisions)}`);
    }
  } finally {
    await db.destroy();
    await stopPg?.();
  }
}

/** EXPLAIN (ANALYZE, BUFFERS) of the velocity subquery the risk check sends for this order, as assessOrder builds it. */
async function explainVelocity(db: ReturnType<typeof createDb>, orderId: string): Promise<string> {
  const order = await db('orders').where({ id: orderId }).first('merchant_id', 'created_at', 'accept_seq', 'buyer');
  if (!order) throw new Error(`order ${orderId} not found`);
  const buyer = order.buyer as Buyer;
  const rules = DEFAULT_RULE_SET.rules.filter((r) => r.enabled);
  const query = { subjects: subjectKeys(buyer), windows: rules.flatMap((r) => (r.kind === 'velocity' ? [r.params.windowSeconds] : [])) };
  const own = { buyerKey: buyerKey(buyer), payment: buyer.paymentFingerprint, cardBin: buyer.cardBin };
  const sub = velocitySubquery(db, order.merchant_id, { at: order.created_at, acceptSeq: order.accept_seq }, query, own);
  if (!sub) return '(no subjects)';
  const { sql, bindings } = sub.toSQL();
  const { rows } = await db.raw(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, bindings);
  return rows.map((r: { 'QUERY PLAN': string }) => `  ${r['QUERY PLAN']}`).join('\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
