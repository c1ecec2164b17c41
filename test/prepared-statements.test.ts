import crypto from 'node:crypto';
import { createDb, plannedOnce, type Db } from '../db';
import { loadOrderView } from '../orders/order-view';
import { boughtQuery } from '../risk/assess-order';
import { listMatchQuery } from '../risk/lists';
import { createTestDatabase, newVault } from './harness';

// The hot path's large statements are planned once per connection (db/index.ts plannedOnce):
// planning the accepting statement cost as much CPU as running it, on every checkout.

describe('statements planned once per connection', () => {
  let testDb: Db;
  let db: Db; // one connection, so every query below runs on the same server backend
  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = createDb((testDb.client.config.connection as { connectionString: string }).connectionString, 1);
  });
  afterAll(async () => {
    await db.destroy();
    await testDb.destroy();
  });

  const prepared = async () => (await db.raw(`SELECT name, statement FROM pg_prepared_statements`)).rows as { name: string; statement: string }[];

  test('the order view, asked twice, is one prepared statement; an ordinary query is not prepared', async () => {
    const where = { id: crypto.randomUUID(), storefrontId: crypto.randomUUID() };
    await loadOrderView(db, newVault(), where);
    await loadOrderView(db, newVault(), where);
    const views = (await prepared()).filter((p) => p.statement.trimStart().startsWith('SELECT o.id, o.external_ref,'));
    expect(views).toHaveLength(1);
    expect(views[0].name).toMatch(/^cf_[0-9a-f]{24}$/);
    // Positive control: a query not asked to be planned once leaves nothing behind.
    await db.raw('SELECT 42 AS answer');
    expect((await prepared()).some((p) => p.statement.includes('42 AS answer'))).toBe(false);
  });

  test('a migration that adds a column to orders does not break the prepared order view', async () => {
    // A prepared statement's result may not change shape: one reading o.* failed on every
    // connection ("cached plan must not change result type") after a column was added while the
    // api ran, as a rolling deploy's migration does.
    const where = { id: crypto.randomUUID(), storefrontId: crypto.randomUUID() };
    await loadOrderView(db, newVault(), where);
    await testDb.raw('ALTER TABLE orders ADD COLUMN added_while_running text');
    await expect(loadOrderView(db, newVault(), where)).resolves.toBeUndefined();
    // And no statement planned once may read * (the shape it would freeze).
    expect(() => plannedOnce(db.raw('SELECT o.*, 1 AS n FROM orders o'))).toThrow('must name its columns');
    expect(() => plannedOnce(db.raw('SELECT count(*) AS n, 2 * 3 AS m FROM orders'))).not.toThrow();
  });

  test('two texts, two statements: a variant never runs under another one’s name', async () => {
    await plannedOnce(db.raw('SELECT ?::int + 1 AS n', [1]));
    const { rows } = await plannedOnce(db.raw('SELECT ?::int + 2 AS n', [1]));
    expect(rows[0].n).toBe(3);
    const mine = (await prepared()).filter((p) => /::int \+ [12] AS n/.test(p.statement));
    expect(new Set(mine.map((p) => p.name)).size).toBe(2);
  });
});

describe("the risk check's statement text", () => {
  // A placeholder per list item made a new text, so a new prepared statement on every connection,
  // for every count of list candidates (an email's domain has as many as it has labels) and of
  // SKUs in an order.
  const db = createDb('postgres://nobody@127.0.0.1:1/none', 1); // only builds SQL: never connects
  afterAll(() => db.destroy());
  const merchant = crypto.randomUUID();

  // (With an IP or without is two texts: a bounded pair, not one per length.)
  test('is the same whatever the buyer gave and however many SKUs the order has', () => {
    const lists = [
      { email: 'a@example.com', ip: '198.51.100.1' },
      { email: 'b@mail.shop.example.co.uk', phone: '+8613800000000', deviceId: 'd-1', ip: '203.0.113.7' },
    ].map((buyer) => listMatchQuery(db, merchant, buyer)!.toSQL());
    expect(lists[1].sql).toBe(lists[0].sql);
    expect(lists[1].bindings).toContainEqual(expect.arrayContaining(['email', 'email_domain', 'phone', 'device', 'ip'])); // positive control: all its candidates are asked
    const at = new Date();
    const bought = [['ONE'], ['ONE', 'TWO', 'THREE']].map((skus) => boughtQuery(db, merchant, 'buyer-key', at, skus).toSQL());
    expect(bought[1].sql).toBe(bought[0].sql);
    expect(bought[1].bindings).toContainEqual(['ONE', 'TWO', 'THREE']);
  });
});
