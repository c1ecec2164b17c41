import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMerchant } from '../db/seed';
import { sendDujiaoCallback } from '../interop/dujiao-next/callbacks';
import { issueDujiaoKey } from '../interop/dujiao-next/keys';
import { startFuluSim, type FuluSim } from '../supplier-sim/fulu/server';
import { KEPT } from '../suppliers/call-failures';
import { createSupplier } from '../suppliers/supplier-config';
import { docClient } from './dujiao-doc-client';
import { snapshot, startTestSystem, type TestSystem } from './harness';

// Each connection's money and errors through the admin API (issue 18): a storefront top-up that is
// bad in any way (amount, role) is refused with a 4xx code and changes nothing; a supplier's failed
// calls are kept (newest first, never its secret, only the newest KEPT); a dujiao-next shop's
// refused callback is listed with the status it answered.

let sys: TestSystem;
let sim: FuluSim;
const appSecret = '0a091b3aa4324435aab703142518a8f7';
const admin = (method: string, path: string, body?: unknown) => sys.api(method, path, { key: sys.merchant.adminToken, body });

beforeAll(async () => {
  sys = await startTestSystem();
  sim = await startFuluSim({ appKey: 'api-app-key', appSecret, balance: 500_000, products: [{ productId: '10000497', name: '腾讯Q币 10元', kind: 'card', price: 990 }] });
});

afterAll(async () => {
  await sim?.stop();
  await sys?.stop();
});

describe('when a storefront prepaid balance is topped up with bad input', () => {
  const sf = () => sys.merchant.storefrontId;
  const state = async () => ({
    ...(await snapshot(sys.db)),
    entries: (await admin('GET', `/admin/storefronts/${sf()}/balance/entries`)).body,
    ledgerLines: (await sys.db('ledger_lines').count('* as n'))[0],
    // Signing in is audited too; a top-up's row is what must not appear.
    audit: (await sys.db('audit_log').where({ action: 'storefront.balance_topped_up' }).count('* as n'))[0],
  });

  test('then a negative, zero, non-numeric or fractional amount gets 400 validation_failed and nothing changes', async () => {
    expect((await admin('POST', `/admin/storefronts/${sf()}/balance/top-ups`, { amount: 1000, currency: 'CNY' })).status).toBe(201);
    const before = await state();
    expect(before.entries.balance).toBe(1000);
    for (const amount of [-500, 0, '500', 'abc', null, true, 12.5, 1e13]) {
      const res = await admin('POST', `/admin/storefronts/${sf()}/balance/top-ups`, { amount, currency: 'CNY' });
      expect([amount, res.status, res.body.error?.code]).toEqual([amount, 400, 'validation_failed']);
      expect(res.body.error.details.fields.map((f: { path: string }) => f.path)).toEqual(['amount']);
    }
    const raw = await sys.api('POST', `/admin/storefronts/${sf()}/balance/top-ups`, { key: sys.merchant.adminToken, raw: '{"amount": NaN, "currency": "CNY"}' });
    expect(raw.status).toBe(400);
    expect(await state()).toEqual(before);
  });

  test('then a role that may not top up (support, finance) gets 403 forbidden and nothing changes; another merchant gets 404', async () => {
    const before = await state();
    for (const role of ['support', 'finance'] as const) {
      const user = await sys.addUser(role);
      const cookie = await sys.signIn(user.email, user.password);
      const res = await sys.api('POST', `/admin/storefronts/${sf()}/balance/top-ups`, { cookie, body: { amount: 500, currency: 'CNY' } });
      expect([role, res.status, res.body.error?.code]).toEqual([role, 403, 'forbidden']);
    }
    const other = await createMerchant(sys.db, sys.vault, { name: 'Other merchant', ownerEmail: 'other-owner@example.com' });
    const stranger = await sys.addUser('owner', { merchantId: other.merchantId });
    const theirs = await sys.signIn(stranger.email, stranger.password);
    expect((await sys.api('POST', `/admin/storefronts/${sf()}/balance/top-ups`, { cookie: theirs, body: { amount: 500, currency: 'CNY' } })).status).toBe(404);
    expect((await sys.api('GET', `/admin/storefronts/${sf()}/balance/entries`, { cookie: theirs })).status).toBe(404);
    expect(await state()).toEqual(before);
  });
});

