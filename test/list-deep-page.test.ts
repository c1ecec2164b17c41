import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { createApp } from '../api/app';
import { listedOrders, ORDER_SORT } from '../api/admin/orders';
import { pageQuery, type ListParams } from '../api/admin/list-query';
import type { Db } from '../db';
import { createMerchant, createSku } from '../db/seed';
import { loadConfig, securitySettings } from '../lib/config';
import { OutboundHttp } from '../lib/outbound-http';
import { FulfilmentClient } from '../orders/fulfilment-client';
import { SupplierRegistry } from '../suppliers/registry';
import { createTestDatabase, log, newVault } from './harness';

// An offset page of the order list (issue 13, "fast at ten million orders"): the page is found by
// the rows' ids first and only its own rows are read in full, so the per-row subqueries (items,
// webhook, manual task) run for the page, not for every row the offset skips. Its rows must be
// exactly the rows a plain OFFSET gives, in every sort order and with filters, ties included.

let db: Db;
let server: Server;
let base: string;
let merchant: Awaited<ReturnType<typeof createMerchant>>;
const ORDERS = 300;

beforeAll(async () => {
  db = await createTestDatabase();
  const vault = newVault();
  merchant = await createMerchant(db, vault, { name: 'Deep pages', ownerEmail: 'deep-pages@example.com' });
  const skus = [
    await createSku(db, { merchantId: merchant.merchantId, code: 'DEEP-A', name: 'A', faceValue: 100, price: 100, cost: 50, fulfilmentMode: 'manual' }),
    await createSku(db, { merchantId: merchant.merchantId, code: 'DEEP-B', name: 'B', faceValue: 300, price: 300, cost: 50, fulfilmentMode: 'manual' }),
  ];
  // Orders in groups of three sharing one created_at and amounts repeating, so pages cut through
  // ties and only the tiebreak (the id) orders them.
  await db.raw(
    `INSERT INTO orders (id, merchant_id, storefront_id, external_ref, request_hash, status, currency, total_amount, buyer, risk, created_at, updated_at, accept_seq)
     SELECT md5('deep' || g)::uuid, ?, ?, 'DEEP-' || g, 'test', CASE WHEN g % 4 = 0 THEN 'failed' ELSE 'delivered' END, 'CNY', 100 * (g % 7),
            jsonb_build_object('email', 'b' || g || '@example.com'), '{"decision":"allow"}'::jsonb,
            timestamptz '2026-11-01T00:00:00Z' + interval '1 minute' * (g / 3), timestamptz '2026-11-01T00:00:00Z' + interval '1 minute' * (g / 3), g
       FROM generate_series(1, ?) AS g`,
    [merchant.merchantId, merchant.storefrontId, ORDERS],
  );
  await db.raw(
    `INSERT INTO order_items (id, order_id, sku_id, quantity, unit_price)
     SELECT md5('deep-item' || g)::uuid, md5('deep' || g)::uuid, (ARRAY[?::uuid, ?::uuid])[1 + g % 2], 1, 100 FROM generate_series(1, ?) AS g`,
    [skus[0], skus[1], ORDERS],
  );
  const outbound = new OutboundHttp({ allowPlainHttp: true, allowPrivateAddresses: true });
  const app = createApp({
    db,
    vault,
    fulfilment: new FulfilmentClient(undefined as unknown as Client, 'unused', log), // lists start no workflows
    suppliers: new SupplierRegistry(db, vault, outbound),
    outbound,
    temporalReachable: async () => undefined,
    log,
    limits: { maxBodyBytes: 64 * 1024, maxImportBytes: 1024 * 1024, ratePerMinute: 1_000_000 },
    security: securitySettings(loadConfig({})),
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await db?.destroy();
});

/** The ids a plain OFFSET over the same orders gives: what a page must hold. */
async function byOffset(sortColumn: string, order: 'asc' | 'desc', start: number, size: number, status?: string) {
  const q = db('orders as o').where('o.merchant_id', merchant.merchantId);
  if (status) q.where('o.status', status);
  const rows = await q.orderByRaw(`${sortColumn} ${order}, o.id ${order}`).offset(start).limit(size).select<{ id: string }[]>('o.id');
  return rows.map((r) => r.id);
}

test('when offset pages are asked in each sort order and with a filter, then each holds exactly the rows a plain OFFSET gives, with their items', async () => {
  for (const [field, order] of [
    ['createdAt', 'DESC'],
    ['createdAt', 'ASC'],
    ['totalAmount', 'DESC'],
    ['externalRef', 'ASC'],
  ] as const) {
    for (const status of [undefined, 'failed']) {
      for (const start of [0, 25, 137, 275]) {
        const filter = status ? { status: [status] } : {};
        const res = await fetch(
          `${base}/admin/orders?sort=${encodeURIComponent(JSON.stringify([field, order]))}&range=${encodeURIComponent(JSON.stringify([start, start + 24]))}&filter=${encodeURIComponent(JSON.stringify(filter))}`,
          { headers: { authorization: `Bearer ${merchant.adminToken}` } },
        );
        expect(res.status).toBe(200);
        const page = (await res.json()) as { id: string; items: { sku: string }[] }[];
        const expected = await byOffset(ORDER_SORT[field], order.toLowerCase() as 'asc' | 'desc', start, 25, status);
        expect({ field, order, status, start, ids: page.map((o) => o.id) }).toEqual({ field, order, status, start, ids: expected });
        for (const o of page) expect(o.items).toHaveLength(1);
      }
    }
  }
});

test("when a deep offset page is read, then the order's per-row subqueries run for the page's rows only, not for every row skipped", async () => {
  const admin = { userId: 'test', email: 'deep-pages@example.com', merchantId: merchant.merchantId, role: 'owner' as const, via: 'token' as const };
  const { query } = await listedOrders({ db, vault: newVault() }, admin, {});
  const params: ListParams<unknown> = { sort: { column: 'o.created_at', order: 'desc' }, range: { start: 250, end: 274 }, filter: {} };
  const { sql, bindings } = pageQuery(db, query, params, 'o.id').toSQL();
  const { rows } = await db.raw(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, bindings as never[]);
  // The most times any subquery of the select list ran.
  let most = 0;
  const walk = (node: { 'Parent Relationship'?: string; 'Actual Loops': number; Plans?: unknown[] }) => {
    if (node['Parent Relationship'] === 'SubPlan') most = Math.max(most, node['Actual Loops']);
    for (const child of node.Plans ?? []) walk(child as typeof node);
  };
  walk(rows[0]['QUERY PLAN'][0].Plan);
  expect(most).toBeGreaterThan(0);
  expect(most).toBeLessThanOrEqual(26);
});

test("when a merchant has many failed orders and a few held ones, then the dashboard's waiting list shows the oldest of both (each read as its own part)", async () => {
  // Three held orders, older than all but the two oldest failed ones.
  await db.raw(
    `UPDATE orders SET status = 'held', updated_at = timestamptz '2026-11-01T00:00:30Z' + interval '1 second' * g
       FROM generate_series(1, 3) AS g WHERE id = md5('deep' || (4 * g + 1))::uuid`,
  );
  const res = await fetch(`${base}/admin/dashboard`, { headers: { authorization: `Bearer ${merchant.adminToken}` } });
  expect(res.status).toBe(200);
  const { waitingOnPerson } = (await res.json()) as { waitingOnPerson: { count: number; orders: { id: string; status: string; since: string }[] } };
  const oldest = await db('orders')
    .where({ merchant_id: merchant.merchantId })
    .whereIn('status', ['failed', 'held'])
    .orderBy([{ column: 'updated_at' }, { column: 'id' }])
    .limit(10)
    .select<{ id: string }[]>('id');
  expect(waitingOnPerson.orders.map((o) => o.id)).toEqual(oldest.map((o) => o.id));
  expect(waitingOnPerson.orders.filter((o) => o.status === 'held')).toHaveLength(3);
  expect(waitingOnPerson.count).toBe(ORDERS / 4 + 3);
});
