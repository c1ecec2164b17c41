import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestSystem, type TestSystem } from './harness';
import { addSupplier, card, chargedOnce, route, topup, type TestSupplier } from './supplier-helpers';

// Bundles (组合套餐) and custom face values (面值自定义), through the storefront and admin APIs,
// the real order workflow and a real supplier simulator over HTTP (issue 15).

let sys: TestSystem;
let vendor: TestSupplier;
let n = 0;
// The storefront's webhook endpoint, on loopback: what it was sent, by order id.
const received = new Map<string, { data: { order: { bundles: unknown } } }>();
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const event = JSON.parse(body);
    received.set(event.data.order.id, event);
    res.writeHead(204).end();
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  sys = await startTestSystem({ webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks` });
  vendor = await addSupplier(sys, 'Vendor', [
    card('VIDEO-CARD', 300),
    topup('MUSIC-TOPUP', 200),
    card('GONE-CARD', 100, { stock: 0 }),
    card('LATE-CARD', 150, { stock: 0 }),
    topup('ANY-TOPUP', 0, { customFaceValue: { min: 100, max: 500_000, priceRateBp: 9_500 } }),
  ]);
  // Parts: from stock, bought as a card, topped up, and one whose supplier has none left.
  await sys.addSku('P-STOCK', { codes: 5, currency: 'USD', price: 500, cost: 100 });
  await sys.addSku('P-VIDEO', { mode: 'supplier', currency: 'USD', price: 400 });
  await route(sys, 'P-VIDEO', [{ supplier: vendor, product: 'VIDEO-CARD', maxUnitCost: 350 }]);
  await sys.addSku('P-MUSIC', { mode: 'topup', currency: 'USD', price: 300 });
  await route(sys, 'P-MUSIC', [{ supplier: vendor, product: 'MUSIC-TOPUP', maxUnitCost: 250 }]);
  await sys.addSku('P-GONE', { mode: 'supplier', currency: 'USD', price: 200 });
  await route(sys, 'P-GONE', [{ supplier: vendor, product: 'GONE-CARD', maxUnitCost: 150 }]);
  await sys.addSku('P-LATE', { mode: 'supplier', currency: 'USD', price: 300 });
  await route(sys, 'P-LATE', [{ supplier: vendor, product: 'LATE-CARD', maxUnitCost: 200 }]);
}, 120_000);

afterAll(async () => {
  await sys?.stop();
  await vendor?.stop();
  receiver.close();
});

const admin = (method: string, path: string, body?: unknown) => sys.api(method, path, { key: sys.merchant.adminToken, body });

const place = (items: { sku: string; quantity: number; account?: string; amount?: number }[]) => sys.api('POST', '/v1/orders', { body: { externalRef: `b-${++n}`, items } });

async function placeAndFinish(items: { sku: string; quantity: number; account?: string; amount?: number }[]) {
  const res = await place(items);
  expect(res.status).toBe(202);
  await sys.finished(res.body.id);
  return (await sys.api('GET', `/v1/orders/${res.body.id}`)).body;
}

async function createBundle(code: string, policy: 'wait' | 'undo', components: { sku: string; quantity: number; priceShare: number }[]) {
  const price = components.reduce((sum, c) => sum + c.quantity * c.priceShare, 0);
  const res = await admin('POST', '/admin/skus', {
    code,
    name: `Bundle ${code}`,
    currency: 'USD',
    faceValue: price,
    price,
    cost: 0,
    fulfilmentMode: 'bundle',
    bundle: { policy, components },
  });
  expect(res.status).toBe(201);
  return res.body;
}

const stockLeft = async (code: string) => (await sys.db('skus').where({ code }).first('stock_available'))!.stock_available;

/** Per unit of the order, the revenue its sale entry posted (what the storefront owes us for it). */
async function revenuePerSku(orderId: string): Promise<Record<string, number>> {
  const rows = await sys
    .db('ledger_entries as e')
    .join('ledger_lines as l', 'l.entry_id', 'e.id')
    .join('ledger_accounts as a', 'a.id', 'l.account_id')
    .join('skus as s', 's.id', 'e.sku_id')
    .where({ 'e.order_id': orderId, 'e.kind': 'sale', 'a.kind': 'sales_revenue' })
    .groupBy('s.code')
    .select('s.code', sys.db.raw('-sum(l.amount)::bigint AS revenue'));
  return Object.fromEntries(rows.map((r) => [r.code, Number(r.revenue)]));
}

async function waitingOnPerson(orderId: string) {
  for (let i = 0; i < 300; i++) {
    if (await sys.db('manual_tasks').where({ order_id: orderId, status: 'open' }).first('id')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`order ${orderId} has no open manual task after 30 s`);
}

describe('bundles', () => {
  test('when the merchant defines a bundle whose shares do not add up to its price, then 400 names the components and nothing is saved', async () => {
    const res = await admin('POST', '/admin/skus', {
      code: 'B-BAD',
      name: 'Bad split',
      currency: 'USD',
      faceValue: 1000,
      price: 1000,
      cost: 0,
      fulfilmentMode: 'bundle',
      bundle: {
        policy: 'undo',
        components: [
          { sku: 'P-STOCK', quantity: 1, priceShare: 400 },
          { sku: 'NO-SUCH', quantity: 1, priceShare: 500 },
        ],
      },
    });
    expect([res.status, res.body.error.code]).toEqual([400, 'validation_failed']);
    expect(res.body.error.details.fields.map((f: { path: string }) => f.path).sort()).toEqual(['bundle.components', 'bundle.components.1.sku']);
    expect(await sys.db('skus').where({ code: 'B-BAD' }).first('id')).toBeUndefined();
  });

  test('when a bundle of a stock part, a bought card and a top-up is ordered, then every part is delivered by its own mode and each part’s revenue share is posted', async () => {
    const bundle = await createBundle('B-MIXED', 'undo', [
      { sku: 'P-STOCK', quantity: 1, priceShare: 300 },
      { sku: 'P-VIDEO', quantity: 1, priceShare: 450 },
      { sku: 'P-MUSIC', quantity: 1, priceShare: 250 },
    ]);
    expect(bundle).toMatchObject({ fulfilmentMode: 'bundle', price: 1000, bundle: { policy: 'undo', components: [{ sku: 'P-STOCK' }, { sku: 'P-VIDEO' }, { sku: 'P-MUSIC' }] } });
    // The console's product list shows a bundle with its policy (it answered 500 once a bundle existed).
    const list = await admin('GET', '/admin/skus?filter=%7B%22fulfilmentMode%22%3A%22bundle%22%7D');
    expect([list.status, list.body.map?.((s: { code: string; bundle: unknown }) => [s.code, s.bundle])]).toEqual([200, [['B-MIXED', { policy: 'undo', components: [] }]]]);
    const products = await sys.api('GET', '/v1/products');
    expect(products.body.data.find((p: { sku: string }) => p.sku === 'B-MIXED')).toMatchObject({
      fulfilmentMode: 'bundle',
      parts: [{ sku: 'P-STOCK', quantity: 1 }, { sku: 'P-VIDEO' }, { sku: 'P-MUSIC' }],
    });

    const stockBefore = await stockLeft('P-STOCK');
    const o = await placeAndFinish([{ sku: 'B-MIXED', quantity: 2, account: '12345678' }]);
    expect(o.status).toBe('delivered');
    expect(o.totalAmount).toBe(2000);
    expect(o.bundles).toEqual([{ sku: 'B-MIXED', name: 'Bundle B-MIXED', quantity: 2, unitPrice: 1000, parts: expect.arrayContaining([{ sku: 'P-STOCK', quantity: 1 }]) }]);
    const item = (sku: string) => o.items.find((i: { sku: string }) => i.sku === sku);
    expect(item('P-STOCK')).toMatchObject({ bundle: 'B-MIXED', quantity: 2, unitPrice: 300, account: null });
    expect(item('P-STOCK').units.every((u: { code: unknown }) => u.code)).toBe(true);
    expect(item('P-VIDEO').units.every((u: { code: unknown }) => u.code)).toBe(true);
    expect(item('P-MUSIC')).toMatchObject({ account: '12345678' });
    expect(item('P-MUSIC').units.every((u: { receipt: { account: string } }) => u.receipt.account === '12345678')).toBe(true);
    expect(await stockLeft('P-STOCK')).toBe(stockBefore - 2);
    expect(await revenuePerSku(o.id)).toEqual({ 'P-STOCK': 600, 'P-VIDEO': 900, 'P-MUSIC': 500 });
    expect(chargedOnce(await vendor.charges())).toBe(true);
    // The storefront's webhook carries the same view: the bundle and its parts.
    expect((await sys.webhookFinished(o.id)).status).toBe('sent');
    expect(received.get(o.id)?.data.order.bundles).toEqual(o.bundles);
  }, 60_000);

  test('when a part’s supplier fails and the bundle’s policy is undo, then the stock code goes back to stock, the bought card is voided with its cost written off, nothing is charged twice, and the order fails with the reason', async () => {
    await createBundle('B-UNDO', 'undo', [
      { sku: 'P-STOCK', quantity: 1, priceShare: 300 },
      { sku: 'P-VIDEO', quantity: 1, priceShare: 400 },
      { sku: 'P-GONE', quantity: 1, priceShare: 300 },
    ]);
    const stockBefore = await stockLeft('P-STOCK');
    const res = await place([{ sku: 'B-UNDO', quantity: 1 }]);
    expect(res.status).toBe(202);
    // Reserved at acceptance, with the order.
    expect(await stockLeft('P-STOCK')).toBe(stockBefore - 1);
    await sys.finished(res.body.id);
    const o = (await sys.api('GET', `/v1/orders/${res.body.id}`)).body;
    expect(o.status).toBe('failed');
    expect(o.reason).toMatch(/supplier_failed: .*GONE.*out of stock/);
    expect(o.items.flatMap((i: { units: { code: unknown }[] }) => i.units).every((u: { code: unknown }) => u.code === null)).toBe(true);
    expect(o.bundles).toMatchObject([{ sku: 'B-UNDO', quantity: 1 }]);

    expect(await stockLeft('P-STOCK')).toBe(stockBefore);
    const codes = await sys.db('codes as c').join('order_units as u', 'u.id', 'c.unit_id').where('u.order_id', o.id).select('c.id', 'c.status');
    // The stock code is back on sale (no unit holds it); the bought one is voided.
    expect(codes.map((c) => c.status)).toEqual(['voided']);
    // Why, as the console reads it: the bundle was undone, because of the order's own reason with what
    // the supplier said, both as codes (issue 13).
    const listed = await sys.api('GET', `/admin/codes?filter=${encodeURIComponent(JSON.stringify({ id: [codes[0].id] }))}`, { key: sys.merchant.adminToken });
    expect(listed.body[0].voidReasonCode).toEqual({
      code: 'bundle_undone',
      params: {},
      orderReason: { code: 'supplier_failed', params: {}, outcomes: [expect.objectContaining({ supplier: 'Vendor', code: 'out_of_stock' })] },
      orderReasonText: expect.stringMatching(/^supplier_failed: \{"params":\{\},"outcomes":/),
    });
    const undone = o.timeline.find((e: { type: string }) => e.type === 'bundle_undone');
    expect(undone).toMatchObject({ codesReturnedToStock: 1, codesVoided: 1, writtenOff: 300 });
    const writeOff = await sys.db('ledger_entries').where({ order_id: o.id, kind: 'write_off' }).select('key');
    expect(writeOff).toHaveLength(1);
    expect(chargedOnce(await vendor.charges())).toBe(true);
    // Nothing settled: no revenue posted for a bundle the buyer did not get.
    expect(await revenuePerSku(o.id)).toEqual({});
  }, 60_000);

  test('when an undone bundle is retried after its supplier came back, then every part is fetched again (the voided card bought under a fresh reference, never re-delivered), the order is delivered and no reference is charged twice', async () => {
    await createBundle('B-AGAIN', 'undo', [
      { sku: 'P-STOCK', quantity: 1, priceShare: 200 },
      { sku: 'P-VIDEO', quantity: 1, priceShare: 300 },
      { sku: 'P-MUSIC', quantity: 1, priceShare: 200 },
      { sku: 'P-LATE', quantity: 1, priceShare: 300 },
    ]);
    const res = await place([{ sku: 'B-AGAIN', quantity: 1, account: '12345678' }]);
    expect(res.status).toBe(202);
    const orderId = res.body.id;
    await sys.finished(orderId);
    const undone = (await sys.api('GET', `/v1/orders/${orderId}`)).body;
    expect(undone.status).toBe('failed');
    expect(undone.timeline.find((e: { type: string }) => e.type === 'bundle_undone')).toMatchObject({ codesReturnedToStock: 1, codesVoided: 1 });
    const unitOf = async (sku: string) =>
      (await sys.db('order_units as u').join('skus as s', 's.id', 'u.sku_id').where({ 'u.order_id': orderId, 's.code': sku }).first('u.id'))!.id;
    const [video, music, late] = [await unitOf('P-VIDEO'), await unitOf('P-MUSIC'), await unitOf('P-LATE')];
    const voidedCode = await sys.db('codes').where({ unit_id: video, status: 'voided' }).first('id');
    expect(voidedCode).toBeDefined();

    // The supplier has the late part again; support retries the order.
    await vendor.setProduct('LATE-CARD', { stock: null });
    expect((await admin('POST', `/admin/orders/${orderId}/retry`)).status).toBe(200);
    // Before the fix the retry stopped for a person (needs_attention) instead of buying again.
    let after: { status: string; attention: unknown } | undefined;
    for (let i = 0; i < 600 && !['delivered', 'failed', 'needs_attention'].includes(after?.status ?? ''); i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await sys.db('orders').where({ id: orderId }).first('status', 'attention');
    }
    expect(after).toMatchObject({ status: 'delivered', attention: null });
    await sys.finished(orderId);
    const o = (await sys.api('GET', `/v1/orders/${orderId}`)).body;
    expect([o.status, o.reason]).toEqual(['delivered', null]);
    const units = o.items.flatMap((i: { sku: string; units: { code: { number: string } | null; receipt: unknown }[] }) => i.units.map((u) => ({ sku: i.sku, ...u })));
    expect(units.filter((u: { code: unknown; receipt: unknown }) => u.code || u.receipt)).toHaveLength(4);

    // The voided card is not what the buyer got: the unit holds a newly bought one.
    const held = await sys.db('codes').where({ unit_id: video }).select('id', 'status');
    expect(held).toHaveLength(1);
    expect(held[0].id).not.toBe(voidedCode!.id);
    expect(await sys.db('codes').where({ id: voidedCode!.id }).first('status')).toEqual({ status: 'voided' });

    // Per reference, one charge; the voided card's purchase is not bought again under its old reference.
    const ledger = await vendor.charges();
    expect(chargedOnce(ledger)).toBe(true);
    const refsOf = (unit: string) =>
      Object.keys(ledger.charges)
        .filter((r) => r.startsWith(`${unit}.`))
        .sort();
    expect(refsOf(video)).toEqual([`${video}.1`, `${video}.2`]);
    // The top-up was kept through the undo: not topped up again.
    expect(refsOf(music)).toEqual([`${music}.1`]);
    expect(refsOf(late)).toHaveLength(1);
    expect(await revenuePerSku(orderId)).toEqual({ 'P-STOCK': 200, 'P-VIDEO': 300, 'P-MUSIC': 200, 'P-LATE': 300 });
  }, 90_000);

  test('when a part’s supplier fails and the bundle’s policy is wait, then a person is asked (manual task) and entering the part delivers the whole bundle', async () => {
    await createBundle('B-WAIT', 'wait', [
      { sku: 'P-STOCK', quantity: 1, priceShare: 600 },
      { sku: 'P-GONE', quantity: 1, priceShare: 400 },
    ]);
    const res = await place([{ sku: 'B-WAIT', quantity: 1 }]);
    expect(res.status).toBe(202);
    const orderId = res.body.id;
    await waitingOnPerson(orderId);
    const waiting = (await sys.api('GET', `/v1/orders/${orderId}`)).body;
    expect(waiting.status).toBe('processing');
    // All or nothing to the buyer: the stock part is not shown before the bundle is complete.
    expect(waiting.items.flatMap((i: { units: { code: unknown }[] }) => i.units).every((u: { code: unknown }) => u.code === null)).toBe(true);

    const done = await admin('POST', `/admin/orders/${orderId}/manual-fulfilment`, { codes: [{ number: 'HAND-GONE-1', pin: '9' }], unitCost: 120 });
    expect(done.status).toBe(200);
    await sys.finished(orderId);
    const o = (await sys.api('GET', `/v1/orders/${orderId}`)).body;
    expect(o.status).toBe('delivered');
    const gone = o.items.find((i: { sku: string }) => i.sku === 'P-GONE');
    expect(gone.units[0].code).toMatchObject({ number: 'HAND-GONE-1' });
    expect(await revenuePerSku(orderId)).toEqual({ 'P-STOCK': 600, 'P-GONE': 400 });
    expect(o.timeline.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['handed_to_manual', 'manual_fulfilled', 'delivered']));
  }, 60_000);

  test('when a bundle’s stock part is sold out, then 409 sold_out at once and nothing is reserved or written', async () => {
    await sys.addSku('P-FEW', { codes: 1, currency: 'USD' });
    await createBundle('B-FEW', 'undo', [
      { sku: 'P-FEW', quantity: 2, priceShare: 100 },
      { sku: 'P-VIDEO', quantity: 1, priceShare: 300 },
    ]);
    const orders = await sys.db('orders').count('* as n').first();
    const res = await place([{ sku: 'B-FEW', quantity: 1 }]);
    expect([res.status, res.body.error.code]).toEqual([409, 'sold_out']);
    expect(await stockLeft('P-FEW')).toBe(1);
    expect(await sys.db('orders').count('* as n').first()).toEqual(orders);
  });

  test('when a part is also ordered on its own, then 400 bundle_component_repeated and nothing changes', async () => {
    const res = await place([
      { sku: 'B-MIXED', quantity: 1, account: '12345678' },
      { sku: 'P-STOCK', quantity: 1 },
    ]);
    expect([res.status, res.body.error.code, res.body.error.details]).toEqual([400, 'bundle_component_repeated', { sku: 'P-STOCK' }]);
  });
});

describe('custom face value', () => {
  beforeAll(async () => {
    // Any amount from 10.00 to 2,000.00 in steps of 1.00; the buyer pays 97%, the supplier is owed 95%.
    const created = await admin('POST', '/admin/skus', {
      code: 'GIFT-ANY',
      name: 'Top-up, any amount',
      currency: 'USD',
      faceValue: 0,
      price: 0,
      cost: 0,
      fulfilmentMode: 'topup',
      customAmount: { min: 1_000, max: 200_000, step: 100, priceRateBp: 9_700, costRateBp: 9_500 },
    });
    expect(created.status).toBe(201);
    expect(created.body.customAmount).toEqual({ min: 1_000, max: 200_000, step: 100, priceRateBp: 9_700, costRateBp: 9_500 });
    await route(sys, 'GIFT-ANY', [{ supplier: vendor, product: 'ANY-TOPUP', maxUnitCost: 1 }]);
  });

  test('when the amount is outside the range or off the step, then 400 with the code and its parameters, and nothing is created', async () => {
    const orders = await sys.db('orders').count('* as n').first();
    const charged = (await vendor.charges()).total;
    const low = await place([{ sku: 'GIFT-ANY', quantity: 1, account: '12345678', amount: 999 }]);
    expect([low.status, low.body.error.code, low.body.error.details]).toEqual([400, 'amount_out_of_range', { sku: 'GIFT-ANY', amount: 999, min: 1_000, max: 200_000 }]);
    const high = await place([{ sku: 'GIFT-ANY', quantity: 1, account: '12345678', amount: 200_100 }]);
    expect([high.status, high.body.error.code]).toEqual([400, 'amount_out_of_range']);
    const off = await place([{ sku: 'GIFT-ANY', quantity: 1, account: '12345678', amount: 5_050 }]);
    expect([off.status, off.body.error.code, off.body.error.details]).toEqual([400, 'amount_not_on_step', { sku: 'GIFT-ANY', amount: 5_050, min: 1_000, step: 100 }]);
    const none = await place([{ sku: 'GIFT-ANY', quantity: 1, account: '12345678' }]);
    expect([none.status, none.body.error.code]).toEqual([400, 'amount_required']);
    const fixed = await place([{ sku: 'P-STOCK', quantity: 1, amount: 5_000 }]);
    expect([fixed.status, fixed.body.error.code]).toEqual([400, 'amount_not_applicable']);
    expect(await sys.db('orders').count('* as n').first()).toEqual(orders);
    expect((await vendor.charges()).total).toBe(charged);
  });

  test('when an amount in range is ordered, then it is topped up at that face value and delivered at the computed price and cost, in the order, the settlement and the ledger', async () => {
    const products = await sys.api('GET', '/v1/products');
    expect(products.body.data.find((p: { sku: string }) => p.sku === 'GIFT-ANY').customAmount).toEqual({ min: 1_000, max: 200_000, step: 100 });
    const o = await placeAndFinish([{ sku: 'GIFT-ANY', quantity: 2, account: '12345678', amount: 5_000 }]);
    expect(o.status).toBe('delivered');
    // price = 5,000 × 97% = 4,850 per unit; cost = 5,000 × 95% = 4,750 per unit.
    expect(o.totalAmount).toBe(9_700);
    expect(o.items[0]).toMatchObject({ sku: 'GIFT-ANY', faceValue: 5_000, unitPrice: 4_850 });
    expect(await sys.db('settlements').where({ order_id: o.id }).first('revenue', 'cost')).toEqual({ revenue: 9_700, cost: 9_500 });
    expect(await revenuePerSku(o.id)).toEqual({ 'GIFT-ANY': 9_700 });
    const costs = await sys
      .db('ledger_entries as e')
      .join('ledger_lines as l', 'l.entry_id', 'e.id')
      .join('ledger_accounts as a', 'a.id', 'l.account_id')
      .where({ 'e.order_id': o.id, 'e.kind': 'cost', 'a.kind': 'cost_of_goods' })
      .select('l.amount');
    expect(costs.map((c) => Number(c.amount))).toEqual([4_750, 4_750]);
    // The supplier was asked for the face value and charged the computed cost, once per unit.
    const unitIds = new Set(o.items[0].units.map((u: { id: string }) => u.id));
    const simOrders = [...vendor.sim.state.orders.values()].filter((x) => unitIds.has(x.reference.split('.')[0]));
    expect(simOrders.map((x) => [x.faceValue, x.unitPrice])).toEqual([
      [5_000, 4_750],
      [5_000, 4_750],
    ]);
    expect(chargedOnce(await vendor.charges())).toBe(true);
  }, 60_000);

  test('when the supplier would charge more than the computed cost, then the price guard refuses the purchase and the order fails without a charge', async () => {
    const created = await admin('POST', '/admin/skus', {
      code: 'GIFT-THIN',
      name: 'Top-up, thin margin',
      currency: 'USD',
      faceValue: 0,
      price: 0,
      cost: 0,
      fulfilmentMode: 'topup',
      customAmount: { min: 1_000, max: 10_000, step: 1_000, priceRateBp: 10_000, costRateBp: 9_000 },
    });
    expect(created.status).toBe(201);
    // The route's own maximum would let it through; the guard is the computed cost (4,500).
    await route(sys, 'GIFT-THIN', [{ supplier: vendor, product: 'ANY-TOPUP', maxUnitCost: 1_000_000 }]);
    const charged = (await vendor.charges()).total;
    const o = await placeAndFinish([{ sku: 'GIFT-THIN', quantity: 1, account: '12345678', amount: 5_000 }]);
    expect(o.status).toBe('failed');
    expect(o.reason).toMatch(/price 4750 is above our maximum of 4500/);
    expect((await vendor.charges()).total).toBe(charged);
  }, 60_000);
});
