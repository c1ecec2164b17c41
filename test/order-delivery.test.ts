import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { startTestSystem, type TestSystem } from './harness';

// A storefront's webhook endpoint: records what arrives; can be told to fail.
function startReceiver() {
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let answer = 200;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(answer).end();
    });
  });
  return {
    received,
    setAnswer: (status: number) => (answer = status),
    listen: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/cardflow`))),
    close: () => new Promise((r) => server.close(r)),
  };
}

describe('an order placed over HTTP', () => {
  const receiver = startReceiver();
  let sys: TestSystem;
  let codes: string[];

  beforeAll(async () => {
    const url = await receiver.listen();
    sys = await startTestSystem({ webhookUrl: url });
    codes = await sys.addSku('GAME-100', { codes: 5, price: 9800, cost: 9200 });
  });
  afterAll(async () => {
    await sys.stop();
    await receiver.close();
  });

  test('when a storefront submits a paid order, then the code comes back through GET and a signed webhook, and every step is on the timeline', async () => {
    const placed = await sys.api('POST', '/v1/orders', {
      body: { externalRef: 'shop-1001', items: [{ sku: 'GAME-100', quantity: 2 }], buyer: { email: 'buyer@example.com', ip: '203.0.113.9' } },
    });
    expect(placed.status).toBe(202);
    expect(placed.headers.get('location')).toBe(`/v1/orders/${placed.body.id}`);
    expect(placed.body).toMatchObject({ externalRef: 'shop-1001', status: 'accepted', currency: 'CNY', totalAmount: 19600 });

    const order = await sys.waitForOrder(placed.body.id, ['delivered']);
    const delivered = order.items[0].units.map((u: any) => u.code);
    expect(delivered).toHaveLength(2);
    for (const code of delivered) {
      expect(codes).toContain(code.number);
      expect(code.pin).toMatch(/^PIN\d+$/);
    }
    expect(new Set(delivered.map((c: any) => c.number)).size).toBe(2);

    // The workflow runs on after delivery (settle); the webhook goes through the outbox.
    const result = await sys.client.workflow.getHandle(order.id).result();
    expect(result).toMatchObject({ status: 'delivered', step: 'done' });
    const description = await sys.client.workflow.getHandle(order.id).describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(await sys.webhookFinished(order.id)).toMatchObject({ status: 'sent', attempts: 1 });

    const final = (await sys.api('GET', `/v1/orders/${order.id}`)).body;
    // The webhook leaves through the outbox once the delivery commits, so it may be recorded before or after the settlement.
    const types = final.timeline.map((e: { type: string }) => e.type);
    expect(types.filter((t: string) => t !== 'webhook_delivered')).toEqual(['accepted', 'risk_checked', 'codes_allocated', 'delivered', 'settled']);
    expect(types.indexOf('webhook_delivered')).toBeGreaterThan(types.indexOf('delivered'));
    expect(final.timeline.find((e: any) => e.type === 'settled')).toMatchObject({ revenue: 19600, cost: 18400, grossProfit: 1200 });

    // The webhook verifies with the public Standard Webhooks library and carries the same codes.
    expect(receiver.received).toHaveLength(1);
    const hook = receiver.received[0];
    const payload = new Webhook(sys.merchant.webhookSecret).verify(hook.body, hook.headers as Record<string, string>) as any;
    expect(payload.type).toBe('order.delivered');
    expect(payload.data.order.id).toBe(order.id);
    expect(payload.data.order.items[0].units.map((u: any) => u.code.number).sort()).toEqual(delivered.map((c: any) => c.number).sort());
    expect(hook.headers['webhook-id']).toBe(`msg_${order.id}_order.delivered`);

    const byRef = await sys.api('GET', '/v1/orders?externalRef=shop-1001');
    expect(byRef.status).toBe(200);
    expect(byRef.body.id).toBe(order.id);

    const live = await sys.api('GET', `/v1/orders/${order.id}?live=true`);
    expect(live.body.workflow).toMatchObject({ step: 'done', status: 'delivered' });
  });

  test('when the catalogue is listed, then availability reflects reservations and deliveries', async () => {
    const res = await sys.api('GET', '/v1/products');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([expect.objectContaining({ sku: 'GAME-100', price: 9800, currency: 'CNY', fulfilmentMode: 'stock', available: 3 })]);
  });

  test('when the webhook receiver is down, then the order is still delivered, its workflow ends, and the webhook is retried until it answers', async () => {
    receiver.setAnswer(503);
    const before = receiver.received.length;
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: 'shop-1002', items: [{ sku: 'GAME-100', quantity: 1 }] } });
    const order = await sys.waitForOrder(placed.body.id, ['delivered']);
    expect(order.items[0].units[0].code.number).toBeDefined();
    // The order's workflow does not wait for the storefront: the webhook is the outbox's to send.
    expect(await sys.client.workflow.getHandle(order.id).result()).toMatchObject({ status: 'delivered', step: 'done' });

    // Let it fail a couple of times, then bring the receiver back.
    const deadline = Date.now() + 20_000;
    while (receiver.received.length < before + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(receiver.received.length).toBeGreaterThanOrEqual(before + 2);
    receiver.setAnswer(204);

    expect(await sys.webhookFinished(order.id)).toMatchObject({ status: 'sent' });
    const attempts = await sys.db('webhook_attempts').where({ order_id: order.id }).orderBy('id');
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    expect(attempts.slice(0, -1).every((a) => a.outcome === 'failed' && a.http_status === 503)).toBe(true);
    expect(attempts.at(-1)).toMatchObject({ outcome: 'succeeded', http_status: 204 });
    // Every attempt carried the same webhook-id, so the storefront can drop repeats.
    const ids = new Set(receiver.received.slice(before).map((r) => r.headers['webhook-id']));
    expect(ids).toEqual(new Set([`msg_${order.id}_order.delivered`]));
  });
});
