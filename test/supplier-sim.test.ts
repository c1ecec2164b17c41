import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSupplierSim, type SimPartner, type SimProduct, type SupplierSim } from '../supplier-sim/server';
import { decryptCardField, signRequest, verifySignature } from '../supplier-sim/signing';
import { eventually } from './eventually';

// The supplier simulator over real HTTP: the protocol in supplier-sim/PROTOCOL.md, faults
// included. Cardflow's supplier tests lean on it, so it must do exactly what it says.

const SHOP: SimPartner = { id: 'shop-1', secret: 'shop-1-secret', currency: 'USD', balance: 100_000 };
const SEALED_SHOP: SimPartner = { id: 'shop-sealed', secret: 'shop-sealed-secret', currency: 'USD', balance: 100_000, encryptCards: true };

const card = (product: string, over: Partial<SimProduct> = {}): SimProduct => ({
  product,
  name: product,
  kind: 'card',
  currency: 'USD',
  faceValue: 1_000,
  unitPrice: 950,
  stock: null,
  ...over,
});
const CATALOGUE: SimProduct[] = [
  card('CARD-10'),
  card('CARD-LIMITED', { stock: 2 }),
  card('CARD-ASYNC', { async: true, asyncDelayMs: 50 }),
  card('CARD-EUR', { currency: 'EUR' }),
  { product: 'TOPUP-60', name: '60 diamonds', kind: 'topup', currency: 'USD', faceValue: 99, unitPrice: 92, stock: null, async: true, asyncDelayMs: 50 },
  { product: 'TOPUP-NOW', name: '60 diamonds, at once', kind: 'topup', currency: 'USD', faceValue: 99, unitPrice: 92, stock: null },
];

const CARD_CODE = /^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$/;

let sim: SupplierSim;
beforeAll(async () => {
  sim = await startSupplierSim({ port: 0, catalogue: CATALOGUE, partners: [SHOP, SEALED_SHOP] });
});
afterAll(() => sim.stop());
beforeEach(() => control('POST', '/_sim/reset'));

interface Answer {
  status: number;
  headers: Headers;
  raw: string;
  json: any;
}

async function answer(res: Response): Promise<Answer> {
  const raw = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, raw, json };
}

/** A signed /v1 call, as Cardflow's adapter makes it; `sign` overrides let tests break it. */
async function call(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  sign: { partner?: SimPartner; secret?: string; timestamp?: number; signedPath?: string; signedBody?: string; raw?: string } = {},
): Promise<Answer> {
  const partner = sign.partner ?? SHOP;
  const text = sign.raw ?? (body === undefined ? '' : JSON.stringify(body));
  const timestamp = String(sign.timestamp ?? Date.now());
  const signature = signRequest(sign.secret ?? partner.secret, method, sign.signedPath ?? path, timestamp, sign.signedBody ?? text);
  const res = await fetch(sim.url + path, {
    method,
    headers: { 'Content-Type': 'application/json', 'X-Partner-Id': partner.id, 'X-Timestamp': timestamp, 'X-Signature': signature },
    body: method === 'GET' ? undefined : text,
  });
  return answer(res);
}

async function control(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Answer> {
  return answer(await fetch(sim.url + path, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }));
}

const buy = (reference: string, product: string, extra: Record<string, unknown> = {}, partner = SHOP) => call('POST', '/v1/orders', { reference, product, ...extra }, { partner });
const charges = async () => (await control('GET', '/_sim/charges')).json as { charges: Record<string, number>; total: number };
const balanceOf = async (partner = SHOP) => (await call('GET', '/v1/balance', undefined, { partner })).json.balance as number;
const addFault = async (fault: Record<string, unknown>) => expect((await control('POST', '/_sim/faults', fault)).status).toBe(201);

