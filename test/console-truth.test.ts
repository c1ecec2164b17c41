import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { deliveredMessageId, refundMessageId } from '../orders/notify-storefront';
import { importCodes } from '../stock/import-codes';
import { startTestSystem, type TestSystem } from './harness';

// What the console is told is true: webhook trouble shows in the order list (and goes once a
// resend gets through), the workflow's webhook state follows the latest attempt, the Temporal UI
// link goes only to roles that run the system, products bought when sold have no "available"
// count, a product running out raises an alert, and the console's files travel compressed.

const hex = () => crypto.randomBytes(4).toString('hex');
jest.setTimeout(120_000);

describe('order state shown truthfully', () => {
  let sys: TestSystem;
  let receiver: http.Server;
  // The storefront refuses the webhooks of the orders named here (by reference), and takes the rest.
  const refusing = new Set<string>();
  let cookie: string;
  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => res.writeHead([...refusing].some((ref) => body.includes(ref)) ? 500 : 200).end());
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    sys = await startTestSystem({ webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, temporalUiUrl: 'https://temporal.example.com' });
    const owner = await sys.addUser('owner');
    cookie = await sys.signIn(owner.email, owner.password);
  });
  afterAll(async () => {
    await sys?.stop();
    receiver?.close();
  });

  const listed = async (filter: object) =>
    (await sys.api('GET', `/admin/orders?filter=${encodeURIComponent(JSON.stringify(filter))}&range=[0,99]`, { cookie })).body as {
      id: string;
      webhookTrouble: boolean;
    }[];

  test('when a delivered order’s webhook fails, then the list marks it and "storefront not told" finds it; after a resend gets through, neither does, and the workflow says sent', async () => {
    await sys.addSku('TOLD-1', { codes: 2 });
    const troubledRef = `hook-${hex()}`;
    refusing.add(troubledRef);
    const troubled = (await sys.api('POST', '/v1/orders', { body: { externalRef: troubledRef, items: [{ sku: 'TOLD-1', quantity: 1 }] } })).body.id as string;
    await sys.waitForOrder(troubled, ['delivered']);
    for (let i = 0; !(await sys.db('webhook_attempts').where({ order_id: troubled }).first()); i++) {
      if (i > 300) throw new Error('no webhook attempt was recorded');
      await new Promise((r) => setTimeout(r, 100));
    }
    const fine = (await sys.api('POST', '/v1/orders', { body: { externalRef: `hook-${hex()}`, items: [{ sku: 'TOLD-1', quantity: 1 }] } })).body.id as string;
    await sys.finished(fine);

    const all = await listed({});
    expect(all.find((o) => o.id === troubled)?.webhookTrouble).toBe(true);
    expect(all.find((o) => o.id === fine)?.webhookTrouble).toBe(false);
    // Positive control: the filter lists the order told (false) before it is trusted to leave it out (true).
    expect((await listed({ storefrontNotTold: false })).map((o) => o.id)).toContain(fine);
    expect((await listed({ storefrontNotTold: true })).map((o) => o.id)).toEqual([troubled]);

    refusing.delete(troubledRef);
    const resent = await sys.api('POST', `/admin/orders/${troubled}/resend-webhook`, { cookie });
    expect(resent.body).toMatchObject({ outcome: 'sent' });
    expect((await listed({ storefrontNotTold: true })).map((o) => o.id)).toEqual([]);
    expect((await listed({})).find((o) => o.id === troubled)?.webhookTrouble).toBe(false);
    const workflow = (await sys.api('GET', `/admin/orders/${troubled}/workflow`, { cookie })).body;
    expect(workflow.state.webhook).toBe('sent');
  });

  test('when a retry fails after a resend got through, or a refund’s webhook gets through while the delivery’s never did, then who was told what is judged per webhook', async () => {
    await sys.addSku('TOLD-2', { codes: 2 });
    const place = async () => {
      const id = (await sys.api('POST', '/v1/orders', { body: { externalRef: `hook-${hex()}`, items: [{ sku: 'TOLD-2', quantity: 1 }] } })).body.id as string;
      await sys.webhookFinished(id);
      return id;
    };
    const attempt = (orderId: string, messageId: string, outcome: 'failed' | 'succeeded') =>
      sys.db('webhook_attempts').insert({
        storefront_id: sys.merchant.storefrontId,
        order_id: orderId,
        message_id: messageId,
        event_type: messageId.includes('refunded') ? 'order.refunded' : 'order.delivered',
        url: 'http://127.0.0.1/hook',
        outcome,
        http_status: outcome === 'failed' ? 500 : 200,
        duration_ms: 5,
      });
    const shown = async (id: string) => ({
      notTold: (await listed({ storefrontNotTold: true })).some((o) => o.id === id),
      webhook: (await sys.api('GET', `/admin/orders/${id}/workflow`, { cookie })).body.state.webhook,
    });

    // A retry that was on its way when support's resend got through, and failed, is recorded last.
    const resent = await place();
    expect(await shown(resent)).toEqual({ notTold: false, webhook: 'sent' });
    await attempt(resent, deliveredMessageId(resent), 'failed');
    expect(await shown(resent)).toEqual({ notTold: false, webhook: 'sent' });

    // The delivery's webhook never got through; a later refund's did.
    const untold = await place();
    await sys.db('webhook_attempts').where({ order_id: untold }).delete();
    await sys.db('webhook_outbox').where({ order_id: untold }).update({ status: 'gave_up' });
    await attempt(untold, deliveredMessageId(untold), 'failed');
    await attempt(untold, refundMessageId(untold, crypto.randomUUID()), 'succeeded');
    expect(await shown(untold)).toEqual({ notTold: true, webhook: 'gave_up' });
    // Positive control: once the delivery's webhook gets through, the order is told.
    await attempt(untold, deliveredMessageId(untold), 'succeeded');
    expect(await shown(untold)).toEqual({ notTold: false, webhook: 'sent' });
  });

  test('when the Temporal UI has a public address, then owners get the link and support does not', async () => {
    await sys.addSku('LINK-1', { codes: 1 });
    const id = (await sys.api('POST', '/v1/orders', { body: { externalRef: `link-${hex()}`, items: [{ sku: 'LINK-1', quantity: 1 }] } })).body.id as string;
    await sys.waitForOrder(id, ['delivered']);
    expect((await sys.api('GET', `/admin/orders/${id}/workflow`, { cookie })).body.url).toBe(`https://temporal.example.com/namespaces/default/workflows/${id}`);
    const support = await sys.addUser('support');
    const supportCookie = await sys.signIn(support.email, support.password);
    const seen = (await sys.api('GET', `/admin/orders/${id}/workflow`, { cookie: supportCookie })).body;
    expect(seen.state).not.toBeNull();
    expect(seen.url).toBeNull();
  });

  test('when products are bought when sold, then /v1/products and the admin list give no available count; a stock product gives its count', async () => {
    await sys.addSku('FROM-SUPPLIER', { mode: 'supplier' });
    await sys.addSku('FROM-STOCK', { codes: 2 });
    const products = (await sys.api('GET', '/v1/products')).body.data as { sku: string; available: number | null }[];
    expect(products.find((p) => p.sku === 'FROM-SUPPLIER')?.available).toBeNull();
    expect(products.find((p) => p.sku === 'FROM-STOCK')?.available).toBe(2);
    const admin = (await sys.api('GET', '/admin/skus?range=[0,99]', { cookie })).body as { code: string; stockAvailable: number | null }[];
    expect(admin.find((p) => p.code === 'FROM-SUPPLIER')?.stockAvailable).toBeNull();
    expect(admin.find((p) => p.code === 'FROM-STOCK')?.stockAvailable).toBe(2);
  });

  test('when an order takes a product’s last code, then an out-of-stock alert opens; when codes are imported, it is resolved', async () => {
    await sys.addSku('LAST-ONE', { codes: 1 });
    const openAlerts = async () =>
      ((await sys.api('GET', '/admin/alerts?filter={"open":true}&range=[0,99]', { cookie })).body as { kind: string; detail: { sku?: string } }[]).filter(
        (a) => a.kind === 'sku_out_of_stock' && a.detail.sku === 'LAST-ONE',
      );
    expect(await openAlerts()).toHaveLength(0);
    const id = (await sys.api('POST', '/v1/orders', { body: { externalRef: `last-${hex()}`, items: [{ sku: 'LAST-ONE', quantity: 1 }] } })).body.id as string;
    await sys.waitForOrder(id, ['delivered']);
    expect(await openAlerts()).toHaveLength(1);
    await importCodes(sys.db, sys.vault, { merchantId: sys.merchant.merchantId, sku: 'LAST-ONE', content: `LAST-${hex()},1`, format: 'csv', importedBy: 'test' });
    expect(await openAlerts()).toHaveLength(0);
    const resolved = await sys.db('alerts').where({ kind: 'sku_out_of_stock' }).whereNotNull('resolved_at');
    expect(resolved.length).toBeGreaterThanOrEqual(1);
  });
});

