import crypto from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { loadConfig, outboundPolicy } from '../lib/config';
import { OutboundHttp, type OutboundPolicy } from '../lib/outbound-http';
import { signedHeaders } from '../supplier-sim/signing';
import { openSupplierCredentials } from '../suppliers/credentials';
import { found } from './found';
import { startTestSystem, type TestSystem } from './harness';
import { addSupplier, card, route, type TestSupplier } from './supplier-helpers';

// Issue 12, items 1, 4 and 6 and the outbound gaps: a hostile merchant pointing Cardflow at the
// inside of its network (SSRF), a forged supplier callback, a `javascript:` redemption link, and
// a webhook secret rotation without overlap. Every attack runs against the real HTTP API and real
// listeners on loopback. Nothing here ever reaches a non-loopback address: the watcher below
// records every connection attempt the process makes and stops any other before its first packet.

const attempts: { address: string; port: number }[] = [];
diagnostics.subscribe('net.client.socket', (message) => {
  const { socket } = message as { socket: Socket };
  socket.on('connectionAttempt', (address: string, port: number) => {
    attempts.push({ address, port });
    // Emitted before the socket's handle connects: throwing here means no packet leaves.
    if (address !== '127.0.0.1' && address !== '::1') throw new Error(`this test tried to connect to ${address}; tests reach loopback only`);
  });
});
const attemptsTo = (port: number) => attempts.filter((a) => a.port === port).length;

/** A loopback listener that answers each path with `handler` and counts connections and requests. */
async function listener(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  let connections = 0;
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(r))),
  };
}

const developmentPolicy: OutboundPolicy = { allowPlainHttp: true, allowPrivateAddresses: true };

