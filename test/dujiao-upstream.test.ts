import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDujiaoCallbackSweep } from '../interop/dujiao-next/callbacks';
import { issueDujiaoKey } from '../interop/dujiao-next/keys';
import { log, snapshot, startTestSystem, type TestSystem } from './harness';
import { docClient, docSign } from './dujiao-doc-client';
import { useRules } from './risk-helpers';
import { found } from './found';

// Cardflow as a dujiao-next upstream, through the real HTTP API, driven by a client written
// only from the public document (test/dujiao-doc-client.ts).

let sys: TestSystem;
let call: ReturnType<typeof docClient>;
let key: { apiKey: string; apiSecret: string };
let stopSweep: () => void;
const received: { headers: http.IncomingHttpHeaders; path: string; raw: Buffer; body: any }[] = [];
let receiver: http.Server;
let callbackUrl: string;

beforeAll(async () => {
  sys = await startTestSystem();
  // Orders of more than 2 units are held for a risk review: an order that can still be cancelled.
  await useRules(sys, [{ name: 'Review big orders', kind: 'order_cap', params: { maxQuantity: 2 }, action: 'review' }]);
  await sys.addSku('DJ-CARD', { codes: 5, price: 990, currency: 'CNY' });
  await sys.addSku('DJ-RARE', { codes: 1, price: 500, currency: 'CNY' });
  await sys.db('storefronts').where({ id: sys.merchant.storefrontId }).update({ credit_limit: 5000, credit_currency: 'CNY' });
  key = await issueDujiaoKey(sys.db, sys.vault, sys.merchant.merchantId, sys.merchant.storefrontId);
  call = docClient(sys.baseUrl, key.apiKey, key.apiSecret);
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      received.push({ headers: req.headers, path: req.url!, raw, body: JSON.parse(raw.toString('utf8')) });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true, message: 'received' }));
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/v1/upstream/callback`;
  stopSweep = startDujiaoCallbackSweep({ db: sys.db, client: sys.client, taskQueue: sys.taskQueue, log, intervalMs: 100 });
});

afterAll(async () => {
  stopSweep();
  await new Promise((r) => receiver.close(r));
  await sys.stop();
});

/** What placing an order writes (orders placed earlier may still be adding timeline events). */
const written = async () => (({ orders, units, reservations, stock }) => ({ orders, units, reservations, stock }))(await snapshot(sys.db));

async function callbackFor(orderId: number, status: string) {
  for (let i = 0; i < 300; i++) {
    const found = received.find((r) => r.body.order_id === orderId && r.body.status === status);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${status} callback for order ${orderId}`);
}

/** The callback is genuine by the document's rule: signed with our key's secret over its path and body. */
function verifiedByDocument(cb: (typeof received)[number]) {
  const ts = String(cb.headers['dujiao-next-timestamp']);
  return cb.headers['dujiao-next-api-key'] === key.apiKey && cb.headers['dujiao-next-signature'] === docSign(key.apiSecret, 'POST', cb.path, ts, cb.raw);
}

