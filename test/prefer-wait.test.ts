import crypto from 'node:crypto';
import { StorefrontClient } from '../clients/typescript/storefront-client';
import { startTestSystem, type TestSystem } from './harness';
import { admin, useRules } from './risk-helpers';

// `Prefer: wait=N` on the storefront's order answers (api/storefront/wait-for-delivery.ts): the
// checkout gets the codes in the answer to its own request when the order is delivered within N
// seconds, and the usual answer otherwise. Real API, worker, Temporal and Postgres.

describe('an order answer that waits for the delivery (Prefer: wait)', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    sys = await startTestSystem();
    await sys.addSku('QUICK', { codes: 10 });
    await sys.addSku('BY-HAND', { mode: 'manual' });
    // Orders paid with a card from another country than the buyer's IP are held for review.
    await useRules(sys, [{ name: 'Hold foreign cards', kind: 'country_mismatch', params: { between: ['ip', 'card'] }, action: 'review' }]);
  });
  afterAll(() => sys.stop());

  const order = (sku: string, prefer?: string, buyer?: Record<string, unknown>) =>
    sys.api('POST', '/v1/orders', {
      body: { externalRef: `wait-${crypto.randomBytes(6).toString('hex')}`, items: [{ sku, quantity: 1 }], buyer },
      headers: prefer ? { prefer } : {},
    });

  test('when the order is delivered within the wait, then POST answers 200 with the delivered order and its code', async () => {
    const res = await order('QUICK', 'wait=10');
    expect(res.status).toBe(200);
    expect(res.headers.get('preference-applied')).toBe('wait=10');
    expect(res.headers.get('location')).toBe(`/v1/orders/${res.body.id}`);
    expect(res.body).toMatchObject({ status: 'delivered', items: [{ sku: 'QUICK', units: [{ status: 'delivered', code: { number: expect.stringMatching(/^QUICK-CARD-/) } }] }] });
    // The same answer as reading the order afterwards.
    const read = await sys.api('GET', `/v1/orders/${res.body.id}`);
    expect(res.body.items).toEqual(read.body.items);

    // Positive control: without the preference, the answer is the usual 202, before delivery.
    const plain = await order('QUICK');
    expect(plain.status).toBe(202);
    expect(plain.body.status).toBe('accepted');
    expect(plain.headers.get('preference-applied')).toBeNull();
  });

  test('when the order is not delivered within the wait, then POST answers 202 as without it; a GET that waits is answered by the delivery', async () => {
    const res = await order('BY-HAND', 'wait=1');
    expect(res.status).toBe(202);
    expect(res.headers.get('preference-applied')).toBe('wait=1');
    expect(['accepted', 'processing']).toContain(res.body.status);
    expect(res.body.items[0].units[0].code).toBeNull();

    // A GET that waits up to 10 s, while staff enter the code by hand.
    await sys.waitForOrder(res.body.id, ['processing']);
    const asked = Date.now();
    const waiting = sys.api('GET', `/v1/orders/${res.body.id}`, { headers: { prefer: 'wait=10' } });
    for (let i = 0; i < 100 && !(await sys.db('manual_tasks').where({ order_id: res.body.id, status: 'open' }).first()); i++) await new Promise((r) => setTimeout(r, 100));
    const given = await admin(sys, 'POST', `/admin/orders/${res.body.id}/manual-fulfilment`, { codes: [{ number: 'HAND-ENTERED-1' }], unitCost: 700 });
    expect(given.status).toBe(200);
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(answer.headers.get('preference-applied')).toBe('wait=10');
    expect(answer.body).toMatchObject({ status: 'delivered', items: [{ units: [{ code: { number: 'HAND-ENTERED-1' } }] }] });
    // Woken by the delivery, not by the end of the wait.
    expect(Date.now() - asked).toBeLessThan(10_000);
  });

  test('when the order is held for review, then POST answers 202 with the order held, as soon as the risk check holds it', async () => {
    const asked = Date.now();
    const res = await order('QUICK', 'wait=10', { ipCountry: 'US', cardCountry: 'CN', email: 'buyer@example.com' });
    expect(res.status).toBe(202);
    expect(res.headers.get('preference-applied')).toBe('wait=10');
    expect(res.body.status).toBe('held');
    expect(res.body.items[0].units[0].code).toBeNull();
    // Answered by the hold, not by the end of the wait: no codes are coming until a reviewer acts.
    expect(Date.now() - asked).toBeLessThan(10_000);
  });

  test('when the wait asked for is longer than 10 s, then 10 s is applied; a malformed preference is ignored', async () => {
    const long = await order('QUICK', 'respond-async, wait=600');
    expect(long.status).toBe(200);
    expect(long.headers.get('preference-applied')).toBe('wait=10');

    const malformed = await order('QUICK', 'wait=soon');
    expect(malformed.status).toBe(202);
    expect(malformed.headers.get('preference-applied')).toBeNull();
  });

  test('when the TypeScript client asks to wait, then it gets the delivered order and still tells a new order from a repeat', async () => {
    const client = new StorefrontClient({ baseUrl: sys.baseUrl, apiKey: sys.merchant.apiKey });
    const request = { externalRef: `client-wait-${crypto.randomBytes(4).toString('hex')}`, items: [{ sku: 'QUICK', quantity: 1 }] };
    const first = await client.createOrder(request, { waitSeconds: 10 });
    expect(first.created).toBe(true);
    expect(first.order.status).toBe('delivered');
    expect(first.order.items[0].units[0].code?.number).toMatch(/^QUICK-CARD-/);
    const repeat = await client.createOrder(request, { waitSeconds: 10 });
    expect(repeat.created).toBe(false);
    expect(repeat.order.id).toBe(first.order.id);
    expect((await client.getOrder(first.order.id, { waitSeconds: 3 })).status).toBe('delivered');
  });
});
