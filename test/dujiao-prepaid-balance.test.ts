import { snapshot, startTestSystem, type TestSystem } from './harness';
import { docClient } from './dujiao-doc-client';
import { useRules } from './risk-helpers';

// A storefront's prepaid balance (storefronts/prepaid-balance.ts), through the real admin API and
// the dujiao-next upstream API: topped up by the merchant, drawn by the shop's orders in the
// ledger, refused when short, given back on cancel and refund, and shown by ping.

let sys: TestSystem;
let call: ReturnType<typeof docClient>;
let storefrontId: string;
let skuId: number;
const admin = (method: string, path: string, body?: unknown) => sys.api(method, path, { key: sys.merchant.adminToken, body });

beforeAll(async () => {
  sys = await startTestSystem();
  // Orders of more than 2 units are held for a risk review: an order that can still be cancelled.
  await useRules(sys, [{ name: 'Review big orders', kind: 'order_cap', params: { maxQuantity: 2 }, action: 'review' }]);
  await sys.addSku('PP-CARD', { codes: 8, price: 990, currency: 'CNY' });
  const sf = await admin('POST', '/admin/storefronts', { name: 'Prepaid dujiao shop' });
  storefrontId = sf.body.id;
});

afterAll(async () => {
  await sys.stop();
});

/** The storefront's prepaid account as the ledger has it: minus the sum of its lines. */
async function ledgerBalance() {
  const [{ sum }] = await sys
    .db('ledger_lines as l')
    .join('ledger_accounts as a', 'a.id', 'l.account_id')
    .where({ 'a.kind': 'storefront_prepaid', 'a.owner_id': storefrontId })
    .sum('l.amount as sum');
  return -Number(sum ?? 0);
}

/** Every ledger entry sums to zero per currency. */
async function unbalancedEntries() {
  return sys.db('ledger_lines').groupBy('entry_id', 'currency').havingRaw('sum(amount) <> 0').select('entry_id');
}

/** This storefront's orders are not the test storefront's, so they are watched in the database. */
async function statusBecomes(orderId: string, status: string) {
  for (let i = 0; i < 300; i++) {
    const row = await sys.db('orders').where({ id: orderId }).first('status');
    if (row?.status === status) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`order ${orderId} is not ${status}`);
}

const ledgerRows = async () => ({
  entries: (await sys.db('ledger_entries').count('* as n'))[0],
  lines: (await sys.db('ledger_lines').count('* as n'))[0],
});

describe('when a merchant tops up a storefront balance', () => {
  test('then bad input is refused with a 4xx and changes nothing', async () => {
    const before = { ...(await snapshot(sys.db)), ...(await ledgerRows()), audit: await sys.db('audit_log').count('* as n') };
    for (const body of [
      { amount: 0, currency: 'CNY' },
      { amount: 10.5, currency: 'CNY' },
      { amount: 100, currency: 'cny' },
      { amount: 100 },
      { amount: 100, currency: 'CNY', extra: 1 },
    ]) {
      const res = await admin('POST', `/admin/storefronts/${storefrontId}/balance/top-ups`, body);
      expect(res.status).toBe(400);
    }
    expect((await admin('POST', `/admin/storefronts/00000000-0000-4000-8000-000000000000/balance/top-ups`, { amount: 100, currency: 'CNY' })).status).toBe(404);
    expect({ ...(await snapshot(sys.db)), ...(await ledgerRows()), audit: await sys.db('audit_log').count('* as n') }).toEqual(before);
    expect((await sys.db('storefronts').where({ id: storefrontId }).first())?.prepaid_currency).toBeNull();
  });

  test('then the balance is in the ledger, audited, and a dujiao-next key may be issued; ping shows it', async () => {
    const res = await admin('POST', `/admin/storefronts/${storefrontId}/balance/top-ups`, { amount: 3000, currency: 'CNY' });
    expect([res.status, res.body]).toEqual([201, { balance: 3000, currency: 'CNY' }]);
    expect(await ledgerBalance()).toBe(3000);
    expect(await unbalancedEntries()).toEqual([]);
    const audit = await sys.db('audit_log').where({ action: 'storefront.balance_topped_up', target: `storefront:${storefrontId}` });
    expect(audit).toHaveLength(1);
    const other = await admin('POST', `/admin/storefronts/${storefrontId}/balance/top-ups`, { amount: 100, currency: 'USD' });
    expect([other.status, other.body.error.code]).toEqual([409, 'balance_currency_mismatch']);

    const issued = await admin('POST', `/admin/storefronts/${storefrontId}/dujiao-keys`);
    expect(issued.status).toBe(201);
    call = docClient(sys.baseUrl, issued.body.apiKey, issued.body.apiSecret);
    const ping = await call('POST', '/api/v1/upstream/ping');
    expect(ping.body).toMatchObject({ ok: true, balance: '30.00', currency: 'CNY' });
    expect((await admin('GET', `/admin/storefronts/${storefrontId}/dujiao`)).body.balance).toEqual({ currency: 'CNY', amount: 3000 });
    const card = (await call('GET', '/api/v1/upstream/products')).body.items.find((p: { slug: string }) => p.slug === 'PP-CARD');
    skuId = card.skus[0].id;
  });
});

