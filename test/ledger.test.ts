import { post } from '../ledger/post';
import { found } from './found';
import { postSale, postSupplierPayment } from '../ledger/postings-for';
import { settleOrder } from '../orders/settle-order';
import { startTestSystem, type TestSystem } from './harness';
import { entriesOf, ledgerSum, sumOf, unbalancedEntries } from './ledger-helpers';
import { addSupplier, card, route, topup, type TestSupplier } from './supplier-helpers';

// The double-entry ledger (issue 14, docs/MONEY.md), one business event at a time, through the
// real storefront API, admin API, worker, Temporal and supplier simulator; and the database's own
// guards: append-only, balanced per currency, once per key, closed periods refused.

let sys: TestSystem;
let shop: TestSupplier;
let n = 0;

beforeAll(async () => {
  sys = await startTestSystem();
  shop = await addSupplier(sys, 'LedgerShop', [
    card('L-CARD', 450),
    card('L-ASYNC', 300, { async: true, asyncDelayMs: 50 }),
    topup('L-TOPUP', 90, { async: true, asyncDelayMs: 50 }),
  ]);
  await sys.addSku('L-STOCK', { codes: 6, price: 1000, cost: 700 });
  await sys.addSku('L-SUP', { mode: 'supplier', currency: 'USD', price: 600 });
  await route(sys, 'L-SUP', [{ supplier: shop, product: 'L-CARD', maxUnitCost: 500 }]);
  await sys.addSku('L-SUPASYNC', { mode: 'supplier', currency: 'USD', price: 400 });
  await route(sys, 'L-SUPASYNC', [{ supplier: shop, product: 'L-ASYNC', maxUnitCost: 500 }]);
  await sys.addSku('L-TOP', { mode: 'topup', currency: 'USD', price: 99 });
  await route(sys, 'L-TOP', [{ supplier: shop, product: 'L-TOPUP', maxUnitCost: 95 }]);
});

afterAll(async () => {
  await sys?.stop();
  await shop?.stop();
});

const merchantId = () => sys.merchant.merchantId;
const admin = (method: string, path: string, body?: unknown) => sys.api(method, path, { key: sys.merchant.adminToken, body });

async function order(items: { sku: string; quantity: number; account?: string }[]) {
  const res = await sys.api('POST', '/v1/orders', { body: { externalRef: `ledger-${++n}`, items } });
  expect(res.status).toBe(202);
  await sys.finished(res.body.id);
  return (await admin('GET', `/admin/orders/${res.body.id}`)).body;
}

afterEach(async () => {
  expect(await unbalancedEntries(sys.db)).toEqual([]);
});

