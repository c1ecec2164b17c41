import type { LogEntry } from '@temporalio/worker';
import { DefaultLogger } from '@temporalio/worker';
import { RepeatedFailures } from '../lib/repeated-failures';
import { SummarisingSdkLogger } from '../worker/sdk-logger';
import { sdkLog, startTestSystem, type TestSystem } from './harness';

// Log storms summarised; the request id carried from the api into the workflow's and the activities' log lines.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('repeated failures', () => {
  test('when 1,000 identical failures come within the window, then one line at once and one summary line with count, first and last', async () => {
    const lines: { entry: Record<string, unknown>; message: string }[] = [];
    const failures = new RepeatedFailures((entry, message) => lines.push({ entry, message }), 200);
    for (let i = 0; i < 1000; i++) failures.report('webhook|HTTP 503', { orderId: `o-${i}`, err: 'endpoint answered HTTP 503' }, 'webhook failed');
    expect(lines).toHaveLength(1); // the outage is visible at once
    await sleep(300);
    expect(lines).toHaveLength(2);
    const summary = lines[1];
    expect(summary.message).toBe('webhook failed (repeated)');
    expect(summary.entry).toMatchObject({ repeated: 1000, err: 'endpoint answered HTTP 503', orderId: 'o-999' });
    expect(Date.parse(summary.entry.first as string)).toBeLessThanOrEqual(Date.parse(summary.entry.last as string));
    // The next failure after the window starts a new one: shown at once again.
    failures.report('webhook|HTTP 503', { orderId: 'o-1000' }, 'webhook failed');
    expect(lines).toHaveLength(3);
    failures.flush();
  });

  test('when failures of different kinds come, then each kind has its own first line (and a lone failure no summary)', () => {
    const lines: string[] = [];
    const failures = new RepeatedFailures((entry, message) => lines.push(`${message} ${String(entry.err)}`), 60_000);
    failures.report('a', { err: 'HTTP 503' }, 'webhook failed');
    failures.report('b', { err: 'timeout' }, 'webhook failed');
    failures.report('a', { err: 'HTTP 503' }, 'webhook failed');
    expect(lines).toEqual(['webhook failed HTTP 503', 'webhook failed timeout']);
    failures.flush();
    expect(lines).toEqual(['webhook failed HTTP 503', 'webhook failed timeout', 'webhook failed (repeated) HTTP 503']);
  });

  test('when the SDK logs an activity failure per retry, then the worker log has one line per kind and a summary', () => {
    const written: LogEntry[] = [];
    const logger = new SummarisingSdkLogger(new DefaultLogger('DEBUG', (entry) => written.push(entry)), 60_000);
    const failure = new Error('endpoint answered HTTP 503');
    for (let i = 0; i < 500; i++) logger.warn('Activity failed', { activityType: 'notifyStorefront', workflowId: `order-${i}`, error: failure });
    logger.warn('Activity failed', { activityType: 'purchaseUnit', error: new Error('supplier timed out') });
    logger.debug('Activity completed', { activityType: 'deliverOrder' });
    expect(written.map((e) => `${e.level} ${e.message} ${e.meta?.activityType}`)).toEqual([
      'WARN Activity failed notifyStorefront',
      'WARN Activity failed purchaseUnit',
      'DEBUG Activity completed deliverOrder',
    ]);
    logger.flush();
    expect(written).toHaveLength(4);
    expect(written[3]).toMatchObject({ level: 'WARN', message: 'Activity failed (repeated)', meta: { activityType: 'notifyStorefront', repeated: 500, workflowId: 'order-499' } });
  });
});

describe('request id', () => {
  let sys: TestSystem;
  const entries: LogEntry[] = [];
  const listen = (entry: LogEntry) => void entries.push(entry);

  beforeAll(async () => {
    sdkLog.add(listen);
    sys = await startTestSystem();
    await sys.addSku('RID-1', { codes: 3 });
  });
  afterAll(async () => {
    sdkLog.delete(listen);
    await sys?.stop();
  });

  const activityLines = (requestId: string) => entries.filter((e) => e.meta?.requestId === requestId && e.meta?.activityType);
  // The workflow's own lines: the SDK's lifecycle lines and any `log` call in workflow code (no activityType).
  const workflowLines = (requestId: string) => entries.filter((e) => e.meta?.requestId === requestId && e.meta?.workflowType && !e.meta?.activityType);

  test('when an order is placed with X-Request-Id, then the answer echoes it and its activities log lines carry it', async () => {
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: 'rid-1', items: [{ sku: 'RID-1', quantity: 1 }] }, headers: { 'x-request-id': 'req-obs-42' } });
    expect(placed.status).toBe(202);
    expect(placed.headers.get('x-request-id')).toBe('req-obs-42');
    await sys.finished(placed.body.id);
    const lines = activityLines('req-obs-42');
    expect(lines.map((e) => e.meta?.activityType)).toEqual(expect.arrayContaining(['deliverOrder']));
    expect(lines.every((e) => e.meta?.workflowId === placed.body.id)).toBe(true);
  });

  test('when an order is placed with X-Request-Id, then the id is on a line of its workflow and on a line of one of its activities', async () => {
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: 'rid-3', items: [{ sku: 'RID-1', quantity: 1 }] }, headers: { 'x-request-id': 'req-obs-wf-7' } });
    expect(placed.status).toBe(202);
    await sys.finished(placed.body.id);
    const workflow = workflowLines('req-obs-wf-7');
    expect(workflow.map((e) => e.message)).toContain('Workflow started');
    expect(workflow.every((e) => e.meta?.workflowId === placed.body.id && e.meta?.workflowType === 'fulfilOrder')).toBe(true);
    const activity = activityLines('req-obs-wf-7');
    expect(activity.map((e) => e.meta?.activityType)).toContain('deliverOrder');
    // Positive control: the order's workflow did log lines, and an id this order never had is on none of them.
    expect(entries.some((e) => e.meta?.workflowId === placed.body.id && e.message === 'Workflow started')).toBe(true);
    expect(workflowLines('req-never-sent')).toEqual([]);
  });

  test('when an order is placed without one (or with a malformed one), then a fresh id is made and carried instead', async () => {
    const placed = await sys.api('POST', '/v1/orders', {
      body: { externalRef: 'rid-2', items: [{ sku: 'RID-1', quantity: 1 }] },
      headers: { 'x-request-id': 'bad id\twith spaces' },
    });
    expect(placed.status).toBe(202);
    const made = placed.headers.get('x-request-id')!;
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
    await sys.finished(placed.body.id);
    expect(activityLines(made).length).toBeGreaterThan(0);
    // The first order's id is not on this one's lines.
    expect(activityLines('req-obs-42').some((e) => e.meta?.workflowId === placed.body.id)).toBe(false);
  });
});