describe('when the shop orders against its prepaid balance', () => {
  let deliveredOrder: string;

  test('then an order draws its total from the balance in balanced postings', async () => {
    const placed = await call('POST', '/api/v1/upstream/orders', { sku_id: skuId, quantity: 2, downstream_order_no: 'PP-1' });
    expect(placed.body).toMatchObject({ ok: true, amount: '19.80' });
    deliveredOrder = placed.body.order_no;
    expect(await ledgerBalance()).toBe(3000 - 1980);
    const draw = await sys
      .db('ledger_entries')
      .where({ key: `storefront-draw:${deliveredOrder}` })
      .first();
    expect(draw).toMatchObject({ kind: 'storefront_draw', order_id: deliveredOrder, storefront_id: storefrontId });
    expect(await unbalancedEntries()).toEqual([]);
    expect((await call('POST', '/api/v1/upstream/ping')).body.balance).toBe('10.20');
    // Delivered and settled: the sale's receivable is met by the draw.
    await statusBecomes(deliveredOrder, 'delivered');
    await sys.finished(deliveredOrder);
    const [{ sum }] = await sys
      .db('ledger_lines as l')
      .join('ledger_accounts as a', 'a.id', 'l.account_id')
      .where({ 'a.kind': 'storefront_receivable', 'a.owner_id': storefrontId })
      .sum('l.amount as sum');
    expect(Number(sum)).toBe(0);
  });

  test('then an order beyond the balance is refused insufficient_balance and changes nothing', async () => {
    const before = { ...(await snapshot(sys.db)), ...(await ledgerRows()) };
    const refused = await call('POST', '/api/v1/upstream/orders', { sku_id: skuId, quantity: 2, downstream_order_no: 'PP-too-much' });
    expect([refused.status, refused.body.ok, refused.body.error_code]).toEqual([402, false, 'insufficient_balance']);
    const { orders, units, reservations, stock, entries, lines } = { ...(await snapshot(sys.db)), ...(await ledgerRows()) };
    expect({ orders, units, reservations, stock, entries, lines }).toEqual({
      orders: before.orders,
      units: before.units,
      reservations: before.reservations,
      stock: before.stock,
      entries: before.entries,
      lines: before.lines,
    });
    expect(await ledgerBalance()).toBe(1020);
  });

  test('then a storefront API order beyond the balance gets balance_insufficient with its parameters', async () => {
    const key = await admin('POST', `/admin/storefronts/${storefrontId}/keys`);
    expect(key.status).toBe(201);
    const res = await sys.api('POST', '/v1/orders', { key: key.body.apiKey, body: { externalRef: 'PP-api-big', items: [{ sku: 'PP-CARD', quantity: 2 }], buyer: {} } });
    expect([res.status, res.body.error.code, res.body.error.details]).toEqual([402, 'balance_insufficient', { amount: 1980, balance: 1020, currency: 'CNY' }]);
  });

  test('then a cancelled order gives its draw back', async () => {
    await admin('POST', `/admin/storefronts/${storefrontId}/balance/top-ups`, { amount: 2000, currency: 'CNY' });
    const placed = await call('POST', '/api/v1/upstream/orders', { sku_id: skuId, quantity: 3, downstream_order_no: 'PP-held' });
    expect(placed.body.ok).toBe(true);
    await statusBecomes(placed.body.order_no, 'held');
    expect(await ledgerBalance()).toBe(3020 - 2970);
    const cancelled = await call('POST', `/api/v1/upstream/orders/${placed.body.order_id}/cancel`);
    expect(cancelled.body.status).toBe('canceled');
    expect(await ledgerBalance()).toBe(3020);
    expect((await call('POST', '/api/v1/upstream/ping')).body.balance).toBe('30.20');
    expect(await unbalancedEntries()).toEqual([]);
  });

  test('then a refund of a delivered order gives its draw back once', async () => {
    const res = await admin('POST', `/admin/orders/${deliveredOrder}/refund`, { reason: 'buyer complaint' });
    expect(res.status).toBe(200);
    expect(await ledgerBalance()).toBe(3020 + 1980);
    expect(await sys.db('ledger_entries').where({ kind: 'storefront_return', order_id: deliveredOrder }).count('* as n')).toEqual([{ n: 1 }]);
    expect(await unbalancedEntries()).toEqual([]);
  });

  test('then orders racing for the last of the balance: only as many as it covers are drawn', async () => {
    const sf = await admin('POST', '/admin/storefronts', { name: 'Racing prepaid shop' });
    await admin('POST', `/admin/storefronts/${sf.body.id}/balance/top-ups`, { amount: 2000, currency: 'CNY' });
    const issued = await admin('POST', `/admin/storefronts/${sf.body.id}/dujiao-keys`);
    const shop = docClient(sys.baseUrl, issued.body.apiKey, issued.body.apiSecret);
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => shop('POST', '/api/v1/upstream/orders', { sku_id: skuId, quantity: 1, downstream_order_no: `race-${i}` })),
    );
    // 2 × 9.90 fits in 20.00, a third does not.
    expect(answers.filter((a) => a.body.ok).length).toBe(2);
    expect(answers.filter((a) => !a.body.ok).map((a) => [a.status, a.body.error_code])).toEqual(Array(4).fill([402, 'insufficient_balance']));
    expect((await shop('POST', '/api/v1/upstream/ping')).body.balance).toBe('0.20');
    expect(await unbalancedEntries()).toEqual([]);
  });
});
