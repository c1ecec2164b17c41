import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { ORDER_ACTIONS, ORDER_STATUSES, type OrderAction, type OrderStatus } from '../orders/lifecycle';
import { refundOrder } from '../orders/refund-order';
import { retryOrder } from '../orders/retry-order';
import { startReconciler } from '../worker/reconciler';
import { log, startTestSystem, type TestSystem } from './harness';
import { addSupplier, card, chargedOnce, route, topup, type TestSupplier } from './supplier-helpers';

// The order lifecycle as support meets it (issue 11): retry works for every kind of order and
// buys nothing twice, bulk retry after a supplier outage, refunds (whole and per unit) that tell
// the storefront and hide the codes, refunds of goods from every source, and the actions the
// console shows equal what the admin API allows in every state. Everything through the real
// storefront API, admin API, worker, Temporal and the supplier simulator.

interface Hook {
  headers: http.IncomingHttpHeaders;
  body: string;
}

let sys: TestSystem;
let shop: TestSupplier;
let other: TestSupplier;
const hooks: Hook[] = [];
let receiver: http.Server;
let n = 0;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push({ headers: req.headers, body });
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  sys = await startTestSystem({ webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks` });
  shop = await addSupplier(sys, 'CardShop', [card('CARD-R', 450), topup('TOPUP-R', 90), card('CARD-M', 300)], { encryptCards: true });
  other = await addSupplier(sys, 'OtherShop', [card('CARD-O', 200)]);
  await sys.addSku('R-CARD', { mode: 'supplier', currency: 'USD', price: 600 });
  await route(sys, 'R-CARD', [{ supplier: shop, product: 'CARD-R', maxUnitCost: 500 }]);
  await sys.addSku('R-TOPUP', { mode: 'topup', currency: 'USD', price: 99 });
  await route(sys, 'R-TOPUP', [{ supplier: shop, product: 'TOPUP-R', maxUnitCost: 95 }]);
  await sys.addSku('R-OTHER', { mode: 'supplier', currency: 'USD', price: 300 });
  await route(sys, 'R-OTHER', [{ supplier: other, product: 'CARD-O', maxUnitCost: 250 }]);
});

afterAll(async () => {
  await sys?.stop();
  await shop?.stop();
  await other?.stop();
  receiver?.close();
});

afterEach(async () => {
  await shop.clearFaults();
  await other.clearFaults();
});

const admin = (method: string, path: string, body?: unknown) => sys.api(method, path, { key: sys.merchant.adminToken, body });
const storefrontView = async (id: string) => (await sys.api('GET', `/v1/orders/${id}`)).body;

async function place(items: { sku: string; quantity: number; account?: string }[]): Promise<string> {
  const res = await sys.api('POST', '/v1/orders', { body: { externalRef: `life-${++n}`, items } });
  expect(res.status).toBe(202);
  return res.body.id;
}

async function failed(items: { sku: string; quantity: number; account?: string }[]): Promise<string> {
  const id = await place(items);
  await sys.finished(id);
  expect((await storefrontView(id)).status).toBe('failed');
  return id;
}

/** Charges at the simulator for this order's units, per reference, and their total. */
async function chargesFor(supplier: TestSupplier, orderId: string) {
  const units = await sys.db('order_units').where({ order_id: orderId }).pluck('id');
  const ledger = await supplier.charges();
  const mine = Object.entries(ledger.charges).filter(([ref]) => units.some((u: string) => ref.startsWith(u)));
  return { ledger, charged: mine.reduce((s, [, k]) => s + k, 0) };
}

async function retried(id: string) {
  const res = await admin('POST', `/admin/orders/${id}/retry`);
  expect(res.status).toBe(200);
  await sys.finished(id);
  return storefrontView(id);
}

async function waitForManualTask(orderId: string) {
  for (let i = 0; i < 300; i++) {
    if (await sys.db('manual_tasks').where({ order_id: orderId, status: 'open' }).first('id')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`order ${orderId} has no open manual task`);
}

describe('retry works for every kind of order', () => {
  test('when a supplier order fails after buying one of two units, then a retry buys only the missing unit and delivers both', async () => {
    await shop.fault({ kind: 'stock_out_after', product: 'CARD-R', times: 1 });
    const id = await failed([{ sku: 'R-CARD', quantity: 2 }]);
    expect((await chargesFor(shop, id)).charged).toBe(1);
    await shop.clearFaults();

    const order = await retried(id);
    expect(order.status).toBe('delivered');
    expect(order.items[0].units.every((u: any) => u.code?.number)).toBe(true);
    const { ledger, charged } = await chargesFor(shop, id);
    expect(charged).toBe(2);
    expect(chargedOnce(ledger)).toBe(true);
  });

  test('when a top-up fails at the supplier, then a retry tops up once and delivers the receipt', async () => {
    await shop.fault({ kind: 'stock_out_after', product: 'TOPUP-R', times: 0 });
    const id = await failed([{ sku: 'R-TOPUP', quantity: 1, account: '55501234' }]);
    await shop.clearFaults();
    const order = await retried(id);
    expect(order.status).toBe('delivered');
    expect(order.items[0].units[0].receipt).toMatchObject({ account: '55501234', receipt: expect.any(String) });
    const { ledger, charged } = await chargesFor(shop, id);
    expect(charged).toBe(1);
    expect(chargedOnce(ledger)).toBe(true);
  });

  test('when bought cards and top-ups have sold, then the dashboard counts them among the top SKUs at the cost settlement used', async () => {
    const top = (await admin('GET', '/admin/dashboard?tz=UTC')).body.topSkus;
    const settled = await sys.db('settlements as st').join('orders as o', 'o.id', 'st.order_id').where('o.status', 'delivered').select('st.revenue', 'st.cost');
    expect(top.map((t: any) => t.sku).sort()).toEqual(['R-CARD', 'R-TOPUP']);
    expect(top.find((t: any) => t.sku === 'R-TOPUP')).toMatchObject({ units: 1, revenue: 99, grossProfit: 9 });
    expect(top.reduce((n: number, t: any) => n + t.revenue - t.grossProfit, 0)).toBe(settled.reduce((n, st) => n + Number(st.cost), 0));
  });

  test('when a fallback order fails buying the units stock could not cover, then a retry keeps its stock code, buys the rest and takes no more stock', async () => {
    await sys.addSku('R-HYBRID', { codes: 1, supplierFallback: true, currency: 'USD', price: 600 });
    await route(sys, 'R-HYBRID', [{ supplier: shop, product: 'CARD-R', maxUnitCost: 500 }]);
    await shop.fault({ kind: 'stock_out_after', product: 'CARD-R', times: 0 });
    const id = await failed([{ sku: 'R-HYBRID', quantity: 3 }]);
    const stockCode = await sys.db('codes as c').join('order_units as u', 'u.id', 'c.unit_id').where({ 'u.order_id': id, 'c.source': 'import' }).first('c.id');
    expect(stockCode).toBeDefined();
    await shop.clearFaults();

    const order = await retried(id);
    expect(order.status).toBe('delivered');
    expect(order.items[0].units).toHaveLength(3);
    expect(order.items[0].units.every((u: any) => u.code?.number)).toBe(true);
    // The stock code it held is the one delivered; stock was not taken again (it never goes negative).
    expect(await sys.db('deliveries').where({ order_id: id, code_id: stockCode.id }).first('id')).toBeDefined();
    expect((await sys.db('skus').where({ code: 'R-HYBRID' }).first())?.stock_available).toBe(0);
    const { ledger, charged } = await chargesFor(shop, id);
    expect(charged).toBe(2);
    expect(chargedOnce(ledger)).toBe(true);
  });

  test('when an order with a manual line fails on its supplier line, then a retry buys it, a person fulfils the manual line, and it is delivered', async () => {
    await sys.addSku('R-HAND', { mode: 'manual', price: 800, currency: 'USD' });
    await shop.fault({ kind: 'stock_out_after', product: 'CARD-R', times: 0 });
    const id = await failed([
      { sku: 'R-HAND', quantity: 1 },
      { sku: 'R-CARD', quantity: 1 },
    ]);
    await shop.clearFaults();
    expect((await admin('POST', `/admin/orders/${id}/retry`)).status).toBe(200);
    await waitForManualTask(id);
    const done = await admin('POST', `/admin/orders/${id}/manual-fulfilment`, { codes: [{ number: `HAND-${id.slice(0, 8)}`, pin: '77' }], unitCost: 650 });
    expect(done.status).toBe(200);
    await sys.finished(id);
    const order = await storefrontView(id);
    expect(order.status).toBe('delivered');
    expect(order.items.flatMap((i: any) => i.units).every((u: any) => u.code?.number)).toBe(true);
    const { ledger, charged } = await chargesFor(shop, id);
    expect(charged).toBe(1);
    expect(chargedOnce(ledger)).toBe(true);
  });

  test('when a retried order’s new run never starts, then the reconciler starts it (its earlier run is closed) and it is delivered', async () => {
    await shop.fault({ kind: 'stock_out_after', product: 'CARD-R', times: 0 });
    const id = await failed([{ sku: 'R-CARD', quantity: 1 }]);
    await shop.clearFaults();
    // The start after the commit is lost (the api died in between).
    await retryOrder(sys.db, { orderId: id, merchantId: sys.merchant.merchantId, actor: 'test' }, async () => undefined);
    expect((await sys.client.workflow.getHandle(id).describe()).status.name).toBe('COMPLETED');
    expect(await sys.fulfilment.withoutRunningWorkflow([id])).toEqual([id]);
    const stop = startReconciler({ db: sys.db, fulfilment: sys.fulfilment, log, intervalMs: 200, graceSeconds: 0 });
    try {
      await sys.waitForOrder(id, ['delivered'], 30_000);
    } finally {
      stop();
    }
    await sys.finished(id);
    expect(chargedOnce((await chargesFor(shop, id)).ledger)).toBe(true);
  });

  test('when every order that failed on a supplier since an outage began is retried in bulk, then each is delivered and orders of other suppliers are left alone', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    await shop.fault({ kind: 'stock_out_after', product: 'CARD-R', times: 0 });
    await other.fault({ kind: 'stock_out_after', product: 'CARD-O', times: 0 });
    const a = await failed([{ sku: 'R-CARD', quantity: 1 }]);
    const b = await failed([{ sku: 'R-CARD', quantity: 2 }]);
    const elsewhere = await failed([{ sku: 'R-OTHER', quantity: 1 }]);
    await shop.clearFaults();

    const query = `supplierId=${shop.id}&since=${encodeURIComponent(since)}`;
    const listed = await admin('GET', `/admin/orders-failed-on-supplier?${query}`);
    expect(listed.status).toBe(200);
    expect(listed.body.map((o: any) => o.id).sort()).toEqual([a, b].sort());
    const later = await admin('GET', `/admin/orders-failed-on-supplier?supplierId=${shop.id}&since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(later.body).toEqual([]);
    expect((await admin('POST', '/admin/orders/bulk-retry', { supplierId: shop.id })).status).toBe(400);

    const res = await admin('POST', '/admin/orders/bulk-retry', { supplierId: shop.id, since });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: any) => [r.id, r.outcome]).sort()).toEqual(
      [
        [a, 'retried'],
        [b, 'retried'],
      ].sort(),
    );
    for (const id of [a, b]) {
      await sys.finished(id);
      expect((await storefrontView(id)).status).toBe('delivered');
      expect(chargedOnce((await chargesFor(shop, id)).ledger)).toBe(true);
    }
    expect((await storefrontView(elsewhere)).status).toBe('failed');
    expect(
      await sys
        .db('audit_log')
        .where({ action: 'orders.bulk_retried', target: `supplier:${shop.id}` })
        .first('detail'),
    ).toMatchObject({ detail: { retried: 2, refused: 0 } });
  });
});

