import { startReloadlySim, type ReloadlySim } from '../supplier-sim/reloadly/server';
import { createSupplier, setRoutes } from '../suppliers/supplier-config';
import { startTestSystem, type TestSystem } from './harness';
import { found } from './found';

// Cardflow buying from Reloadly (the simulator, over real HTTP) through the Reloadly adapter,
// with the fault matrix of the other supplier tests: each unit is charged once under every fault.

let sys: TestSystem;
let sim: ReloadlySim;
let supplierId: string;
let n = 0;

beforeAll(async () => {
  sys = await startTestSystem();
  sim = await startReloadlySim({
    clientId: 'cardflow-client',
    clientSecret: 'reloadly-secret-for-tests',
    balance: 1_000_000,
    giftcards: [
      { productId: 10, name: 'Amazon US', denominations: { '25': 2450 }, fee: 50, pendingMs: 50 },
      { productId: 11, name: 'Steam US', denominations: { '10': 990 } },
    ],
    operators: [{ operatorId: 535, name: 'EE PIN England', country: 'GB', phones: ['447951731337', '447951731338'] }],
  });
  supplierId = await createSupplier(sys.db, sys.vault, sys.merchant.merchantId, {
    name: 'Reloadly',
    kind: 'api',
    adapter: 'reloadly',
    baseUrl: sim.url,
    currency: 'USD',
    credentials: { clientId: 'cardflow-client', clientSecret: 'reloadly-secret-for-tests' },
    timeoutMs: 1000,
    circuitFailureThreshold: 100,
    circuitCooldownSeconds: 1,
  });
  sim.setWebhookUrl(`${sys.baseUrl}/supplier-callbacks/${supplierId}`);
  await sys.addSku('AMAZON-25', { mode: 'supplier', price: 2800, cost: 2500, currency: 'USD' });
  await setRoutes(sys.db, sys.merchant.merchantId, 'AMAZON-25', [{ supplierId, supplierProduct: 'giftcard:10:25.00', maxUnitCost: 2600 }]);
  await sys.addSku('STEAM-10', { mode: 'supplier', price: 1200, cost: 990, currency: 'USD' });
  await setRoutes(sys.db, sys.merchant.merchantId, 'STEAM-10', [{ supplierId, supplierProduct: 'giftcard:11:10', maxUnitCost: 1000 }]);
  await sys.addSku('EE-5', { mode: 'topup', price: 600, cost: 500, currency: 'USD' });
  await setRoutes(sys.db, sys.merchant.merchantId, 'EE-5', [{ supplierId, supplierProduct: 'topup:535:GB:5.00', maxUnitCost: 520 }]);
});

afterAll(async () => {
  await sim.stop();
  await sys.stop();
});

async function buy(sku = 'AMAZON-25', quantity = 1, account?: string) {
  const res = await sys.api('POST', '/v1/orders', { body: { externalRef: `rl-buy-${++n}`, items: [{ sku, quantity, ...(account ? { account } : {}) }] } });
  expect(res.status).toBe(202);
  return res.body.id as string;
}

/** Every reference this order sent was charged by Reloadly once at most, and each delivered unit once. */
async function chargedOncePerUnit(orderId: string, units: number) {
  const charges = sim.charges();
  const refs: string[] = await sys.db('supplier_purchases').where({ order_id: orderId }).pluck('reference');
  expect(refs.filter((r) => charges[r]).map((r) => charges[r])).toEqual(Array(units).fill(1));
}

