import crypto from 'node:crypto';
import { startDujiaoSim, type DujiaoSim } from '../supplier-sim/dujiao-next/server';
import { syncSupplierCatalogue } from '../suppliers/catalogue-sync';
import { createSupplier, setRoutes } from '../suppliers/supplier-config';
import { startTestSystem, type TestSystem } from './harness';
import { docSign } from './dujiao-doc-client';
import { found } from './found';

// Cardflow buying from a dujiao-next site (the simulator, over real HTTP) through the
// dujiao-next adapter, with a fault at each step: every unit is charged once.

let sys: TestSystem;
let sim: DujiaoSim;
let supplierId: string;
const apiKey = 'ak_cardflow';
const apiSecret = `sk_${crypto.randomBytes(8).toString('hex')}`;
let n = 0;

beforeAll(async () => {
  sys = await startTestSystem();
  sim = await startDujiaoSim({
    keys: [{ apiKey, secret: apiSecret, balance: 1_000_000 }],
    catalogue: [{ productId: 7, skuId: 71, title: 'Steam 10', price: 990, stock: null }],
  });
  supplierId = await createSupplier(sys.db, sys.vault, sys.merchant.merchantId, {
    name: 'Dujiao site',
    kind: 'api',
    adapter: 'dujiao-next',
    baseUrl: sim.url,
    currency: 'CNY',
    credentials: { apiKey, apiSecret },
    timeoutMs: 1000,
    circuitFailureThreshold: 100,
    circuitCooldownSeconds: 1,
  });
  await sys.addSku('STEAM-10', { mode: 'supplier', price: 1200, cost: 990, currency: 'CNY' });
  await setRoutes(sys.db, sys.merchant.merchantId, 'STEAM-10', [{ supplierId, supplierProduct: '7:71', maxUnitCost: 1000 }]);
});

afterAll(async () => {
  await sim.stop();
  await sys.stop();
});

async function buy(quantity = 1) {
  const res = await sys.api('POST', '/v1/orders', { body: { externalRef: `dj-buy-${++n}`, items: [{ sku: 'STEAM-10', quantity }] } });
  expect(res.status).toBe(202);
  return res.body.id as string;
}

async function referencesOf(orderId: string): Promise<string[]> {
  return sys.db('supplier_purchases').where({ order_id: orderId }).pluck('reference');
}

/** Every reference this order sent was charged by the site once at most, and each delivered unit once. */
async function chargedOncePerUnit(orderId: string, units: number) {
  const charges = sim.charges();
  const refs = await referencesOf(orderId);
  const charged = refs.filter((r) => charges[r]);
  expect(charged.map((r) => charges[r])).toEqual(Array(units).fill(1));
}

