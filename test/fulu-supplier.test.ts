import { startFuluSim, type FuluSim } from '../supplier-sim/fulu/server';
import { fuluSignText } from '../suppliers/adapters/fulu-protocol';
import { createSupplier, setRoutes } from '../suppliers/supplier-config';
import { startTestSystem, type TestSystem } from './harness';
import { found } from './found';

// Cardflow buying from Fulu (the simulator, over real HTTP) through the Fulu adapter, with the
// fault matrix of the other supplier tests: each unit is charged once under every fault. Fulu is
// always asynchronous: every order is found out by the mandatory order query (or woken early by
// Fulu's signed notification), and its codes arrive encrypted.

let sys: TestSystem;
let sim: FuluSim;
let supplierId: string;
const appSecret = '0a091b3aa4324435aab703142518a8f7';
let n = 0;

beforeAll(async () => {
  sys = await startTestSystem();
  sim = await startFuluSim({
    appKey: 'cardflow-app-key',
    appSecret,
    balance: 1_000_000,
    products: [
      { productId: '10000497', name: '腾讯Q币 10元', kind: 'card', price: 990 },
      { productId: '10015788', name: '游戏直充 50元', kind: 'direct', price: 4990, accounts: ['player-1001', 'player-1002'] },
    ],
  });
  supplierId = await createSupplier(sys.db, sys.vault, sys.merchant.merchantId, {
    name: 'Fulu',
    kind: 'api',
    adapter: 'fulu',
    baseUrl: sim.url,
    currency: 'CNY',
    credentials: { appKey: 'cardflow-app-key', appSecret },
    timeoutMs: 1000,
    circuitFailureThreshold: 100,
    circuitCooldownSeconds: 1,
  });
  sim.setCallbackUrl(`${sys.baseUrl}/supplier-callbacks/${supplierId}`);
  await sys.addSku('QB-10', { mode: 'supplier', price: 1200, cost: 990, currency: 'CNY' });
  await setRoutes(sys.db, sys.merchant.merchantId, 'QB-10', [{ supplierId, supplierProduct: 'card:10000497', maxUnitCost: 1000 }]);
  await sys.addSku('GAME-50', { mode: 'topup', price: 5500, cost: 4990, currency: 'CNY' });
  await setRoutes(sys.db, sys.merchant.merchantId, 'GAME-50', [{ supplierId, supplierProduct: 'direct:10015788', maxUnitCost: 5000 }]);
});

afterAll(async () => {
  await sim.stop();
  await sys.stop();
});

async function buy(sku = 'QB-10', quantity = 1, account?: string) {
  const res = await sys.api('POST', '/v1/orders', { body: { externalRef: `fl-buy-${++n}`, items: [{ sku, quantity, ...(account ? { account } : {}) }] } });
  expect(res.status).toBe(202);
  return res.body.id as string;
}

async function referencesOf(orderId: string): Promise<string[]> {
  return sys.db('supplier_purchases').where({ order_id: orderId }).pluck('reference');
}

async function chargedOncePerUnit(orderId: string, units: number) {
  const charges = sim.charges();
  const refs = await referencesOf(orderId);
  expect(refs.filter((r) => charges[r]).map((r) => charges[r])).toEqual(Array(units).fill(1));
}

