import crypto from 'node:crypto';
import { createMerchant, createSku } from '../db/seed';
import { escalateManualTask } from '../orders/manual-fulfilment';
import { startTestSystem, type TestSystem } from './harness';
import { addSupplier, card, chargedOnce, route, topup, type TestSupplier } from './supplier-helpers';
import { found } from './found';

// Each fulfilment mode end to end through the storefront API and the workflow: direct top-up,
// redemption link, stock with supplier fallback, manual fulfilment by staff; plus the admin API
// that configures suppliers and routes.

let sys: TestSystem;
let gamer: TestSupplier;
let n = 0;

beforeAll(async () => {
  sys = await startTestSystem();
  gamer = await addSupplier(
    sys,
    'GameHub',
    [
      topup('TOPUP-60', 90),
      topup('TOPUP-ASYNC', 90, { async: true, asyncDelayMs: 100 }),
      card('LINK-VIP', 500, { redeemUrl: 'https://vip.example.com/redeem' }),
      card('CARD-5', 450),
    ],
    { encryptCards: true },
  );
});

afterAll(async () => {
  await sys?.stop();
  await gamer?.stop();
});

async function place(items: { sku: string; quantity: number; account?: string }[]) {
  return sys.api('POST', '/v1/orders', { body: { externalRef: `m-${++n}`, items } });
}

async function placeAndFinish(items: { sku: string; quantity: number; account?: string }[]) {
  const res = await place(items);
  expect(res.status).toBe(202);
  await sys.finished(res.body.id);
  return (await sys.api('GET', `/v1/orders/${res.body.id}`)).body;
}

const admin = (method: string, path: string, body?: unknown) => sys.api(method, path, { key: sys.merchant.adminToken, body });

