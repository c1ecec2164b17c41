import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startDujiaoCallbackSweep } from '../interop/dujiao-next/callbacks';
import { issueDujiaoKey } from '../interop/dujiao-next/keys';
import { signDujiao } from '../interop/dujiao-next/signing';
import { startDujiaoSim, type DujiaoSim } from '../supplier-sim/dujiao-next/server';
import { log, startTestSystem, type TestSystem } from './harness';
import { docClient, docSign } from './dujiao-doc-client';

// The dujiao-next contract, from the public document's own examples (test/fixtures/dujiao-next,
// see SOURCE.md there): the simulator AND Cardflow's upstream API must answer in the shape the
// document shows, so neither can drift into agreeing with a wrong adapter.

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures/dujiao-next', `${name}.json`), 'utf8'));

/** Fields the document marks omitempty or free-form (multilingual maps, specs), or says may be null. */
const OPTIONAL = new Set(['original_price', 'member_price']);
const FREE_FORM = new Set(['title', 'name', 'description', 'content', 'seo_meta', 'spec_values']);
const NULLABLE = new Set(['member_level', 'manual_form_schema', 'delivery_data']);

/** Where `actual` does not have the example's shape: each example field present, with the same JSON type. */
function shapeGaps(example: unknown, actual: unknown, at = '$'): string[] {
  const type = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  const key = at
    .split('.')
    .pop()!
    .replace(/\[\d+\]$/, '');
  if (actual === null && (NULLABLE.has(key) || example === null)) return [];
  if (example === null) return [];
  if (type(example) !== type(actual)) return [`${at}: ${type(actual)}, the document shows ${type(example)}`];
  if (FREE_FORM.has(key)) return [];
  if (Array.isArray(example)) return example.length && (actual as unknown[]).length ? shapeGaps(example[0], (actual as unknown[])[0], `${at}[0]`) : [];
  if (type(example) !== 'object') return [];
  const a = actual as Record<string, unknown>;
  return Object.entries(example as Record<string, unknown>).flatMap(([k, v]) => (k in a ? shapeGaps(v, a[k], `${at}.${k}`) : OPTIONAL.has(k) ? [] : [`${at}.${k}: missing`]));
}

test('positive control: an answer missing a field or with a wrong type is caught', () => {
  const good = fixture('orders-create.response');
  expect(shapeGaps(good, good)).toEqual([]);
  expect(shapeGaps(good, { ...good, order_id: '101' })).toEqual(['$.order_id: string, the document shows number']);
  const { amount: _dropped, ...short } = good;
  expect(shapeGaps(good, short)).toEqual(['$.amount: missing']);
});

test("the signing module is the document's: §2.3 pseudocode gives the same signature, and an empty body is d41d8cd98f00b204e9800998ecf8427e", () => {
  for (let i = 0; i < 50; i++) {
    const secret = crypto.randomBytes(16).toString('base64');
    const body = i % 5 === 0 ? Buffer.alloc(0) : crypto.randomBytes(i * 7);
    const ts = 1_700_000_000 + i;
    expect(signDujiao(secret, 'POST', '/api/v1/upstream/orders', String(ts), body)).toBe(docSign(secret, 'POST', '/api/v1/upstream/orders', ts, body));
  }
  expect(crypto.createHash('md5').update('').digest('hex')).toBe('d41d8cd98f00b204e9800998ecf8427e');
});

interface Target {
  name: string;
  baseUrl: string;
  apiKey: string;
  secret: string;
}

