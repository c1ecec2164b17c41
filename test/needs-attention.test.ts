import type { Activities } from '../activities';
import { startTestSystem, type TestSystem } from './harness';
import { found } from './found';

// Nothing hangs unseen (issue 11 §4): a step that breaks an invariant or runs out of retries
// stops the order as `needs_attention`, with the step, what broke and an alert; the order is
// findable in Temporal by its search attributes; and a support action through the admin API
// resumes it from where it stopped. Real worker, real Temporal, real Postgres; the faults are
// put in under the real activities.

let sys: TestSystem;
let n = 0;
/** SKUs whose orders' first delivery attempt finds the unit's code deleted (set before the order is placed). */
const poisonedSkus = new Set<string>();
/** The deleted code per order, saved here for the fix. */
const poisoned = new Map<string, Record<string, unknown>>();
/**
 * Steps failing as if their database were unreachable, for every order of a SKU: set before the
 * order is placed, so the step cannot have run before the test breaks it.
 */
const broken = new Map<string, keyof Activities>();

beforeAll(async () => {
  sys = await startTestSystem({ worker: false, stepAttempts: 3 });
  const real = sys.activities;
  const skusOf = (orderId: string): Promise<string[]> => sys.db('order_items as i').join('skus as s', 's.id', 'i.sku_id').where('i.order_id', orderId).pluck('s.code');
  const unreachable = async (step: keyof Activities, orderId: string) => {
    if ((await skusOf(orderId)).some((sku) => broken.get(sku) === step)) throw new Error('connect ECONNREFUSED (the test broke this step)');
  };
  await sys.startWorker({
    ...real,
    allocateCodes: async (orderId) => (await unreachable('allocateCodes', orderId), real.allocateCodes(orderId)),
    settleOrder: async (orderId) => (await unreachable('settleOrder', orderId), real.settleOrder(orderId)),
    deliverOrder: async (orderId) => {
      if (!poisoned.has(orderId) && (await skusOf(orderId)).some((sku) => poisonedSkus.has(sku))) {
        // The invariant broken on purpose: an allocated unit whose code is gone.
        const code = await sys.db('codes as c').join('order_units as u', 'u.id', 'c.unit_id').where('u.order_id', orderId).first('c.*');
        await sys.db('codes').where({ id: code.id }).delete();
        poisoned.set(orderId, code);
      }
      return real.deliverOrder(orderId);
    },
  });
});

afterAll(() => sys?.stop());

const admin = (method: string, path: string, body?: unknown) => sys.api(method, path, { key: sys.merchant.adminToken, body });

async function placeOrder(sku: string, quantity = 1): Promise<string> {
  const res = await sys.api('POST', '/v1/orders', { body: { externalRef: `attn-${++n}`, items: [{ sku, quantity }] } });
  expect(res.status).toBe(202);
  return res.body.id;
}