describe('when a dujiao-next shop buys from Cardflow', () => {
  let skuId: number;

  test('then ping answers its balance (the credit left) and currency', async () => {
    const { status, body } = await call('POST', '/api/v1/upstream/ping');
    expect(status).toBe(200);
    expect(body).toMatchObject({ ok: true, protocol_version: '1.0', balance: '50.00', currency: 'CNY', member_level: null });
    expect(typeof body.user_id).toBe('number');
  });

  test('then categories and products list the SKUs with stock status and price', async () => {
    const cats = await call('GET', '/api/v1/upstream/categories');
    expect(cats.body.ok).toBe(true);
    expect(cats.body.categories[0]).toMatchObject({ parent_id: 0 });
    const list = await call('GET', '/api/v1/upstream/products?page=1&page_size=20');
    expect(list.body).toMatchObject({ ok: true, total: 2, page: 1, page_size: 20 });
    const card = list.body.items.find((p: any) => p.slug === 'DJ-CARD');
    expect(card.skus[0]).toMatchObject({ price_amount: '9.90', stock_status: 'low_stock', stock_quantity: 5, is_active: true });
    skuId = card.skus[0].id;
    const one = await call('GET', `/api/v1/upstream/products/${card.id}`);
    expect(one.body).toMatchObject({ ok: true, product: { id: card.id, price_amount: '9.90' } });
    const missing = await call('GET', '/api/v1/upstream/products/999999');
    expect([missing.status, missing.body.error_code]).toEqual([404, 'product_not_found']);
  });

  test('then an order is delivered, its repeat returns the first order, and a signed callback brings the code', async () => {
    const order = { sku_id: skuId, quantity: 1, downstream_order_no: 'A-20260301-001', callback_url: callbackUrl };
    const first = await call('POST', '/api/v1/upstream/orders', order);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ ok: true, status: 'paid', amount: '9.90', currency: 'CNY' });
    const again = await call('POST', '/api/v1/upstream/orders', { ...order, quantity: 2 });
    expect(again.body.order_id).toBe(first.body.order_id);
    expect(again.body.order_no).toBe(first.body.order_no);
    expect(await sys.db('orders').where({ storefront_id: sys.merchant.storefrontId }).count('* as n')).toEqual([{ n: 1 }]);

    const cb = await callbackFor(first.body.order_id, 'delivered');
    expect(verifiedByDocument(cb)).toBe(true);
    expect(cb.body).toMatchObject({ downstream_order_no: 'A-20260301-001', order_no: first.body.order_no, fulfillment: { type: 'auto', status: 'delivered' } });
    expect(cb.body.fulfillment.payload).toMatch(/^DJ-CARD-CARD-\d-[0-9a-f]+ PIN\d$/);

    const q = await call('GET', `/api/v1/upstream/orders/${first.body.order_id}`);
    expect(q.body).toMatchObject({ ok: true, status: 'delivered', items: [{ sku_id: skuId, quantity: 1, unit_price: '9.90' }] });
    expect(q.body.fulfillment.payload).toBe(cb.body.fulfillment.payload);
    const ping = await call('POST', '/api/v1/upstream/ping');
    expect(ping.body.balance).toBe('40.10');

    const late = await call('POST', `/api/v1/upstream/orders/${first.body.order_id}/cancel`);
    expect([late.status, late.body.ok, late.body.error_code]).toEqual([409, false, 'cancel_not_allowed']);
  });

  test('then an order held for review can be cancelled, and the shop is called back', async () => {
    const placed = await call('POST', '/api/v1/upstream/orders', { sku_id: skuId, quantity: 3, downstream_order_no: 'A-held', callback_url: callbackUrl });
    expect(placed.body.ok).toBe(true);
    const orderNo = placed.body.order_no;
    await sys.waitForOrder(orderNo, ['held']);
    const cancelled = await call('POST', `/api/v1/upstream/orders/${placed.body.order_id}/cancel`);
    expect(cancelled.body).toEqual({ ok: true, order_id: placed.body.order_id, order_no: orderNo, status: 'canceled' });
    const cb = await callbackFor(placed.body.order_id, 'canceled');
    expect(verifiedByDocument(cb)).toBe(true);
    const q = await call('GET', `/api/v1/upstream/orders/${placed.body.order_id}`);
    expect(q.body.status).toBe('canceled');
  });

  test('then an order above the credit left is refused insufficient_balance and writes nothing', async () => {
    await sys.addSku('DJ-BIG', { codes: 1, price: 9000, currency: 'CNY' });
    const big = (await call('GET', '/api/v1/upstream/products')).body.items.find((p: any) => p.slug === 'DJ-BIG');
    const before = await written();
    const refused = await call('POST', '/api/v1/upstream/orders', { sku_id: big.skus[0].id, quantity: 1, downstream_order_no: 'A-big' });
    expect([refused.status, refused.body.ok, refused.body.error_code]).toEqual([402, false, 'insufficient_balance']);
    expect(await written()).toEqual(before);
  });

  test('then orders racing for the last of the credit: only as many as it covers are accepted', async () => {
    const other = await sys.api('POST', '/admin/storefronts', { key: sys.merchant.adminToken, body: { name: 'Racing shop' } });
    await sys.db('storefronts').where({ id: other.body.id }).update({ credit_limit: 2000, credit_currency: 'CNY' });
    const racer = await issueDujiaoKey(sys.db, sys.vault, sys.merchant.merchantId, other.body.id);
    const shop = docClient(sys.baseUrl, racer.apiKey, racer.apiSecret);
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => shop('POST', '/api/v1/upstream/orders', { sku_id: skuId, quantity: 1, downstream_order_no: `race-${i}` })),
    );
    // 2 × 9.90 fits in 20.00, a third does not.
    expect(answers.filter((a) => a.body.ok).length).toBe(2);
    expect(answers.filter((a) => !a.body.ok).map((a) => [a.status, a.body.error_code])).toEqual(Array(4).fill([402, 'insufficient_balance']));
    expect((await shop('POST', '/api/v1/upstream/ping')).body.balance).toBe('0.20');
  });

  test('then a sold-out SKU is insufficient_stock and an unknown one sku_unavailable', async () => {
    const rare = (await call('GET', '/api/v1/upstream/products')).body.items.find((p: any) => p.slug === 'DJ-RARE');
    const out = await call('POST', '/api/v1/upstream/orders', { sku_id: rare.skus[0].id, quantity: 2 });
    expect([out.status, out.body.error_code]).toEqual([409, 'insufficient_stock']);
    const unknown = await call('POST', '/api/v1/upstream/orders', { sku_id: 987654, quantity: 1 });
    expect([unknown.status, unknown.body.error_code]).toEqual([400, 'sku_unavailable']);
    const bad = await call('POST', '/api/v1/upstream/orders', { sku_id: 'one', quantity: 0 });
    expect([bad.status, bad.body.error_code]).toEqual([400, 'bad_request']);
    const before = await written();
    const badCallback = await call('POST', '/api/v1/upstream/orders', { sku_id: skuId, quantity: 1, downstream_order_no: 'A-ftp', callback_url: 'ftp://shop.example.com/cb' });
    expect([badCallback.status, badCallback.body.error_code]).toEqual([400, 'invalid_callback_url']);
    expect(await written()).toEqual(before);
  });
});

