import { startTestSystem, type TestSystem } from './harness';
import { addSupplier, card, chargedOnce, route, type TestSupplier } from './supplier-helpers';
import { found } from './found';

// Real-time purchase from suppliers over real HTTP, against the simulator, under each fault it
// can inject: every unit charged exactly once (the simulator's own ledger says), and every
// order ends delivered or failed with a reason.

let sys: TestSystem;
let alpha: TestSupplier;
let beta: TestSupplier;
let n = 0;

beforeAll(async () => {
  sys = await startTestSystem();
  alpha = await addSupplier(sys, 'Alpha', [card('CARD-10', 900), card('CARD-ASYNC', 900, { async: true, asyncDelayMs: 100 })], {
    timeoutMs: 500,
    failureThreshold: 2,
    cooldownSeconds: 2,
    lowBalanceThreshold: 5000,
  });
  beta = await addSupplier(sys, 'Beta', [card('B-CARD-10', 950)]);
});

afterAll(async () => {
  await sys?.stop();
  await alpha?.stop();
  await beta?.stop();
});

beforeEach(async () => {
  await alpha.clearFaults();
  await beta.clearFaults();
});

/** A fresh SKU bought from Alpha first, then Beta. */
async function supplierSku(opts: { alphaMax?: number; betaMax?: number; alphaOnly?: boolean; alphaProduct?: string } = {}) {
  const sku = `SUP-${++n}`;
  await sys.addSku(sku, { mode: 'supplier', currency: 'USD', price: 1200 });
  await route(sys, sku, [
    { supplier: alpha, product: opts.alphaProduct ?? 'CARD-10', maxUnitCost: opts.alphaMax ?? 1000 },
    ...(opts.alphaOnly ? [] : [{ supplier: beta, product: 'B-CARD-10', maxUnitCost: opts.betaMax ?? 1000 }]),
  ]);
  return sku;
}

async function order(sku: string, quantity = 1) {
  const res = await sys.api('POST', '/v1/orders', { body: { externalRef: `ref-${sku}-${++n}`, items: [{ sku, quantity }] } });
  expect(res.status).toBe(202);
  await sys.finished(res.body.id);
  return (await sys.api('GET', `/v1/orders/${res.body.id}`)).body;
}

const purchasesOf = (orderId: string) => sys.db('supplier_purchases').where({ order_id: orderId }).orderBy('created_at');
const supplierOf = (p: { supplier_id: string }) => (p.supplier_id === alpha.id ? 'alpha' : 'beta');