const received: { path: string; body: any }[] = [];
let receiver: http.Server;
let callbackUrl: string;
let sys: TestSystem;
let sim: DujiaoSim;
let stopSweep: () => void;
const targets: Target[] = [];

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url!, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(fixture('callback.ack')));
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  // The document's callback_url, pointed at loopback (tests only talk to loopback).
  callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}${new URL(fixture('orders-create.request').callback_url).pathname}`;

  sim = await startDujiaoSim({
    keys: [{ apiKey: 'sim-key', secret: 'sim-secret', balance: 100_000 }],
    catalogue: [{ productId: 1, skuId: 1, title: '示例商品', price: 990, stock: 100 }],
  });
  targets.push({ name: 'the simulator', baseUrl: sim.url, apiKey: 'sim-key', secret: 'sim-secret' });

  sys = await startTestSystem();
  // The first SKU of a fresh database is number 1, the sku_id of the document's examples.
  await sys.addSku('EXAMPLE', { codes: 5, price: 990, currency: 'CNY' });
  await sys.db('storefronts').where({ id: sys.merchant.storefrontId }).update({ credit_limit: 100_000, credit_currency: 'CNY' });
  const key = await issueDujiaoKey(sys.db, sys.vault, sys.merchant.merchantId, sys.merchant.storefrontId);
  targets.push({ name: "Cardflow's upstream API", baseUrl: sys.baseUrl, apiKey: key.apiKey, secret: key.apiSecret });
  stopSweep = startDujiaoCallbackSweep({ db: sys.db, client: sys.client, taskQueue: sys.taskQueue, log, intervalMs: 100 });
});

afterAll(async () => {
  stopSweep();
  await sim.stop();
  await sys.stop();
  await new Promise((r) => receiver.close(r));
});

describe.each(['the simulator', "Cardflow's upstream API"])('%s answers as the document shows', (name) => {
  const target = () => targets.find((t) => t.name === name)!;
  const call = (...args: Parameters<ReturnType<typeof docClient>>) => docClient(target().baseUrl, target().apiKey, target().secret)(...args);

  test('POST /ping, GET /categories, GET /products and GET /products/:id', async () => {
    expect(shapeGaps(fixture('ping.response'), (await call('POST', '/api/v1/upstream/ping')).body)).toEqual([]);
    expect(shapeGaps(fixture('categories.response'), (await call('GET', '/api/v1/upstream/categories')).body)).toEqual([]);
    const products = (await call('GET', '/api/v1/upstream/products')).body;
    expect(shapeGaps(fixture('products.response'), products)).toEqual([]);
    const one = (await call('GET', `/api/v1/upstream/products/${products.items[0].id}`)).body;
    expect(shapeGaps({ ok: true, product: fixture('products.response').items[0] }, one)).toEqual([]);
  });

  test("the document's order request is taken; the answer, the query and the callback have the document's shape; a repeat returns the first order", async () => {
    const request = {
      ...fixture('orders-create.request'),
      downstream_order_no: `${fixture('orders-create.request').downstream_order_no}-${name.length}`,
      callback_url: callbackUrl,
    };
    const created = await call('POST', '/api/v1/upstream/orders', request);
    expect(created.status).toBe(200);
    expect(shapeGaps(fixture('orders-create.response'), created.body)).toEqual([]);
    expect((await call('POST', '/api/v1/upstream/orders', request)).body.order_id).toBe(created.body.order_id);

    let detail: any;
    for (let i = 0; i < 200 && detail?.status !== 'delivered'; i++) {
      detail = (await call('GET', `/api/v1/upstream/orders/${created.body.order_id}`)).body;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(shapeGaps(fixture('orders-get.response'), detail)).toEqual([]);

    let callback: any;
    for (let i = 0; i < 200 && !callback; i++) {
      callback = received.find((c) => c.body.downstream_order_no === request.downstream_order_no && c.body.status === 'delivered');
      await new Promise((r) => setTimeout(r, 100));
    }
    // §5.1 has no example body, only its field table.
    expect(callback.body).toMatchObject({
      order_id: created.body.order_id,
      downstream_order_no: request.downstream_order_no,
      status: 'delivered',
      fulfillment: { type: 'auto', status: 'delivered', payload: expect.any(String) },
    });
    expect(callback.body.fulfillment.payload).toBe(detail.fulfillment.payload);

    const late = await call('POST', `/api/v1/upstream/orders/${created.body.order_id}/cancel`);
    expect(late.status).toBe(409);
    expect(shapeGaps(fixture('envelope-failure'), late.body)).toEqual([]);
    expect(late.body.error_code).toBe('cancel_not_allowed');
  });

  test('errors use the envelope and the documented codes', async () => {
    const stale = await call('POST', '/api/v1/upstream/ping', undefined, { timestamp: Math.floor(Date.now() / 1000) - 120 });
    expect([stale.status, stale.body.error_code]).toEqual([401, 'timestamp_expired']);
    expect(shapeGaps(fixture('envelope-failure'), stale.body)).toEqual([]);
    const forged = await call('POST', '/api/v1/upstream/ping', undefined, { signature: '0'.repeat(64) });
    expect([forged.status, forged.body.error_code]).toEqual([401, 'invalid_signature']);
    const missing = await call('GET', '/api/v1/upstream/orders/999999');
    expect([missing.status, missing.body.error_code]).toEqual([404, 'order_not_found']);
    const noProduct = await call('GET', '/api/v1/upstream/products/999999');
    expect([noProduct.status, noProduct.body.error_code]).toEqual([404, 'product_not_found']);
  });
});

test('the simulator cancels an order not yet delivered as §4.7 says, refunding its wallet, and refuses a second cancel', async () => {
  const slow = await startDujiaoSim({
    keys: [{ apiKey: 'k', secret: 's', balance: 5000 }],
    catalogue: [{ productId: 1, skuId: 1, title: 'x', price: 990, stock: null }],
    deliveryDelayMs: 600_000,
  });
  try {
    const call = docClient(slow.url, 'k', 's');
    const created = (await call('POST', '/api/v1/upstream/orders', { sku_id: 1, quantity: 1, downstream_order_no: 'to-cancel' })).body;
    expect((await call('POST', '/api/v1/upstream/ping')).body.balance).toBe('40.10');
    const cancelled = await call('POST', `/api/v1/upstream/orders/${created.order_id}/cancel`);
    // §4.7 gives only the field table: ok, order_id, order_no, status.
    expect(cancelled.body).toEqual({ ok: true, order_id: created.order_id, order_no: created.order_no, status: 'canceled' });
    expect((await call('POST', '/api/v1/upstream/ping')).body.balance).toBe('50.00');
    const again = await call('POST', `/api/v1/upstream/orders/${created.order_id}/cancel`);
    expect([again.status, again.body.error_code]).toEqual([409, 'cancel_not_allowed']);
  } finally {
    await slow.stop();
  }
});
