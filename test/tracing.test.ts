import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { startTracing, type Tracing } from '../lib/tracing';
import { startTestSystem, type TestSystem } from './harness';
import { addSupplier, card, route, type TestSupplier } from './supplier-helpers';

// One trace from the storefront's POST /v1/orders through the order workflow and its
// activities to the supplier call, recorded by an in-memory exporter.

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let sys: TestSystem;
let supplier: TestSupplier;

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'cardflow-test', exporter })!;
  sys = await startTestSystem({ workflowSpans: tracing });
  supplier = await addSupplier(sys, 'Traced', [card('T-CARD', 900)]);
  await sys.addSku('TRACED', { mode: 'supplier', currency: 'USD', price: 1200 });
  await route(sys, 'TRACED', [{ supplier, product: 'T-CARD', maxUnitCost: 1000 }]);
});

afterAll(async () => {
  await sys?.stop();
  await supplier?.stop();
  await tracing?.shutdown();
});

async function placeAndTrace(externalRef: string): Promise<{ root: ReadableSpan; spans: ReadableSpan[] }> {
  const placed = await sys.api('POST', '/v1/orders', { body: { externalRef, items: [{ sku: 'TRACED', quantity: 1 }] } });
  expect(placed.status).toBe(202);
  await sys.finished(placed.body.id);
  // Workflow spans reach the exporter through a sink once their activation completes.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const all = exporter.getFinishedSpans();
    const root = all.find((s) => s.name === 'POST /v1/orders' && s.attributes['http.response.status_code'] === 202 && !seen.has(s.spanContext().traceId));
    const spans = root ? all.filter((s) => s.spanContext().traceId === root.spanContext().traceId) : [];
    if (root && spans.some((s) => s.name.startsWith('RunWorkflow:')) && spans.some((s) => s.name === 'supplier purchase')) {
      seen.add(root.spanContext().traceId);
      return { root, spans };
    }
    if (Date.now() > deadline) throw new Error(`no complete trace; spans: ${all.map((s) => s.name).join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const seen = new Set<string>();

describe('tracing', () => {
  test('when a supplier order is placed, then one trace runs from POST /v1/orders through the workflow and its activities to the supplier call', async () => {
    const { root, spans } = await placeAndTrace('traced-1');
    const names = spans.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'POST /v1/orders',
        'StartWorkflow:fulfilOrder',
        'RunWorkflow:fulfilOrder',
        'RunActivity:purchaseUnit',
        'supplier purchase',
        'RunActivity:deliverOrder',
      ]),
    );
    // The supplier call is a child of the purchase activity, which descends from the request.
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const ancestors = (span: ReadableSpan) => {
      const chain: string[] = [];
      for (let at = span.parentSpanId && byId.get(span.parentSpanId); at; at = at.parentSpanId ? byId.get(at.parentSpanId) : undefined) chain.push(at.name);
      return chain;
    };
    const purchase = spans.find((s) => s.name === 'supplier purchase')!;
    expect(purchase.attributes['cardflow.supplier']).toBe('Traced');
    expect(ancestors(purchase)).toEqual(expect.arrayContaining(['RunActivity:purchaseUnit', 'POST /v1/orders']));
    expect(ancestors(purchase).at(-1)).toBe(root.name);
  });

  test('when a second order is placed, then it has a trace of its own', async () => {
    const first = exporter
      .getFinishedSpans()
      .find((s) => s.name === 'POST /v1/orders')!
      .spanContext().traceId;
    const { root } = await placeAndTrace('traced-2');
    expect(root.spanContext().traceId).not.toBe(first);
  });
});