describe('when Cardflow buys from a dujiao-next site', () => {
  test('then a unit is ordered, the signed callback wakes the order, and its code is delivered', async () => {
    const id = await buy(2);
    const order = await sys.waitForOrder(id, ['delivered']);
    expect(order.items[0].units.map((u: any) => u.code.number)).toEqual([expect.stringMatching(/^DJSIM-\d+-\d+$/), expect.stringMatching(/^DJSIM-\d+-\d+$/)]);
    expect(order.items[0].units[0].code.pin).toMatch(/^PIN\d+$/);
    await chargedOncePerUnit(id, 2);
    const purchases = await sys.db('supplier_purchases').where({ order_id: id }).select('status', 'unit_cost', 'supplier_order_id');
    expect(purchases).toEqual([expect.objectContaining({ status: 'succeeded', unit_cost: 990 }), expect.objectContaining({ status: 'succeeded', unit_cost: 990 })]);
  });

  test.each([
    ['the answer to the order times out after the site committed it', { kind: 'timeout', ms: 2500, times: 1 }],
    ['the site fails with a 500 after committing', { kind: 'error_after_commit', times: 1 }],
    ['a gateway answers 502 with an HTML page', { kind: 'html_502', times: 1 }],
    ['the callback is dropped (the order polls)', { kind: 'drop_callback', times: 1 }],
    ['the callback comes twice', { kind: 'duplicate_callback', times: 1 }],
  ] as const)('when %s, then the unit is delivered and charged once', async (_what, fault) => {
    sim.addFault(fault);
    const id = await buy();
    await sys.waitForOrder(id, ['delivered'], 45_000);
    await chargedOncePerUnit(id, 1);
    expect(sim.faultsLeft()).toBe(0); // the fault did strike
    sim.clearFaults();
  });

  test('when the price rises between the quote and the order, then the unit is delivered once and a person is told', async () => {
    sim.addFault({ kind: 'price_change_at_order', price: 1100, times: 1 });
    const id = await buy();
    await sys.waitForOrder(id, ['delivered']);
    await chargedOncePerUnit(id, 1);
    expect(sim.faultsLeft()).toBe(0);
    const purchase = found(await sys.db('supplier_purchases').where({ order_id: id, status: 'succeeded' }).first(), 'the purchase');
    expect(await sys.db('alerts').where({ kind: 'supplier_price_above_max', subject_id: purchase.id }).count('* as n')).toEqual([{ n: 1 }]);
    sim.setSku(71, { price: 990 });
  });

  test('when the price is above the route maximum, then nothing is ordered and the order fails', async () => {
    sim.setSku(71, { price: 1500 });
    const id = await buy();
    const order = await sys.waitForOrder(id, ['failed']);
    expect(order.reason).toMatch(/price/);
    expect((await referencesOf(id)).filter((r) => sim.charges()[r])).toEqual([]);
    sim.setSku(71, { price: 990 });
  });

  test('then a callback not signed with the connection secret, or naming another order, changes nothing', async () => {
    const id = await buy();
    await sys.waitForOrder(id, ['delivered']);
    const p = found(await sys.db('supplier_purchases').where({ order_id: id }).first(), 'the purchase');
    const supplierOrderId = found(p.supplier_order_id ?? undefined, 'the supplier order id');
    const path = `/supplier-callbacks/${supplierId}`;
    const send = async (secret: string, orderId: string) => {
      const body = Buffer.from(JSON.stringify({ order_id: Number(orderId), downstream_order_no: p.reference, status: 'delivered' }));
      const ts = Math.floor(Date.now() / 1000);
      const res = await fetch(`${sys.baseUrl}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'Dujiao-Next-Api-Key': apiKey,
          'Dujiao-Next-Timestamp': String(ts),
          'Dujiao-Next-Signature': docSign(secret, 'POST', path, ts, body),
        },
        body,
      });
      return { status: res.status, body: await res.json() };
    };
    expect((await send('not-the-secret', supplierOrderId)).status).toBe(401);
    expect(await send(apiSecret, '99999')).toMatchObject({ status: 409, body: { error: { code: 'callback_order_mismatch' } } });
    // Positive control: the genuine callback for its own order is taken.
    expect(await send(apiSecret, supplierOrderId)).toEqual({ status: 200, body: { ok: true, message: 'received' } });
  });

  test('then every reference the site ever charged was charged once', () => {
    expect(Object.values(sim.charges()).every((c) => c === 1)).toBe(true);
    expect(Object.keys(sim.charges()).length).toBeGreaterThanOrEqual(9);
  });

  test('then the catalogue sync imports its products and flags a price above a route maximum until it is fixed', async () => {
    const openAlerts = () => sys.db('alerts').where({ kind: 'supplier_catalogue_drift', subject_id: supplierId }).whereNull('resolved_at').select('detail');
    expect(await syncSupplierCatalogue(sys.db, sys.suppliers, supplierId)).toEqual({ items: 1, drift: [] });
    expect(await sys.db('supplier_catalogue_items').where({ supplier_id: supplierId }).select('product', 'unit_price', 'stock')).toEqual([
      { product: '7:71', unit_price: 990, stock: null },
    ]);
    expect(await openAlerts()).toEqual([]);

    sim.setSku(71, { price: 1300 });
    const drifted = await syncSupplierCatalogue(sys.db, sys.suppliers, supplierId);
    expect(drifted.drift).toEqual([{ product: '7:71', sku: 'STEAM-10', problem: 'above_max', unitPrice: 1300, maxUnitCost: 1000 }]);
    expect(await openAlerts()).toHaveLength(1);

    sim.setSku(71, { price: 990, stock: 0 });
    expect((await syncSupplierCatalogue(sys.db, sys.suppliers, supplierId)).drift.map((d) => d.problem)).toEqual(['out_of_stock']);
    sim.setSku(71, { stock: null });
    expect((await syncSupplierCatalogue(sys.db, sys.suppliers, supplierId)).drift).toEqual([]);
    expect(await openAlerts()).toEqual([]);
  });
});