describe('buying in real time', () => {
  test('when a supplier SKU is ordered, then each unit is bought once, delivered with its code, and settled at the supplier price', async () => {
    const sku = await supplierSku();
    const before = (await alpha.charges()).total;
    const o = await order(sku, 3);
    expect(o.status).toBe('delivered');
    const codes = o.items[0].units.map((u: any) => u.code.number);
    expect(new Set(codes).size).toBe(3);
    const purchases = await purchasesOf(o.id);
    expect(purchases.map((p) => [supplierOf(p), p.status])).toEqual([
      ['alpha', 'succeeded'],
      ['alpha', 'succeeded'],
      ['alpha', 'succeeded'],
    ]);
    const ledger = await alpha.charges();
    expect(ledger.total - before).toBe(3);
    for (const p of purchases) expect(ledger.charges[p.reference]).toBe(1);
    expect(await sys.db('settlements').where({ order_id: o.id }).first('cost', 'revenue')).toEqual({ cost: 2700, revenue: 3600 });
  });

  test('when the supplier commits and then answers 500, then the order asks by reference, is delivered, and is charged once', async () => {
    const sku = await supplierSku({ alphaOnly: true });
    await alpha.fault({ kind: 'error_after_commit', product: 'CARD-10', times: 1 });
    const o = await order(sku, 2);
    expect(o.status).toBe('delivered');
    const purchases = await purchasesOf(o.id);
    expect(purchases).toHaveLength(2);
    expect(purchases.every((p) => p.status === 'succeeded')).toBe(true);
    const ledger = await alpha.charges();
    for (const p of purchases) expect(ledger.charges[p.reference]).toBe(1);
    expect(chargedOnce(ledger)).toBe(true);
  });

  test('when the supplier commits and then shows a non-JSON 502 page, then the order resolves it by query and is charged once', async () => {
    const sku = await supplierSku({ alphaOnly: true });
    await alpha.fault({ kind: 'html_502', product: 'CARD-10', times: 1 });
    const o = await order(sku);
    expect(o.status).toBe('delivered');
    const [p] = await purchasesOf(o.id);
    expect(p.attempt).toBe(1); // the one attempt was found, not bought again
    expect((await alpha.charges()).charges[p.reference]).toBe(1);
  });

  test('when the supplier times out without taking the order, then the query finds nothing and it is bought again, charged once', async () => {
    const sku = await supplierSku({ alphaOnly: true });
    await alpha.fault({ kind: 'timeout', product: 'CARD-10', times: 1, ms: 1500 });
    const o = await order(sku);
    expect(o.status).toBe('delivered');
    const purchases = await purchasesOf(o.id);
    expect(purchases.map((p) => [p.attempt, p.status, p.failure_code])).toEqual([
      [1, 'failed', 'not_committed'],
      [2, 'succeeded', null],
    ]);
    const ledger = await alpha.charges();
    expect(ledger.charges[purchases[0].reference]).toBeUndefined();
    expect(ledger.charges[purchases[1].reference]).toBe(1);
  });

  test('when the supplier is slow but answers, then the order is delivered', async () => {
    const sku = await supplierSku({ alphaOnly: true });
    await alpha.fault({ kind: 'latency', product: 'CARD-10', ms: 300 });
    expect((await order(sku)).status).toBe('delivered');
  });

  test('when the supplier rate-limits with 429, then the unit waits and is bought once', async () => {
    const sku = await supplierSku({ alphaOnly: true });
    await alpha.fault({ kind: 'rate_limit', product: 'CARD-10', times: 1 });
    const o = await order(sku);
    expect(o.status).toBe('delivered');
    const purchases = await purchasesOf(o.id);
    expect(purchases.map((p) => p.failure_code ?? p.status)).toEqual(['rate_limited', 'succeeded']);
  });
});