/** The order waits visibly: its manual task is open (the workflow's step says so a moment earlier). */
async function waitingOnPerson(orderId: string) {
  for (let i = 0; i < 300; i++) {
    if (await sys.db('manual_tasks').where({ order_id: orderId, status: 'open' }).first('id')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`order ${orderId} has no open manual task after 30 s`);
}

describe('direct top-up (直充)', () => {
  beforeAll(async () => {
    await sys.addSku('DIAMONDS-60', { mode: 'topup', currency: 'USD', price: 99 });
    await route(sys, 'DIAMONDS-60', [{ supplier: gamer, product: 'TOPUP-60', maxUnitCost: 95 }]);
    await sys.addSku('DIAMONDS-ASYNC', { mode: 'topup', currency: 'USD', price: 99 });
    await route(sys, 'DIAMONDS-ASYNC', [{ supplier: gamer, product: 'TOPUP-ASYNC', maxUnitCost: 95 }]);
  });

  test('when a top-up is ordered for a valid account, then it is topped up once and delivered with the receipt', async () => {
    const o = await placeAndFinish([{ sku: 'DIAMONDS-60', quantity: 1, account: '12345678' }]);
    expect(o.status).toBe('delivered');
    expect(o.items[0].account).toBe('12345678');
    expect(o.items[0].units[0]).toMatchObject({ status: 'delivered', code: null, receipt: { account: '12345678', receipt: expect.any(String) } });
    expect(chargedOnce(await gamer.charges())).toBe(true);
    expect(await sys.db('settlements').where({ order_id: o.id }).first('cost')).toEqual({ cost: 90 });
  });

  test('when an asynchronous top-up completes by callback, then the order is delivered with its receipt', async () => {
    const o = await placeAndFinish([{ sku: 'DIAMONDS-ASYNC', quantity: 2, account: '87654321' }]);
    expect(o.status).toBe('delivered');
    expect(o.items[0].units.every((u: any) => u.receipt?.account === '87654321')).toBe(true);
  });

  test('when the account is rejected at checkout, then the order is refused with invalid_account and nothing is created or charged', async () => {
    const before = (await gamer.charges()).total;
    const ordersBefore = await sys.db('orders').count('* as n').first();
    const res = await place([{ sku: 'DIAMONDS-60', quantity: 1, account: '0999' }]);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_account');
    expect(await sys.db('orders').count('* as n').first()).toEqual(ordersBefore);
    expect((await gamer.charges()).total).toBe(before);
  });

  test('when the game turns the top-up down after taking it, then the order fails with that reason and the unit is never charged twice', async () => {
    const o = await placeAndFinish([{ sku: 'DIAMONDS-ASYNC', quantity: 1, account: 'player-fail-1' }]);
    expect(o.status).toBe('failed');
    expect(o.reason).toMatch(/GameHub: topup_rejected/);
    expect(chargedOnce(await gamer.charges())).toBe(true);
  });

  test('when a top-up SKU is ordered without an account, or a card SKU with one, then 400 and nothing changes', async () => {
    await sys.addSku('PLAIN-CARD', { codes: 1 });
    const missing = await place([{ sku: 'DIAMONDS-60', quantity: 1 }]);
    expect([missing.status, missing.body.error.code]).toEqual([400, 'account_required']);
    const extra = await place([{ sku: 'PLAIN-CARD', quantity: 1, account: '123' }]);
    expect([extra.status, extra.body.error.code]).toEqual([400, 'account_not_applicable']);
    expect(await sys.db('skus').where({ code: 'PLAIN-CARD' }).first('stock_available')).toEqual({ stock_available: 1 });
  });
});

describe('redemption link', () => {
  test('when a link SKU is ordered, then the buyer gets the supplier redemption URL with the code (decrypted from the supplier answer)', async () => {
    await sys.addSku('VIP-LINK', { mode: 'link', currency: 'USD', price: 600 });
    await route(sys, 'VIP-LINK', [{ supplier: gamer, product: 'LINK-VIP', maxUnitCost: 550 }]);
    const o = await placeAndFinish([{ sku: 'VIP-LINK', quantity: 1 }]);
    expect(o.status).toBe('delivered');
    expect(o.items[0].units[0].code).toMatchObject({ url: 'https://vip.example.com/redeem', number: expect.stringMatching(/^[A-Z0-9-]{16,}$/) });
  });
});

describe('stock with supplier fallback', () => {
  test('when stock runs out, then the units stock cannot cover are bought, and stock never goes negative', async () => {
    await sys.addSku('HYBRID', { codes: 1, supplierFallback: true, currency: 'USD', price: 600 });
    await route(sys, 'HYBRID', [{ supplier: gamer, product: 'CARD-5', maxUnitCost: 500 }]);
    const o = await placeAndFinish([{ sku: 'HYBRID', quantity: 3 }]);
    expect(o.status).toBe('delivered');
    const units = await sys.db('order_units').where({ order_id: o.id }).orderBy('seq').pluck('source');
    expect(units).toEqual(['stock', 'supplier', 'supplier']);
    expect(await sys.db('skus').where({ code: 'HYBRID' }).first('stock_available')).toEqual({ stock_available: 0 });
    const settlement = found(await sys.db('settlements').where({ order_id: o.id }).first('cost'), 'settlement');
    expect(settlement.cost).toBe(800 + 2 * 450); // the imported code at its batch cost, two bought at 450
  });

  test('when many buyers of a fallback SKU arrive at once as its stock runs out, then every one is accepted, none twice from stock, and no two deadlock', async () => {
    await sys.addSku('HYBRID-RUSH', { codes: 5, supplierFallback: true, currency: 'USD', price: 600 });
    await route(sys, 'HYBRID-RUSH', [{ supplier: gamer, product: 'CARD-5', maxUnitCost: 500 }]);
    // Two units each: some orders find stock for both, some for one (a stock and a supplier
    // unit, reserved in a transaction), some for none.
    const answers = await Promise.all(Array.from({ length: 30 }, () => place([{ sku: 'HYBRID-RUSH', quantity: 2 }])));
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(202));
    const sources = await sys.db('order_units as u').join('skus as s', 's.id', 'u.sku_id').where('s.code', 'HYBRID-RUSH').pluck('u.source');
    expect(sources.filter((x) => x === 'stock')).toHaveLength(5);
    expect(sources.filter((x) => x === 'supplier')).toHaveLength(55);
    expect(await sys.db('skus').where({ code: 'HYBRID-RUSH' }).first('stock_available')).toEqual({ stock_available: 0 });
    await Promise.all(answers.map((a) => sys.waitForOrder(a.body.id, ['delivered'], 60_000)));
  }, 90_000);

  test('when a plain stock SKU is sold out, then it is still refused at once (no fallback without the flag)', async () => {
    await sys.addSku('ONLY-STOCK', { codes: 0, currency: 'USD' });
    await route(sys, 'ONLY-STOCK', [{ supplier: gamer, product: 'CARD-5', maxUnitCost: 500 }]);
    const res = await place([{ sku: 'ONLY-STOCK', quantity: 1 }]);
    expect([res.status, res.body.error.code]).toEqual([409, 'sold_out']);
  });
});