describe('when a request is not genuine', () => {
  test('then a bad signature is invalid_signature (positive control: the same request signed right passes)', async () => {
    const wrong = await call('POST', '/api/v1/upstream/ping', undefined, { signature: crypto.randomBytes(32).toString('hex') });
    expect([wrong.status, wrong.body.ok, wrong.body.error_code]).toEqual([401, false, 'invalid_signature']);
    expect(typeof wrong.body.error_message).toBe('string');
    const right = await call('POST', '/api/v1/upstream/ping');
    expect(right.status).toBe(200);
  });

  test('then a body changed after signing is invalid_signature', async () => {
    const ts = Math.floor(Date.now() / 1000);
    const signature = docSign(key.apiSecret, 'POST', '/api/v1/upstream/orders', ts, Buffer.from(JSON.stringify({ sku_id: 1, quantity: 1 })));
    const res = await call('POST', '/api/v1/upstream/orders', { sku_id: 1, quantity: 5 }, { timestamp: ts, signature });
    expect(res.body.error_code).toBe('invalid_signature');
  });

  test('then a timestamp 61 s old is timestamp_expired, and 59 s old passes', async () => {
    const now = Math.floor(Date.now() / 1000);
    const stale = await call('POST', '/api/v1/upstream/ping', undefined, { timestamp: now - 61 });
    expect([stale.status, stale.body.error_code]).toEqual([401, 'timestamp_expired']);
    const fresh = await call('POST', '/api/v1/upstream/ping', undefined, { timestamp: now - 59 });
    expect(fresh.status).toBe(200);
    const garbled = await call('POST', '/api/v1/upstream/ping', undefined, { timestamp: 'yesterday' as never });
    expect(garbled.body.error_code).toBe('invalid_timestamp');
  });

  test('then missing headers and an unknown key get their codes', async () => {
    const missing = await call('POST', '/api/v1/upstream/ping', undefined, { omit: 'Dujiao-Next-Signature' });
    expect(missing.body.error_code).toBe('missing_auth_headers');
    const stranger = await docClient(sys.baseUrl, 'cfdj_nobody', key.apiSecret)('POST', '/api/v1/upstream/ping');
    expect([stranger.status, stranger.body.error_code]).toEqual([401, 'invalid_api_key']);
  });
});

describe('when a manager connects a dujiao-next shop in the console', () => {
  const admin = (method: string, path: string, body?: unknown) => sys.api(method, path, { key: sys.merchant.adminToken, body });

  test('then a key needs a credit limit, its secret is shown once and works, and a revoked key is refused', async () => {
    const sf = await admin('POST', '/admin/storefronts', { name: 'Dujiao shop' });
    expect(sf.status).toBe(201);
    const early = await admin('POST', `/admin/storefronts/${sf.body.id}/dujiao-keys`);
    expect([early.status, early.body.error.code]).toEqual([409, 'credit_limit_required']);
    const badCredit = await admin('PUT', `/admin/storefronts/${sf.body.id}/credit`, { creditLimit: -1, currency: 'cny' });
    expect(badCredit.status).toBe(400);
    expect((await admin('PUT', `/admin/storefronts/${sf.body.id}/credit`, { creditLimit: 2000, currency: 'CNY' })).status).toBe(200);

    const issued = await admin('POST', `/admin/storefronts/${sf.body.id}/dujiao-keys`);
    expect(issued.status).toBe(201);
    expect(issued.body).toEqual({ id: expect.any(String), apiKey: expect.stringMatching(/^cfdj_/), apiSecret: expect.any(String) });
    const shown = await admin('GET', `/admin/storefronts/${sf.body.id}/dujiao`);
    expect(shown.body).toMatchObject({ credit: { limit: 2000, currency: 'CNY', available: 2000 }, keys: [{ id: issued.body.id, apiKey: issued.body.apiKey, revokedAt: null }] });
    expect(JSON.stringify(shown.body)).not.toContain(issued.body.apiSecret);
    const stored = found(await sys.db('dujiao_api_keys').where({ id: issued.body.id }).first('secret'), 'the stored key');
    expect(stored.secret.toString('utf8')).not.toContain(issued.body.apiSecret);

    const shop = docClient(sys.baseUrl, issued.body.apiKey, issued.body.apiSecret);
    expect((await shop('POST', '/api/v1/upstream/ping')).body).toMatchObject({ ok: true, balance: '20.00', currency: 'CNY' });
    expect((await admin('DELETE', `/admin/storefronts/${sf.body.id}/dujiao-keys/${issued.body.id}`)).status).toBe(204);
    expect((await shop('POST', '/api/v1/upstream/ping')).body.error_code).toBe('invalid_api_key');
  });
});
