import type { WorkflowHandle } from '@temporalio/client';
import { startTestSystem, type TestSystem } from './harness';
import { addSupplier, card, chargedOnce, route, type TestSupplier } from './supplier-helpers';

// Bounded histories (issue 11 §5): the biggest order the storefront API takes, 1,000 units
// bought one by one from an asynchronous supplier (the simulator, over HTTP), would make 12-15k
// events in one run. The workflow continues as new before a run grows long, each run picking up
// from the order's rows, so every run stays far under Temporal's 10,000-event warning, and the
// order is still delivered with every unit charged once.

let sys: TestSystem;
let supplier: TestSupplier;

beforeAll(async () => {
  sys = await startTestSystem({ riskMaxOrderAmount: 100_000_000, riskMaxOrderQuantity: 10_000 });
  supplier = await addSupplier(sys, 'Wholesale', [card('ASYNC-CARD', 900, { async: true, asyncDelayMs: 0 })]);
});

afterAll(async () => {
  await sys?.stop();
  await supplier?.stop();
});

/** Every run of the order's workflow, first to last, with its number of events. */
async function runsOf(orderId: string): Promise<{ runId: string; events: number }[]> {
  const runs: { runId: string; events: number }[] = [];
  let handle: WorkflowHandle | undefined = sys.client.workflow.getHandle(orderId);
  while (handle) {
    const current: WorkflowHandle = handle;
    const events = (await current.fetchHistory()).events ?? [];
    const previousRun: string | null | undefined = events[0].workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    runs.unshift({ runId: (await current.describe()).runId, events: events.length });
    handle = previousRun ? sys.client.workflow.getHandle(orderId, previousRun) : undefined;
  }
  return runs;
}

test('when 1,000 units are bought from an asynchronous supplier, then each run of the order stays far under 10,000 events, and every unit is delivered and charged once', async () => {
  await sys.addSku('BIG-ASYNC', { mode: 'supplier', currency: 'USD', price: 1200, maxPerOrder: 1000 });
  await route(sys, 'BIG-ASYNC', [{ supplier, product: 'ASYNC-CARD', maxUnitCost: 1000 }]);
  const res = await sys.api('POST', '/v1/orders', { body: { externalRef: 'big-async-1', items: [{ sku: 'BIG-ASYNC', quantity: 1000 }] } });
  expect(res.status).toBe(202);
  await sys.finished(res.body.id);

  const order = await sys.db('orders').where({ id: res.body.id }).first('status');
  expect(order?.status).toBe('delivered');
  expect(await sys.db('deliveries').where({ order_id: res.body.id }).count('* as n').first()).toEqual({ n: 1000 });
  const ledger = await supplier.charges();
  expect(ledger.total).toBe(1000);
  expect(chargedOnce(ledger)).toBe(true);

  const runs = await runsOf(res.body.id);
  // Positive control: one run could not hold this order, so it did continue as new.
  expect(runs.length).toBeGreaterThan(1);
  expect(runs.reduce((sum, r) => sum + r.events, 0)).toBeGreaterThan(10_000);
  for (const run of runs) expect(run.events).toBeLessThan(5_000);
}, 600_000);