describe('routing and failover', () => {
  test('when the first supplier runs out of stock mid-order, then the rest of the units come from the next route', async () => {
    const sku = await supplierSku();
    await alpha.fault({ kind: 'stock_out_after', product: 'CARD-10', times: 1 });
    const o = await order(sku, 3);
    expect(o.status).toBe('delivered');
    const bought = (await purchasesOf(o.id))
      .filter((p) => p.status === 'succeeded')
      .map(supplierOf)
      .sort();
    expect(bought).toEqual(['alpha', 'beta', 'beta']);
    expect(chargedOnce(await alpha.charges())).toBe(true);
    expect(chargedOnce(await beta.charges())).toBe(true);
  });

  test('when a unit cannot be bought after others were, then the order fails and keeps the codes already paid for (a retry uses them, a refund voids them), not lost', async () => {
    const sku = await supplierSku({ alphaOnly: true });
    await alpha.fault({ kind: 'stock_out_after', product: 'CARD-10', times: 1 });
    const o = await order(sku, 2);
    expect(o.status).toBe('failed');
    expect(o.reason).toMatch(/Alpha: out of stock/);
    const bought = (await purchasesOf(o.id)).filter((p) => p.status === 'succeeded');
    expect(bought).toHaveLength(1);
    const skuRow = found(await sys.db('skus').where({ code: sku }).first('id', 'stock_available'), 'the SKU');
    expect(await sys.db('codes').where({ sku_id: skuRow.id }).select('status', 'unit_id', 'source')).toEqual([
      { status: 'allocated', unit_id: bought[0].unit_id, source: 'supplier' },
    ]);
    expect(skuRow.stock_available).toBe(0);
    expect(chargedOnce(await alpha.charges())).toBe(true);
  });

  test('when the first supplier price is above the route maximum, then nothing is bought there and the next route supplies', async () => {
    const sku = await supplierSku({ alphaMax: 800 }); // Alpha sells at 900
    const before = (await alpha.charges()).total;
    const o = await order(sku);
    expect(o.status).toBe('delivered');
    const purchases = await purchasesOf(o.id);
    expect(purchases.map((p) => [supplierOf(p), p.failure_code ?? p.status])).toEqual([
      ['alpha', 'price_changed'],
      ['beta', 'succeeded'],
    ]);
    expect((await alpha.charges()).total).toBe(before);
  });

  test('when every route is above its maximum, then the order fails with the reason and nothing is charged', async () => {
    const sku = await supplierSku({ alphaMax: 800, betaMax: 800 });
    const [a, b] = [(await alpha.charges()).total, (await beta.charges()).total];
    const o = await order(sku);
    expect(o.status).toBe('failed');
    expect(o.reason).toMatch(/Alpha: price 900 is above our maximum of 800.*Beta: price 950 is above our maximum of 800/);
    expect([(await alpha.charges()).total, (await beta.charges()).total]).toEqual([a, b]);
  });

  test('when a supplier SKU has no active route, then the order fails with that as a code and the SKU, worded by the console rather than in English', async () => {
    // Its one route is to a supplier staff buy from by hand: the order is taken, but there is no API to buy through.
    const byHand = await addSupplier(sys, 'ByHand', [card('HAND-10', 900)]);
    const sku = `NOROUTE-${++n}`;
    await sys.addSku(sku, { mode: 'supplier', currency: 'USD', price: 1200 });
    await route(sys, sku, [{ supplier: byHand, product: 'HAND-10', maxUnitCost: 1000 }]);
    await sys.db('suppliers').where({ id: byHand.id }).update({ kind: 'manual' });
    await byHand.stop();
    const o = await order(sku);
    expect(o.status).toBe('failed');
    expect(o.reason).not.toMatch(/has no active supplier route/);
    const shown = (await sys.api('GET', `/admin/orders/${o.id}`, { key: sys.merchant.adminToken })).body;
    expect(shown.reasonCode).toEqual({ code: 'supplier_no_route', params: { sku } });
    const failedEvent = shown.timeline.find((e: { type: string }) => e.type === 'failed');
    expect(failedEvent.reasonCode).toEqual({ code: 'supplier_no_route', params: { sku } });
  });

  test('when the first supplier balance is too low, then the next route supplies and a low-balance alert is raised', async () => {
    const sku = await supplierSku();
    await alpha.setBalance(100);
    try {
      const o = await order(sku);
      expect(o.status).toBe('delivered');
      expect((await purchasesOf(o.id)).map((p) => [supplierOf(p), p.failure_code ?? p.status])).toEqual([
        ['alpha', 'insufficient_balance'],
        ['beta', 'succeeded'],
      ]);
      const alerts = await sys.api('GET', '/admin/alerts?open=true', { key: sys.merchant.adminToken });
      expect(alerts.body).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'supplier_low_balance', subjectId: alpha.id })]));
    } finally {
      await alpha.setBalance(10_000_000);
    }
    // Seeing the balance again clears the alert.
    const refreshed = await sys.api('POST', `/admin/suppliers/${alpha.id}/balance/refresh`, { key: sys.merchant.adminToken });
    expect(refreshed.body.balance).toBe(10_000_000);
    const open = await sys.api('GET', '/admin/alerts?open=true', { key: sys.merchant.adminToken });
    expect(open.body.filter((a: any) => a.kind === 'supplier_low_balance')).toEqual([]);
  });

  test('when a supplier keeps timing out, then its circuit opens, orders go straight to the next route, and a trial call closes it again', async () => {
    const sku = await supplierSku();
    // A cooldown no busy machine outlasts between the circuit opening and the next order; the
    // cooldown's end is then brought forward below instead of slept through. (With 2 s, a slow
    // CI run reached its next order after the cooldown and met the trial call.)
    const cooldown = (seconds: number) => sys.db('suppliers').where({ id: alpha.id }).update({ circuit_cooldown_seconds: seconds });
    await cooldown(600);
    try {
      await timeoutsOpenTheCircuit(sku);
    } finally {
      await cooldown(2);
    }
  });

  async function timeoutsOpenTheCircuit(sku: string) {
    await alpha.fault({ kind: 'timeout', product: 'CARD-10', ms: 3000 });
    // Each timeout is asked about (never taken), and the unit moves on to the next route.
    for (let i = 0; i < 2; i++) {
      const o = await order(sku);
      expect(o.status).toBe('delivered');
      expect((await purchasesOf(o.id)).map((p) => [supplierOf(p), p.failure_code ?? p.status])).toEqual([
        ['alpha', 'not_committed'],
        ['beta', 'succeeded'],
      ]);
    }
    const opened = await sys.api('GET', `/admin/suppliers/${alpha.id}`, { key: sys.merchant.adminToken });
    expect(opened.body.circuit).toMatchObject({ state: 'open', consecutiveFailures: 2 });
    const alerts = await sys.api('GET', '/admin/alerts?open=true', { key: sys.merchant.adminToken });
    expect(alerts.body).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'supplier_circuit_open', subjectId: alpha.id })]));

    // While open, Alpha is not even called.
    const skipped = await order(sku);
    expect((await purchasesOf(skipped.id)).map(supplierOf)).toEqual(['beta']);

    // Alpha recovers; once the cooldown is over one trial call goes through and closes the circuit.
    await alpha.clearFaults();
    await sys.db('suppliers').where({ id: alpha.id }).update({ circuit_open_until: sys.db.fn.now() });
    const trial = await order(sku);
    expect((await purchasesOf(trial.id)).map((p) => [supplierOf(p), p.status])).toEqual([['alpha', 'succeeded']]);
    const closed = await sys.api('GET', `/admin/suppliers/${alpha.id}`, { key: sys.merchant.adminToken });
    expect(closed.body.circuit).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    expect(chargedOnce(await alpha.charges())).toBe(true);
  }

  test('when a burst goes over our own rate limit for a supplier, then the overflow goes to the next route instead of queueing', async () => {
    const gamma = await addSupplier(sys, 'Gamma', [card('G-CARD', 900)], { rateLimitPerSecond: 1 });
    try {
      const sku = `RATE-${++n}`;
      await sys.addSku(sku, { mode: 'supplier', currency: 'USD', price: 1200 });
      await route(sys, sku, [
        { supplier: gamma, product: 'G-CARD', maxUnitCost: 1000 },
        { supplier: beta, product: 'B-CARD-10', maxUnitCost: 1000 },
      ]);
      const o = await order(sku, 4);
      expect(o.status).toBe('delivered');
      const bought = (await purchasesOf(o.id)).filter((p) => p.status === 'succeeded');
      const fromGamma = bought.filter((p) => p.supplier_id === gamma.id).length;
      expect(bought).toHaveLength(4);
      expect(fromGamma).toBeGreaterThanOrEqual(1);
      expect(fromGamma).toBeLessThanOrEqual(2); // 1 per second; the burst spans at most two seconds
      expect((await gamma.charges()).total).toBe(fromGamma);
    } finally {
      await gamma.stop();
    }
  });

  test('when a SKU has no supplier route, then the order is refused at once as sold out', async () => {
    const sku = `NOROUTE-${++n}`;
    await sys.addSku(sku, { mode: 'supplier', currency: 'USD' });
    const res = await sys.api('POST', '/v1/orders', { body: { externalRef: `r-${sku}`, items: [{ sku, quantity: 1 }] } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('sold_out');
  });
});

