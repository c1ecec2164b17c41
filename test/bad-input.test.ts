import { createMerchant, createStorefront, createSku } from '../db/seed';
import { snapshot, startTestSystem, type TestSystem } from './harness';
import { hashToken } from '../lib/tokens';
import { perMinuteBudget } from '../api/rate-limit';

// Bad input always gets a clear 4xx in the one error shape, and changes nothing.

describe('bad input to the storefront API', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
    await sys.addSku('GOOD', { codes: 5, maxPerOrder: 3 });
    await sys.addSku('USD-CARD', { codes: 5, currency: 'USD' });
    await sys.db('skus').insert({
      id: crypto.randomUUID(),
      merchant_id: sys.merchant.merchantId,
      code: 'OFF-SALE',
      name: 'Retired card',
      currency: 'CNY',
      face_value: 100,
      price: 100,
      cost: 50,
      fulfilment_mode: 'stock',
      active: false,
    });
    await sys.db('skus').insert({
      id: crypto.randomUUID(),
      merchant_id: sys.merchant.merchantId,
      code: 'TOPUP',
      name: 'Direct top-up',
      currency: 'CNY',
      face_value: 100,
      price: 100,
      cost: 50,
      fulfilment_mode: 'topup',
    });
  });
  afterAll(() => sys.stop());

  const order = (over: Record<string, unknown> = {}) => ({ externalRef: `bad-${Math.random()}`, items: [{ sku: 'GOOD', quantity: 1 }], ...over });

  const cases: [string, { raw?: string; body?: unknown; headers?: Record<string, string> }, number, string][] = [
    ['malformed JSON', { raw: '{"externalRef": "x", "items": [' }, 400, 'malformed_json'],
    ['a JSON array instead of an object', { raw: '[]' }, 400, 'validation_failed'],
    ['no body at all', { raw: '' }, 400, 'validation_failed'],
    ['missing externalRef', { body: { items: [{ sku: 'GOOD', quantity: 1 }] } }, 400, 'validation_failed'],
    ['missing items', { body: { externalRef: 'x' } }, 400, 'validation_failed'],
    ['empty items', { body: order({ items: [] }) }, 400, 'validation_failed'],
    ['zero quantity', { body: order({ items: [{ sku: 'GOOD', quantity: 0 }] }) }, 400, 'validation_failed'],
    ['negative quantity', { body: order({ items: [{ sku: 'GOOD', quantity: -2 }] }) }, 400, 'validation_failed'],
    ['fractional quantity', { body: order({ items: [{ sku: 'GOOD', quantity: 1.5 }] }) }, 400, 'validation_failed'],
    ['huge quantity', { body: order({ items: [{ sku: 'GOOD', quantity: 1e9 }] }) }, 400, 'validation_failed'],
    [
      'more than 1000 units in all',
      {
        body: order({
          items: [
            { sku: 'GOOD', quantity: 600 },
            { sku: 'USD-CARD', quantity: 600 },
          ],
        }),
      },
      400,
      'validation_failed',
    ],
    ['quantity as a string', { body: order({ items: [{ sku: 'GOOD', quantity: '1' }] }) }, 400, 'validation_failed'],
    ['an unknown field', { body: order({ coupon: 'FREE' }) }, 400, 'validation_failed'],
    ['a misspelt item field', { body: order({ items: [{ sku: 'GOOD', quantiy: 1 }] }) }, 400, 'validation_failed'],
    [
      'the same SKU twice',
      {
        body: order({
          items: [
            { sku: 'GOOD', quantity: 1 },
            { sku: 'GOOD', quantity: 1 },
          ],
        }),
      },
      400,
      'validation_failed',
    ],
    ['a malformed buyer email', { body: order({ buyer: { email: 'not-an-email' } }) }, 400, 'validation_failed'],
    ['a malformed buyer IP', { body: order({ buyer: { ip: '999.1.1.1' } }) }, 400, 'validation_failed'],
    ['an unknown SKU', { body: order({ items: [{ sku: 'NOPE', quantity: 1 }] }) }, 400, 'unknown_sku'],
    ['a SKU that is off sale', { body: order({ items: [{ sku: 'OFF-SALE', quantity: 1 }] }) }, 400, 'sku_unavailable'],
    ['a top-up SKU without the buyer account', { body: order({ items: [{ sku: 'TOPUP', quantity: 1 }] }) }, 400, 'account_required'],
    ['an account that is not a string', { body: order({ items: [{ sku: 'TOPUP', quantity: 1, account: 42 }] }) }, 400, 'validation_failed'],
    ['more than the per-order limit of a SKU', { body: order({ items: [{ sku: 'GOOD', quantity: 4 }] }) }, 400, 'quantity_exceeds_limit'],
    [
      'items in two currencies',
      {
        body: order({
          items: [
            { sku: 'GOOD', quantity: 1 },
            { sku: 'USD-CARD', quantity: 1 },
          ],
        }),
      },
      400,
      'mixed_currency',
    ],
    ['a body over the size limit', { body: order({ externalRef: 'x'.repeat(70 * 1024) }) }, 413, 'body_too_large'],
  ];

  test.each(cases)('when an order has %s, then a clear 4xx and nothing changes', async (_name, req, status, code) => {
    const before = await snapshot(sys.db);
    const res = await sys.api('POST', '/v1/orders', req);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
    expect(res.body.error.message.length).toBeGreaterThan(5);
    expect(await snapshot(sys.db)).toEqual(before);
  });

  test('when a field is wrong, then the error names the field', async () => {
    const res = await sys.api('POST', '/v1/orders', { body: order({ items: [{ sku: 'GOOD', quantity: 0 }] }) });
    expect(res.body.error.details.fields).toEqual([expect.objectContaining({ path: 'items.0.quantity' })]);
  });

  // Each refused field says why as a code with params (lib/field-codes.ts), beside the English
  // message, so the console can word it in the reader's language.
  test.each([
    ['a missing field', { items: [{ sku: 'GOOD', quantity: 1 }] }, { path: 'externalRef', code: 'required' }],
    ['a quantity below 1', order({ items: [{ sku: 'GOOD', quantity: 0 }] }), { path: 'items.0.quantity', code: 'too_small', params: { minimum: 1 } }],
    ['a fractional quantity', order({ items: [{ sku: 'GOOD', quantity: 1.5 }] }), { path: 'items.0.quantity', code: 'whole_number' }],
    ['a quantity as a string', order({ items: [{ sku: 'GOOD', quantity: '1' }] }), { path: 'items.0.quantity', code: 'expected_number' }],
    ['an unknown field', order({ coupon: 'FREE' }), { path: '', code: 'unknown_fields', params: { keys: 'coupon' } }],
    ['a malformed email', order({ buyer: { email: 'not-an-email' } }), { path: 'buyer.email', code: 'invalid_email' }],
    ['a malformed phone (a pattern with a meaning)', order({ buyer: { phone: 'call me' } }), { path: 'buyer.phone', code: 'phone' }],
    [
      'a SKU twice (a refinement)',
      order({
        items: [
          { sku: 'GOOD', quantity: 1 },
          { sku: 'GOOD', quantity: 1 },
        ],
      }),
      { path: 'items', code: 'sku_repeated' },
    ],
  ])('when an order has %s, then the refused field carries its code and params beside the English message', async (_name, body, expected) => {
    const res = await sys.api('POST', '/v1/orders', { body });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields).toEqual([{ ...expected, message: expect.any(String) }]);
    expect(res.body.errors).toEqual({ [expected.path || 'root']: res.body.error.details.fields[0].message });
  });

  test('when the console saves a bundle whose shares miss the price, a product with a taken code, or an address with credentials, then each refused field carries its code and params', async () => {
    const admin = (method: string, path: string, body: unknown) => sys.api(method, path, { key: sys.merchant.adminToken, body });
    const bundle = {
      code: 'B-SPLIT',
      name: 'Split',
      currency: 'CNY',
      faceValue: 1000,
      price: 1000,
      cost: 0,
      fulfilmentMode: 'bundle',
      bundle: {
        policy: 'undo',
        components: [
          { sku: 'GOOD', quantity: 1, priceShare: 600 },
          { sku: 'TOPUP', quantity: 1, priceShare: 300 },
        ],
      },
    };
    const before = await snapshot(sys.db);
    const split = await admin('POST', '/admin/skus', bundle);
    expect([split.status, split.body.error.details.fields]).toEqual([
      400,
      [{ path: 'bundle.components', code: 'shares_mismatch', params: { sum: '9.00', price: '10.00', currency: 'CNY' }, message: 'The shares add up to 900, not the price 1000' }],
    ]);
    const taken = await admin('POST', '/admin/skus', { ...bundle, code: 'GOOD', fulfilmentMode: 'stock', bundle: null });
    expect([taken.status, taken.body.error.code, taken.body.error.details.fields]).toEqual([
      409,
      'sku_exists',
      [{ path: 'code', code: 'code_taken', message: 'This code is already taken' }],
    ]);
    const url = await admin('PUT', `/admin/storefronts/${sys.merchant.storefrontId}`, { name: 'Shop', webhookUrl: 'https://user:secret@shop.example.com/hook' });
    expect([url.status, url.body.error.details.fields]).toEqual([400, [{ path: 'webhookUrl', code: 'credentials_in_url', message: expect.any(String) }]]);
    expect(await snapshot(sys.db)).toEqual(before);
  });

  test.each([
    ['no Authorization header', null],
    ['an unknown key', 'cf_sk_not-a-real-key'],
    ['a malformed header', 'Basic abc'],
  ])('when a request comes with %s, then 401 and nothing changes', async (_name, key) => {
    const before = await snapshot(sys.db);
    const headers = key?.startsWith('Basic') ? { authorization: key } : undefined;
    const res = await sys.api('POST', '/v1/orders', { body: order(), key: headers ? null : key, headers });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
    expect(await snapshot(sys.db)).toEqual(before);
  });

  test('when a revoked key is used, then 401', async () => {
    const { apiKey, storefrontId } = await createStorefront(sys.db, sys.vault, { merchantId: sys.merchant.merchantId, name: 'Old shop' });
    expect((await sys.api('GET', '/v1/products', { key: apiKey })).status).toBe(200);
    await sys.db('storefront_api_keys').where({ storefront_id: storefrontId }).update({ revoked_at: sys.db.fn.now() });
    expect((await sys.api('GET', '/v1/products', { key: apiKey })).status).toBe(401);
  });

  test('when an order id is malformed or unknown, then 404', async () => {
    expect((await sys.api('GET', '/v1/orders/not-a-uuid')).status).toBe(404);
    expect((await sys.api('GET', `/v1/orders/${crypto.randomUUID()}`)).body.error.code).toBe('not_found');
    expect((await sys.api('GET', '/v1/orders?externalRef=never-used')).status).toBe(404);
    expect((await sys.api('GET', '/v1/orders')).status).toBe(400);
    expect((await sys.api('GET', '/v1/nowhere')).body.error.code).toBe('route_not_found');
  });
});

