import crypto from 'node:crypto';
import { found as foundRow } from './found';
import { createMerchant, createSku } from '../db/seed';
import { importCodes } from '../stock/import-codes';
import { openCode } from '../stock/code-secret';
import { addAdmin, useRules } from './risk-helpers';
import { startTestSystem, type TestSystem } from './harness';

// Finding anything and acting on many things at once, through the admin API the console uses:
// one search box for reference, id, buyer email, phone, account, IP and a code (by its
// fingerprint); "who bought code X" and voiding it; batch pages; and bulk actions that answer
// per order, each refused or done by the same rule as the order's own button.

jest.setTimeout(120_000);
const hex = () => crypto.randomBytes(4).toString('hex');
const filter = (f: unknown) => `filter=${encodeURIComponent(JSON.stringify(f))}`;

describe('one search, code lookup and bulk actions', () => {
  let sys: TestSystem;
  let other: Awaited<ReturnType<typeof createMerchant>>;
  let otherOrderId: string;
  const admin = (method: string, path: string, body?: unknown, key = sys.merchant.adminToken) => sys.api(method, path, { key, body });
  const search = async (q: string, key = sys.merchant.adminToken) => {
    const res = await admin('GET', `/admin/orders?${filter({ q })}`, undefined, key);
    expect(res.status).toBe(200);
    return (res.body as { id: string }[]).map((o) => o.id);
  };
  const place = async (buyer: Record<string, unknown>, sku = 'FIND-1', key?: string) => {
    const placed = await sys.api('POST', '/v1/orders', { key, body: { externalRef: `find-${hex()}`, items: [{ sku, quantity: 1 }], buyer } });
    expect(placed.status).toBe(202);
    await sys.finished(placed.body.id);
    return placed.body.id as string;
  };
  /** The plaintext of the code delivered to an order's first unit, as the storefront got it. */
  const deliveredCode = async (orderId: string) => (await sys.api('GET', `/v1/orders/${orderId}`)).body.items[0].units[0].code.number as string;

  let alice: string;
  let bob: string;
  beforeAll(async () => {
    sys = await startTestSystem();
    await sys.addSku('FIND-1', { codes: 30 });
    alice = await place({ email: 'Alice.Buyer@Example.com', phone: '+86 138-0013-8000', accountId: 'acct-alice-7', ip: '203.0.113.7' });
    bob = await place({ email: 'bob@example.net', phone: '13900139000', accountId: 'acct-bob-1', ip: '2001:db8::1' });
    // Another merchant whose buyer has the same email, phone, account and IP as Alice.
    other = await createMerchant(sys.db, sys.vault, { name: `Other ${hex()}`, ownerEmail: `other-${hex()}@example.com` });
    await createSku(sys.db, { merchantId: other.merchantId, code: 'FIND-1', name: 'Other find', faceValue: 100, price: 100, cost: 50 });
    await importCodes(sys.db, sys.vault, { merchantId: other.merchantId, sku: 'FIND-1', content: `OTHER-${hex()}-CODE,1`, format: 'csv', importedBy: 'test' });
    otherOrderId = await place({ email: 'alice.buyer@example.com', phone: '+86 138-0013-8000', accountId: 'acct-alice-7', ip: '203.0.113.7' }, 'FIND-1', other.apiKey);
  });
  afterAll(() => sys?.stop());

  test('when support types an email, a phone (as typed or without its country code), an account, an IP, a reference or the order id, then exactly that order is found', async () => {
    expect(await search('alice.buyer@example.com')).toEqual([alice]);
    expect(await search('ALICE.BUYER@')).toEqual([alice]);
    expect(await search('+86 138-0013-8000')).toEqual([alice]);
    expect(await search('13800138000')).toEqual([alice]);
    expect(await search('acct-alice-7')).toEqual([alice]);
    expect(await search('203.0.113.7')).toEqual([alice]);
    expect(await search('2001:DB8:0:0::1')).toEqual([bob]);
    expect(await search(bob)).toEqual([bob]);
    const ref = foundRow(await sys.db('orders').where({ id: bob }).first('external_ref'), 'row').external_ref;
    expect(await search(ref)).toEqual([bob]);
    expect(await search('nobody-at-all@example.org')).toEqual([]);
  });

  test('when a delivered code is typed, in another case or with full-width characters, then its order is found by fingerprint; no code is decrypted to answer', async () => {
    const code = await deliveredCode(alice);
    expect(await search(code)).toEqual([alice]);
    expect(await search(code.toLowerCase())).toEqual([alice]);
    const fullWidth = code.replace(/[A-Za-z0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    expect(await search(fullWidth)).toEqual([alice]);
    // A code still in stock belongs to no order.
    const inStock = foundRow(await sys.db('codes').where({ merchant_id: sys.merchant.merchantId, status: 'available' }).first('id', 'key_id', 'secret'), 'row');
    expect(await search(openCode(sys.vault, inStock).number)).toEqual([]);
  });

  test("when merchant B's staff search for A's buyer or A's code, then they find only B's own order, never A's (the tenant wall)", async () => {
    // Positive control: B's search works and finds B's order by the same email, phone, account and IP.
    for (const q of ['alice.buyer@example.com', '13800138000', 'acct-alice-7', '203.0.113.7']) expect(await search(q, other.adminToken)).toEqual([otherOrderId]);
    // And A's do not see B's.
    for (const q of ['alice.buyer@example.com', '13800138000', 'acct-alice-7', '203.0.113.7']) expect(await search(q, sys.merchant.adminToken)).toEqual([alice]);
    expect(await search(await deliveredCode(alice), other.adminToken)).toEqual([]);
    expect(await search(alice, other.adminToken)).toEqual([]);
    const lookup = await admin('POST', '/admin/codes/lookup', { code: await deliveredCode(alice) }, other.adminToken);
    expect(lookup.body).toEqual({ codes: [] });
  });

  test('when the buyer filter is given the beginning of an email or the last digits of a phone, then it finds that buyer', async () => {
    const byEmail = await admin('GET', `/admin/orders?${filter({ buyer: 'bob@example' })}`);
    expect(byEmail.body.map((o: any) => o.id)).toEqual([bob]);
    const byPhone = await admin('GET', `/admin/orders?${filter({ buyer: '0013-8000' })}`);
    expect(byPhone.body.map((o: any) => o.id)).toEqual([alice]);
    const byAccount = await admin('GET', `/admin/orders?${filter({ buyer: 'acct-bob-1' })}`);
    expect(byAccount.body.map((o: any) => o.id)).toEqual([bob]);
  });

  test('when an operator looks a sold code up, then they learn which order, which buyer and when, masked; a code in stock can be voided from there, a sold one is refused per code', async () => {
    const operator = await addAdmin(sys, 'operator');
    const code = await deliveredCode(bob);
    const found = await admin('POST', '/admin/codes/lookup', { code: ` ${code.toLowerCase()} ` }, operator.token);
    expect(found.status).toBe(200);
    expect(found.body.codes).toHaveLength(1);
    const hit = found.body.codes[0];
    expect(hit).toMatchObject({ sku: 'FIND-1', status: 'allocated', order: { id: bob, status: 'delivered', buyer: { email: 'bob@example.net' } } });
    expect(hit.order.deliveredAt).toEqual(expect.any(String));
    expect(hit.mask).toMatch(/^\*+.{4}$/);
    expect(JSON.stringify(found.body)).not.toContain(code);

    const stockRow = foundRow(await sys.db('codes').where({ merchant_id: sys.merchant.merchantId, status: 'available' }).first('id', 'key_id', 'secret'), 'row');
    const stockText = openCode(sys.vault, stockRow).number;
    const inStock = await admin('POST', '/admin/codes/lookup', { code: stockText }, operator.token);
    expect(inStock.body.codes).toEqual([expect.objectContaining({ id: stockRow.id, status: 'available', order: null })]);
    const before = foundRow(await sys.db('skus').where({ merchant_id: sys.merchant.merchantId, code: 'FIND-1' }).first(), 'row').stock_available;

    // Support may look codes up, but not void them.
    const support = await addAdmin(sys, 'support');
    expect((await admin('POST', '/admin/codes/lookup', { code: stockText }, support.token)).status).toBe(200);
    expect((await admin('POST', '/admin/codes/void', { ids: [stockRow.id], reason: 'supplier recalled it' }, support.token)).status).toBe(403);

    const voided = await admin('POST', '/admin/codes/void', { ids: [stockRow.id, hit.id], reason: 'supplier recalled it' }, operator.token);
    expect(voided.status).toBe(200);
    expect(voided.body).toMatchObject({ voided: 1, skipped: 1 });
    expect(voided.body.results).toEqual([
      { id: stockRow.id, outcome: 'voided' },
      { id: hit.id, outcome: 'skipped', code: 'not_in_stock', status: 'allocated' },
    ]);
    expect(foundRow(await sys.db('skus').where({ merchant_id: sys.merchant.merchantId, code: 'FIND-1' }).first(), 'row').stock_available).toBe(before - 1);
    const audit = await sys.db('audit_log').where({ action: 'codes.voided', actor: `user:${operator.email}` });
    expect(audit).toHaveLength(1);
    expect(audit[0].detail).toMatchObject({ voided: 1, codeIds: [stockRow.id] });
    expect((await admin('POST', '/admin/codes/lookup', { code: 'abc' }, operator.token)).status).toBe(400);
  });

  test('when a batch is opened and voided, then its page shows its counts, its codes list is filtered to it, and only its codes still in stock are voided', async () => {
    await sys.addSku('FIND-B', { codes: 4 });
    const batch = foundRow(await sys.db('stock_batches as b').join('skus as s', 's.id', 'b.sku_id').where('s.code', 'FIND-B').first('b.id'), 'row');
    const sold = await place({ email: 'batch-buyer@example.com' }, 'FIND-B');
    const page = await admin('GET', `/admin/batches/${batch.id}`);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ id: batch.id, sku: 'FIND-B', importedCount: 4, counts: { available: 3, allocated: 1, voided: 0 } });
    const codes = await admin('GET', `/admin/codes?${filter({ batchId: batch.id })}`);
    expect(codes.body).toHaveLength(4);
    expect((await admin('GET', `/admin/batches/${batch.id}`, undefined, other.adminToken)).status).toBe(404);
    expect((await admin('POST', `/admin/batches/${batch.id}/void`, { reason: 'recalled' }, other.adminToken)).status).toBe(404);

    const voided = await admin('POST', `/admin/batches/${batch.id}/void`, { reason: 'the supplier recalled the batch' });
    expect(voided.status).toBe(200);
    expect(voided.body).toMatchObject({ voided: 3, skipped: 1, bySku: { 'FIND-B': 3 } });
    expect((await admin('GET', `/admin/batches/${batch.id}`)).body.counts).toEqual({ available: 0, expired: 0, allocated: 1, voided: 3 });
    expect(foundRow(await sys.db('orders').where({ id: sold }).first(), 'row').status).toBe('delivered');
    expect(foundRow(await sys.db('skus').where({ merchant_id: sys.merchant.merchantId, code: 'FIND-B' }).first(), 'row').stock_available).toBe(0);
  });

  test('when support refunds several orders at once, then each answers on its own: one refunded, one refused by the lifecycle (already refunded), one not found (another merchant)', async () => {
    const first = await place({ email: 'bulk-1@example.com' });
    const second = await place({ email: 'bulk-2@example.com' });
    const support = await addAdmin(sys, 'support');
    expect((await admin('POST', `/admin/orders/${second}/refund`, { reason: 'refunded by hand first' }, support.token)).status).toBe(200);

    const viewer = await addAdmin(sys, 'viewer');
    const denied = await admin('POST', '/admin/orders/bulk', { action: 'refund', ids: [first], reason: 'not a viewer job' }, viewer.token);
    expect(denied.status).toBe(403);
    expect(foundRow(await sys.db('orders').where({ id: first }).first(), 'row').status).toBe('delivered');

    const res = await admin('POST', '/admin/orders/bulk', { action: 'refund', ids: [first, second, otherOrderId], reason: 'the buyer was charged twice' }, support.token);
    expect(res.status).toBe(200);
    expect(res.body.action).toBe('refund');
    expect(res.body.results).toEqual([
      { id: first, externalRef: expect.any(String), ok: true },
      { id: second, externalRef: expect.any(String), ok: false, error: expect.objectContaining({ code: 'already_refunded' }) },
      { id: otherOrderId, externalRef: null, ok: false, error: expect.objectContaining({ code: 'not_found' }) },
    ]);
    expect(foundRow(await sys.db('orders').where({ id: first }).first(), 'row').status).toBe('refunded');
    expect(foundRow(await sys.db('orders').where({ id: otherOrderId }).first(), 'row').status).toBe('delivered');
    const refunds = await sys.db('refunds').where({ order_id: first });
    expect(refunds).toHaveLength(1);
    expect(refunds[0].reason).toBe('the buyer was charged twice');
    // Retry is refused for a delivered order by the same rule as its button.
    const retry = await admin('POST', '/admin/orders/bulk', { action: 'retry', ids: [alice], reason: 'just in case' }, support.token);
    expect(retry.body.results).toEqual([{ id: alice, externalRef: expect.any(String), ok: false, error: expect.objectContaining({ code: 'not_retryable' }) }]);
  });

  test('when support approves held orders in bulk with one note, then each held one is delivered with that note, and an order not held is refused on its own', async () => {
    await useRules(sys, [{ name: 'Hold foreign cards', kind: 'country_mismatch', params: { between: ['ip', 'card'] }, action: 'review' }], {
      model: { enabled: false, maxScore: 40 },
    });
    const held: string[] = [];
    for (let i = 0; i < 2; i++) {
      const placed = await sys.api('POST', '/v1/orders', {
        body: {
          externalRef: `held-${hex()}`,
          items: [{ sku: 'FIND-1', quantity: 1 }],
          buyer: { ipCountry: 'US', cardCountry: 'CN', email: `traveller-${i}-${hex()}@example.com`, ip: `198.51.100.${20 + i}` },
        },
      });
      await sys.waitForOrder(placed.body.id, ['held']);
      held.push(placed.body.id);
    }
    const support = await addAdmin(sys, 'support');
    // The review page's context: what was bought, the buyer's history here (by the risk rules' buyer key:
    // the account, else the email), and the next in the queue.
    const page = await admin('GET', `/admin/risk/reviews/${held[0]}`, undefined, support.token);
    expect(page.body).toMatchObject({ items: [{ sku: 'FIND-1', quantity: 1 }], history: { orders: 0 }, nextId: held[1] });
    const alicesAgain = await sys.api('POST', '/v1/orders', {
      body: {
        externalRef: `held-${hex()}`,
        items: [{ sku: 'FIND-1', quantity: 1 }],
        buyer: { ipCountry: 'US', cardCountry: 'CN', accountId: 'acct-alice-7', ip: '198.51.100.30' },
      },
    });
    await sys.waitForOrder(alicesAgain.body.id, ['held']);
    const known = await admin('GET', `/admin/risk/reviews/${alicesAgain.body.id}`, undefined, support.token);
    expect(known.body.history).toMatchObject({ orders: 1, delivered: 1, recent: [{ id: alice, status: 'delivered' }] });
    const res = await admin('POST', '/admin/orders/bulk', { action: 'approve', ids: [...held, alice], reason: 'known buyers on holiday' }, support.token);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: any) => [r.id, r.ok, r.error?.code])).toEqual([
      [held[0], true, undefined],
      [held[1], true, undefined],
      [alice, false, 'not_held'],
    ]);
    for (const id of held) await sys.waitForOrder(id, ['delivered']);
    const reviews = await sys.db('risk_reviews').whereIn('order_id', held).select('status', 'note');
    expect(reviews).toEqual([
      { status: 'approved', note: 'known buyers on holiday' },
      { status: 'approved', note: 'known buyers on holiday' },
    ]);
  });
});