describe('refunds tell the storefront and hide the codes', () => {
  const refundHooks = (orderId: string) =>
    hooks
      .filter((h) => String(h.headers['webhook-id']).startsWith(`msg_${orderId}_order.refunded`))
      .map((h) => new Webhook(sys.merchant.webhookSecret).verify(h.body, h.headers as Record<string, string>) as any);

  async function waitForHooks(orderId: string, count: number) {
    for (let i = 0; i < 200 && refundHooks(orderId).length < count; i++) await new Promise((r) => setTimeout(r, 100));
    return refundHooks(orderId);
  }

  test('when one unit is refunded and then the rest, then each refund sends a verified order.refunded and the storefront no longer sees those codes', async () => {
    await sys.addSku('RF-STOCK', { codes: 3, price: 1000, cost: 700 });
    const id = await place([{ sku: 'RF-STOCK', quantity: 3 }]);
    await sys.finished(id);
    const before = await storefrontView(id);
    // Positive control: the codes are visible before the refund.
    expect(before.items[0].units.every((u: any) => typeof u.code?.number === 'string')).toBe(true);
    const [first, ...rest] = before.items[0].units.map((u: any) => u.id);

    const partial = await admin('POST', `/admin/orders/${id}/refund`, { reason: 'one code did not work', unitIds: [first] });
    expect(partial.status).toBe(200);
    expect(partial.body).toMatchObject({ status: 'delivered', actions: { refund: true } });
    const [hook] = await waitForHooks(id, 1);
    expect(hook).toMatchObject({ type: 'order.refunded', data: { refund: { units: [first], reason: 'one code did not work', amount: 1000 } } });
    expect(hook.data.order.items[0].units.find((u: any) => u.id === first)).toMatchObject({ status: 'refunded', code: null });
    const middle = await storefrontView(id);
    expect(middle.items[0].units.find((u: any) => u.id === first)).toMatchObject({ status: 'refunded', code: null });
    expect(middle.items[0].units.filter((u: any) => u.id !== first).every((u: any) => u.code?.number)).toBe(true);

    const again = await admin('POST', `/admin/orders/${id}/refund`, { reason: 'twice the same unit', unitIds: [first] });
    expect([again.status, again.body.error.code]).toEqual([400, 'unit_not_refundable']);

    const whole = await admin('POST', `/admin/orders/${id}/refund`, { reason: 'buyer gave up on the rest' });
    expect(whole.status).toBe(200);
    expect(whole.body).toMatchObject({ status: 'refunded', refund: { amount: 3000, codesVoided: 3, revenueReversed: 3000, refunds: 2 }, actions: { refund: false } });
    const both = await waitForHooks(id, 2);
    expect(both[1].data.refund.units.sort()).toEqual([...rest].sort());
    const after = await storefrontView(id);
    expect(after.status).toBe('refunded');
    expect(after.items[0].units.every((u: any) => u.status === 'refunded' && u.code === null)).toBe(true);
    expect(JSON.stringify(after)).not.toContain(before.items[0].units[1].code.number);
    expect(
      await sys
        .db('codes')
        .whereIn('unit_id', [first, ...rest])
        .pluck('status'),
    ).toEqual(['voided', 'voided', 'voided']);
  });

  test('when no notifier runs as a refund commits, then its order.refunded is queued with it and sent once a notifier is back', async () => {
    await sys.addSku('RF-LOST', { codes: 1, price: 700 });
    const id = await place([{ sku: 'RF-LOST', quantity: 1 }]);
    await sys.finished(id);
    await sys.webhookFinished(id);
    await sys.stopNotifier();
    try {
      // The refund commits outside the api (as a script would); nobody is told to send anything.
      const refund = await refundOrder(sys.db, { orderId: id, merchantId: sys.merchant.merchantId, reason: 'refund sent by the outbox', actor: 'test' });
      expect(await sys.db('webhook_outbox').where({ order_id: id, event_type: 'order.refunded' }).first()).toMatchObject({ refund_id: refund.refundId, status: 'pending' });
      expect(refundHooks(id)).toEqual([]);
    } finally {
      sys.startNotifier();
    }
    const [hook] = await waitForHooks(id, 1);
    expect(hook).toMatchObject({ type: 'order.refunded', data: { refund: { reason: 'refund sent by the outbox' } } });
    expect(await sys.webhookFinished(id, 'order.refunded')).toMatchObject({ status: 'sent', attempts: 1 });
    expect(refundHooks(id)).toHaveLength(1);
  });

  test('when a failed order holding a stock code and a bought code is refunded, then the stock code goes back on sale and the bought one is voided with its cost recorded as a loss', async () => {
    await sys.addSku('RF-MIX', { codes: 1, price: 500, cost: 300, currency: 'USD' });
    await shop.fault({ kind: 'stock_out_after', product: 'TOPUP-R', times: 0 });
    const id = await failed([
      { sku: 'RF-MIX', quantity: 1 },
      { sku: 'R-CARD', quantity: 1 },
      { sku: 'R-TOPUP', quantity: 1, account: '55509876' },
    ]);
    const held = await sys.db('codes as c').join('order_units as u', 'u.id', 'c.unit_id').where('u.order_id', id).select('c.id', 'c.source', 'c.unit_cost', 'u.id as unit_id');
    expect(held.map((c) => c.source).sort()).toEqual(['import', 'supplier']);
    expect((await sys.db('skus').where({ code: 'RF-MIX' }).first())?.stock_available).toBe(0);

    const res = await admin('POST', `/admin/orders/${id}/refund`, { reason: 'buyer asked for the money back' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('refunded');
    const stock = held.find((c) => c.source === 'import')!;
    const bought = held.find((c) => c.source === 'supplier')!;
    expect(await sys.db('codes').where({ id: stock.id }).first('status', 'unit_id')).toEqual({ status: 'available', unit_id: null });
    expect((await sys.db('skus').where({ code: 'RF-MIX' }).first())?.stock_available).toBe(1);
    expect(await sys.db('codes').where({ id: bought.id }).first('status')).toEqual({ status: 'voided' });
    expect(await sys.db('goods_losses').where({ order_id: id }).select('unit_id', 'code_id', 'amount')).toEqual([{ unit_id: bought.unit_id, code_id: bought.id, amount: 450 }]);
    expect((await sys.db('refund_units').where({ order_id: id }).pluck('goods')).sort()).toEqual(['none', 'restocked', 'voided']);
    expect((await waitForHooks(id, 1))[0].data.refund.units).toHaveLength(3);
  });

  test('when a delivered order with a hand-entered code and a top-up is refunded, then the code is voided, the top-up is kept, and neither shows to the storefront', async () => {
    await sys.addSku('RF-HAND', { mode: 'manual', price: 800, currency: 'USD' });
    const id = await place([
      { sku: 'RF-HAND', quantity: 1 },
      { sku: 'R-TOPUP', quantity: 1, account: '55500001' },
    ]);
    await waitForManualTask(id);
    expect((await admin('POST', `/admin/orders/${id}/manual-fulfilment`, { codes: [{ number: `HAND-RF-${id.slice(0, 8)}` }], unitCost: 650 })).status).toBe(200);
    await sys.finished(id);
    const before = await storefrontView(id);
    expect(before.status).toBe('delivered');
    expect(before.items.flatMap((i: any) => i.units).every((u: any) => u.code || u.receipt)).toBe(true);

    const res = await admin('POST', `/admin/orders/${id}/refund`, { reason: 'duplicate purchase' });
    expect(res.status).toBe(200);
    expect((await sys.db('refund_units').where({ order_id: id }).pluck('goods')).sort()).toEqual(['kept', 'voided']);
    const after = await storefrontView(id);
    expect(after.items.flatMap((i: any) => i.units).every((u: any) => u.status === 'refunded' && u.code === null && u.receipt === null)).toBe(true);
  });
});

test('the statuses the database accepts are the ones orders/lifecycle.ts lists', async () => {
  const { rows } = await sys.db.raw(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'orders_status_check'`);
  expect([...(rows[0].def as string).matchAll(/'([^']+)'/g)].map((m) => m[1]).sort()).toEqual([...ORDER_STATUSES].sort());
});

describe('the actions the console shows are the ones the admin API allows, in every state', () => {
  // With a settled order whose storefront has a webhook URL, no review and no manual task.
  const EXPECTED: Record<OrderStatus, OrderAction[]> = {
    accepted: ['cancel'],
    held: ['cancel'],
    processing: [],
    needs_attention: ['fulfil', 'retry', 'refund'],
    delivered: ['resend', 'refund'],
    failed: ['retry', 'refund'],
    cancelled: [],
    refunded: [],
  };
  const ROUTE: Record<OrderAction, string> = {
    fulfil: 'manual-fulfilment',
    retry: 'retry',
    resend: 'resend-webhook',
    cancel: 'cancel',
    refund: 'refund',
    approve: 'approve',
    reject: 'reject',
  };

  test.each([...ORDER_STATUSES])('when an order is %s, then the console offers exactly its actions and the API refuses every other with 409, changing nothing', async (status) => {
    await sys.addSku(`ACT-${status}`, { codes: 1 });
    const id = await place([{ sku: `ACT-${status}`, quantity: 1 }]);
    await sys.finished(id);
    await sys.db('orders').where({ id }).update({ status });

    const shown = (await admin('GET', `/admin/orders/${id}`)).body.actions;
    expect(Object.keys(shown).sort()).toEqual([...ORDER_ACTIONS].sort());
    expect(ORDER_ACTIONS.filter((a) => shown[a])).toEqual(ORDER_ACTIONS.filter((a) => EXPECTED[status].includes(a)));

    for (const action of ORDER_ACTIONS.filter((a) => !shown[a])) {
      const body = action === 'fulfil' ? { codes: [{ number: 'X' }] } : action === 'retry' || action === 'resend' ? undefined : { reason: 'table-driven check' };
      const res = await admin('POST', `/admin/orders/${id}/${ROUTE[action]}`, body);
      expect([action, res.status]).toEqual([action, 409]);
      expect((await sys.db('orders').where({ id }).first('status'))?.status).toBe(status);
    }
  });
});
