import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTestSystem, type TestSystem } from './harness';
import { admin, placeOrder, useRules } from './risk-helpers';
import { addSupplier, card, route, type TestSupplier } from './supplier-helpers';
import { eventually } from './eventually';
import { startTimeSkipping } from './time-skipping';
import { found } from './found';

// The order workflow's long waits, run on Temporal's time-skipping test server: the 24-hour
// risk review, the manual deadlines, the 30-minute slow-purchase alert and a step's whole retry
// budget pass in seconds. The database, the worker, the API, the supplier simulator and the
// webhook receiver are real; only Temporal's clock jumps. (Webhook retries left the workflow for
// the outbox notifier, which keeps real time: test/webhook-outbox.test.ts.)

// Workflow durations are read from histories, not from the server's clock: once nothing is left
// to wait for, the test server's clock may leap far ahead. The review test runs first because its
// deadline is a wall-clock time from the database.
const HOUR = 3_600_000;

let env: TestWorkflowEnvironment;
let sys: TestSystem;
let supplier: TestSupplier;
/** Orders whose supplier checks fail as if the supplier's API were unreachable. */
const unreachable = new Set<string>();
const receiver = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => void res.writeHead(503).end());
});

beforeAll(async () => {
  env = await startTimeSkipping();
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  sys = await startTestSystem({ temporal: { client: env.client, nativeConnection: env.nativeConnection }, webhookUrl, worker: false });
  const real = sys.activities;
  await sys.startWorker({
    ...real,
    checkPurchase: async (purchaseId) => {
      const { order_id } = found(await sys.db('supplier_purchases').where({ id: purchaseId }).first('order_id'), 'the purchase');
      if (unreachable.has(order_id)) throw new Error('connect ECONNREFUSED (the test cut this supplier off)');
      return real.checkPurchase(purchaseId);
    },
  });
  await sys.addSku('CARD', { codes: 10, price: 1000 });
  await sys.addSku('BY-HAND', { mode: 'manual', manualEscalateAfterSeconds: 4 * 3600, manualCancelAfterSeconds: 24 * 3600 });
  supplier = await addSupplier(sys, 'Slowpoke', [card('SLOW-10', 900, { async: true, asyncDelayMs: 600_000 })]);
  await sys.addSku('SLOW', { mode: 'supplier', currency: 'USD', price: 1000 });
  await route(sys, 'SLOW', [{ supplier, product: 'SLOW-10', maxUnitCost: 950 }]);
}, 120_000);

afterAll(async () => {
  await sys?.stop();
  await supplier?.stop();
  await env?.teardown();
  await new Promise((r) => receiver.close(r));
});

const place = async (sku: string) => {
  const res = await sys.api('POST', '/v1/orders', { body: { externalRef: `long-${sku}-${Date.now()}`, items: [{ sku, quantity: 1 }] } });
  expect(res.status).toBe(202);
  return res.body.id as string;
};

test('when nobody decides a held order for 24 hours, then the deadline rejects it and its stock goes back', async () => {
  await useRules(sys, [{ name: 'Hold foreign cards', kind: 'country_mismatch', params: { between: ['ip', 'card'] }, action: 'review' }], { reviewTimeoutSeconds: 24 * 3600 });
  const stockBefore = (await sys.db('skus').where({ code: 'CARD' }).first())?.stock_available;
  const held = await placeOrder(sys, { ipCountry: 'US', cardCountry: 'CN', email: 'buyer@example.com' }, [{ sku: 'CARD', quantity: 1 }]);
  expect(held.status).toBe('held');

  // Positive control: 23 hours in, it still waits.
  const start = await env.currentTimeMs();
  await env.sleep('23 hours');
  expect((await sys.api('GET', `/v1/orders/${held.id}`)).body.status).toBe('held');

  const result = await sys.finished(held.id);
  expect(result).toMatchObject({ status: 'cancelled', reason: 'risk_review_expired: no reviewer decided before the deadline' });
  expect((await env.currentTimeMs()) - start).toBeGreaterThanOrEqual(23 * HOUR);
  expect((await admin(sys, 'GET', `/admin/risk/reviews/${held.id}`)).body).toMatchObject({ status: 'expired', orderStatus: 'cancelled' });
  expect(
    await sys
      .db('audit_log')
      .where({ target: `order:${held.id}` })
      .first(),
  ).toMatchObject({ actor: 'system:review-deadline', action: 'risk.review.expired' });
  expect((await sys.db('skus').where({ code: 'CARD' }).first())?.stock_available).toBe(stockBefore);
  await useRules(sys, []);
});

