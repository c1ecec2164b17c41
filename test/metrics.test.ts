import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from '../lib/config';
import { registry } from '../lib/metrics';
import { startMetricsServer } from '../lib/metrics-endpoint';
import { startTestSystem, type TestSystem } from './harness';
import { addSupplier, card, route, type TestSupplier } from './supplier-helpers';

// The api's /metrics (behind METRICS_TOKEN on its own port) and the worker's (on a listener of
// its own, as WORKER_METRICS_PORT serves it) are scraped before and after real orders.

const token = crypto.randomBytes(24).toString('hex');
let sys: TestSystem;
let supplier: TestSupplier;
let receiver: http.Server;
/** How many webhooks the receiver refuses (503) before it accepts again. */
let refuseNext = 0;
let workerMetrics: { url: string; close(): Promise<void> };

beforeAll(async () => {
  receiver = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(refuseNext-- > 0 ? 503 : 204).end()));
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  sys = await startTestSystem({ metricsToken: token, webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks` });
  supplier = await addSupplier(sys, 'Metered', [card('M-CARD', 900)], { lowBalanceThreshold: 5000 });
  workerMetrics = await startMetricsServer({ registry, host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await workerMetrics?.close();
  await sys?.stop();
  await supplier?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

/** Prometheus text → value of one series (0 when absent). */
function valueOf(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const scrapeApi = async () => {
  const res = await fetch(`${sys.baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return res.text();
};
const scrapeWorker = async () => (await fetch(workerMetrics.url)).text();

describe('metrics', () => {
  test('when a stock order and a supplier order are delivered, then the api and worker counters moved from their values before', async () => {
    await sys.addSku('MET-STOCK', { codes: 2 });
    await sys.addSku('MET-SUP', { mode: 'supplier', currency: 'USD', price: 1200 });
    await route(sys, 'MET-SUP', [{ supplier, product: 'M-CARD', maxUnitCost: 1000 }]);
    const apiBefore = await scrapeApi();
    const workerBefore = await scrapeWorker();

    for (const [i, sku] of ['MET-STOCK', 'MET-SUP'].entries()) {
      const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `met-${i}`, items: [{ sku, quantity: 1 }] } });
      expect(placed.status).toBe(202);
      await sys.finished(placed.body.id);
      await sys.webhookFinished(placed.body.id);
    }
    const soldOut = await sys.api('POST', '/v1/orders', { body: { externalRef: 'met-sold-out', items: [{ sku: 'MET-STOCK', quantity: 5 }] } });
    expect(soldOut.status).toBe(409);

    const apiAfter = await scrapeApi();
    const workerAfter = await scrapeWorker();
    const moved = (before: string, after: string, series: string) => valueOf(after, series) - valueOf(before, series);
    expect(moved(apiBefore, apiAfter, 'cardflow_orders_accepted_total')).toBe(2);
    expect(moved(apiBefore, apiAfter, 'cardflow_orders_sold_out_total')).toBe(1);
    expect(moved(apiBefore, apiAfter, 'cardflow_order_accept_seconds_count{outcome="accepted"}')).toBe(2);
    expect(moved(workerBefore, workerAfter, 'cardflow_orders_delivered_total')).toBe(2);
    expect(moved(workerBefore, workerAfter, 'cardflow_order_accept_to_delivered_seconds_count')).toBe(2);
    expect(moved(workerBefore, workerAfter, 'cardflow_risk_decisions_total{decision="allow"}')).toBe(2);
    expect(moved(workerBefore, workerAfter, 'cardflow_webhook_attempts_total{event_type="order.delivered",outcome="succeeded"}')).toBe(2);
    expect(moved(workerBefore, workerAfter, 'cardflow_supplier_calls_total{supplier="Metered",operation="purchase",outcome="ok"}')).toBe(1);
    expect(moved(workerBefore, workerAfter, 'cardflow_supplier_call_seconds_count{supplier="Metered",operation="purchase"}')).toBe(1);

    // Read from Postgres at scrape time: the stock left, the circuit, the balance as last seen.
    expect(valueOf(apiAfter, `cardflow_stock_available{merchant="${sys.merchant.merchantId}",sku="MET-STOCK"}`)).toBe(1);
    expect(apiAfter).toContain('cardflow_supplier_circuit_open{supplier="Metered"} 0');
  });

  test('when the storefront refuses a webhook once, then the worker counts a failed attempt and then a succeeded one', async () => {
    await sys.addSku('MET-HOOK', { codes: 1 });
    const before = await scrapeWorker();
    refuseNext = 1;
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: 'met-hook', items: [{ sku: 'MET-HOOK', quantity: 1 }] } });
    await sys.finished(placed.body.id);
    await sys.webhookFinished(placed.body.id);
    const after = await scrapeWorker();
    const series = (outcome: string) => `cardflow_webhook_attempts_total{event_type="order.delivered",outcome="${outcome}"}`;
    expect(valueOf(after, series('failed')) - valueOf(before, series('failed'))).toBe(1);
    expect(valueOf(after, series('succeeded')) - valueOf(before, series('succeeded'))).toBe(1);
  });

  test('when /metrics is asked without the token or with a wrong one, then it answers 401 and no metrics', async () => {
    for (const headers of [{}, { authorization: 'Bearer not-the-token-at-all' }] as Record<string, string>[]) {
      const res = await fetch(`${sys.baseUrl}/metrics`, { headers });
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain('cardflow_orders_accepted_total');
    }
  });

  test('when no token is configured, then the api has no /metrics on its public port', async () => {
    const plain = await startTestSystem({ worker: false });
    try {
      expect((await plain.api('GET', '/metrics', { key: null })).status).toBe(404);
    } finally {
      await plain.stop();
    }
  });
});

describe('metrics settings', () => {
  test('when unset, then the listeners bind to loopback; a short token or a bad port stops the start', () => {
    expect(loadConfig({}).METRICS_HOST).toBe('127.0.0.1');
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_TOKEN: 'a-long-enough-token' })).toMatchObject({ METRICS_PORT: 9464, METRICS_TOKEN: 'a-long-enough-token' });
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ WORKER_METRICS_PORT: '70000' })).toThrow(/WORKER_METRICS_PORT/);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});