describe('the console’s files over the wire', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ worker: false });
  });
  afterAll(async () => sys?.stop());

  const get = (path: string, encoding?: string) => fetch(`${sys.baseUrl}${path}`, { headers: encoding ? { 'accept-encoding': encoding } : {} });

  test('when a browser accepts brotli or gzip, then the script comes compressed with its own type and a year-long cache; without, it comes as it is', async () => {
    const index = await (await get('/console/', 'identity')).text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(index)?.[1];
    expect(script).toBeDefined();
    const plain = await get(script!, 'identity');
    expect(plain.headers.get('content-encoding')).toBeNull();
    const raw = Buffer.from(await plain.arrayBuffer());

    // Node's fetch decodes what it receives; read the bytes as sent with a plain request instead.
    const sent = (encoding: string) =>
      new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        http
          .get(`${sys.baseUrl}${script}`, { headers: { 'accept-encoding': encoding } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c) => chunks.push(c)).on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
          })
          .on('error', reject);
      });
    const br = await sent('gzip, deflate, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/javascript/);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers.vary).toMatch(/Accept-Encoding/i);
    expect(br.body.length).toBeLessThan(raw.length / 3);
    expect(zlib.brotliDecompressSync(br.body).equals(raw)).toBe(true);
    const gz = await sent('gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.body).equals(raw)).toBe(true);
  });

  test('then index.html is never cached for long, and a path outside the build is not served', async () => {
    const index = await get('/console/', 'br');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect((await index.text()).toLowerCase()).toContain('<!doctype html>');
    const outside = await get('/console/assets/..%2f..%2fpackage.json', 'br');
    expect(outside.status).toBeGreaterThanOrEqual(400);
    expect(await outside.text()).not.toContain('"name": "cardflow"');
  });
});