describe('the database keeps the books honest', () => {
  test('when a balanced entry is posted, then it is kept, and posting its key again adds nothing (positive control for the refusals below)', async () => {
    const entry = {
      key: `test:${++n}`,
      kind: 'test',
      merchantId: merchantId(),
      lines: [
        { account: { kind: 'cash' as const, currency: 'CNY' }, amount: 5 },
        { account: { kind: 'purchases_outside' as const, currency: 'CNY' }, amount: -5 },
      ],
    };
    expect(await sys.db.transaction((trx) => post(trx, [entry]))).toEqual([entry.key]);
    expect(await sys.db.transaction((trx) => post(trx, [entry]))).toEqual([]);
    expect(await sys.db('ledger_entries').where({ key: entry.key }).count('* as n').first()).toEqual({ n: 1 });
  });

  test('when an entry does not balance in a currency, then the commit is refused and nothing of it stays', async () => {
    const key = `test:${++n}`;
    const id = crypto.randomUUID();
    await expect(
      sys.db.transaction(async (trx) => {
        await trx('ledger_entries').insert({ id, merchant_id: merchantId(), key, kind: 'test', posted_on: trx.raw('current_date') });
        const [cash] = await trx('ledger_accounts').where({ merchant_id: merchantId(), kind: 'cash', currency: 'CNY' }).pluck('id');
        const [outside] = await trx('ledger_accounts').where({ merchant_id: merchantId(), kind: 'purchases_outside', currency: 'CNY' }).pluck('id');
        await trx('ledger_lines').insert([
          { entry_id: id, account_id: cash, currency: 'CNY', amount: 5 },
          { entry_id: id, account_id: outside, currency: 'CNY', amount: -4 },
        ]);
      }),
    ).rejects.toThrow(/does not balance in CNY/);
    expect(await sys.db('ledger_entries').where({ key }).first()).toBeUndefined();
    // Balanced in total but not per currency is refused too.
    await expect(
      sys.db.transaction((trx) =>
        post(trx, [
          {
            key: `test:${++n}`,
            kind: 'test',
            merchantId: merchantId(),
            lines: [
              { account: { kind: 'cash', currency: 'CNY' }, amount: 5 },
              { account: { kind: 'cash', currency: 'USD' }, amount: -5 },
            ],
          },
        ]),
      ),
    ).rejects.toThrow(/ledger_unbalanced/);
    // And an entry without lines.
    await expect(
      sys.db.transaction((trx) =>
        trx('ledger_entries').insert({ id: crypto.randomUUID(), merchant_id: merchantId(), key: `test:${++n}`, kind: 'test', posted_on: trx.raw('current_date') }),
      ),
    ).rejects.toThrow(/has no lines/);
  });

  test('when anyone updates, deletes or truncates ledger rows, then the database refuses', async () => {
    const [line] = await sys.db('ledger_lines').select('id', 'entry_id').limit(1);
    expect(line).toBeDefined();
    await expect(sys.db('ledger_lines').where({ id: line.id }).update({ amount: 0 })).rejects.toThrow(/append-only/);
    await expect(sys.db('ledger_lines').where({ id: line.id }).delete()).rejects.toThrow(/append-only/);
    await expect(sys.db('ledger_entries').where({ id: line.entry_id }).update({ kind: 'x' })).rejects.toThrow(/append-only/);
    await expect(sys.db('ledger_entries').where({ id: line.entry_id }).delete()).rejects.toThrow(/append-only/);
    await expect(sys.db.raw('TRUNCATE ledger_lines')).rejects.toThrow(/append-only/);
  });
});