describe('manual fulfilment', () => {
  test('when staff enter the codes, then the order is delivered with them; a wrong count is refused', async () => {
    await sys.addSku('HAND-CARD', { mode: 'manual', price: 800 });
    const res = await place([{ sku: 'HAND-CARD', quantity: 2 }]);
    expect(res.status).toBe(202);
    const orderId = res.body.id;
    // Visibly waiting on a person.
    await waitingOnPerson(orderId);
    const tasks = await admin('GET', '/admin/manual-tasks');
    const task = tasks.body.find((t: any) => t.orderId === orderId);
    expect(task).toMatchObject({ status: 'open', units: [expect.objectContaining({ needs: 'code' }), expect.objectContaining({ needs: 'code' })] });

    const short = await admin('POST', `/admin/orders/${orderId}/manual-fulfilment`, { codes: [{ number: 'HAND-0001' }] });
    expect([short.status, short.body.error.code]).toEqual([400, 'manual_entry_mismatch']);

    const done = await admin('POST', `/admin/orders/${orderId}/manual-fulfilment`, {
      codes: [
        { number: 'HAND-0001', pin: '11' },
        { number: 'HAND-0002', pin: '22' },
      ],
      unitCost: 700,
    });
    expect(done.status).toBe(200);
    await sys.finished(orderId);
    const o = (await sys.api('GET', `/v1/orders/${orderId}`)).body;
    expect(o.status).toBe('delivered');
    expect(o.items[0].units.map((u: any) => u.code.number).sort()).toEqual(['HAND-0001', 'HAND-0002']);
    expect(await sys.db('settlements').where({ order_id: orderId }).first('cost')).toEqual({ cost: 1400 });
    expect(
      await sys
        .db('audit_log')
        .where({ target: `order:${orderId}`, action: 'order.manual_fulfilment' })
        .first('actor'),
    ).toEqual({ actor: `user:${sys.merchant.ownerEmail}` });
    // Entering again is refused: the order no longer waits.
    const again = await admin('POST', `/admin/orders/${orderId}/manual-fulfilment`, { codes: [{ number: 'X' }, { number: 'Y' }] });
    expect([again.status, again.body.error.code]).toEqual([409, 'not_awaiting_manual_fulfilment']);
  });

  test('when staff confirm a top-up by hand, then the order is delivered with their receipt', async () => {
    await sys.addSku('HAND-TOPUP', { mode: 'manual', price: 100 });
    const res = await place([{ sku: 'HAND-TOPUP', quantity: 1, account: 'acct-42' }]);
    const orderId = res.body.id;
    await waitingOnPerson(orderId);
    const done = await admin('POST', `/admin/orders/${orderId}/manual-fulfilment`, { receipts: ['SUPPLIER-TXN-9'] });
    expect(done.status).toBe(200);
    await sys.finished(orderId);
    const o = (await sys.api('GET', `/v1/orders/${orderId}`)).body;
    expect(o.items[0].units[0].receipt).toEqual({ receipt: 'SUPPLIER-TXN-9', account: 'acct-42' });
  });

  test('when nobody fulfils a manual order, then it escalates with an alert and is cancelled at its deadline', async () => {
    await sys.addSku('HAND-SLOW', { mode: 'manual', manualEscalateAfterSeconds: 1, manualCancelAfterSeconds: 3 });
    const res = await place([{ sku: 'HAND-SLOW', quantity: 1 }]);
    const orderId = res.body.id;
    await sys.finished(orderId);
    const o = (await sys.api('GET', `/v1/orders/${orderId}`)).body;
    expect(o.status).toBe('cancelled');
    expect(o.reason).toMatch(/manual_fulfilment_deadline/);
    expect(o.timeline.map((e: any) => e.type)).toEqual(expect.arrayContaining(['awaiting_manual_fulfilment', 'manual_fulfilment_escalated', 'cancelled']));
    const alerts = await admin('GET', '/admin/alerts');
    expect(alerts.body).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'manual_fulfilment_overdue', subjectId: orderId, resolvedAt: expect.any(String) })]));
    const late = await admin('POST', `/admin/orders/${orderId}/manual-fulfilment`, { codes: [{ number: 'TOO-LATE' }] });
    expect(late.status).toBe(409);
  });
});