describe('when Cardflow buys gift cards from Reloadly', () => {
  test('then each unit is ordered under its reference, its code is read from the redeem code endpoint, and it is charged once', async () => {
    const id = await buy('STEAM-10', 2);
    const order = await sys.waitForOrder(id, ['delivered']);
    expect(order.items[0].units.map((u: any) => u.code.number)).toEqual([expect.stringMatching(/^RLSIM-\d+-\d+$/), expect.stringMatching(/^RLSIM-\d+-\d+$/)]);
    await chargedOncePerUnit(id, 2);
    const purchases = await sys.db('supplier_purchases').where({ order_id: id }).select('status', 'unit_cost', 'supplier_order_id');
    expect(purchases).toEqual([expect.objectContaining({ status: 'succeeded', unit_cost: 990 }), expect.objectContaining({ status: 'succeeded', unit_cost: 990 })]);
  });

  test('then a pending order is finished by its webhook or by polling, and the code costs the denomination plus the fee', async () => {
    const id = await buy();
    const order = await sys.waitForOrder(id, ['delivered']);
    expect(order.items[0].units[0].code.number).toMatch(/^RLSIM-/);
    expect(await sys.db('supplier_purchases').where({ order_id: id }).first('unit_cost')).toEqual({ unit_cost: 2500 });
    await chargedOncePerUnit(id, 1);
  });

  test.each([
    ['the answer to the order times out after Reloadly committed it', { kind: 'timeout', ms: 2500, times: 1 }],
    ['Reloadly fails with a 500 after committing', { kind: 'error_after_commit', times: 1 }],
    ['a gateway answers 502 with an HTML page', { kind: 'html_502', times: 1 }],
    ['the webhook is dropped (the order polls)', { kind: 'drop_callback', times: 1 }],
    ['the webhook comes twice', { kind: 'duplicate_callback', times: 1 }],
  ] as const)('when %s, then the unit is delivered and charged once', async (_what, fault) => {
    sim.addFault(fault);
    const id = await buy();
    await sys.waitForOrder(id, ['delivered'], 45_000);
    await chargedOncePerUnit(id, 1);
    expect(sim.faultsLeft()).toBe(0); // the fault did strike
    sim.clearFaults();
  });

  test('when the price rises between the quote and the order, then the unit is delivered once and a person is told', async () => {
    sim.addFault({ kind: 'price_change_at_order', price: 2600, times: 1 });
    const id = await buy();
    await sys.waitForOrder(id, ['delivered']);
    await chargedOncePerUnit(id, 1);
    expect(sim.faultsLeft()).toBe(0);
    const purchase = found(await sys.db('supplier_purchases').where({ order_id: id, status: 'succeeded' }).first(), 'succeeded purchase');
    expect(purchase.unit_cost).toBe(2650);
    expect(await sys.db('alerts').where({ kind: 'supplier_price_above_max', subject_id: purchase.id }).count('* as n')).toEqual([{ n: 1 }]);
    sim.setPrice(10, '25', 2450);
  });

  test('when the price is above the route maximum, then nothing is ordered and the order fails', async () => {
    sim.setPrice(10, '25', 3000);
    const id = await buy();
    const order = await sys.waitForOrder(id, ['failed']);
    expect(order.reason).toMatch(/price/);
    const refs: string[] = await sys.db('supplier_purchases').where({ order_id: id }).pluck('reference');
    expect(refs.filter((r) => sim.charges()[r])).toEqual([]);
    sim.setPrice(10, '25', 2450);
  });

  test('when the balance is too low, then Reloadly refuses, nothing is charged and the order fails saying so', async () => {
    sim.setBalance(100);
    const id = await buy('STEAM-10');
    const order = await sys.waitForOrder(id, ['failed']);
    expect(order.reason).toMatch(/balance/);
    const refs: string[] = await sys.db('supplier_purchases').where({ order_id: id }).pluck('reference');
    expect(refs.filter((r) => sim.charges()[r])).toEqual([]);
    sim.setBalance(1_000_000);
  });

  test('then a webhook naming another transaction than the purchase made changes nothing', async () => {
    const id = await buy('STEAM-10');
    await sys.waitForOrder(id, ['delivered']);
    const p = found(await sys.db('supplier_purchases').where({ order_id: id }).first(), 'purchase');
    const send = (transactionId: number) =>
      fetch(`${sys.baseUrl}/supplier-callbacks/${supplierId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'giftcard_transaction.status', data: { transactionId, customIdentifier: p.reference, status: 'SUCCESSFUL' } }),
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
    expect(await send(999999)).toMatchObject({ status: 409, body: { error: { code: 'callback_order_mismatch' } } });
    expect(await send(Number(p.supplier_order_id))).toEqual({ status: 200, body: { received: true } });
  });
});

describe('when Cardflow tops up a phone through Reloadly', () => {
  test('then the number is checked at the checkout, the asynchronous top-up is charged once and delivered with its receipt', async () => {
    const bad = await sys.api('POST', '/v1/orders', { body: { externalRef: `rl-buy-${++n}`, items: [{ sku: 'EE-5', quantity: 1, account: '447000000000' }] } });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_account']);
    const id = await buy('EE-5', 1, '447951731337');
    const order = await sys.waitForOrder(id, ['delivered']);
    expect(order.items[0].units[0]).toMatchObject({ status: 'delivered', receipt: { account: '447951731337', receipt: expect.stringMatching(/^OP\d+:OrderConfirmed$/) } });
    await chargedOncePerUnit(id, 1);
  });

  test('when the top-up answer is lost after Reloadly committed it, then it is found by its reference and charged once', async () => {
    sim.addFault({ kind: 'error_after_commit', times: 1 });
    const id = await buy('EE-5', 1, '447951731338');
    await sys.waitForOrder(id, ['delivered'], 45_000);
    await chargedOncePerUnit(id, 1);
    expect(sim.faultsLeft()).toBe(0);
  });

  test('then every reference Reloadly ever charged was charged once', () => {
    expect(Object.values(sim.charges()).every((c) => c === 1)).toBe(true);
    expect(Object.keys(sim.charges()).length).toBeGreaterThanOrEqual(12);
  });
});