describe('each business event posts its entries', () => {
  test('when stock is imported and sold, then inventory comes in at the batch cost, and each delivered unit has one sale and one cost entry equal to the settlement', async () => {
    expect(await ledgerSum(sys.db, merchantId(), 'inventory', { entryKind: 'goods_bought_outside' })).toBeGreaterThanOrEqual(6 * 700);
    const o = await order([{ sku: 'L-STOCK', quantity: 2 }]);
    expect(o.status).toBe('delivered');
    const keys = (await entriesOf(sys.db, { order_id: o.id })).map((e) => e.kind);
    expect(keys.sort()).toEqual(['cost', 'cost', 'sale', 'sale']);
    const settlement = found(await sys.db('settlements').where({ order_id: o.id }).first(), 'settlement');
    const byOrder = async (kind: 'sales_revenue' | 'cost_of_goods') =>
      Number(
        (await sys
          .db('ledger_lines as l')
          .join('ledger_entries as e', 'e.id', 'l.entry_id')
          .join('ledger_accounts as a', 'a.id', 'l.account_id')
          .where({ 'e.order_id': o.id, 'a.kind': kind })
          .sum('l.amount as t')
          .first())!.t,
      );
    expect(0 - (await byOrder('sales_revenue'))).toBe(Number(settlement.revenue));
    expect(await byOrder('cost_of_goods')).toBe(Number(settlement.cost));
    expect(Number(settlement.cost)).toBe(1400);
    // A settlement retried after a crash, and the same postings made again, add nothing.
    await settleOrder(sys.db, o.id);
    const units = await sys.db('order_units as u').join('order_items as i', 'i.id', 'u.order_item_id').where('u.order_id', o.id).select('u.id', 'u.sku_id', 'i.unit_price');
    const row = found(await sys.db('orders').where({ id: o.id }).first(), 'order');
    await sys.db.transaction((trx) =>
      postSale(
        trx,
        { id: o.id, merchantId: merchantId(), storefrontId: row.storefront_id, currency: row.currency.trim() },
        units.map((u) => ({ unitId: u.id, skuId: u.sku_id, price: Number(u.unit_price), cost: 1 })),
      ),
    );
    expect((await entriesOf(sys.db, { order_id: o.id })).length).toBe(4);
    // The storefront owes us what it sold.
    expect(
      await ledgerSum(sys.db, merchantId(), 'storefront_receivable', {
        ownerId: found(await sys.db('orders').where({ id: o.id }).first(), 'row').storefront_id,
        entryKind: 'sale',
      }),
    ).toBeGreaterThanOrEqual(2000);
  });

  test('when a prepaid supplier is seen, charged and topped up, then its balance on the books follows its balance in Cardflow', async () => {
    const opening = await admin('POST', `/admin/suppliers/${shop.id}/balance/refresh`);
    expect(opening.status).toBe(200);
    const books = async () => ledgerSum(sys.db, merchantId(), 'supplier_prepaid', { ownerId: shop.id });
    expect(await books()).toBe(opening.body.balance);
    const o = await order([{ sku: 'L-SUP', quantity: 2 }]);
    expect(o.status).toBe('delivered');
    expect(await books()).toBe(opening.body.balance - 900);
    expect(found(await sys.db('suppliers').where({ id: shop.id }).first(), 'row').balance).toBe(opening.body.balance - 900);
    const paid = await admin('POST', `/admin/suppliers/${shop.id}/payments`, { amount: 5000, reference: 'bank 42' });
    expect(paid.status).toBe(201);
    expect(paid.body.kind).toBe('top_up');
    expect(paid.body.supplier.balance).toBe(opening.body.balance - 900 + 5000);
    expect(await books()).toBe(opening.body.balance - 900 + 5000);
    expect(await ledgerSum(sys.db, merchantId(), 'cash', { entryKind: 'supplier_top_up' })).toBe(-5000);
    // The page's figures come from the same books.
    const page = (await admin('GET', `/admin/suppliers/${shop.id}/books`)).body;
    expect(page).toMatchObject({ terms: 'prepaid', balance: opening.body.balance - 900 + 5000, owed: null, purchases: { failed: 0 } });
    expect(page.averageCostPerSku).toEqual(expect.arrayContaining([{ sku: 'L-SUP', units: expect.any(Number), averageCost: 450 }]));
    // A balance the supplier reports differently is taken, and the difference posted where it shows.
    await shop.setBalance(123_456);
    await admin('POST', `/admin/suppliers/${shop.id}/balance/refresh`);
    expect(await books()).toBe(123_456);
    await shop.setBalance(10_000_000);
  });

  test('when a direct top-up is charged and then rejected by the game server, then the charge and the supplier refund are both posted and the balance is whole again', async () => {
    await admin('POST', `/admin/suppliers/${shop.id}/balance/refresh`);
    const before = await ledgerSum(sys.db, merchantId(), 'supplier_prepaid', { ownerId: shop.id });
    const o = await order([{ sku: 'L-TOP', quantity: 1, account: 'player-fail-1' }]);
    expect(o.status).toBe('failed');
    const kinds = (await entriesOf(sys.db, { order_id: o.id })).map((e) => e.kind).sort();
    expect(kinds).toEqual(['supplier_charge', 'supplier_refund']);
    expect(await ledgerSum(sys.db, merchantId(), 'supplier_prepaid', { ownerId: shop.id })).toBe(before);
    expect(found(await sys.db('suppliers').where({ id: shop.id }).first(), 'row').balance).toBe(before);
    // The simulator agrees: it charged and refunded.
    const seen = await admin('POST', `/admin/suppliers/${shop.id}/balance/refresh`);
    expect(seen.body.balance).toBe(before);
    expect(await ledgerSum(sys.db, merchantId(), 'supplier_prepaid', { ownerId: shop.id })).toBe(before);
  });

  test('when a supplier is on credit terms, then purchases are owed, a payment settles them, and only owner or finance may set terms', async () => {
    const support = await sys.addUser('support');
    const cookie = await sys.signIn(support.email, support.password);
    const refused = await sys.api('PUT', `/admin/suppliers/${shop.id}/terms`, { cookie, body: { terms: 'credit', creditDays: 30, statementPeriod: 'month' } });
    expect(refused.status).toBe(403);
    expect((await admin('PUT', `/admin/suppliers/${shop.id}/terms`, { terms: 'credit', creditDays: 0 })).status).toBe(400);
    const set = await admin('PUT', `/admin/suppliers/${shop.id}/terms`, { terms: 'credit', creditDays: 30, statementPeriod: 'month' });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ terms: 'credit', creditDays: 30, statementPeriod: 'month' });
    try {
      const balanceBefore = found(await sys.db('suppliers').where({ id: shop.id }).first(), 'row').balance;
      const o = await order([{ sku: 'L-SUPASYNC', quantity: 1 }]);
      expect(o.status).toBe('delivered');
      expect(found(await sys.db('suppliers').where({ id: shop.id }).first(), 'row').balance).toBe(balanceBefore); // nothing drawn
      const page = (await admin('GET', `/admin/suppliers/${shop.id}/books`)).body;
      expect(page).toMatchObject({ terms: 'credit', owed: 300, balance: null });
      expect(page.period.dueOn).toBeTruthy();
      const paid = await admin('POST', `/admin/suppliers/${shop.id}/payments`, { amount: 300 });
      expect(paid.body.kind).toBe('payment');
      expect((await admin('GET', `/admin/suppliers/${shop.id}/books`)).body.owed).toBe(0);
      const audit = await sys
        .db('audit_log')
        .where({ action: 'supplier.terms', target: `supplier:${shop.id}` })
        .first();
      expect(audit).toBeDefined();
    } finally {
      await admin('PUT', `/admin/suppliers/${shop.id}/terms`, { terms: 'prepaid' });
    }
  });

  test('when a delivered order is refunded, then its settled revenue is given back; when an undelivered bought code is refunded, then its cost is written off', async () => {
    const o = await order([{ sku: 'L-STOCK', quantity: 1 }]);
    const refund = await admin('POST', `/admin/orders/${o.id}/refund`, { reason: 'buyer changed mind' });
    expect(refund.status).toBe(200);
    expect((await entriesOf(sys.db, { order_id: o.id })).map((e) => e.kind).sort()).toEqual(['buyer_refund', 'cost', 'sale']);
    expect(await ledgerSum(sys.db, merchantId(), 'sales_refunds')).toBe(await sumOf(sys.db, 'refunds', 'revenue_reversed'));

    // A unit bought but never delivered: the order fails on its second unit, then is refunded.
    await shop.fault({ kind: 'stock_out_after', product: 'L-CARD', times: 1 });
    try {
      const failed = await order([{ sku: 'L-SUP', quantity: 2 }]);
      expect(failed.status).toBe('failed');
      const r = await admin('POST', `/admin/orders/${failed.id}/refund`, { reason: 'could not supply' });
      expect(r.status).toBe(200);
      expect(await sumOf(sys.db, 'goods_losses', 'amount', { order_id: failed.id })).toBe(450);
      expect((await entriesOf(sys.db, { order_id: failed.id })).map((e) => e.kind).sort()).toEqual(['supplier_charge', 'write_off']);
      expect(await ledgerSum(sys.db, merchantId(), 'goods_written_off', { entryKind: 'write_off' })).toBeGreaterThanOrEqual(await sumOf(sys.db, 'goods_losses', 'amount'));
    } finally {
      await shop.clearFaults();
    }
  });

  test('when stock codes are voided, then their cost is written off once', async () => {
    const codes = await sys.db('codes as c').join('skus as s', 's.id', 'c.sku_id').where({ 's.code': 'L-STOCK', 'c.status': 'available' }).limit(1).pluck('c.id');
    const before = await ledgerSum(sys.db, merchantId(), 'goods_written_off');
    const res = await admin('POST', '/admin/codes/void', { ids: codes, reason: 'leaked' });
    expect(res.status).toBe(200);
    expect(await ledgerSum(sys.db, merchantId(), 'goods_written_off')).toBe(before + 700);
    await admin('POST', '/admin/codes/void', { ids: codes, reason: 'leaked' });
    expect(await ledgerSum(sys.db, merchantId(), 'goods_written_off')).toBe(before + 700);
  });

  test('when an order is fulfilled by hand, then the goods come in at the cost entered and leave at it on delivery', async () => {
    await sys.addSku('L-MANUAL', { mode: 'manual', price: 500 });
    const res = await sys.api('POST', '/v1/orders', { body: { externalRef: `ledger-${++n}`, items: [{ sku: 'L-MANUAL', quantity: 1 }] } });
    await sys.waitForOrder(res.body.id, ['processing']);
    for (let i = 0; i < 100 && !(await sys.db('manual_tasks').where({ order_id: res.body.id }).first()); i++) await new Promise((r) => setTimeout(r, 100));
    const done = await admin('POST', `/admin/orders/${res.body.id}/manual-fulfilment`, { codes: [{ number: `HAND-${crypto.randomUUID()}` }], unitCost: 321 });
    expect(done.status).toBe(200);
    await sys.finished(res.body.id);
    const kinds = (await entriesOf(sys.db, { order_id: res.body.id })).map((e) => e.kind).sort();
    expect(kinds).toEqual(['cost', 'goods_bought_outside', 'sale']);
    expect(found(await sys.db('settlements').where({ order_id: res.body.id }).first(), 'row').cost).toBe(321);
  });
});