describe('when a supplier call fails', () => {
  let supplierId: string;

  beforeAll(async () => {
    supplierId = await createSupplier(sys.db, sys.vault, sys.merchant.merchantId, {
      name: 'Fulu',
      kind: 'api',
      adapter: 'fulu',
      baseUrl: sim.url,
      currency: 'CNY',
      credentials: { appKey: 'api-app-key', appSecret },
      timeoutMs: 1000,
    });
  });

  test('then the console lists it newest first with its operation and code, never the secret', async () => {
    const { adapter } = await sys.suppliers.adapterFor(supplierId);
    await expect(adapter.quote('card:404404')).rejects.toMatchObject({ name: 'SupplierRefused', code: 'invalid_denomination' });
    await sim.stop();
    expect((await admin('POST', `/admin/suppliers/${supplierId}/balance/refresh`)).status).toBe(503);
    const res = await admin('GET', `/admin/suppliers/${supplierId}/call-failures`);
    expect(res.status).toBe(200);
    expect(res.body.failures).toMatchObject([
      { operation: 'balance', outcome: 'unavailable', code: 'unavailable' },
      { operation: 'quote', outcome: 'refused', code: 'invalid_denomination' },
    ]);
    expect(JSON.stringify(res.body)).not.toContain(appSecret);
    expect(JSON.stringify(res.body)).not.toContain('api-app-key');
  });

  test('then only the newest are kept for each supplier', async () => {
    const { adapter } = await sys.suppliers.adapterFor(supplierId);
    for (let i = 0; i < KEPT + 5; i++) await expect(adapter.quote(`not-a-product-${i}`)).rejects.toMatchObject({ code: 'invalid_denomination' });
    expect(await sys.db('supplier_call_failures').where({ supplier_id: supplierId }).pluck('id')).toHaveLength(KEPT);
    const res = await admin('GET', `/admin/suppliers/${supplierId}/call-failures`);
    expect(res.body.failures[0].detail).toContain(`not-a-product-${KEPT + 4}`);
  });

  test('then every API supplier shows its product mapping, and whether its protocol lists products', async () => {
    const res = await admin('GET', `/admin/suppliers/${supplierId}/catalogue`);
    expect(res.body).toMatchObject({ listsCatalogue: false, routes: [], items: [] });
  });
});

describe('when a dujiao-next shop does not take a callback', () => {
  test('then the storefront lists it with the HTTP status the shop answered', async () => {
    const refusing = http.createServer((_req, res) => {
      res.statusCode = 500;
      res.end('{"ok":false}');
    });
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    try {
      await sys.addSku('CB-CARD', { codes: 2, price: 300, currency: 'CNY' });
      const key = await issueDujiaoKey(sys.db, sys.vault, sys.merchant.merchantId, sys.merchant.storefrontId);
      const call = docClient(sys.baseUrl, key.apiKey, key.apiSecret);
      const list = await call('GET', '/api/v1/upstream/products?page=1&page_size=50');
      const skuId = list.body.items.find((p: { slug: string }) => p.slug === 'CB-CARD').skus[0].id;
      const callbackUrl = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/api/v1/upstream/callback`;
      const placed = await call('POST', '/api/v1/upstream/orders', { sku_id: skuId, quantity: 1, downstream_order_no: 'CB-1', callback_url: callbackUrl });
      expect(placed.body.ok).toBe(true);
      await expect(sendDujiaoCallback({ db: sys.db, vault: sys.vault, outbound: sys.outbound }, String(placed.body.order_id))).rejects.toMatchObject({
        name: 'CallbackNotAccepted',
      });
      const res = await admin('GET', `/admin/storefronts/${sys.merchant.storefrontId}/dujiao`);
      expect(res.body.callbackFailures).toMatchObject([{ code: 'http_status', httpStatus: 500, downstreamOrderNo: 'CB-1', dujiaoOrderId: placed.body.order_id }]);
    } finally {
      await new Promise((r) => refusing.close(r));
    }
  });
});
