import { startTestSystem, type TestSystem } from './harness';

// A new order's 202 is built from the rows its acceptance wrote (orders/order-view.ts
// acceptedOrderView), not read back: the busiest moment of a sale paid a second query per order
// for it. It must say exactly what reading the order says. No worker here, so the orders stay
// as accepted and GET reads the same moment.

describe("a new order's answer", () => {
  let sys: TestSystem;
  let n = 0;
  beforeAll(async () => {
    sys = await startTestSystem({ worker: false });
    await sys.addSku('ANS-STOCK', { codes: 10, price: 700 });
    // Upper and lower case, dash: byte order and a language's collation disagree on these.
    await sys.addSku('ANS-b-1', { codes: 10, price: 300 });
    await sys.addSku('ANS-B2', { codes: 10, price: 200 });
    await sys.addSku('ANS-MANUAL', { mode: 'manual', price: 900 });
  }, 120_000);
  afterAll(() => sys?.stop());

  async function placedAndRead(items: unknown[], buyer?: unknown) {
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `ans-${++n}`, items, ...(buyer ? { buyer } : {}) } });
    expect(placed.status).toBe(202);
    const read = await sys.api('GET', `/v1/orders/${placed.body.id}`);
    expect(read.status).toBe(200);
    return { placed: placed.body, read: read.body };
  }

  test('one line from stock, with a buyer: the answer is the order as read', async () => {
    const { placed, read } = await placedAndRead([{ sku: 'ANS-STOCK', quantity: 2 }], { email: 'ans@example.com', accountId: 'acc-1', ip: '203.0.113.9' });
    expect(placed).toEqual(read);
    // Positive control: it is a full answer, not an empty one equal to another empty one.
    expect(placed).toMatchObject({ status: 'accepted', totalAmount: 1400, buyer: { email: 'ans@example.com' }, timeline: [{ type: 'accepted' }] });
    expect(placed.items[0].units).toHaveLength(2);
  });

  test('several lines (the transaction path), in the order reading gives them', async () => {
    const { placed, read } = await placedAndRead([
      { sku: 'ANS-b-1', quantity: 1 },
      { sku: 'ANS-MANUAL', quantity: 1 },
      { sku: 'ANS-B2', quantity: 3 },
    ]);
    expect(placed).toEqual(read);
    expect(placed.items.map((i: { sku: string }) => i.sku)).toEqual(['ANS-B2', 'ANS-MANUAL', 'ANS-b-1']);
  });

  test('a bundle: its parts and the bundle itself as reading gives them', async () => {
    const bundle = await sys.api('POST', '/admin/skus', {
      key: sys.merchant.adminToken,
      body: {
        code: 'ANS-BUNDLE',
        name: 'Answer bundle',
        currency: 'CNY',
        faceValue: 500,
        price: 500,
        cost: 0,
        fulfilmentMode: 'bundle',
        bundle: {
          policy: 'undo',
          components: [
            { sku: 'ANS-STOCK', quantity: 1, priceShare: 300 },
            { sku: 'ANS-B2', quantity: 2, priceShare: 100 },
          ],
        },
      },
    });
    expect(bundle.status).toBe(201);
    const { placed, read } = await placedAndRead([{ sku: 'ANS-BUNDLE', quantity: 2 }]);
    expect(placed).toEqual(read);
    expect(placed.bundles).toEqual([{ sku: 'ANS-BUNDLE', name: 'Answer bundle', quantity: 2, unitPrice: 500, parts: expect.any(Array) }]);
  });
});