describe('period close', () => {
  test('when a month that has ended is closed, then entries dated in it are refused, new ones land in the open period, and only owner or finance may close', async () => {
    const viewer = await sys.addUser('operator');
    const cookie = await sys.signIn(viewer.email, viewer.password);
    const lastMonth = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
    const thisMonth = new Date().toISOString().slice(0, 7);
    expect((await sys.api('POST', '/admin/ledger/periods/close', { cookie, body: { month: lastMonth } })).status).toBe(403);
    expect((await admin('POST', '/admin/ledger/periods/close', { month: thisMonth })).body.error.code).toBe('period_not_ended');
    expect((await admin('POST', '/admin/ledger/periods/close', { month: '2026-13' })).status).toBe(400);
    const closed = await admin('POST', '/admin/ledger/periods/close', { month: lastMonth });
    expect(closed.status).toBe(200);
    expect((await admin('POST', '/admin/ledger/periods/close', { month: lastMonth })).body.error.code).toBe('period_already_closed');
    expect((await admin('GET', '/admin/ledger/periods')).body.closes[0]).toMatchObject({ month: lastMonth });
    expect(
      await sys
        .db('audit_log')
        .where({ action: 'ledger.period_closed', target: `period:${lastMonth}` })
        .first(),
    ).toBeDefined();

    // Dated in the closed month: refused by the database.
    const cash = { kind: 'cash' as const, currency: 'CNY' };
    const out = { kind: 'purchases_outside' as const, currency: 'CNY' };
    await expect(
      sys.db.transaction(async (trx) => {
        const id = crypto.randomUUID();
        await trx('ledger_entries').insert({ id, merchant_id: merchantId(), key: `test:${++n}`, kind: 'test', posted_on: `${lastMonth}-15` });
      }),
    ).rejects.toThrow(/closed period/);
    // Positive control: today's date is open.
    expect(
      await sys.db.transaction((trx) =>
        post(trx, [
          {
            key: `test:${++n}`,
            kind: 'test',
            merchantId: merchantId(),
            lines: [
              { account: cash, amount: 1 },
              { account: out, amount: -1 },
            ],
          },
        ]),
      ),
    ).toHaveLength(1);

    // With this month closed too (as a merchant closing on the last evening would), a correction lands on the first day of the next.
    await sys.db('ledger_period_closes').insert({ merchant_id: merchantId(), month: `${thisMonth}-01`, closed_by: 'test' });
    await sys.db.transaction((trx) =>
      postSupplierPayment(trx, { id: crypto.randomUUID(), merchantId: merchantId(), supplierId: shop.id, terms: 'prepaid', currency: 'USD', amount: 1 }),
    );
    const [latest] = await sys
      .db('ledger_entries')
      .where({ merchant_id: merchantId(), kind: 'supplier_top_up' })
      .orderBy('created_at', 'desc')
      .limit(1)
      .select<{ day: string }[]>(sys.db.raw(`to_char(posted_on, 'YYYY-MM-DD') AS day`));
    const next = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
    expect(latest.day).toBe(next);
  });
});