const finished = (reference: string, partner = SHOP) =>
  eventually(`order ${reference} to finish`, async () => {
    const { json } = await call('GET', `/v1/orders/${reference}`, undefined, { partner });
    return json.order.status === 'processing' ? undefined : json.order;
  });

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A partner's callback endpoint; `statusFor(n)` is its answer to the n-th callback (from 1). */
async function startReceiver(statusFor: (n: number) => number = () => 200) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(statusFor(received.length)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/supplier-callbacks/sim?shop=shop-1`,
    received,
    about: (reference: string) => received.filter((r) => JSON.parse(r.body).order.reference === reference),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const genuine = (r: Received, secret = SHOP.secret) =>
  verifySignature(secret, 'POST', r.path, r.headers['x-timestamp'] as string, r.body, r.headers['x-signature'] as string) && r.headers['x-partner-id'] === SHOP.id;

describe('signing', () => {
  test('when a request is signed with the partner secret, then it is served', async () => {
    const res = await call('GET', '/v1/balance');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ currency: 'USD', balance: 100_000 });
  });

  test('when the signature is computed, then it is HMAC-SHA256 over method, path, timestamp and the body hash', () => {
    const body = '{"reference":"r-1"}';
    const bodyHash = crypto.createHash('sha256').update(body).digest('hex');
    const expected = crypto.createHmac('sha256', 'k').update(`POST\n/v1/orders?x=1\n1700000000000\n${bodyHash}`).digest('hex');
    expect(signRequest('k', 'POST', '/v1/orders?x=1', '1700000000000', body)).toBe(expected);
  });

  const unknown: SimPartner = { ...SHOP, id: 'nobody' };
  // Functions, so timestamps are taken when the test runs, not when the file loads.
  const broken: [string, () => Parameters<typeof call>[3]][] = [
    ['signed with another secret', () => ({ secret: 'not-the-secret' })],
    ['from an unknown partner', () => ({ partner: unknown })],
    ['signed over another body', () => ({ signedBody: '{"reference":"other","product":"CARD-10"}' })],
    ['signed without its query string', () => ({ signedPath: '/v1/orders' })],
    ['stamped more than 300 s ago', () => ({ timestamp: Date.now() - 301_000 })],
    ['stamped more than 300 s ahead', () => ({ timestamp: Date.now() + 301_000 })],
  ];
  test.each(broken)('when a request is %s, then 401 bad_signature and nothing is bought', async (_name, sign) => {
    const res = await call('POST', '/v1/orders?x=1', { reference: 'sig-1', product: 'CARD-10' }, sign());
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('bad_signature');
    expect(await charges()).toEqual({ charges: {}, total: 0 });
  });

  test('when a request is stamped a little under 300 s ago, then it is still served', async () => {
    const res = await call('POST', '/v1/orders?x=1', { reference: 'sig-2', product: 'CARD-10' }, { timestamp: Date.now() - 290_000 });
    expect(res.status).toBe(200);
  });

  test('when the signature headers are missing, then 401 bad_signature', async () => {
    const res = await answer(await fetch(`${sim.url}/v1/balance`));
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('bad_signature');
  });
});

describe('placing orders', () => {
  test('when a card is bought, then it has a realistic code, a PIN and a one-year expiry, and the price is debited', async () => {
    const res = await buy('o-1', 'CARD-10');
    expect(res.status).toBe(200);
    const order = res.json.order;
    expect(order).toMatchObject({ reference: 'o-1', product: 'CARD-10', status: 'success', unitPrice: 950, currency: 'USD', topup: null, failure: null });
    expect(order.orderId).toMatch(/^SIM-\d{6}$/);
    expect(order.card.code).toMatch(CARD_CODE);
    expect(order.card.pin).toMatch(/^\d{6}$/);
    const yearsAhead = (Date.parse(order.card.expiresAt) - Date.parse(order.createdAt)) / (365 * 24 * 3600 * 1000);
    expect(yearsAhead).toBeCloseTo(1, 2);
    expect(await balanceOf()).toBe(100_000 - 950);
  });

  test('when a reference is repeated, then the original order comes back and it is charged once', async () => {
    const first = await buy('o-2', 'CARD-10');
    const again = await buy('o-2', 'CARD-10');
    expect(again.status).toBe(200);
    expect(again.json.order).toEqual(first.json.order);
    expect(await charges()).toEqual({ charges: { 'o-2': 1 }, total: 1 });
    expect(await balanceOf()).toBe(100_000 - 950);
  });

  test('when a reference is reused for another product or account, then 409 reference_conflict and nothing more is charged', async () => {
    await buy('o-3', 'CARD-10');
    const otherProduct = await buy('o-3', 'CARD-LIMITED');
    expect(otherProduct.status).toBe(409);
    expect(otherProduct.json.error.code).toBe('reference_conflict');

    await buy('o-4', 'TOPUP-NOW', { account: '12345678' });
    const otherAccount = await buy('o-4', 'TOPUP-NOW', { account: '87654321' });
    expect(otherAccount.status).toBe(409);
    expect(otherAccount.json.error.code).toBe('reference_conflict');
    expect(await charges()).toEqual({ charges: { 'o-3': 1, 'o-4': 1 }, total: 2 });
  });

  test('when the price rose above maxUnitPrice, then 409 price_changed with the new price and nothing is charged', async () => {
    await control('PUT', '/_sim/products/CARD-10', { unitPrice: 990 });
    const refused = await buy('o-5', 'CARD-10', { maxUnitPrice: 960 });
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({ code: 'price_changed', unitPrice: 990 });
    expect(await charges()).toEqual({ charges: {}, total: 0 });

    const accepted = await buy('o-5', 'CARD-10', { maxUnitPrice: 990 });
    expect(accepted.json.order).toMatchObject({ status: 'success', unitPrice: 990 });
  });

  test('when finite stock is used up, then the next order is 409 out_of_stock', async () => {
    expect((await buy('o-6', 'CARD-LIMITED')).status).toBe(200);
    expect((await buy('o-7', 'CARD-LIMITED')).status).toBe(200);
    const refused = await buy('o-8', 'CARD-LIMITED');
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('out_of_stock');
    const products = (await call('GET', '/v1/products')).json.products;
    expect(products.find((p: { product: string }) => p.product === 'CARD-LIMITED').stock).toBe(0);
    expect((await charges()).total).toBe(2);
  });

  test('when stock_out_after 2 is set, then two more units sell and the third is out_of_stock', async () => {
    await addFault({ kind: 'stock_out_after', product: 'CARD-10', times: 2 });
    expect((await buy('o-9', 'CARD-10')).status).toBe(200);
    expect((await buy('o-10', 'CARD-10')).status).toBe(200);
    const refused = await buy('o-11', 'CARD-10');
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('out_of_stock');
    expect((await buy('o-12', 'CARD-LIMITED')).status).toBe(200); // other products still sell
  });

  test('when the balance cannot pay, then 402 insufficient_balance with the balance and nothing is charged', async () => {
    await control('PUT', `/_sim/partners/${SHOP.id}/balance`, { balance: 900 });
    const refused = await buy('o-13', 'CARD-10');
    expect(refused.status).toBe(402);
    expect(refused.json.error).toMatchObject({ code: 'insufficient_balance', balance: 900 });
    expect(await balanceOf()).toBe(900);

    await control('PUT', `/_sim/partners/${SHOP.id}/balance`, { balance: 950 });
    expect((await buy('o-13', 'CARD-10')).json.order.status).toBe('success');
    expect(await balanceOf()).toBe(0);
  });

  test.each([
    ['an unknown product', 'NO-SUCH-CARD'],
    ['a product priced in another currency than the account', 'CARD-EUR'],
  ])('when the order names %s, then 400 invalid_denomination', async (_name, product) => {
    const res = await buy('o-14', product);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_denomination');
    expect((await call('GET', '/v1/orders/o-14')).status).toBe(404);
  });

  test.each<[string, string]>([
    ['malformed JSON', '{"reference": "o-15", "product": '],
    ['no body at all', ''],
    ['a JSON array', '[]'],
    ['no reference', '{"product":"CARD-10"}'],
    ['a reference with a slash', '{"reference":"o/15","product":"CARD-10"}'],
    ['a fractional maxUnitPrice', '{"reference":"o-15","product":"CARD-10","maxUnitPrice":9.5}'],
    ['a misspelt field', '{"reference":"o-15","product":"CARD-10","maxPrice":10}'],
    ['a callbackUrl that is not http', '{"reference":"o-15","product":"CARD-10","callbackUrl":"ftp://example.test/cb"}'],
  ])('when the order body has %s, then 400 invalid_request and nothing is bought', async (_name, raw) => {
    const res = await call('POST', '/v1/orders', undefined, { raw });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
    expect(res.json.error.message.length).toBeGreaterThan(5);
    expect(await charges()).toEqual({ charges: {}, total: 0 });
  });
});

describe('top-up accounts', () => {
  test('when a valid account is checked, then it is valid and named', async () => {
    const res = await call('POST', '/v1/accounts/validate', { product: 'TOPUP-60', account: '123456789' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ valid: true, accountName: 'Player-6789' });
  });

  test.each([
    ['starts with 0', '0123456', 'malformed'],
    ['contains "bad"', 'player-bad-1', 'not_found'],
  ])('when an account that %s is checked, then 422 invalid_account', async (_name, account, reason) => {
    const res = await call('POST', '/v1/accounts/validate', { product: 'TOPUP-60', account });
    expect(res.status).toBe(422);
    expect(res.json.error).toMatchObject({ code: 'invalid_account', reason });
  });

  test('when a top-up is ordered for an invalid account, then 422 and the order is not taken', async () => {
    const res = await buy('t-1', 'TOPUP-NOW', { account: 'bad-player' });
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe('invalid_account');
    expect((await call('GET', '/v1/orders/t-1')).json.error.code).toBe('order_not_found');
    expect(await charges()).toEqual({ charges: {}, total: 0 });
    expect(await balanceOf()).toBe(100_000);

    const good = await buy('t-1', 'TOPUP-NOW', { account: '123456789' });
    expect(good.json.order.topup).toEqual({ account: '123456789', receipt: expect.stringMatching(/^TXN-/) });
  });

  test('when a top-up is ordered without an account, then 400 invalid_request', async () => {
    const res = await buy('t-2', 'TOPUP-NOW');
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
  });
});

describe('async orders', () => {
  test('when an async card is bought, then it is processing and charged at once, and polling later shows the card', async () => {
    const placed = await buy('a-1', 'CARD-ASYNC');
    expect(placed.json.order).toMatchObject({ status: 'processing', card: null, completedAt: null });
    expect(await balanceOf()).toBe(100_000 - 950);
    const done = await finished('a-1');
    expect(done.status).toBe('success');
    expect(done.card.code).toMatch(CARD_CODE);
    expect(await charges()).toEqual({ charges: { 'a-1': 1 }, total: 1 });
  });

  test('when an async order completes, then a callback signed with the partner secret reports it', async () => {
    const receiver = await startReceiver();
    try {
      await buy('a-2', 'CARD-ASYNC', { callbackUrl: receiver.url });
      const [callback] = await eventually('the callback', async () => (receiver.received.length > 0 ? receiver.received : undefined));
      expect(callback.path).toBe('/supplier-callbacks/sim?shop=shop-1');
      expect(genuine(callback)).toBe(true);
      expect(genuine(callback, 'another-secret')).toBe(false);
      const body = JSON.parse(callback.body);
      expect(body.event).toBe('order.completed');
      expect(body.order).toEqual((await call('GET', '/v1/orders/a-2')).json.order);
      expect(body.order.status).toBe('success');
    } finally {
      await receiver.stop();
    }
  });

  test('when the game server rejects an async top-up, then it fails with topup_rejected and the money comes back', async () => {
    const receiver = await startReceiver();
    try {
      await buy('a-3', 'TOPUP-60', { account: '555-fail', callbackUrl: receiver.url });
      expect(await balanceOf()).toBe(100_000 - 92);
      const done = await finished('a-3');
      expect(done).toMatchObject({ status: 'failed', topup: null, failure: { code: 'topup_rejected' } });
      expect(await balanceOf()).toBe(100_000);
      const [callback] = await eventually('the callback', async () => (receiver.received.length > 0 ? receiver.received : undefined));
      expect(JSON.parse(callback.body).order.status).toBe('failed');
    } finally {
      await receiver.stop();
    }
  });

  test('when the callback receiver fails at first, then the callback is retried until it is taken', async () => {
    const receiver = await startReceiver((n) => (n === 1 ? 503 : 200));
    try {
      await buy('a-4', 'CARD-ASYNC', { callbackUrl: receiver.url });
      const attempts = await eventually('the retried callback', async () => (receiver.received.length >= 2 ? receiver.received : undefined));
      expect(attempts.every((r) => genuine(r))).toBe(true);
      expect(JSON.parse(attempts[1].body).order.reference).toBe('a-4');
    } finally {
      await receiver.stop();
    }
  });

  test('when duplicate_callback is set, then the callback arrives twice', async () => {
    const receiver = await startReceiver();
    try {
      await addFault({ kind: 'duplicate_callback', times: 1 });
      await buy('a-5', 'CARD-ASYNC', { callbackUrl: receiver.url });
      const both = await eventually('two callbacks', async () => (receiver.about('a-5').length >= 2 ? receiver.about('a-5') : undefined));
      expect(both.every((r) => genuine(r))).toBe(true);
      expect(JSON.parse(both[0].body).order).toEqual(JSON.parse(both[1].body).order);
      expect(await charges()).toEqual({ charges: { 'a-5': 1 }, total: 1 });
    } finally {
      await receiver.stop();
    }
  });

  test('when drop_callback is set, then no callback comes but polling shows success', async () => {
    const receiver = await startReceiver();
    try {
      await addFault({ kind: 'drop_callback', times: 1 });
      await buy('a-6', 'CARD-ASYNC', { callbackUrl: receiver.url });
      await buy('a-7', 'CARD-ASYNC', { callbackUrl: receiver.url });
      // a-7 completes after a-6 and its callback does arrive: by then a-6's would have too.
      await eventually('the callback of a-7', async () => (receiver.about('a-7').length > 0 ? true : undefined));
      expect((await finished('a-6')).status).toBe('success');
      expect(receiver.about('a-6')).toHaveLength(0);
    } finally {
      await receiver.stop();
    }
  });
});

describe('faults', () => {
  test.each([
    ['error_after_commit', 500, /application\/json/],
    ['html_502', 502, /text\/html/],
  ])('when %s strikes, then the order is committed and charged exactly once, and asking for it returns it', async (kind, status, type) => {
    await addFault({ kind, times: 1 });
    const failed = await buy('f-1', 'CARD-10');
    expect(failed.status).toBe(status);
    expect(failed.headers.get('content-type')).toMatch(type);
    expect(await charges()).toEqual({ charges: { 'f-1': 1 }, total: 1 });

    const asked = await call('GET', '/v1/orders/f-1');
    expect(asked.status).toBe(200);
    expect(asked.json.order.status).toBe('success');
    const repeated = await buy('f-1', 'CARD-10');
    expect(repeated.json.order).toEqual(asked.json.order);
    expect(await charges()).toEqual({ charges: { 'f-1': 1 }, total: 1 });
  });

  test('when error_after_commit is unlimited, then a repeat still returns the order without charging again', async () => {
    await addFault({ kind: 'error_after_commit' });
    expect((await buy('f-2', 'CARD-10')).status).toBe(500);
    const repeated = await buy('f-2', 'CARD-10');
    expect(repeated.status).toBe(200);
    expect(await charges()).toEqual({ charges: { 'f-2': 1 }, total: 1 });
  });

  test('when timeout strikes, then the connection drops and nothing is committed', async () => {
    await addFault({ kind: 'timeout', ms: 100, times: 1 });
    await expect(buy('f-3', 'CARD-10')).rejects.toThrow();
    expect((await call('GET', '/v1/orders/f-3')).status).toBe(404);
    expect(await charges()).toEqual({ charges: {}, total: 0 });

    expect((await buy('f-3', 'CARD-10')).json.order.status).toBe('success');
    expect(await charges()).toEqual({ charges: { 'f-3': 1 }, total: 1 });
  });

  test('when rate_limit strikes, then 429 with Retry-After and nothing is committed', async () => {
    await addFault({ kind: 'rate_limit', times: 1 });
    const limited = await buy('f-4', 'CARD-10');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.json.error.code).toBe('rate_limited');
    expect(await charges()).toEqual({ charges: {}, total: 0 });
    expect((await buy('f-4', 'CARD-10')).status).toBe(200);
  });

  test('when a fault names a product, then only orders for that product meet it', async () => {
    await addFault({ kind: 'rate_limit', product: 'CARD-LIMITED' });
    expect((await buy('f-5', 'CARD-10')).status).toBe(200);
    expect((await buy('f-6', 'CARD-LIMITED')).status).toBe(429);
  });

  test('when a fault is set on "any", then other calls meet it too; by default only orders do', async () => {
    await addFault({ kind: 'rate_limit' });
    expect((await call('GET', '/v1/balance')).status).toBe(200);
    expect((await buy('f-7', 'CARD-10')).status).toBe(429);

    await control('DELETE', '/_sim/faults');
    await addFault({ kind: 'html_502', on: 'any' });
    const balance = await call('GET', '/v1/balance');
    expect(balance.status).toBe(502);
    expect(balance.headers.get('content-type')).toMatch(/text\/html/);
  });

  test('when a fault request is malformed, then 400 invalid_request and no fault is added', async () => {
    for (const bad of [{ kind: 'meteor' }, { kind: 'error_after_commit', on: 'any' }, { kind: 'stock_out_after' }, { kind: 'rate_limit', product: 'NOPE' }]) {
      const res = await control('POST', '/_sim/faults', bad);
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('invalid_request');
    }
    expect((await control('GET', '/_sim/faults')).json.faults).toEqual([]);
  });
});

describe('encrypted cards', () => {
  test('when the partner asks for encrypted cards, then code and PIN are AES-GCM sealed with its secret', async () => {
    const res = await buy('e-1', 'CARD-10', {}, SEALED_SHOP);
    const sealed = res.json.order.card;
    expect(sealed.encrypted).toBe(true);
    expect(sealed.code).not.toMatch(CARD_CODE);

    const plain = (await control('GET', '/_sim/orders')).json.orders.find((o: { reference: string }) => o.reference === 'e-1').card;
    expect(decryptCardField(SEALED_SHOP.secret, sealed.code)).toBe(plain.code);
    expect(decryptCardField(SEALED_SHOP.secret, sealed.pin)).toBe(plain.pin);
    expect(() => decryptCardField(SHOP.secret, sealed.code)).toThrow();
  });

  test('when the partner did not ask for encryption, then the card is plain', async () => {
    const res = await buy('e-2', 'CARD-10');
    expect(res.json.order.card.code).toMatch(CARD_CODE);
    expect(res.json.order.card.encrypted).toBeUndefined();
  });
});

describe('control endpoints', () => {
  test('when the simulator is reset, then orders, charges, balances, stock and faults are back to the start', async () => {
    await buy('c-1', 'CARD-LIMITED');
    await control('PUT', '/_sim/products/CARD-10', { unitPrice: 1 });
    await addFault({ kind: 'rate_limit' });
    await control('POST', '/_sim/reset');

    expect(await charges()).toEqual({ charges: {}, total: 0 });
    expect(await balanceOf()).toBe(100_000);
    expect((await control('GET', '/_sim/orders')).json.orders).toEqual([]);
    const products = (await call('GET', '/v1/products')).json.products;
    expect(products.find((p: { product: string }) => p.product === 'CARD-LIMITED').stock).toBe(2);
    expect(products.find((p: { product: string }) => p.product === 'CARD-10').unitPrice).toBe(950);
    expect((await buy('c-1', 'CARD-10')).status).toBe(200);
  });

  test('when a control call names something unknown or has a bad body, then a clear 4xx', async () => {
    expect((await control('PUT', '/_sim/products/NOPE', { unitPrice: 1 })).json.error.code).toBe('product_not_found');
    expect((await control('PUT', '/_sim/partners/nobody/balance', { balance: 1 })).json.error.code).toBe('partner_not_found');
    const negative = await control('PUT', `/_sim/partners/${SHOP.id}/balance`, { balance: -5 });
    expect(negative.status).toBe(400);
    expect(negative.json.error.code).toBe('invalid_request');
    expect(await balanceOf()).toBe(100_000);
  });
});