describe('tenant walls', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
    await sys.addSku('SHARED-NAME', { codes: 5 });
  });
  afterAll(() => sys.stop());

  test('when another storefront asks for an order, then it is not found, even within the same merchant, and cannot cancel it', async () => {
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: 'mine-1', items: [{ sku: 'SHARED-NAME', quantity: 1 }] } });
    await sys.waitForOrder(placed.body.id, ['delivered']);
    await sys.finished(placed.body.id); // it settles after delivery: the next test counts order events
    const sibling = await createStorefront(sys.db, sys.vault, { merchantId: sys.merchant.merchantId, name: 'Sibling shop' });

    for (const key of [sibling.apiKey]) {
      expect((await sys.api('GET', `/v1/orders/${placed.body.id}`, { key })).status).toBe(404);
      expect((await sys.api('GET', '/v1/orders?externalRef=mine-1', { key })).status).toBe(404);
      expect((await sys.api('POST', `/v1/orders/${placed.body.id}/cancel`, { key, body: {} })).status).toBe(404);
    }
    // Its own externalRef space: the same ref is a new order, not the other shop's.
    const own = await sys.api('POST', '/v1/orders', { key: sibling.apiKey, body: { externalRef: 'mine-1', items: [{ sku: 'SHARED-NAME', quantity: 1 }] } });
    expect(own.status).toBe(202);
    expect(own.body.id).not.toBe(placed.body.id);
    await sys.finished(own.body.id);
  });

  test("when merchant B's storefront orders merchant A's SKU code, then it is unknown and A's stock is untouched", async () => {
    const b = await createMerchant(sys.db, sys.vault, { name: 'Merchant B', ownerEmail: 'owner@b.example.com' });
    const before = await snapshot(sys.db);
    const res = await sys.api('POST', '/v1/orders', { key: b.apiKey, body: { externalRef: 'b-1', items: [{ sku: 'SHARED-NAME', quantity: 1 }] } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('unknown_sku');
    expect(await snapshot(sys.db)).toEqual(before);
    expect((await sys.api('GET', '/v1/products', { key: b.apiKey })).body.data).toEqual([]);

    // B's own SKU of the same code is B's alone.
    await createSku(sys.db, { merchantId: b.merchantId, code: 'SHARED-NAME', name: 'B card', faceValue: 1, price: 1, cost: 1 });
    const bProducts = (await sys.api('GET', '/v1/products', { key: b.apiKey })).body.data;
    expect(bProducts).toEqual([expect.objectContaining({ sku: 'SHARED-NAME', name: 'B card', available: 0 })]);
    const aProducts = (await sys.api('GET', '/v1/products')).body.data;
    expect(aProducts).toEqual([expect.objectContaining({ sku: 'SHARED-NAME', name: 'Test SHARED-NAME' })]);
  });
});

