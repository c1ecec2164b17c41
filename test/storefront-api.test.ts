import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import { Webhook } from 'standardwebhooks';
import { adminDocument } from '../api/openapi/admin-document';
import { storefrontDocument } from '../api/openapi/storefront-document';
import { createApp } from '../api/app';
import { CardflowApiError, StorefrontClient } from '../clients/typescript/storefront-client';
import { issueWebhookSecret } from '../lib/tokens';
import { snapshot, startTestSystem, type TestSystem } from './harness';
import { registeredRoutes } from './registered-routes';

// The storefront API's contract: every route the api serves is in its OpenAPI document, every
// answer seen here matches the document, and the typed client and Idempotency-Key work as
// documented.

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>>; components?: object };
const documents: [prefix: string, doc: Doc][] = [
  ['/v1', storefrontDocument() as unknown as Doc],
  ['/admin', adminDocument() as unknown as Doc],
];

/** Routes served under a document's prefix that it does not describe, and described ones not served. */
function contractGaps(routes: string[]) {
  const documented = documents.flatMap(([prefix, doc]) => Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${prefix}${path}`)));
  // The documents and their reference pages describe the API; they are not part of it.
  const served = routes.filter((r) => documents.some(([prefix]) => r.split(' ')[1].startsWith(`${prefix}/`)) && !/\/(openapi\.json|reference)$/.test(r));
  return { undocumented: served.filter((r) => !documented.includes(r)), unserved: documented.filter((r) => !served.includes(r)) };
}

function appRoutes(): string[] {
  const app = createApp({
    db: {} as never,
    vault: {} as never,
    fulfilment: {} as never,
    suppliers: {} as never,
    outbound: {} as never,
    temporalReachable: async () => undefined,
    log: { child: () => ({}) } as never,
    limits: { maxBodyBytes: 1000, maxImportBytes: 1000, ratePerMinute: 1 },
  });
  return registeredRoutes(app);
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

/** Why an answer does not match its document, or undefined when it does. */
function mismatch(method: string, template: string, status: number, body: unknown): string | undefined {
  const [prefix, doc] = documents.find(([p]) => template.startsWith(`${p}/`))!;
  const answers = doc.paths[template.slice(prefix.length)]?.[method.toLowerCase()]?.responses;
  if (!answers) return `${method} ${template} is not in the document`;
  const schema = answers[String(status)]?.content?.['application/json']?.schema;
  if (!schema) return `${method} ${template} answered ${status}, which the document does not list`;
  // References (#/components/schemas/...) resolve against the document's components.
  const validate = ajv.compile({ ...schema, components: doc.components });
  return validate(body) ? undefined : ajv.errorsText(validate.errors);
}

describe('the OpenAPI documents', () => {
  test('every route the api serves under /v1 and /admin is in its document, and every documented route is served', () => {
    expect(contractGaps(appRoutes())).toEqual({ undocumented: [], unserved: [] });
  });

  test('positive control: a route added without documenting it is caught', () => {
    const extra = express.Router();
    extra.get('/v1/orders/:id/invoice', () => undefined);
    expect(contractGaps([...appRoutes(), ...registeredRoutes(extra)]).undocumented).toEqual(['GET /v1/orders/{id}/invoice']);
  });

  test('positive control: an answer that breaks the document is caught', () => {
    expect(
      mismatch('GET', '/v1/products', 200, {
        data: [{ sku: 'X', name: 'x', currency: 'CNY', faceValue: 100, price: '95', fulfilmentMode: 'stock', maxPerOrder: null, available: 1 }],
      }),
    ).toMatch(/price/);
    expect(mismatch('GET', '/v1/products', 418, {})).toMatch(/does not list/);
    expect(mismatch('POST', '/v1/orders', 409, { error: { message: 'no code' } })).toMatch(/code/);
  });
});

describe('the storefront API, through the typed client', () => {
  let sys: TestSystem;
  let client: StorefrontClient;
  const seen: { method: string; template: string; status: number; body: unknown }[] = [];

  beforeAll(async () => {
    // No worker at first: the first order waits before its risk check, where it can be cancelled.
    sys = await startTestSystem({ worker: false });
    await sys.addSku('API-1', { codes: 10, maxPerOrder: 5 });
    await sys.addSku('API-RARE', { codes: 1 });
    // Every answer the client gets is kept, to be checked against the document.
    const recording: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      const template = url.pathname.replace(/\/[0-9a-f-]{36}(?=\/|$)/, '/{id}');
      seen.push({ method: init?.method ?? 'GET', template, status: res.status, body: await res.clone().json() });
      return res;
    };
    client = new StorefrontClient({ baseUrl: sys.baseUrl, apiKey: sys.merchant.apiKey, fetch: recording });
  });
  afterAll(() => sys.stop());

  test('a cancel sent again with the same Idempotency-Key answers the cancelled order; with another reason, 409 idempotency_conflict', async () => {
    const { order, created } = await client.createOrder({ externalRef: 'api-cancel', items: [{ sku: 'API-1', quantity: 1 }] });
    expect(created).toBe(true);
    const cancelling = client.cancelOrder(order.id, { reason: 'buyer changed their mind' }, { idempotencyKey: 'cancel-key-1' });
    await new Promise((r) => setTimeout(r, 300));
    await sys.startWorker();
    expect(await cancelling).toMatchObject({ id: order.id, status: 'cancelled' });
    await sys.finished(order.id);
    const before = await snapshot(sys.db);

    expect(await client.cancelOrder(order.id, { reason: 'buyer changed their mind' }, { idempotencyKey: 'cancel-key-1' })).toMatchObject({
      id: order.id,
      status: 'cancelled',
      reason: 'buyer changed their mind',
    });
    const conflict = await client.cancelOrder(order.id, { reason: 'something else' }, { idempotencyKey: 'cancel-key-1' }).catch((e) => e);
    expect(conflict).toBeInstanceOf(CardflowApiError);
    expect(conflict).toMatchObject({ status: 409, code: 'idempotency_conflict', details: { idempotencyKey: 'cancel-key-1' } });
    // Positive control: without the key, a second cancel of a cancelled order is refused.
    await expect(client.cancelOrder(order.id, { reason: 'buyer changed their mind' })).rejects.toMatchObject({ status: 409, code: 'not_cancellable' });
    expect(await snapshot(sys.db)).toEqual(before);
  });

  test('an order sent again with the same Idempotency-Key and body answers the original order and reserves nothing more', async () => {
    const body = { externalRef: 'api-key-1', items: [{ sku: 'API-1', quantity: 1 }], buyer: { email: 'k@example.com' } };
    const first = await client.createOrder(body, { idempotencyKey: 'order-key-1' });
    expect(first.created).toBe(true);
    await sys.finished(first.order.id);
    const before = await snapshot(sys.db);

    const again = await client.createOrder(body, { idempotencyKey: 'order-key-1' });
    expect(again).toMatchObject({ created: false, order: { id: first.order.id, status: 'delivered' } });
    expect(again.order.items[0].units[0].code).toMatchObject({ number: expect.any(String) });
    expect(await snapshot(sys.db)).toEqual(before);
  });

  test('the same Idempotency-Key with a different body is 409 idempotency_conflict, and no order is made', async () => {
    const before = await snapshot(sys.db);
    const answer = await client.createOrder({ externalRef: 'api-key-2', items: [{ sku: 'API-1', quantity: 2 }] }, { idempotencyKey: 'order-key-1' }).catch((e) => e);
    expect(answer).toMatchObject({ status: 409, code: 'idempotency_conflict', details: { idempotencyKey: 'order-key-1' } });
    expect(await snapshot(sys.db)).toEqual(before);
    expect(await sys.db('orders').where({ external_ref: 'api-key-2' }).first()).toBeUndefined();
    // Positive control: the same body under a fresh key is an ordinary new order.
    const fresh = await client.createOrder({ externalRef: 'api-key-2', items: [{ sku: 'API-1', quantity: 2 }] }, { idempotencyKey: 'order-key-2' });
    expect(fresh.created).toBe(true);
    // Its workflow writes order events for a while yet; the next tests count events.
    await sys.finished(fresh.order.id);
  });

  test('when orders with one Idempotency-Key and different bodies race, exactly one is accepted and the rest are 409 idempotency_conflict', async () => {
    const answers = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => client.createOrder({ externalRef: `api-race-${i}`, items: [{ sku: 'API-1', quantity: 1 }] }, { idempotencyKey: 'race-key' })),
    );
    expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    expect(answers.filter((a) => a.status === 'rejected').map((a) => a.reason.code)).toEqual(Array(7).fill('idempotency_conflict'));
    expect(await sys.db('orders').whereLike('external_ref', 'api-race-%').count({ n: '*' }).first()).toEqual({ n: 1 });
    await sys.finished((answers.find((a) => a.status === 'fulfilled') as PromiseFulfilledResult<{ order: { id: string } }>).value.order.id);
  });

  test('a malformed Idempotency-Key is a 400 that changes nothing', async () => {
    const before = await snapshot(sys.db);
    await expect(client.createOrder({ externalRef: 'api-key-3', items: [{ sku: 'API-1', quantity: 1 }] }, { idempotencyKey: 'ü'.repeat(3) })).rejects.toMatchObject({
      status: 400,
      code: 'invalid_idempotency_key',
    });
    expect(await snapshot(sys.db)).toEqual(before);
  });

  test('the other calls and their errors answer as the document says', async () => {
    expect((await client.listProducts()).map((p) => p.sku)).toEqual(['API-1', 'API-RARE']);
    const { order } = await client.createOrder({ externalRef: 'api-read', items: [{ sku: 'API-1', quantity: 1 }] });
    await sys.finished(order.id);
    expect((await client.findOrder('api-read')).id).toBe(order.id);
    expect((await client.getOrder(order.id)).status).toBe('delivered');
    await expect(client.getOrder('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ status: 404 });
    await expect(client.createOrder({ externalRef: 'api-bad', items: [{ sku: 'API-1', quantity: 6 }] })).rejects.toMatchObject({ status: 400, code: 'quantity_exceeds_limit' });
    await expect(client.createOrder({ externalRef: 'api-bad', items: [] })).rejects.toMatchObject({ status: 400, code: 'validation_failed' });
    await expect(client.createOrder({ externalRef: 'api-big', items: [{ sku: 'API-RARE', quantity: 2 }] })).rejects.toMatchObject({ status: 409, code: 'sold_out' });
    await expect(new StorefrontClient({ baseUrl: sys.baseUrl, apiKey: 'nope' }).listProducts()).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
  });

  test('admin answers, errors included, are recorded for the document check too', async () => {
    const owner = await sys.addUser('owner');
    const cookie = await sys.signIn(owner.email, owner.password);
    // Every admin read without a path parameter (the lists among them), then two errors.
    const reads = Object.entries(adminDocument().paths ?? {})
      .filter(([path, ops]) => ops.get && !path.includes('{'))
      .map(([path]) => `/admin${path}`);
    const calls: [template: string, path: string, opts: { cookie?: string; key?: null }][] = [
      ...reads.map((path): [string, string, { cookie: string }] => [path, path, { cookie }]),
      ['/admin/orders/{id}', '/admin/orders/00000000-0000-4000-8000-000000000000', { cookie }],
      ['/admin/orders', '/admin/orders', { key: null }],
    ];
    for (const [template, path, opts] of calls) {
      const res = await sys.api('GET', path, opts);
      seen.push({ method: 'GET', template, status: res.status, body: res.body });
    }
    expect(reads.length).toBeGreaterThan(20);
    expect(seen.slice(-calls.length).filter((s) => s.status === 200).length).toBeGreaterThan(20);
    expect(seen.slice(-2).map((s) => s.status)).toEqual([404, 401]);
  });

  test('every answer seen in these tests matches the document', () => {
    expect(seen.length).toBeGreaterThan(10);
    const statuses = new Set(seen.map((s) => s.status));
    expect([...statuses].sort()).toEqual([200, 202, 400, 401, 404, 409]);
    expect(seen.map((s) => mismatch(s.method, s.template, s.status, s.body)).filter(Boolean)).toEqual([]);
  });

  test('the documents and reference pages are served without a key, and the page loads nothing from elsewhere', async () => {
    for (const prefix of ['/v1', '/admin']) {
      const doc = await sys.api('GET', `${prefix}/openapi.json`, { key: null });
      expect(doc.status).toBe(200);
      expect(doc.body).toMatchObject({ openapi: '3.1.0', servers: [{ url: prefix }] });
      const page = await fetch(`${sys.baseUrl}${prefix}/reference`);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(page.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
      const html = await page.text();
      expect(html).toContain(`${prefix}/openapi.json`);
      expect(html).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1)/);
    }
    expect(await (await fetch(`${sys.baseUrl}/v1/reference`)).text()).toContain('/v1/orders/{id}/cancel');
  });
});

describe('the examples in docs/STOREFRONT-API.md', () => {
  // The Python webhook check, exactly as the page shows it, run against a signature made the way
  // Cardflow signs (orders/notify-storefront.ts: the standardwebhooks library).
  const python = /```python\n([\s\S]*?)```/.exec(readFileSync(path.join(__dirname, '../docs/STOREFRONT-API.md'), 'utf8'))![1];
  const verifier = python.slice(python.indexOf('import '), python.indexOf('\n', python.indexOf('import '))) + '\n' + python.slice(python.indexOf('def verify_webhook'));
  const verify = (secret: string, headers: Record<string, string>, body: string) =>
    execFileSync(
      'python3',
      ['-c', `${verifier}\nimport sys\nprint(verify_webhook(sys.argv[1], json.loads(sys.argv[2]), sys.argv[3].encode())["type"])`, secret, JSON.stringify(headers), body],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    ).trim();

  test('the Python example verifies a Cardflow webhook, also during a secret rotation, and refuses a forged one', () => {
    const [secret, old] = [issueWebhookSecret(), issueWebhookSecret()];
    const body = JSON.stringify({ type: 'order.delivered', timestamp: new Date().toISOString(), data: { order: { id: 'x' } } });
    const now = new Date();
    const sign = (s: string) => new Webhook(s).sign('msg_1', now, body);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': `${sign(old)} ${sign(secret)}` };
    expect(verify(secret, headers, body)).toBe('order.delivered');
    // Positive control: another body under the same signature is refused.
    expect(() => verify(secret, headers, body.replace('"x"', '"y"'))).toThrow(/bad signature/);
  });
});