describe('admin API for suppliers', () => {
  test('when a supplier is created, then its credentials are stored sealed and never returned', async () => {
    const res = await admin('POST', '/admin/suppliers', {
      name: 'Acme Cards',
      kind: 'api',
      adapter: 'cardflow-sim',
      baseUrl: 'http://127.0.0.1:9',
      currency: 'USD',
      credentials: { partnerId: 'acme', secret: 'super-secret-value-123' },
      lowBalanceThreshold: 1000,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Acme Cards', hasCredentials: true, circuit: { state: 'closed' } });
    expect(JSON.stringify(res.body)).not.toContain('super-secret-value-123');
    const row = found(await sys.db('suppliers').where({ id: res.body.id }).first('credentials'), 'the supplier');
    expect(row.credentials?.toString('latin1')).not.toContain('super-secret-value-123');
    const list = await admin('GET', '/admin/suppliers');
    expect(list.headers.get('content-range')).toMatch(/^suppliers 0-\d+\/\d+$/);
    expect(JSON.stringify(list.body)).not.toContain('super-secret-value-123');
  });

  test('when a supplier or a route is invalid, then 400 names the fields and nothing changes', async () => {
    const bad = await admin('POST', '/admin/suppliers', { name: '', kind: 'api', adapter: 'nope', timeoutMs: 5 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields.map((f: any) => f.path)).toEqual(expect.arrayContaining(['name', 'timeoutMs']));
    const unknownAdapter = await admin('POST', '/admin/suppliers', { name: 'X', kind: 'api', adapter: 'nope', baseUrl: 'http://x', currency: 'USD', credentials: { a: 'b' } });
    expect(unknownAdapter.status).toBe(400);
    expect(await sys.db('suppliers').where({ name: 'X' }).first()).toBeUndefined();

    await sys.addSku('CNY-CARD', { codes: 0 }); // priced in CNY; GameHub sells in USD
    const mismatch = await admin('PUT', '/admin/skus/CNY-CARD/routes', { routes: [{ supplierId: gamer.id, supplierProduct: 'CARD-5', maxUnitCost: 500 }] });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.details.fields[0].message).toMatch(/sells in USD/);
    expect((await admin('GET', '/admin/skus/CNY-CARD/routes')).body.routes).toEqual([]);
  });

  test('when another merchant asks for or routes to this merchant supplier, then it is not found and nothing changes', async () => {
    const other = await createMerchant(sys.db, sys.vault, { name: 'Other Merchant', ownerEmail: `other-${crypto.randomBytes(4).toString('hex')}@example.com` });
    const asOther = (method: string, path: string, body?: unknown) => sys.api(method, path, { key: other.adminToken, body });
    expect((await asOther('GET', `/admin/suppliers/${gamer.id}`)).status).toBe(404);
    expect((await asOther('GET', '/admin/suppliers')).body).toEqual([]);
    expect((await asOther('PUT', `/admin/suppliers/${gamer.id}`, { name: 'Taken over' })).status).toBe(404);
    await createSku(sys.db, {
      merchantId: other.merchantId,
      code: 'OTHER-CARD',
      name: 'Other card',
      faceValue: 500,
      price: 500,
      cost: 400,
      currency: 'USD',
      fulfilmentMode: 'supplier',
    });
    const routed = await asOther('PUT', '/admin/skus/OTHER-CARD/routes', { routes: [{ supplierId: gamer.id, supplierProduct: 'CARD-5', maxUnitCost: 500 }] });
    expect(routed.status).toBe(400);
    expect(
      await sys
        .db('sku_supplier_routes')
        .where({ supplier_id: gamer.id })
        .join('skus', 'skus.id', 'sku_supplier_routes.sku_id')
        .where('skus.merchant_id', other.merchantId)
        .first(),
    ).toBeUndefined();
    expect((await sys.db('suppliers').where({ id: gamer.id }).first('name'))?.name).toBe('GameHub');
  });

  test('when an operator lists routes, then they come in priority order with the supplier name', async () => {
    await sys.addSku('ROUTED', { mode: 'supplier', currency: 'USD' });
    const put = await admin('PUT', '/admin/skus/ROUTED/routes', { routes: [{ supplierId: gamer.id, supplierProduct: 'CARD-5', maxUnitCost: 500 }] });
    expect(put.status).toBe(200);
    const got = await admin('GET', '/admin/skus/ROUTED/routes');
    expect(got.body.routes).toEqual([expect.objectContaining({ priority: 1, supplierName: 'GameHub', supplierProduct: 'CARD-5', maxUnitCost: 500 })]);
  });

  test('when the console sends a supplier back as GET answered it, then PUT takes it; a taken name, or a new currency while routes use it, is a 400/409 per field and changes nothing', async () => {
    const manual = await admin('POST', '/admin/suppliers', { name: 'Corner Shop', kind: 'manual' });
    expect(manual.status).toBe(201);
    // A manual supplier's record holds nulls (adapter, baseUrl, currency) and read-only fields.
    const back = await admin('PUT', `/admin/suppliers/${manual.body.id}`, { ...manual.body, name: 'Corner Shop 2' });
    expect([back.status, back.body.name, back.body.adapter]).toEqual([200, 'Corner Shop 2', null]);

    const record = (await admin('GET', `/admin/suppliers/${gamer.id}`)).body;
    const before = await sys.db('suppliers').where({ id: gamer.id }).first();
    const taken = await admin('PUT', `/admin/suppliers/${gamer.id}`, { ...record, name: 'Corner Shop 2' });
    expect([taken.status, taken.body.error.code, taken.body.errors]).toEqual([409, 'supplier_exists', { name: 'Another supplier has this name' }]);
    const currency = await admin('PUT', `/admin/suppliers/${gamer.id}`, { ...record, currency: 'EUR' });
    expect([currency.status, Object.keys(currency.body.errors)]).toEqual([400, ['currency']]);
    expect(currency.body.errors.currency).toMatch(/used by the routes of/);
    const kind = await admin('PUT', `/admin/suppliers/${gamer.id}`, { ...record, kind: 'manual' });
    expect([kind.status, Object.keys(kind.body.errors)]).toEqual([400, ['kind']]);
    expect(await sys.db('suppliers').where({ id: gamer.id }).first()).toEqual(before);
    // Positive control: the same record with a real change is taken.
    const changed = await admin('PUT', `/admin/suppliers/${gamer.id}`, { ...record, lowBalanceThreshold: 777 });
    expect([changed.status, changed.body.lowBalanceThreshold, changed.body.hasCredentials]).toEqual([200, 777, true]);
    await admin('PUT', `/admin/suppliers/${gamer.id}`, { ...record });
  });

  test("when a product's manual deadlines or supplier fallback are sent, then they are checked per field; left out, they keep their value", async () => {
    await sys.addSku('HAND-DEADLINES', { mode: 'manual', price: 500, manualEscalateAfterSeconds: 600, manualCancelAfterSeconds: 3600 });
    const base = { name: 'Deadlines', faceValue: 500, price: 500, cost: 400, fulfilmentMode: 'manual' };
    const stored = () => sys.db('skus').where({ code: 'HAND-DEADLINES' }).first('name', 'manual_escalate_after_seconds', 'manual_cancel_after_seconds', 'supplier_fallback');
    const before = await stored();
    const backwards = await admin('PUT', '/admin/skus/HAND-DEADLINES', { ...base, manualCancelAfterSeconds: 300 });
    expect([backwards.status, backwards.body.errors]).toEqual([400, { manualCancelAfterSeconds: 'Must be later than the escalation' }]);
    const tooShort = await admin('PUT', '/admin/skus/HAND-DEADLINES', { ...base, manualEscalateAfterSeconds: 5, supplierFallback: 'yes' });
    expect([tooShort.status, tooShort.body.errors]).toEqual([400, { manualEscalateAfterSeconds: 'At least one minute', supplierFallback: expect.any(String) }]);
    expect(await stored()).toEqual(before);

    const kept = await admin('PUT', '/admin/skus/HAND-DEADLINES', base);
    expect(kept.body).toMatchObject({ name: 'Deadlines', manualEscalateAfterSeconds: 600, manualCancelAfterSeconds: 3600, supplierFallback: false });
    const changed = await admin('PUT', '/admin/skus/HAND-DEADLINES', { ...base, manualEscalateAfterSeconds: 120, manualCancelAfterSeconds: 240, supplierFallback: true });
    expect(changed.status).toBe(200);
    expect(await stored()).toEqual({ name: 'Deadlines', manual_escalate_after_seconds: 120, manual_cancel_after_seconds: 240, supplier_fallback: true });
  });

  test('when the console pages suppliers, alerts and manual tasks, then range, sort and filter apply and each alert names what it is about', async () => {
    const page = await admin(
      'GET',
      `/admin/suppliers?sort=${encodeURIComponent('["name","DESC"]')}&range=${encodeURIComponent('[0,0]')}&filter=${encodeURIComponent('{"kind":"api"}')}`,
    );
    expect(page.status).toBe(200);
    expect(page.body).toHaveLength(1);
    expect(page.headers.get('content-range')).toMatch(/^suppliers 0-0\/\d+$/);
    expect(page.body[0].kind).toBe('api');
    expect((await admin('GET', `/admin/suppliers?filter=${encodeURIComponent('{"colour":"red"}')}`)).status).toBe(400);

    await sys.addSku('HAND-LIST', { mode: 'manual', price: 500 });
    const res = await place([{ sku: 'HAND-LIST', quantity: 1 }]);
    const orderId = res.body.id;
    await waitingOnPerson(orderId);
    const tasks = await admin('GET', `/admin/manual-tasks?filter=${encodeURIComponent(JSON.stringify({ id: [orderId] }))}&range=${encodeURIComponent('[0,9]')}`);
    expect(tasks.body).toEqual([
      expect.objectContaining({ id: orderId, status: 'open', currency: 'CNY', totalAmount: 500, units: [expect.objectContaining({ sku: 'HAND-LIST', needs: 'code' })] }),
    ]);
    const one = await admin('GET', `/admin/manual-tasks/${orderId}`);
    expect(one.body).toMatchObject({ id: orderId, externalRef: res.body.externalRef, status: 'open' });
    expect((await admin('GET', `/admin/manual-tasks/${crypto.randomUUID()}`)).status).toBe(404);

    await sys.db('manual_tasks').where({ order_id: orderId }).update({ escalate_at: sys.db.fn.now() });
    await escalateManualTask(sys.db, orderId);
    const alerts = await admin('GET', `/admin/alerts?filter=${encodeURIComponent('{"open":true,"kind":"manual_fulfilment_overdue"}')}&range=${encodeURIComponent('[0,24]')}`);
    expect(alerts.body).toEqual(
      expect.arrayContaining([expect.objectContaining({ subjectId: orderId, order: { id: orderId, externalRef: res.body.externalRef }, supplier: null, resolvedAt: null })]),
    );
    expect(alerts.body.every((a: any) => a.kind === 'manual_fulfilment_overdue' && a.resolvedAt === null)).toBe(true);
    await admin('POST', `/admin/orders/${orderId}/manual-fulfilment`, { codes: [{ number: `LIST-${crypto.randomUUID()}` }] });
    await sys.finished(orderId);
    const resolved = await admin('GET', `/admin/alerts?filter=${encodeURIComponent('{"open":false}')}`);
    expect(resolved.body).toEqual(expect.arrayContaining([expect.objectContaining({ subjectId: orderId, resolvedAt: expect.any(String) })]));
    expect((await admin('GET', `/admin/manual-tasks?filter=${encodeURIComponent(JSON.stringify({ id: [orderId] }))}`)).body).toEqual([]);
  });
});