describe('rate limit and health', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ ratePerMinute: 5 });
  });
  afterAll(() => sys.stop());

  test('when a key sends more than its per-minute budget, then 429 with Retry-After, and other keys are unaffected', async () => {
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push(await sys.api('GET', '/v1/products'));
    expect(answers.slice(0, 5).every((a) => a.status === 200)).toBe(true);
    const limited = answers[5];
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    const other = await createStorefront(sys.db, sys.vault, { merchantId: sys.merchant.merchantId, name: 'Other shop' });
    expect((await sys.api('GET', '/v1/products', { key: other.apiKey })).status).toBe(200);
  });

  // The key is looked up and a point of its budget taken at the same time (api/storefront/auth.ts).
  test('when the key lookup is held up, then the key’s budget is taken meanwhile, and the answer comes once the lookup does', async () => {
    const shop = await createStorefront(sys.db, sys.vault, { merchantId: sys.merchant.merchantId, name: 'Held-up shop' });
    const points = async () => {
      const row = await sys
        .db('request_rate_limits')
        .where('key', 'like', `%storefront-key:${hashToken(shop.apiKey)}`)
        .first('points');
      return row?.points;
    };
    const lock = await sys.db.transaction();
    try {
      await lock.raw('LOCK TABLE storefront_api_keys IN ACCESS EXCLUSIVE MODE');
      const answer = sys.api('GET', '/v1/products', { key: shop.apiKey });
      // Taken one after the other, the point would wait for the lookup, which waits for the lock.
      let taken: number | undefined;
      for (let i = 0; i < 100 && taken === undefined; i++) {
        taken = await points();
        if (taken === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      expect(taken).toBe(1);
      await lock.commit();
      const res = await answer;
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-remaining')).toBe('4');
    } finally {
      if (!lock.isCompleted()) await lock.rollback();
    }
  });

  test('when an unknown key has spent its budget, then it is still answered 401, with no rate-limit headers', async () => {
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push(await sys.api('GET', '/v1/products', { key: 'cf_sk_not-a-key' }));
    expect(answers.map((a) => a.status)).toEqual(Array(7).fill(401));
    expect(answers.map((a) => a.body.error.code)).toEqual(Array(7).fill('unauthorized'));
    for (const a of answers) for (const h of ['retry-after', 'ratelimit-limit', 'ratelimit-remaining']) expect(a.headers.get(h)).toBeNull();
  });

  test('when budgets expired an hour ago, then they are cleared within five minutes, so made-up keys leave no lasting rows', async () => {
    const stale = `storefront-key:${hashToken('cf_sk_made-up')}`;
    const live = `storefront-key:${hashToken('cf_sk_in-use')}`;
    await sys.db('request_rate_limits').insert([
      { key: `rlflx:${stale}`, points: 1, expire: Date.now() - 2 * 3_600_000 },
      { key: `rlflx:${live}`, points: 1, expire: Date.now() + 60_000 },
    ]);
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      perMinuteBudget(sys.db, 5);
      jest.advanceTimersByTime(5 * 60_000);
    } finally {
      jest.useRealTimers();
    }
    const keys = async (): Promise<string[]> =>
      sys
        .db('request_rate_limits')
        .whereIn('key', [`rlflx:${stale}`, `rlflx:${live}`])
        .pluck('key');
    let left = await keys();
    for (let i = 0; i < 100 && left.length > 1; i++) {
      await new Promise((r) => setTimeout(r, 50));
      left = await keys();
    }
    expect(left).toEqual([`rlflx:${live}`]);
  });

  test('when Postgres and Temporal are reachable, then /healthz and /readyz say so', async () => {
    expect((await sys.api('GET', '/healthz', { key: null })).body).toEqual({ status: 'ok' });
    const ready = await sys.api('GET', '/readyz', { key: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', postgres: 'ok', temporal: 'ok' });
  });
});