test('when nobody fulfils a manual order, then it escalates with an alert at 4 hours and is cancelled at 24', async () => {
  const id = await place('BY-HAND');
  await eventually('the manual task', () => sys.db('manual_tasks').where({ order_id: id }).first());
  const alert = () => sys.db('alerts').where({ kind: 'manual_fulfilment_overdue', subject_id: id }).first();

  await env.sleep('230 minutes');
  expect(found(await sys.db('manual_tasks').where({ order_id: id }).first(), 'the manual task').status).toBe('open');
  expect(await alert()).toBeUndefined();

  await env.sleep('15 minutes');
  await eventually('the escalation', async () => found(await sys.db('manual_tasks').where({ order_id: id }).first(), 'the manual task').status === 'escalated');
  expect(await alert()).toMatchObject({ resolved_at: null });
  expect((await sys.api('GET', `/v1/orders/${id}`)).body.status).toBe('processing');

  const result = await sys.finished(id);
  expect(result).toMatchObject({ status: 'cancelled', reason: 'manual_fulfilment_deadline' });
  const order = (await sys.api('GET', `/v1/orders/${id}`)).body;
  expect(order.status).toBe('cancelled');
  expect(found(await alert(), 'the overdue alert').resolved_at).not.toBeNull();
});

test('when an asynchronous purchase is still processing after 30 minutes, then a person is alerted and it keeps being asked', async () => {
  const id = await place('SLOW');
  const purchase = await eventually('the purchase', () => sys.db('supplier_purchases').where({ order_id: id }).first());
  const slowAlert = () => sys.db('alerts').where({ kind: 'supplier_purchase_slow', subject_id: purchase.id }).first();

  await env.sleep('25 minutes');
  expect(await slowAlert()).toBeUndefined();

  await env.sleep('15 minutes');
  await eventually('the slow-purchase alert', slowAlert);
  expect((await sys.api('GET', `/v1/orders/${id}`)).body.status).toBe('processing');
  const handle = sys.client.workflow.getHandle(id);
  expect(await handle.query('fulfilmentState')).toMatchObject({ step: 'purchasing', purchases: { waitingOnSupplier: 1 } });
  // Charged once, however often it was asked.
  expect(await supplier.charges()).toEqual({ charges: { [purchase.reference]: 1 }, total: 1 });
  await handle.terminate('test over: the simulator would complete the purchase in 10 real minutes');
});

test('when asking a supplier where a purchase stands fails for the whole retry budget, then the order needs attention with an alert', async () => {
  const id = await place('SLOW');
  unreachable.add(id);
  await eventually('the purchase', () => sys.db('supplier_purchases').where({ order_id: id }).first());

  // Positive control: part way through the budget (20 attempts, about 7 minutes of backoff) it still tries.
  await env.sleep('3 minutes');
  expect((await sys.db('orders').where({ id }).first())?.status).toBe('processing');

  await env.sleep('15 minutes');
  const row = await eventually('the stop', async () => {
    const o = await sys.db('orders').where({ id }).first();
    return o?.status === 'needs_attention' && o;
  });
  expect(row.attention).toMatchObject({ step: 'purchasing' });
  expect(row.attention).toMatchObject({ code: 'step_retries_exhausted', params: { step: 'purchasing' } });
  expect(await sys.db('alerts').where({ kind: 'order_needs_attention', subject_id: id }).whereNull('resolved_at').first()).toBeDefined();
  await sys.client.workflow.getHandle(id).terminate('test over');
});

test('when every route stays paused for the whole purchase budget, then the order fails with why as codes, not English', async () => {
  const tripped = await addSupplier(sys, 'Tripped', [card('TRIP-10', 900)]);
  try {
    await sys.addSku('PAUSED', { mode: 'supplier', currency: 'USD', price: 1000 });
    await route(sys, 'PAUSED', [{ supplier: tripped, product: 'TRIP-10', maxUnitCost: 950 }]);
    // Its circuit open for a year of the database's time: every try finds the only route paused.
    await sys
      .db('suppliers')
      .where({ id: tripped.id })
      .update({ circuit_open_until: sys.db.raw(`now() + interval '1 year'`) });
    const id = await place('PAUSED');
    // The workflow starts after the 202 (startSoon): skipping time before it runs would skip nothing.
    await eventually('the purchase step', async () => (await sys.db('orders').where({ id }).first())?.status === 'processing');

    // Positive control: part way through the purchase budget (about ten minutes) it still waits.
    await env.sleep('2 minutes');
    expect((await sys.db('orders').where({ id }).first())?.status).toBe('processing');

    await env.sleep('15 minutes');
    const failed = await eventually('the failure', async () => {
      const o = await sys.db('orders').where({ id }).first('status', 'reason');
      return o?.status === 'failed' && o;
    });
    expect(failed.reason).not.toMatch(/right now|circuit open/);
    const order = (await admin(sys, 'GET', `/admin/orders/${id}`)).body;
    expect(order.reasonCode).toEqual({
      code: 'supplier_unavailable',
      params: {},
      outcomes: [{ supplier: 'Tripped', code: 'circuit_open', vendorCode: 'circuit_open', message: '' }],
    });
    expect(await tripped.charges()).toEqual({ charges: {}, total: 0 });
  } finally {
    await tripped.stop();
  }
});
