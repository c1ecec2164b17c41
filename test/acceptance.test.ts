import { snapshot, startTestSystem, type TestSystem } from './harness';
import { found } from './found';
import { rollUpSettled } from '../orders/daily-rollup';

// Acceptance: idempotency, sold out, and no oversell under concurrency.

async function workflowsOnQueue(sys: TestSystem): Promise<number> {
  let n = 0;
  for await (const _ of sys.client.workflow.list({ query: `TaskQueue = '${sys.taskQueue}'` })) n++;
  return n;
}

describe('accepting orders', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(() => sys.stop());

  test('when the same externalRef is submitted again with the same body, then the original order comes back and nothing more is reserved', async () => {
    await sys.addSku('IDEM-1', { codes: 3 });
    const body = { externalRef: 'idem-1', items: [{ sku: 'IDEM-1', quantity: 1 }], buyer: { email: 'a@example.com' } };
    const first = await sys.api('POST', '/v1/orders', { body });
    expect(first.status).toBe(202);
    await sys.finished(first.body.id);
    const before = await snapshot(sys.db);

    const again = await sys.api('POST', '/v1/orders', { body });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(await snapshot(sys.db)).toEqual(before);
  });

  test('when the same externalRef comes with a different body, then 409 idempotency_conflict and nothing changes', async () => {
    await sys.addSku('IDEM-2', { codes: 3 });
    const first = await sys.api('POST', '/v1/orders', { body: { externalRef: 'idem-2', items: [{ sku: 'IDEM-2', quantity: 1 }] } });
    await sys.finished(first.body.id);
    const before = await snapshot(sys.db);

    const different = await sys.api('POST', '/v1/orders', { body: { externalRef: 'idem-2', items: [{ sku: 'IDEM-2', quantity: 2 }] } });
    expect(different.status).toBe(409);
    expect(different.body.error).toMatchObject({ code: 'idempotency_conflict', details: { externalRef: 'idem-2', orderId: first.body.id } });
    expect(await snapshot(sys.db)).toEqual(before);
  });

  test('when many submissions of one externalRef race, then exactly one order exists', async () => {
    await sys.addSku('IDEM-3', { codes: 10 });
    const body = { externalRef: 'idem-race', items: [{ sku: 'IDEM-3', quantity: 1 }] };
    const answers = await Promise.all(Array.from({ length: 20 }, () => sys.api('POST', '/v1/orders', { body })));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(19);
    const sku = found(await sys.db('skus').where({ code: 'IDEM-3' }).first(), 'SKU IDEM-3');
    expect(sku.stock_available).toBe(9);
    await sys.finished(answers[0].body.id);
  });

  test('when a SKU is sold out, then 409 sold_out at once, no workflow is started and nothing is reserved', async () => {
    await sys.addSku('RARE', { codes: 1 });
    const taken = await sys.api('POST', '/v1/orders', { body: { externalRef: 'rare-1', items: [{ sku: 'RARE', quantity: 1 }] } });
    await sys.finished(taken.body.id);
    const before = await snapshot(sys.db);
    const workflowsBefore = await workflowsOnQueue(sys);
    expect(workflowsBefore).toBeGreaterThan(0); // the count below can see workflows at all

    const late = await sys.api('POST', '/v1/orders', { body: { externalRef: 'rare-2', items: [{ sku: 'RARE', quantity: 1 }] } });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'sold_out', details: { sku: 'RARE', requested: 1, available: 0 } });
    expect(await snapshot(sys.db)).toEqual(before);
    expect(await workflowsOnQueue(sys)).toBe(workflowsBefore);
    expect(await sys.db('orders').where({ external_ref: 'rare-2' }).first()).toBeUndefined();
  });

  test('when one item of a multi-item order is sold out, then nothing of the other item stays reserved', async () => {
    await sys.addSku('PAIR-A', { codes: 5 });
    await sys.addSku('PAIR-B', { codes: 1 });
    const before = await snapshot(sys.db);
    const res = await sys.api('POST', '/v1/orders', {
      body: {
        externalRef: 'pair-1',
        items: [
          { sku: 'PAIR-A', quantity: 2 },
          { sku: 'PAIR-B', quantity: 2 },
        ],
      },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('sold_out');
    expect(await snapshot(sys.db)).toEqual(before);
  });

  test('when 300 orders race for 100 codes, then exactly 100 are delivered, 200 are sold out, and no code reaches two units', async () => {
    await sys.addSku('FLASH', { codes: 100 });
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => sys.api('POST', '/v1/orders', { body: { externalRef: `flash-${i}`, items: [{ sku: 'FLASH', quantity: 1 }] } })),
    );
    const accepted = answers.filter((a) => a.status === 202);
    const soldOut = answers.filter((a) => a.status === 409 && a.body.error.code === 'sold_out');
    expect(accepted).toHaveLength(100);
    expect(soldOut).toHaveLength(200);

    for (const a of accepted) await sys.waitForOrder(a.body.id, ['delivered'], 60_000);

    const sku = found(await sys.db('skus').where({ code: 'FLASH' }).first(), 'SKU FLASH');
    const units = await sys.db('order_units').where({ sku_id: sku.id });
    const codes = await sys.db('codes').where({ sku_id: sku.id });
    const deliveries = await sys.db('deliveries as d').join('codes as c', 'c.id', 'd.code_id').where('c.sku_id', sku.id).select('d.*');
    expect(units).toHaveLength(100);
    expect(units.every((u) => u.status === 'delivered')).toBe(true);
    expect(deliveries).toHaveLength(100);
    expect(new Set(deliveries.map((d) => d.code_id)).size).toBe(100);
    expect(new Set(deliveries.map((d) => d.unit_id)).size).toBe(100);
    expect(codes.filter((c) => c.status === 'allocated')).toHaveLength(100);
    expect(sku.stock_available).toBe(0);
    const held = await sys.db('reservations').where({ sku_id: sku.id, status: 'held' });
    expect(held).toHaveLength(0);
  });

  test('when an order is accepted while another writer holds the same rollup rows, then both commit (no deadlock between the rollups)', async () => {
    await sys.addSku('ROLL-1', { codes: 5 });
    const first = await sys.api('POST', '/v1/orders', { body: { externalRef: 'roll-1', items: [{ sku: 'ROLL-1', quantity: 1 }] } });
    await sys.finished(first.body.id); // today's rollup rows exist
    const sku = found(await sys.db('skus').where({ code: 'ROLL-1' }).first(), 'SKU ROLL-1');

    // Every slot of today's rows exists (orders/rollup-slots.ts), so the holder below has the
    // one the new order will write, whichever it is.
    await sys.db.raw(
      `INSERT INTO daily_order_totals (merchant_id, day, currency, slot) SELECT merchant_id, day, currency, s FROM daily_order_totals, generate_series(0, 15) s WHERE merchant_id = ? ON CONFLICT DO NOTHING`,
      [sku.merchant_id],
    );
    await sys.db.raw(
      `INSERT INTO daily_sku_sales (merchant_id, day, currency, sku_id, fulfilment_mode, slot) SELECT merchant_id, day, currency, sku_id, fulfilment_mode, s FROM daily_sku_sales, generate_series(0, 15) s WHERE sku_id = ? ON CONFLICT DO NOTHING`,
      [sku.id],
    );
    // The lock order of every rollup writer (orders/daily-rollup.ts): the day's order row, then the SKU's row.
    const settling = await sys.db.transaction();
    try {
      await settling('daily_order_totals').where({ merchant_id: sku.merchant_id }).increment('orders_delivered', 0);
      const accepting = sys.api('POST', '/v1/orders', { body: { externalRef: 'roll-2', items: [{ sku: 'ROLL-1', quantity: 1 }] } });
      // Until the accepting statement waits on the settlement's lock (with the rollups written in
      // the other order it would hold the SKU's rollup row by now).
      for (;;) {
        const waiting = await sys.db.raw(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO orders%'`);
        if (waiting.rows.length > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await settling('daily_sku_sales').where({ merchant_id: sku.merchant_id, sku_id: sku.id }).increment('units_delivered', 0);
      await settling.commit();
      const accepted = await accepting;
      expect(accepted.status).toBe(202);
      await sys.finished(accepted.body.id);
    } finally {
      if (!settling.isCompleted()) await settling.rollback();
    }
  });
});

describe('accepting while orders are settled', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(() => sys.stop());

  // In a flash sale the accepting statement holds the SKU's stock row, which every buyer queues
  // on; had it to wait for a settlement's rollup rows too, the sale would queue behind fulfilment.
  test('when an order is accepted while a settlement holds its rollup rows, then it is accepted without waiting for that settlement', async () => {
    await sys.addSku('SLOT-1', { codes: 5 });
    const first = await sys.api('POST', '/v1/orders', { body: { externalRef: 'slot-1', items: [{ sku: 'SLOT-1', quantity: 1 }] } });
    await sys.finished(first.body.id);
    const sku = found(await sys.db('skus').where({ code: 'SLOT-1' }).first(), 'SKU SLOT-1');
    const order = found(await sys.db('orders').where({ id: first.body.id }).first(), 'order');

    // A settlement's rollup writes, left uncommitted: its rows stay locked (no row here is
    // shared by acceptances and later changes: orders/rollup-slots.ts).
    const settling = await sys.db.transaction();
    try {
      await rollUpSettled(settling, { orderId: order.id, merchantId: sku.merchant_id, currency: order.currency, revenue: 0, cost: 0 });
      const accepting = sys.api('POST', '/v1/orders', { body: { externalRef: 'slot-2', items: [{ sku: 'SLOT-1', quantity: 1 }] } });
      let answered = false;
      void accepting.finally(() => (answered = true));
      while (!answered) {
        const waiting = await sys.db.raw(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO orders%'`);
        expect(waiting.rows).toEqual([]); // the accepting statement waits for the settlement: the sale would queue behind it
        await new Promise((r) => setTimeout(r, 10));
      }
      expect((await accepting).status).toBe(202);
    } finally {
      await settling.rollback();
    }
  });
});

describe('cancelling and risk', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    // No worker at first: orders wait before their risk check, where they can be cancelled.
    sys = await startTestSystem({ worker: false, riskMaxOrderQuantity: 5 });
    await sys.addSku('CANCEL-ME', { codes: 10 });
  });
  afterAll(() => sys.stop());

  test('when a storefront cancels an order before it holds codes, then it is cancelled and its stock is released', async () => {
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: 'cancel-1', items: [{ sku: 'CANCEL-ME', quantity: 3 }] } });
    expect(placed.status).toBe(202);
    expect((await sys.db('skus').where({ code: 'CANCEL-ME' }).first())?.stock_available).toBe(7);

    const cancelling = sys.api('POST', `/v1/orders/${placed.body.id}/cancel`, { body: { reason: 'buyer changed their mind' } });
    await new Promise((r) => setTimeout(r, 300));
    await sys.startWorker();
    const res = await cancelling;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'cancelled', reason: 'buyer changed their mind' });
    expect(res.body.items[0].units.every((u: any) => u.status === 'released' && u.code === null)).toBe(true);
    expect((await sys.db('skus').where({ code: 'CANCEL-ME' }).first())?.stock_available).toBe(10);
    expect(res.body.timeline.map((e: any) => e.type)).toEqual(['accepted', 'risk_checked', 'cancelled']);
  });

  test('when a delivered order is cancelled, then 409 not_cancellable and it stays delivered', async () => {
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: 'cancel-2', items: [{ sku: 'CANCEL-ME', quantity: 1 }] } });
    await sys.waitForOrder(placed.body.id, ['delivered']);
    const res = await sys.api('POST', `/v1/orders/${placed.body.id}/cancel`, { body: {} });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('not_cancellable');
    expect((await sys.api('GET', `/v1/orders/${placed.body.id}`)).body.status).toBe('delivered');
  });

  test('when an order breaks the risk policy, then it is cancelled with the reason and its stock released', async () => {
    const before = (await sys.db('skus').where({ code: 'CANCEL-ME' }).first())?.stock_available;
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: 'risky-1', items: [{ sku: 'CANCEL-ME', quantity: 6 }] } });
    expect(placed.status).toBe(202);
    const order = await sys.waitForOrder(placed.body.id, ['cancelled']);
    expect(order.reason).toMatch(/^risk_rejected: order has 6 units, over the per-order cap of 5/);
    expect(order.risk).toMatchObject({ decision: 'reject' });
    expect((await sys.db('skus').where({ code: 'CANCEL-ME' }).first())?.stock_available).toBe(before);
  });

  test('when the buyer is on the blocklist, then the order is cancelled and says why', async () => {
    const listed = await sys.api('POST', '/admin/risk/lists', {
      key: sys.merchant.adminToken,
      body: { list: 'block', kind: 'email', value: 'fraud@example.com', reason: 'chargebacks' },
    });
    expect(listed.status).toBe(201);
    const placed = await sys.api('POST', '/v1/orders', {
      body: { externalRef: 'risky-2', items: [{ sku: 'CANCEL-ME', quantity: 1 }], buyer: { email: 'Fraud@Example.com' } },
    });
    const order = await sys.waitForOrder(placed.body.id, ['cancelled']);
    expect(order.reason).toBe('risk_rejected: buyer email is on the blocklist (chargebacks)');
  });
});
