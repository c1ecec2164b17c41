import pg from 'pg';
import { startTestSystem, type TestSystem } from './harness';

// In a flash sale every statement of a checkout waits for a busy CPU twice: its Postgres backend's
// turn, then the api's to read the answer. So acceptance reads what it needs before it writes in
// one statement (orders/accept-order.ts readBeforeAccepting): the order an earlier submission
// made and the SKUs. These count the statements one checkout sends, by what they touch, as the
// driver sends them (the key's budget goes to pg without knex: api/rate-limit.ts).

type Kind = 'key' | 'budget' | 'read' | 'accept' | 'answer' | 'other';

function kindOf(sql: string): Kind {
  if (/storefront_api_keys/.test(sql)) return 'key';
  if (/request_rate_limits/.test(sql)) return 'budget';
  if (/^\s*WITH locked AS/.test(sql)) return 'accept';
  if (/\bo\.external_ref\b/.test(sql)) return 'answer'; // an existing order's view (orders/order-view.ts)
  if (/^\s*select\b/i.test(sql) && /\b(skus|orders)\b/.test(sql)) return 'read';
  return 'other';
}

describe('the statements of one checkout', () => {
  let sys: TestSystem;
  let seen: Kind[] | undefined;
  const send = pg.Client.prototype.query;

  beforeAll(async () => {
    // No worker: its activities would send statements of their own meanwhile.
    sys = await startTestSystem({ worker: false, notifier: false });
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
      if (seen && text) seen.push(kindOf(text));
      return (send as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof send;
  });
  afterAll(async () => {
    pg.Client.prototype.query = send;
    await sys.stop();
  });

  async function statementsOf(body: object) {
    seen = [];
    const answer = await sys.api('POST', '/v1/orders', { body });
    const kinds = seen;
    seen = undefined;
    return { status: answer.status, kinds: kinds.sort() };
  }

  test('when a new order is accepted from stock, then the key, its budget, one read and the accepting statement are all it sends', async () => {
    await sys.addSku('STMT-1', { codes: 2 });
    const { status, kinds } = await statementsOf({ externalRef: 'stmt-1', items: [{ sku: 'STMT-1', quantity: 1 }] });
    expect(status).toBe(202);
    expect(kinds).toEqual(['accept', 'budget', 'key', 'read']);
  });

  test('when the same order is submitted again, then one read finds it after the key and its budget, and its answer is read', async () => {
    const { status, kinds } = await statementsOf({ externalRef: 'stmt-1', items: [{ sku: 'STMT-1', quantity: 1 }] });
    expect(status).toBe(200);
    expect(kinds).toEqual(['answer', 'budget', 'key', 'read']);
  });

  test('when the SKU is sold out, then one read answers it after the key and its budget', async () => {
    await sys.addSku('STMT-GONE', { codes: 0 });
    const { status, kinds } = await statementsOf({ externalRef: 'stmt-2', items: [{ sku: 'STMT-GONE', quantity: 1 }] });
    expect(status).toBe(409);
    expect(kinds).toEqual(['budget', 'key', 'read']);
  });

  test('when an externalRef is reused for a different order, then the one read still refuses it with idempotency_conflict', async () => {
    const answer = await sys.api('POST', '/v1/orders', { body: { externalRef: 'stmt-1', items: [{ sku: 'STMT-1', quantity: 2 }] } });
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('idempotency_conflict');
  });
});