async function waitForRow(orderId: string, status: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await sys.db('orders').where({ id: orderId }).first();
    if (row?.status === status) return row;
    if (Date.now() > deadline) throw new Error(`order ${orderId} is ${row?.status}, not ${status}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Temporal's list (visibility is eventually consistent: asked until it answers). */
async function listed(query: string, orderId: string): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    for await (const wf of sys.client.workflow.list({ query })) if (wf.workflowId === orderId) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

const openAlerts = async (orderId: string) => (await admin('GET', '/admin/alerts?open=true')).body.filter((a: any) => a.subjectId === orderId);

describe('a broken invariant', () => {
  test('when delivery finds a unit without its code, then the order needs attention with an alert, and a retry after the fix delivers it', async () => {
    await sys.addSku('POISON', { codes: 3 });
    poisonedSkus.add('POISON');
    const orderId = await placeOrder('POISON');

    const row = await waitForRow(orderId, 'needs_attention');
    expect(row?.attention).toMatchObject({ step: 'delivering', code: 'units_without_code', params: { withCode: 0, units: 1 }, previousStatus: 'processing' });
    // Stopped, not retrying: no second delivery attempt runs while it waits.
    const alerts = await openAlerts(orderId);
    expect(alerts).toEqual([expect.objectContaining({ kind: 'order_needs_attention', order: expect.objectContaining({ id: orderId }) })]);
    expect(alerts[0].detail).toMatchObject({ step: 'delivering', code: 'units_without_code' });
    // The storefront sees an order still being fulfilled; the console's queue sees why.
    expect((await sys.api('GET', `/v1/orders/${orderId}`)).body.status).toBe('processing');
    const queue = await admin('GET', '/admin/needs-attention');
    expect(queue.body).toEqual([expect.objectContaining({ id: orderId, step: 'delivering', code: 'units_without_code' })]);
    // Sorted by its step (a value inside the order's attention), as the console's column header asks.
    const byStep = await admin('GET', `/admin/needs-attention?sort=${encodeURIComponent('["step","ASC"]')}&range=${encodeURIComponent('[0,9]')}`);
    expect(byStep.status).toBe(200);
    expect(byStep.body).toEqual([expect.objectContaining({ id: orderId, step: 'delivering' })]);
    // Findable in Temporal by its search attributes (docs/OPERATIONS.md).
    expect(await listed(`CardflowStatus = 'needs_attention' AND CardflowStep = 'delivering' AND CardflowSku = 'POISON'`, orderId)).toBe(true);
    expect(await listed(`CardflowMerchant = '${sys.merchant.merchantId}' AND CardflowStatus = 'needs_attention'`, orderId)).toBe(true);

    // The fix: the code is put back. Then support retries through the admin API.
    await sys.db('codes').insert(poisoned.get(orderId)!);
    const retried = await admin('POST', `/admin/orders/${orderId}/retry`, { reason: 'code restored from backup' });
    expect(retried.status).toBe(200);
    await sys.finished(orderId);
    const order = (await sys.api('GET', `/v1/orders/${orderId}`)).body;
    expect(order.status).toBe('delivered');
    expect(order.items[0].units[0].code.number).toMatch(/^POISON-CARD-/);
    expect(await openAlerts(orderId)).toEqual([]);
    const attention = await sys.db('orders').where({ id: orderId }).first('attention', 'reason');
    expect(attention).toEqual({ attention: null, reason: null });
    const events = await sys.db('order_events').where({ order_id: orderId }).orderBy('id').pluck('type');
    expect(events).toEqual(expect.arrayContaining(['needs_attention', 'attention_resolved', 'delivered', 'settled']));
    const audit = found(
      await sys
        .db('audit_log')
        .where({ action: 'order.attention_resolved', target: `order:${orderId}` })
        .first('actor', 'detail'),
      'the audit row',
    );
    expect(audit.detail).toMatchObject({ action: 'retry', note: 'code restored from backup', step: 'delivering' });
  });

  test('when support chooses to fulfil a stopped order by hand, then its unit without a code becomes a manual task, and the code staff enter is delivered', async () => {
    await sys.addSku('POISON-HAND', { codes: 2 });
    poisonedSkus.add('POISON-HAND');
    const orderId = await placeOrder('POISON-HAND');
    await waitForRow(orderId, 'needs_attention');

    const handed = await admin('POST', `/admin/orders/${orderId}/fulfil-manually`, { reason: 'the code is lost; buying one by hand' });
    expect(handed.status).toBe(200);
    expect(handed.body).toMatchObject({ status: 'processing', attention: null, actions: expect.objectContaining({ fulfil: true }) });
    // Waiting visibly for staff, as a manual order does.
    const tasks = await admin('GET', '/admin/manual-tasks');
    expect(tasks.body.find((t: any) => t.orderId === orderId)).toMatchObject({ status: 'open', units: [expect.objectContaining({ needs: 'code' })] });
    const entered = await admin('POST', `/admin/orders/${orderId}/manual-fulfilment`, { codes: [{ number: 'BOUGHT-BY-HAND-1', pin: '42' }] });
    expect(entered.status).toBe(200);
    await sys.finished(orderId);
    const order = (await sys.api('GET', `/v1/orders/${orderId}`)).body;
    expect(order.status).toBe('delivered');
    expect(order.items[0].units[0].code).toMatchObject({ number: 'BOUGHT-BY-HAND-1', pin: '42' });
    expect(await sys.db('order_events').where({ order_id: orderId }).pluck('type')).toEqual(
      expect.arrayContaining(['needs_attention', 'attention_resolved', 'handed_to_manual', 'manual_fulfilled', 'delivered']),
    );
  });

  test('when support acts on an order that does not need attention, then 409 and nothing changes', async () => {
    await sys.addSku('FINE', { codes: 2 });
    const orderId = await placeOrder('FINE');
    await sys.finished(orderId);
    const res = await admin('POST', `/admin/orders/${orderId}/fulfil-manually`, { reason: 'by hand please' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('not_needing_attention');
    expect((await sys.db('orders').where({ id: orderId }).first('status'))?.status).toBe('delivered');
  });
});

describe('a retry budget that runs out', () => {
  test('when settlement keeps failing, then after its budget the order needs attention instead of retrying forever, and a retry after the fix settles it', async () => {
    await sys.addSku('BUDGET', { codes: 2 });
    broken.set('BUDGET', 'settleOrder');
    const orderId = await placeOrder('BUDGET');
    const row = await waitForRow(orderId, 'needs_attention');
    // Delivered to the buyer already: it stopped at settling, and says so.
    expect(row?.attention).toMatchObject({ step: 'settling', code: 'step_retries_exhausted', params: { step: 'settling', failure: 'Error' }, previousStatus: 'delivered' });
    expect(JSON.stringify(row?.attention)).not.toContain('ECONNREFUSED'); // the error's type, never its text
    expect(await openAlerts(orderId)).toHaveLength(1);
    // Refunding a delivered order that is not settled yet is refused by the workflow; nothing changes.
    const refund = await admin('POST', `/admin/orders/${orderId}/refund`, { reason: 'buyer asked' });
    expect(refund.status).toBe(409);
    expect(refund.body.error.code).toBe('attention_action_refused');
    expect((await sys.db('orders').where({ id: orderId }).first('status'))?.status).toBe('needs_attention');

    broken.delete('BUDGET');
    expect((await admin('POST', `/admin/orders/${orderId}/retry`)).status).toBe(200);
    await sys.finished(orderId);
    expect((await sys.db('orders').where({ id: orderId }).first('status'))?.status).toBe('delivered');
    expect(await sys.db('settlements').where({ order_id: orderId }).first('revenue')).toEqual({ revenue: 1000 });
  });

  test('when several stopped orders are refunded at once from the queue, then each is refunded with its stock back, and an order that is not stopped is reported, not changed', async () => {
    await sys.addSku('BULK', { codes: 4 });
    broken.set('BULK', 'allocateCodes');
    const stopped = [await placeOrder('BULK'), await placeOrder('BULK')];
    for (const id of stopped) expect((await waitForRow(id, 'needs_attention'))?.attention).toMatchObject({ step: 'allocating', code: 'step_retries_exhausted' });
    await sys.addSku('BULK-OK', { codes: 1 });
    const fine = await placeOrder('BULK-OK');
    await sys.finished(fine);
    const available = async () => (await sys.db('skus').where({ code: 'BULK' }).first('stock_available'))?.stock_available;
    expect(await available()).toBe(2);

    const res = await admin('POST', '/admin/needs-attention/bulk', { action: 'refund', ids: [...stopped, fine], note: 'supplier outage, refunding' });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { id: stopped[0], ok: true },
      { id: stopped[1], ok: true },
      { id: fine, ok: false, error: expect.objectContaining({ code: 'attention_action_refused' }) },
    ]);
    for (const id of stopped) {
      await sys.finished(id);
      expect((await sys.db('orders').where({ id }).first('status'))?.status).toBe('refunded');
      expect(await openAlerts(id)).toEqual([]);
    }
    expect(await available()).toBe(4);
    expect((await sys.db('orders').where({ id: fine }).first('status'))?.status).toBe('delivered');
  });

  test('when a bulk action is malformed or the role may not take it, then 400/403 and nothing changes', async () => {
    expect((await admin('POST', '/admin/needs-attention/bulk', { action: 'explode', ids: [], note: 'x' })).status).toBe(400);
    const viewer = await sys.addUser('viewer');
    const cookie = await sys.signIn(viewer.email, viewer.password);
    const res = await sys.api('POST', '/admin/needs-attention/bulk', { cookie, body: { action: 'retry', ids: [crypto.randomUUID()], note: 'try again' } });
    expect(res.status).toBe(403);
  });
});

describe('where Temporal lists an order', () => {
  test('when an order from stock is delivered, then its history updates its search attributes once, at its end, and Temporal lists it by merchant, SKU, status and step', async () => {
    await sys.addSku('LISTED', { codes: 1 });
    const orderId = await placeOrder('LISTED');
    await sys.finished(orderId);
    expect(await listed(`CardflowMerchant = '${sys.merchant.merchantId}' AND CardflowSku = 'LISTED' AND CardflowStatus = 'delivered' AND CardflowStep = 'done'`, orderId)).toBe(
      true,
    );
    // Its steps pass in milliseconds: each shown, and each patch, would be an event and a
    // visibility write on the server (ten before, docs/BENCHMARKS.md). Waiting orders show where
    // they wait (above). Two: the workflow's one patch (the SDK's TemporalChangeVersion), and
    // the order's own at its end.
    const events = (await sys.client.workflow.getHandle(orderId).fetchHistory()).events ?? [];
    const upserts = events.flatMap(
      (e) =>
        Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {})
          .sort()
          .join(' ') || [],
    );
    expect(upserts).toEqual(['TemporalChangeVersion', 'CardflowMerchant CardflowSku CardflowStatus CardflowStep CardflowStorefront CardflowSupplier']);
    expect(events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')).toHaveLength(1);
  });
});