describe('the guarded outbound client', () => {
  let target: Awaited<ReturnType<typeof listener>>;
  beforeAll(async () => {
    target = await listener((req, res) => {
      if (req.url === '/redirect') return void res.writeHead(302, { location: '/inside' }).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  afterAll(() => target.close());

  test('when a name resolves to a link-local or private address, then it is refused before any connection is attempted', async () => {
    const asked: string[] = [];
    const answers: Record<string, string> = {
      'metadata.test': '169.254.169.254',
      'intranet.test': '10.0.0.5',
      'ula.test': 'fd00::5',
      'mapped.test': '::ffff:127.0.0.1',
      'loop.test': '127.0.0.1',
    };
    const strict = new OutboundHttp({
      allowPlainHttp: true, // http here so every socket goes through net.connect, which the watcher sees
      allowPrivateAddresses: false,
      resolve: async (name) => (asked.push(name), [{ address: answers[name], family: answers[name].includes(':') ? 6 : 4 }]),
    });
    const before = attempts.length;
    for (const name of Object.keys(answers)) {
      await expect(strict.request(`http://${name}:${target.port}/`, { method: 'GET', timeoutMs: 2000 })).rejects.toMatchObject({ kind: 'target_not_allowed' });
    }
    expect(asked).toEqual(Object.keys(answers)); // each name was resolved, and refused at that point
    expect(attempts.length).toBe(before);
    expect(target.connections()).toBe(0);

    // Positive control: the same path with the development setting does connect, and the watcher sees it.
    const dev = new OutboundHttp({ ...developmentPolicy, resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    expect((await dev.request(`http://loop.test:${target.port}/`, { method: 'GET', timeoutMs: 2000 })).status).toBe(200);
    expect(attemptsTo(target.port)).toBe(1);
  });

  test('when a literal address is loopback, private, link-local or metadata in any numeric form, then it is refused before a socket exists', async () => {
    const strict = new OutboundHttp({ allowPlainHttp: true, allowPrivateAddresses: false, resolve: async () => Promise.reject(new Error('no DNS for literals')) });
    const before = attempts.length;
    const connectionsBefore = target.connections();
    for (const host of [
      '127.0.0.1',
      '0x7f000001',
      '2130706433',
      '0177.0.0.1',
      '127.1',
      '[::1]',
      '[::ffff:127.0.0.1]',
      '[::ffff:7f00:1]',
      '169.254.169.254',
      '10.0.0.5',
      '192.168.1.1',
      '[fe80::1]',
      '0.0.0.0',
      'localhost',
    ]) {
      await expect(strict.request(`http://${host}:${target.port}/`, { method: 'GET', timeoutMs: 2000 })).rejects.toMatchObject({ kind: 'target_not_allowed' });
    }
    expect(attempts.length).toBe(before);
    expect(target.connections()).toBe(connectionsBefore);
  });

  test('when the DNS answer changes between the check and the connection (rebinding), then the connection is refused', async () => {
    let calls = 0;
    // The first answer is public (nothing connects to it: it only passes a check); every later one is loopback.
    const rebinding = async () => (calls++ === 0 ? [{ address: '93.184.215.14', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
    const strict = new OutboundHttp({ allowPlainHttp: true, allowPrivateAddresses: false, resolve: rebinding });
    const before = attempts.length;
    const connectionsBefore = target.connections();
    expect(await strict.refusalOf(`http://rebind.test:${target.port}/`)).toBeUndefined(); // a check alone would have let it through
    await expect(strict.request(`http://rebind.test:${target.port}/`, { method: 'GET', timeoutMs: 2000 })).rejects.toMatchObject({ kind: 'target_not_allowed' });
    expect(calls).toBe(2);
    expect(attempts.length).toBe(before);
    expect(target.connections()).toBe(connectionsBefore);
  });

  test('when plain http is asked for without the development setting, then it is refused', async () => {
    const strict = new OutboundHttp({ allowPlainHttp: false, allowPrivateAddresses: false, resolve: async () => [{ address: '93.184.215.14', family: 4 }] });
    await expect(strict.request('http://shop.example.com/hook', { method: 'POST', timeoutMs: 2000 })).rejects.toMatchObject({ kind: 'target_not_allowed' });
    expect(await strict.refusalOf('http://shop.example.com/hook')).toMatchObject({ code: 'https_only', message: expect.stringMatching(/https/) });
    expect(await strict.refusalOf('https://shop.example.com/hook')).toBeUndefined();
  });

  test('when the development setting is asked for in production, then the process refuses to start; by default it is off', () => {
    // Otherwise a complete production setting, so ALLOW_PRIVATE_OUTBOUND is the only thing refused.
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://cardflow:secret@db.internal:5432/cardflow',
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      CARDFLOW_ENCRYPTION_KEYS: `k1:${crypto.randomBytes(32).toString('base64')}`,
      CARDFLOW_FINGERPRINT_KEY: crypto.randomBytes(32).toString('base64'),
      HOST: '0.0.0.0',
      PUBLIC_URL: 'https://cards.example.com',
    };
    expect(() => loadConfig({ ...production, ALLOW_PRIVATE_OUTBOUND: '1' })).toThrow(/ALLOW_PRIVATE_OUTBOUND/);
    expect(outboundPolicy(loadConfig(production))).toEqual({ allowPlainHttp: false, allowPrivateAddresses: false });
    expect(outboundPolicy(loadConfig({ NODE_ENV: 'development' }))).toEqual({ allowPlainHttp: false, allowPrivateAddresses: false });
    expect(outboundPolicy(loadConfig({ ALLOW_PRIVATE_OUTBOUND: '1' }))).toEqual({ allowPlainHttp: true, allowPrivateAddresses: true });
  });

  test('when the target answers with a redirect, then it is not followed', async () => {
    const dev = new OutboundHttp(developmentPolicy);
    await expect(dev.request(`${target.url}/redirect`, { method: 'GET', timeoutMs: 2000 })).rejects.toMatchObject({ kind: 'redirected' });
    expect(target.requests).toContain('/redirect');
    expect(target.requests).not.toContain('/inside');
  });
});

describe('a hostile merchant points a supplier at an inside service (development setting on, so the loopback listener is reachable)', () => {
  let sys: TestSystem;
  let huge: Awaited<ReturnType<typeof listener>>;
  let slow: Awaited<ReturnType<typeof listener>>;
  let redirecting: Awaited<ReturnType<typeof listener>>;
  let inside: Awaited<ReturnType<typeof listener>>;
  let streamed = 0;
  let suppliers = 0;
  beforeAll(async () => {
    sys = await startTestSystem({ worker: false });
    huge = await listener((_req, res) => {
      // 400 MiB, chunked, written as fast as the reader takes it.
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const pump = () => {
        while (streamed < 400 * 1024 * 1024 && !res.destroyed) {
          streamed += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
    });
    slow = await listener((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"currency":"USD",'); // and never the rest
    });
    redirecting = await listener((req, res) => {
      if (req.url === '/inside-only') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"currency":"USD","balance":1}');
      res.writeHead(302, { location: '/inside-only' }).end();
    });
    inside = await listener((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/x-inside-service' }).end('{"error":{"code":"INSIDE-SECRET-CODE","message":"db password is hunter2"},"balance":4242}');
    });
  });
  afterAll(async () => {
    await sys.stop();
    for (const l of [huge, slow, redirecting, inside]) await l.close();
  });

  const admin = (method: string, path: string, body?: unknown) => sys.api(method, path, { key: sys.merchant.adminToken, body });
  async function supplierAt(url: string, timeoutMs = 2000) {
    const res = await admin('POST', '/admin/suppliers', {
      name: `Inside ${++suppliers}`,
      kind: 'api',
      adapter: 'cardflow-sim',
      baseUrl: url,
      currency: 'USD',
      credentials: { partnerId: 'p', secret: 's' },
      timeoutMs,
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  test('when the balance refresh gets a redirect, then it is not followed', async () => {
    const id = await supplierAt(redirecting.url);
    const res = await admin('POST', `/admin/suppliers/${id}/balance/refresh`);
    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(/redirect/);
    expect(redirecting.requests).toEqual(['/v1/balance']);
  });

  test('when the answer is huge, then it is cut at the cap and the process does not balloon', async () => {
    const id = await supplierAt(huge.url);
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    const res = await admin('POST', `/admin/suppliers/${id}/balance/refresh`);
    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(/larger than/);
    expect(Date.now() - started).toBeLessThan(10_000); // reading 400 MiB to its end would take far longer
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
    expect(streamed).toBeLessThan(64 * 1024 * 1024); // the reader hung up long before 400 MiB
  });

  test('when the answer is slow, then it is cut at the deadline', async () => {
    const id = await supplierAt(slow.url, 500);
    const started = Date.now();
    const res = await admin('POST', `/admin/suppliers/${id}/balance/refresh`);
    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(/within 500 ms/);
    expect(Date.now() - started).toBeLessThan(5000); // the answer never ends: only the deadline stops it
  });

  test('when the inside service answers, then nothing of its answer (body, status, content type, fields) is echoed', async () => {
    const id = await supplierAt(inside.url);
    const res = await admin('POST', `/admin/suppliers/${id}/balance/refresh`);
    expect(res.status).toBe(503);
    expect(inside.requests).toEqual(['/v1/balance']); // it was reached (the development setting), and answered
    const said = JSON.stringify(res.body);
    for (const leak of ['INSIDE-SECRET-CODE', 'hunter2', '500', 'text/x-inside-service', '4242']) expect(said).not.toContain(leak);
    expect((await admin('GET', `/admin/suppliers/${id}`)).body.balance).toBeNull();
  });
});

describe('without the development setting (production rules), through the admin API', () => {
  let sys: TestSystem;
  let receiver: Awaited<ReturnType<typeof listener>>;
  let resolverCalls = 0;
  beforeAll(async () => {
    receiver = await listener((_req, res) => void res.writeHead(418).end('{"inside":"answer"}'));
    sys = await startTestSystem({
      outbound: {
        allowPlainHttp: false,
        allowPrivateAddresses: false,
        // DNS for the test names only: rebind.test answers public once (the save), then loopback.
        resolve: async (name) => {
          if (name === 'rebind.test') return resolverCalls++ === 0 ? [{ address: '93.184.215.14', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
          if (name === 'intranet.test') return [{ address: '10.1.2.3', family: 4 }];
          if (name === 'shop.example.com') return [{ address: '93.184.215.14', family: 4 }];
          throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
        },
      },
    });
    await sys.addSku('GAME-1', { codes: 3 });
  });
  afterAll(async () => {
    await sys.stop();
    await receiver.close();
  });
  const admin = (method: string, path: string, body?: unknown) => sys.api(method, path, { key: sys.merchant.adminToken, body });

  test('when a webhook URL or supplier base URL is plain http, loopback, private, link-local or a numeric or IPv4-mapped form, then it is a 400 naming the field', async () => {
    const bad = [
      'http://shop.example.com/hooks',
      'https://127.0.0.1/h',
      'https://0x7f000001/h',
      'https://2130706433/h',
      'https://[::1]/h',
      'https://[::ffff:127.0.0.1]/h',
      'https://169.254.169.254/latest/meta-data/',
      'https://10.0.0.5/h',
      'https://[fe80::1]/h',
      'https://localhost/h',
      'https://intranet.test/h',
      'ftp://shop.example.com/h',
    ];
    for (const url of bad) {
      const webhook = await admin('PUT', `/admin/storefronts/${sys.merchant.storefrontId}`, { name: 'Shop', webhookUrl: url });
      expect([url, webhook.status, webhook.body.errors?.webhookUrl !== undefined]).toEqual([url, 400, true]);
      const supplier = await admin('POST', '/admin/suppliers', {
        name: `S ${Math.random()}`,
        kind: 'api',
        adapter: 'cardflow-sim',
        baseUrl: url,
        currency: 'USD',
        credentials: { partnerId: 'p', secret: 's' },
      });
      expect([url, supplier.status, supplier.body.errors?.baseUrl !== undefined]).toEqual([url, 400, true]);
    }
    // Positive control: a public https address is accepted (then removed again: no test sends to it).
    expect((await admin('PUT', `/admin/storefronts/${sys.merchant.storefrontId}`, { name: 'Shop', webhookUrl: 'https://shop.example.com/hooks' })).status).toBe(200);
    expect((await admin('PUT', `/admin/storefronts/${sys.merchant.storefrontId}`, { name: 'Shop', webhookUrl: null })).status).toBe(200);
    expect(receiver.connections()).toBe(0);
  });

  test('when a stored webhook URL points inside, then a resend is refused before connecting and the answer reveals no HTTP status', async () => {
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: 'inside-1', items: [{ sku: 'GAME-1', quantity: 1 }] } });
    await sys.waitForOrder(placed.body.id, ['delivered']);
    // Saved before the guard existed (or by hand in the database).
    await sys
      .db('storefronts')
      .where({ id: sys.merchant.storefrontId })
      .update({ webhook_url: `${receiver.url}/hook` });
    const res = await admin('POST', `/admin/orders/${placed.body.id}/resend-webhook`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ outcome: 'failed', httpStatus: null });
    expect(res.body.error).toMatch(/not allowed/);
    expect(JSON.stringify(res.body)).not.toContain('418');
    expect(receiver.connections()).toBe(0);
  });

  test('when the webhook host rebinds to loopback after it was saved, then the resend is refused at connect time', async () => {
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: 'rebind-1', items: [{ sku: 'GAME-1', quantity: 1 }] } });
    await sys.waitForOrder(placed.body.id, ['delivered']);
    const saved = await admin('PUT', `/admin/storefronts/${sys.merchant.storefrontId}`, { name: 'Shop', webhookUrl: `https://rebind.test:${receiver.port}/hook` });
    expect(saved.status).toBe(200); // the name resolved to a public address when it was saved
    const res = await admin('POST', `/admin/orders/${placed.body.id}/resend-webhook`);
    expect(res.body).toMatchObject({ outcome: 'failed', httpStatus: null });
    expect(res.body.error).toMatch(/resolves to .*loopback/);
    expect(resolverCalls).toBeGreaterThanOrEqual(2);
    expect(receiver.connections()).toBe(0);
  });
});

describe('a forged supplier callback, a javascript: link, and a webhook secret rotation', () => {
  let sys: TestSystem;
  let alpha: TestSupplier;
  let secret: string;
  let webhooks: Awaited<ReturnType<typeof listener>>;
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let n = 0;

  beforeAll(async () => {
    webhooks = await listener((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => (received.push({ headers: req.headers, body }), res.writeHead(200).end()));
    });
    sys = await startTestSystem({ webhookUrl: `${webhooks.url}/hooks`, supplierCallbacksPerMinute: 30 });
    alpha = await addSupplier(sys, 'Alpha', [
      card('CARD-SLOW', 900, { async: true, asyncDelayMs: 600_000 }),
      card('LINK-BAD', 500, { redeemUrl: 'javascript:alert(document.cookie)' }),
    ]);
    secret = openSupplierCredentials(sys.vault, found(await sys.db('suppliers').where({ id: alpha.id }).first(), 'supplier Alpha')).secret;
    await sys.addSku('SLOW-CARD', { mode: 'supplier', currency: 'USD', price: 1000 });
    await route(sys, 'SLOW-CARD', [{ supplier: alpha, product: 'CARD-SLOW', maxUnitCost: 950 }]);
  });
  afterAll(async () => {
    await sys.stop();
    await alpha.stop();
    await webhooks.close();
  });

  const admin = (method: string, path: string, body?: unknown) => sys.api(method, path, { key: sys.merchant.adminToken, body });
  const place = (sku: string) => sys.api('POST', '/v1/orders', { body: { externalRef: `sec-${++n}`, items: [{ sku, quantity: 1 }] } });

  /** A callback signed with the supplier's real secret (the worst case: the secret leaked). */
  function callback(supplierId: string, order: unknown, key = secret) {
    const path = `/supplier-callbacks/${supplierId}`;
    const body = JSON.stringify({ event: 'order.completed', order });
    return sys.api('POST', path, { raw: body, key: null, headers: { 'content-type': 'application/json', ...signedHeaders(alpha.partnerId, key, 'POST', path, body) } });
  }

  async function processingPurchase() {
    const placed = await place('SLOW-CARD');
    expect(placed.status).toBe(202);
    for (let i = 0; i < 200; i++) {
      const p = await sys.db('supplier_purchases').where({ order_id: placed.body.id, status: 'processing' }).first();
      if (p) return { orderId: placed.body.id as string, purchase: p };
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the purchase never became processing');
  }
  const forgedSuccess = (p: any, unitPrice: number) => ({
    reference: p.reference,
    orderId: p.supplier_order_id,
    status: 'success',
    unitPrice,
    card: { code: 'ATTACKER-CODE-0001', pin: '0000' },
    topup: null,
    failure: null,
  });
  const storedCodes = () =>
    sys
      .db('codes')
      .whereIn('sku_id', sys.db('skus').where({ code: 'SLOW-CARD' }).select('id'))
      .count<{ c: number }[]>('* as c')
      .then(([r]) => Number(r.c));

  test('when a signed "succeeded" callback books a price other than the quoted one, then it is refused and changes nothing', async () => {
    const { orderId, purchase } = await processingPurchase();
    expect(purchase.unit_cost).toBe(900); // the supplier's quote when it took the order
    const codesBefore = await storedCodes();
    for (const price of [1, 899, 951]) {
      const res = await callback(alpha.id, forgedSuccess(purchase, price));
      expect([price, res.status, res.body.error?.code]).toEqual([price, 409, 'callback_price_mismatch']);
    }
    expect(found(await sys.db('supplier_purchases').where({ id: purchase.id }).first(), 'the purchase').status).toBe('processing');
    expect(await storedCodes()).toBe(codesBefore);
    expect((await sys.api('GET', `/v1/orders/${orderId}`)).body.status).toBe('processing');
    // Positive control: the quoted price is believed.
    const genuine = await callback(alpha.id, forgedSuccess(purchase, 900));
    expect(genuine.status).toBe(200);
    expect(found(await sys.db('supplier_purchases').where({ id: purchase.id }).first(), 'the purchase').status).toBe('succeeded');
  });

  test('when a signed callback says a purchase failed, then the supplier is asked before anything is bought again', async () => {
    const { orderId, purchase } = await processingPurchase();
    const res = await callback(alpha.id, {
      reference: purchase.reference,
      orderId: purchase.supplier_order_id,
      status: 'failed',
      unitPrice: 900,
      card: null,
      topup: null,
      failure: { code: 'out_of_stock', message: 'forged' },
    });
    expect(res.status).toBe(200);
    // The workflow was woken and asked the supplier, which still has the order in hand.
    await new Promise((r) => setTimeout(r, 1000));
    const charged = (await alpha.charges()).charges[purchase.reference];
    expect(found(await sys.db('supplier_purchases').where({ id: purchase.id }).first(), 'the purchase').status).toBe('processing');
    expect(
      await sys
        .db('supplier_purchases')
        .where({ order_id: orderId })
        .count<{ c: number }[]>('* as c')
        .then(([r]) => Number(r.c)),
    ).toBe(1);
    expect(charged).toBe(1);
    expect((await sys.api('GET', `/v1/orders/${orderId}`)).body.status).toBe('processing');
  });

  test('when a callback brings a code for a purchase not waiting for one, then it is refused and no code is stored', async () => {
    const { purchase } = await processingPurchase();
    // Sent, but the supplier has not yet said it took the order (its answer is still on the way).
    await sys.db('supplier_purchases').where({ id: purchase.id }).update({ status: 'pending' });
    const codesBefore = await storedCodes();
    const res = await callback(alpha.id, forgedSuccess(purchase, 900));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('purchase_not_awaiting_callback');
    expect(await storedCodes()).toBe(codesBefore);
    expect(found(await sys.db('supplier_purchases').where({ id: purchase.id }).first(), 'the purchase').status).toBe('pending');
  });

  test('when callbacks come for an unknown supplier, a malformed id or with a bad signature, then every answer is the same', async () => {
    const { purchase } = await processingPurchase();
    const answers = await Promise.all([
      callback(crypto.randomUUID(), forgedSuccess(purchase, 900)),
      callback('not-a-supplier', forgedSuccess(purchase, 900)),
      callback(alpha.id, forgedSuccess(purchase, 900), 'wrong-secret'),
    ]);
    const first = { status: answers[0].status, body: answers[0].body };
    expect(first.status).toBe(401);
    for (const a of answers) expect({ status: a.status, body: a.body }).toEqual(first);
  });

  test('when callbacks for one supplier id come too fast, then they are rate limited', async () => {
    const id = crypto.randomUUID(); // a bucket of its own: the other tests' supplier keeps its budget
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await callback(id, { reference: 'x' })).status);
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(30)).toEqual([429, 429]);
  });

  test('when staff fulfil a manual order with a javascript: redemption URL, then it is a 400 and nothing is saved', async () => {
    await sys.addSku('HAND', { mode: 'manual', currency: 'USD', price: 500 });
    const placed = await place('HAND');
    for (let i = 0; i < 300 && !(await sys.db('manual_tasks').where({ order_id: placed.body.id, status: 'open' }).first('id')); i++) await new Promise((r) => setTimeout(r, 100));
    for (const url of ['javascript:alert(document.cookie)', 'data:text/html,<script>alert(1)</script>', 'http://redeem.example.com/r']) {
      const res = await admin('POST', `/admin/orders/${placed.body.id}/manual-fulfilment`, { codes: [{ number: 'HAND-1', url }] });
      expect([url, res.status, res.body.errors?.['codes.0.url'] !== undefined]).toEqual([url, 400, true]);
    }
    expect(
      await sys
        .db('codes')
        .where({ source: 'manual' })
        .count<{ c: number }[]>('* as c')
        .then(([r]) => Number(r.c)),
    ).toBe(0);
    // Positive control: https is accepted.
    const ok = await admin('POST', `/admin/orders/${placed.body.id}/manual-fulfilment`, { codes: [{ number: 'HAND-1', url: 'https://redeem.example.com/r' }] });
    expect(ok.status).toBe(200);
  });

  test('when a supplier sends a code with a javascript: redemption link, then the buyer never gets it', async () => {
    await sys.addSku('LINK', { mode: 'link', currency: 'USD', price: 600 });
    await route(sys, 'LINK', [{ supplier: alpha, product: 'LINK-BAD', maxUnitCost: 550 }]);
    const placed = await place('LINK');
    const order = await sys.waitForOrder(placed.body.id, ['failed', 'delivered']);
    expect(order.status).toBe('failed');
    expect(JSON.stringify(order)).not.toContain('javascript:');
    expect(order.timeline).toContainEqual(expect.objectContaining({ type: 'supplier_purchase_failed', code: 'invalid_redeem_url' }));
  });

  test('when the webhook secret is rotated, then webhooks verify with the old secret and the new one during the grace period', async () => {
    const old = sys.merchant.webhookSecret;
    const rotated = await admin('POST', `/admin/storefronts/${sys.merchant.storefrontId}/webhook-secret`);
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.webhookSecret as string;
    expect(Date.parse(rotated.body.previousSecretValidUntil)).toBeGreaterThan(Date.now() + 3600_000);

    await sys.addSku('HOOKED', { codes: 2 });
    const delivered = async () => {
      const placed = await place('HOOKED');
      // The webhook goes out from the notifier, after the order's workflow has ended.
      await sys.webhookFinished(placed.body.id);
      const hook = received.find((r) => r.body.includes(placed.body.id))!;
      return { body: hook.body, headers: hook.headers as Record<string, string> };
    };
    const during = await delivered();
    expect(new Webhook(old).verify(during.body, during.headers)).toMatchObject({ type: 'order.delivered' });
    expect(new Webhook(fresh).verify(during.body, during.headers)).toMatchObject({ type: 'order.delivered' });

    // After the grace period only the new secret signs (the control: the old one really stops).
    await sys
      .db('storefronts')
      .where({ id: sys.merchant.storefrontId })
      .update({ previous_webhook_secret_until: new Date(Date.now() - 1000) });
    const after = await delivered();
    expect(new Webhook(fresh).verify(after.body, after.headers)).toMatchObject({ type: 'order.delivered' });
    expect(() => new Webhook(old).verify(after.body, after.headers)).toThrow();
  });
});
