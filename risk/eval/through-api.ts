import crypto from 'node:crypto';
import type { Db } from '../../db';
import { createMerchant, createSku, type NewMerchant } from '../../db/seed';
import type { CodeVault } from '../../lib/code-vault';
import { importCodes } from '../../stock/import-codes';
import type { RiskAssessment } from '../assess-order';
import type { Dataset, SyntheticOrder } from './generate';
import type { Judged } from './replay';

// The evaluation days of a data set sent through the real storefront API of a fresh shop
// (default rules, no history: the cold shop every merchant starts as), at flash-sale
// concurrency, judged by the real workflows. The replay (replay.ts) judges one order after the
// other; here a burst's orders are accepted and judged side by side, as in production.
//
// Time: the API stamps every order with the real clock, and a week cannot be waited out. So the
// week is played an hour at a time: each simulated hour's orders are sent together (a card
// tester's or bot's burst arrives as one), and before the next hour everything this shop has
// stored (its orders' acceptance times, its velocity events) is moved back by the simulated
// time that passed, less the real time it took. Each window then holds what it would have. A
// buyer's account creation time is sent relative to the real clock the same way.

const HOUR = 3_600_000;

export interface ApiShop {
  merchant: NewMerchant;
}

/** A merchant with the data set's SKUs and enough codes for every evaluation order. */
export async function openEvaluationShop(db: Db, vault: CodeVault, dataset: Dataset): Promise<ApiShop> {
  const merchant = await createMerchant(db, vault, { name: 'Evaluation (cold shop)', ownerEmail: `eval-${crypto.randomUUID()}@example.com` });
  const wanted = new Map<string, number>();
  for (const o of evaluationOrders(dataset)) for (const i of o.items) wanted.set(i.sku, (wanted.get(i.sku) ?? 0) + i.quantity);
  for (const sku of dataset.skus) {
    await createSku(db, { merchantId: merchant.merchantId, code: sku.code, name: sku.code, faceValue: sku.price, price: sku.price, cost: Math.round(sku.price * 0.9) });
    const n = (wanted.get(sku.code) ?? 0) + 10;
    const content = Array.from({ length: n }, (_, i) => `EVAL-${sku.code}-${i}-${crypto.randomBytes(8).toString('hex')}`).join('\n');
    await importCodes(db, vault, { merchantId: merchant.merchantId, sku: sku.code, content, format: 'txt', source: 'evaluation', importedBy: 'risk-eval' });
  }
  return { merchant };
}

export const evaluationOrders = (dataset: Dataset) => dataset.orders.filter((o) => o.at >= dataset.evaluateFrom);

export async function playThroughApi(
  db: Db,
  apiUrl: string,
  shop: ApiShop,
  dataset: Dataset,
  opts: { concurrency: number; onHour?: (hour: string, orders: number) => void },
): Promise<Judged[]> {
  const hours = new Map<number, SyntheticOrder[]>();
  for (const o of evaluationOrders(dataset)) {
    const h = Math.floor(Date.parse(o.at) / HOUR);
    hours.set(h, [...(hours.get(h) ?? []), o]);
  }
  const ids = new Map<string, string>();
  let last: { simHour: number; real: number } | undefined;
  for (const [h, orders] of [...hours].sort((a, b) => a[0] - b[0])) {
    if (last) await moveBack(db, shop.merchant.merchantId, (h - last.simHour) * HOUR - (Date.now() - last.real));
    last = { simHour: h, real: Date.now() };
    opts.onHour?.(new Date(h * HOUR).toISOString().slice(0, 13), orders.length);
    const sent = await sendAtOnce(apiUrl, shop.merchant.apiKey, orders, opts.concurrency);
    for (const [ref, id] of sent) ids.set(ref, id);
    await untilJudged(db, [...sent.values()]);
  }
  const rows = await db('orders')
    .whereIn('id', [...ids.values()])
    .select('id', 'risk');
  const byId = new Map(rows.map((r) => [r.id, r.risk as RiskAssessment]));
  return evaluationOrders(dataset).map((o) => {
    const risk = byId.get(ids.get(o.ref)!);
    if (!risk) throw new Error(`order ${o.ref} was not judged`);
    return { ref: o.ref, label: o.label, decision: risk.decision, score: risk.score, reasons: risk.reasons };
  });
}

/** The hour's orders in simulated order, `concurrency` in flight; answers ref → order id. */
async function sendAtOnce(apiUrl: string, apiKey: string, orders: SyntheticOrder[], concurrency: number): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const realStart = Date.now();
  let next = 0;
  const lane = async () => {
    while (next < orders.length) {
      const o = orders[next++];
      // The account's age as of the moment the order is sent.
      const shift = realStart - Date.parse(o.at);
      const buyer = { ...o.buyer, ...(o.buyer.accountCreatedAt ? { accountCreatedAt: new Date(Date.parse(o.buyer.accountCreatedAt) + shift).toISOString() } : {}) };
      const res = await fetch(`${apiUrl}/v1/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ externalRef: o.ref, items: o.items, buyer }),
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await res.json()) as { id?: string; error?: unknown };
      if (res.status !== 202 || !body.id) throw new Error(`order ${o.ref} refused: ${res.status} ${JSON.stringify(body)}`);
      ids.set(o.ref, body.id);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, orders.length) }, lane));
  return ids;
}

async function untilJudged(db: Db, ids: string[], timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ n }] = await db('orders').whereIn('id', ids).whereNull('risk').count<{ n: number }[]>('* as n');
    if (Number(n) === 0) return;
    if (Date.now() > deadline) throw new Error(`${n} orders still unjudged after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Everything the risk check reads the time of, moved back: as if `ms` had passed. */
async function moveBack(db: Db, merchantId: string, ms: number) {
  const by = db.raw(`make_interval(secs => ?)`, [ms / 1000]);
  await db('orders')
    .where({ merchant_id: merchantId })
    .update({ created_at: db.raw(`created_at - ?`, [by]) });
  await db('risk_velocity_events')
    .where({ merchant_id: merchantId })
    .update({ at: db.raw(`at - ?`, [by]) });
}