describe('asynchronous suppliers', () => {
  test('when the supplier finishes later and calls back, then the order is delivered from the callback', async () => {
    const sku = await supplierSku({ alphaOnly: true, alphaProduct: 'CARD-ASYNC' });
    const o = await order(sku);
    expect(o.status).toBe('delivered');
    expect(o.timeline.map((e: any) => e.type)).toEqual(expect.arrayContaining(['supplier_processing', 'supplier_purchased']));
  });

  test('when the callback is lost, then polling finds the result and the order is delivered', async () => {
    const sku = await supplierSku({ alphaOnly: true, alphaProduct: 'CARD-ASYNC' });
    await alpha.fault({ kind: 'drop_callback', product: 'CARD-ASYNC', times: 1 });
    const o = await order(sku);
    expect(o.status).toBe('delivered');
    expect(o.items[0].units[0].code.number).toBeTruthy();
  });

  test('when the callback arrives twice, then the unit still gets one code and one charge', async () => {
    const sku = await supplierSku({ alphaOnly: true, alphaProduct: 'CARD-ASYNC' });
    await alpha.fault({ kind: 'duplicate_callback', product: 'CARD-ASYNC' });
    const o = await order(sku, 2);
    expect(o.status).toBe('delivered');
    await new Promise((r) => setTimeout(r, 300)); // let the second copies arrive
    const skuRow = found(await sys.db('skus').where({ code: sku }).first('id'), 'the SKU');
    expect(await sys.db('codes').where({ sku_id: skuRow.id }).count('* as n').first()).toEqual({ n: 2 });
    expect(await sys.db('deliveries').where({ order_id: o.id }).count('* as n').first()).toEqual({ n: 2 });
    const ledger = await alpha.charges();
    for (const p of await purchasesOf(o.id)) expect(ledger.charges[p.reference]).toBe(1);
  });

  test('when an asynchronous purchase takes too long, then an alert names it, and it clears when the purchase completes', async () => {
    const sku = await supplierSku({ alphaOnly: true, alphaProduct: 'CARD-ASYNC' });
    await alpha.setProduct('CARD-ASYNC', { asyncDelayMs: 2000 });
    try {
      const res = await sys.api('POST', '/v1/orders', { body: { externalRef: `slow-${++n}`, items: [{ sku, quantity: 1 }] } });
      let purchase: any;
      for (let i = 0; i < 50 && purchase?.status !== 'processing'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        [purchase] = await purchasesOf(res.body.id);
      }
      expect(purchase.status).toBe('processing');
      // The workflow does this after 30 minutes of waiting; the activity is called directly here.
      await sys.activities.flagSlowPurchase(purchase.id);
      const open = await sys.api('GET', '/admin/alerts?open=true', { key: sys.merchant.adminToken });
      expect(open.body).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'supplier_purchase_slow', subjectId: purchase.id })]));
      await sys.finished(res.body.id);
      const after = await sys.api('GET', '/admin/alerts?open=true', { key: sys.merchant.adminToken });
      expect(after.body.filter((a: any) => a.subjectId === purchase.id)).toEqual([]);
    } finally {
      await alpha.setProduct('CARD-ASYNC', { asyncDelayMs: 100 });
    }
  });

  test('when a callback is not signed by the supplier, then it is refused and changes nothing', async () => {
    const res = await fetch(`${sys.baseUrl}/supplier-callbacks/${alpha.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-partner-id': alpha.partnerId, 'x-timestamp': String(Date.now()), 'x-signature': 'ab'.repeat(32) },
      body: JSON.stringify({ event: 'order.completed', order: { reference: 'x', status: 'success' } }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe('bad_signature');
  });
});

describe('secrets', () => {
  test('when a code is bought, then it never appears in the workflow history', async () => {
    const sku = await supplierSku({ alphaOnly: true });
    const o = await order(sku);
    const code = o.items[0].units[0].code;
    const history = readable(await sys.client.workflow.getHandle(o.id).fetchHistory());
    expect(history).toContain(o.items[0].units[0].id); // positive control: ids do travel
    expect(history).not.toContain(code.number);
    expect(history).not.toContain(code.pin);
  });
});

/** Every payload of a history as text (payloads travel as bytes). */
function readable(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (Array.isArray(value)) return value.map(readable).join('\n');
  if (value && typeof value === 'object') return Object.values(value).map(readable).join('\n');
  return String(value);
}