describe('when Cardflow buys card codes from Fulu', () => {
  test('then each unit is ordered under its customer_order_no, its encrypted code is decrypted into the vault, and it is charged once', async () => {
    const id = await buy('QB-10', 2);
    const order = await sys.waitForOrder(id, ['delivered']);
    expect(order.items[0].units.map((u: any) => u.code.number)).toEqual([expect.stringMatching(/^FLSIM\d+$/), expect.stringMatching(/^FLSIM\d+$/)]);
    expect(order.items[0].units[0].code.pin).toMatch(/^PW\d+$/);
    await chargedOncePerUnit(id, 2);
    const purchases = await sys.db('supplier_purchases').where({ order_id: id }).select('status', 'unit_cost');
    expect(purchases).toEqual([
      { status: 'succeeded', unit_cost: 990 },
      { status: 'succeeded', unit_cost: 990 },
    ]);
  });

  test.each([
    ['the answer to the order times out after Fulu committed it', { kind: 'timeout', ms: 2500, times: 1 }],
    ['Fulu fails with a 500 after committing', { kind: 'error_after_commit', times: 1 }],
    ['Fulu answers "system busy" after committing', { kind: 'busy_after_commit', times: 1 }],
    ['a gateway answers 502 with an HTML page', { kind: 'html_502', times: 1 }],
    ['the notification is dropped (the order polls)', { kind: 'drop_callback', times: 1 }],
    ['the notification comes twice', { kind: 'duplicate_callback', times: 1 }],
  ] as const)('when %s, then the unit is delivered and charged once', async (_what, fault) => {
    sim.addFault(fault);
    const id = await buy();
    await sys.waitForOrder(id, ['delivered'], 45_000);
    await chargedOncePerUnit(id, 1);
    expect(sim.faultsLeft()).toBe(0); // the fault did strike
    sim.clearFaults();
  });

  test('when the price rises between the quote and the order, then the unit is delivered once and a person is told', async () => {
    sim.addFault({ kind: 'price_change_at_order', price: 1050, times: 1 });
    const id = await buy();
    await sys.waitForOrder(id, ['delivered']);
    await chargedOncePerUnit(id, 1);
    expect(sim.faultsLeft()).toBe(0);
    const purchase = found(await sys.db('supplier_purchases').where({ order_id: id, status: 'succeeded' }).first(), 'succeeded purchase');
    expect(purchase.unit_cost).toBe(1050);
    expect(await sys.db('alerts').where({ kind: 'supplier_price_above_max', subject_id: purchase.id }).count('* as n')).toEqual([{ n: 1 }]);
    sim.setProduct('10000497', { price: 990 });
  });

  test('when the price is above the route maximum, or the product is off sale, then nothing is ordered and the order fails', async () => {
    sim.setProduct('10000497', { price: 1500 });
    const id = await buy();
    expect((await sys.waitForOrder(id, ['failed'])).reason).toMatch(/price/);
    sim.setProduct('10000497', { price: 990, onSale: false });
    const off = await buy();
    expect((await sys.waitForOrder(off, ['failed'])).reason).toMatch(/out of stock/);
    for (const o of [id, off]) expect((await referencesOf(o)).filter((r) => sim.charges()[r])).toEqual([]);
    sim.setProduct('10000497', { onSale: true });
  });

  test('when the balance is too low, then Fulu refuses, nothing is charged and the order fails saying so', async () => {
    sim.setBalance(100);
    const id = await buy();
    expect((await sys.waitForOrder(id, ['failed'])).reason).toMatch(/balance/);
    expect((await referencesOf(id)).filter((r) => sim.charges()[r])).toEqual([]);
    sim.setBalance(1_000_000);
  });

  test('then a notification not signed with the connection secret, or naming another order, changes nothing', async () => {
    const id = await buy();
    await sys.waitForOrder(id, ['delivered']);
    const p = found(await sys.db('supplier_purchases').where({ order_id: id }).first(), 'purchase');
    const send = (secret: string, orderId: string) => {
      const params = {
        order_id: orderId,
        charge_finish_time: '2026-12-02 10:00:00',
        customer_order_no: p.reference,
        order_status: 'success',
        recharge_description: '充值成功',
        product_id: '10000497',
        price: '9.9000',
        buy_num: '1',
        operator_serial_number: '',
      };
      return fetch(`${sys.baseUrl}/supplier-callbacks/${supplierId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...params, sign: fuluSignText(JSON.stringify(params), secret) }),
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
    };
    expect((await send('ffffffffffffffffffffffffffffffff', String(p.supplier_order_id))).status).toBe(401);
    expect(await send(appSecret, '99999')).toMatchObject({ status: 409, body: { error: { code: 'callback_order_mismatch' } } });
    expect(await send(appSecret, String(p.supplier_order_id))).toEqual({ status: 200, body: 'success' });
  });
});

describe('when Cardflow tops up a game account through Fulu', () => {
  test('then the direct order is charged once and delivered with its receipt; a wrong account fails the unit with that reason', async () => {
    const id = await buy('GAME-50', 1, 'player-1001');
    const order = await sys.waitForOrder(id, ['delivered']);
    expect(order.items[0].units[0]).toMatchObject({ status: 'delivered', receipt: { account: 'player-1001', receipt: expect.stringMatching(/^SN\d+$/) } });
    await chargedOncePerUnit(id, 1);
    const wrong = await buy('GAME-50', 1, 'no-such-player');
    expect((await sys.waitForOrder(wrong, ['failed'])).reason).toMatch(/account/);
    expect((await referencesOf(wrong)).filter((r) => sim.charges()[r])).toEqual([]);
  });

  test('when the answer to the top-up times out after Fulu committed it, then it is found by its reference and charged once', async () => {
    sim.addFault({ kind: 'timeout', ms: 2500, times: 1 });
    const id = await buy('GAME-50', 1, 'player-1002');
    await sys.waitForOrder(id, ['delivered'], 45_000);
    await chargedOncePerUnit(id, 1);
    expect(sim.faultsLeft()).toBe(0);
  });

  test('then every reference Fulu ever charged was charged once', () => {
    expect(Object.values(sim.charges()).every((c) => c === 1)).toBe(true);
    expect(Object.keys(sim.charges()).length).toBeGreaterThanOrEqual(11);
  });
});
