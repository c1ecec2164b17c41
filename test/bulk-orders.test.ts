import ExcelJS from 'exceljs';
import officeCrypto from 'officecrypto-tool';
import { openCode } from '../stock/code-secret';
import { startTestSystem, type TestSystem } from './harness';
import { addSupplier, card, chargedOnce, route, type TestSupplier } from './supplier-helpers';

// Enterprise bulk orders (issue 15), through the storefront and admin APIs, the real bulk
// workflow (a parent and one child per page) on the Temporal dev server, embedded Postgres and
// a real supplier simulator over HTTP.

let sys: TestSystem;
let vendor: TestSupplier;
let n = 0;

beforeAll(async () => {
  sys = await startTestSystem();
  vendor = await addSupplier(sys, 'BulkVendor', [card('COFFEE', 300), card('FEW', 300), card('FEW-TOO', 300)]);
}, 120_000);

afterAll(async () => {
  await sys?.stop();
  await vendor?.stop();
});

const admin = (method: string, path: string, body?: unknown) => sys.api(method, path, { key: sys.merchant.adminToken, body });
const placeBulk = (body: Record<string, unknown>) => sys.api('POST', '/v1/bulk-orders', { body: { externalRef: `bulk-${++n}`, ...body } });

async function supplierSku(product: string) {
  const sku = `BULK-SUP-${++n}`;
  await sys.addSku(sku, { mode: 'supplier', currency: 'USD', price: 500, cost: 0 });
  await route(sys, sku, [{ supplier: vendor, product, maxUnitCost: 400 }]);
  return sku;
}

/** The parent's result, and every history (parent and each page's child) with its event count. */
async function finishedWithHistories(orderId: string) {
  const result = await sys.finished(orderId);
  const { rows } = await sys.db.raw('SELECT count(*)::int AS n, max(page_size) AS size FROM order_units u JOIN bulk_orders b ON b.order_id = u.order_id WHERE u.order_id = ?', [
    orderId,
  ]);
  const pages = Math.ceil(rows[0].n / rows[0].size);
  const ids = [orderId, ...Array.from({ length: pages }, (_, i) => `${orderId}.page-${i + 1}`)];
  const histories = await Promise.all(ids.map(async (id) => ({ id, events: (await sys.client.workflow.getHandle(id).fetchHistory()).events ?? [] })));
  return { result: result as { status: string; delivered: number; failed: number; fileRows?: number }, histories };
}

/** The delivered codes of the order, opened from the vault: what the file must hold. */
async function deliveredCodes(orderId: string): Promise<string[]> {
  const rows = await sys.db('deliveries as d').join('codes as c', 'c.id', 'd.code_id').where('d.order_id', orderId).select('c.id', 'c.key_id', 'c.secret');
  return rows.map((r) => openCode(sys.vault, r).number).sort();
}

async function codesInFile(content: Buffer, password: string): Promise<string[]> {
  const plain = await officeCrypto.decrypt(content, { password });
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(plain as unknown as ArrayBuffer);
  const codes: string[] = [];
  book.getWorksheet('Codes')!.eachRow((row, i) => {
    if (i > 1) codes.push(row.getCell(4).text);
  });
  return codes.sort();
}

describe('bulk orders: bad input', () => {
  test('when a bulk order asks for 0 units, more than 50,000, or an unknown SKU, then 400 with a code and nothing is written', async () => {
    await sys.addSku('BULK-BAD', { codes: 3, price: 100, cost: 50 });
    const count = async () => Promise.all(['orders', 'order_units', 'bulk_orders', 'reservations'].map(async (t) => Number((await sys.db(t).count('* as n'))[0].n)));
    const before = await count();
    const zero = await placeBulk({ sku: 'BULK-BAD', quantity: 0 });
    const tooMany = await placeBulk({ sku: 'BULK-BAD', quantity: 50_001 });
    const unknown = await placeBulk({ sku: 'NO-SUCH-SKU', quantity: 10 });
    const mismatch = await placeBulk({ sku: 'BULK-BAD', quantity: 2, recipients: ['a@example.com'] });
    const soldOut = await placeBulk({ sku: 'BULK-BAD', quantity: 4 });
    expect([zero.status, zero.body.error.code]).toEqual([400, 'validation_failed']);
    expect([tooMany.status, tooMany.body.error.code]).toEqual([400, 'validation_failed']);
    expect([unknown.status, unknown.body.error.code]).toEqual([400, 'unknown_sku']);
    expect([mismatch.status, mismatch.body.error.code]).toEqual([400, 'validation_failed']);
    expect([soldOut.status, soldOut.body.error.code]).toEqual([409, 'sold_out']);
    expect(await count()).toEqual(before);
    expect((await sys.db('skus').where({ code: 'BULK-BAD' }).first('stock_available'))!.stock_available).toBe(3);
  });
});

describe('bulk orders from stock', () => {
  test('when 20,000 units are ordered from stock, then every unit gets its own code, every history stays under 10,000 events, and the encrypted file holds exactly the delivered codes', async () => {
    await sys.addSku('BULK-STOCK', { codes: 20_000, price: 1000, cost: 600 });
    const res = await placeBulk({ sku: 'BULK-STOCK', quantity: 20_000 });
    expect(res.status).toBe(202);
    const orderId = res.body.id;
    const { result, histories } = await finishedWithHistories(orderId);
    expect(result).toMatchObject({ status: 'delivered', delivered: 20_000, failed: 0, fileRows: 20_000 });
    expect(histories).toHaveLength(21);
    for (const h of histories) expect(h.events.length).toBeLessThan(10_000);
    // Far under, in fact: the parent holds a few events per page, a stock page a handful.
    expect(histories[0].events.length).toBeLessThan(500);
    for (const h of histories.slice(1)) expect(h.events.length).toBeLessThan(50);
    // The parent's history holds counts, never a code: search it for one.
    const codes = await deliveredCodes(orderId);
    expect(new Set(codes).size).toBe(20_000);
    const parentHistory = JSON.stringify(histories[0].events);
    expect(parentHistory).toContain(orderId); // positive control: the search can find what is there
    expect(parentHistory).not.toContain(codes[0]);

    const view = await sys.api('GET', `/v1/bulk-orders/${orderId}`);
    expect(view.body).toMatchObject({ status: 'delivered', orderStatus: 'delivered', progress: { done: 20_000, inDoubt: 0, failed: 0 }, file: { ready: true, rows: 20_000 } });
    expect((await sys.db('skus').where({ code: 'BULK-STOCK' }).first('stock_available'))!.stock_available).toBe(0);
    // Running a page again (a retried activity, a replayed child) takes no code and changes no count.
    expect(await sys.activities.allocateBulkPage(orderId, 7)).toEqual({ done: 1000, failed: 0, inDoubt: 0 });
    expect(await deliveredCodes(orderId)).toEqual(codes);
    expect(Number((await sys.db('settlements').where({ order_id: orderId }).first('revenue'))!.revenue)).toBe(20_000 * 1000);

    const download = await admin('POST', `/admin/bulk-orders/${orderId}/file`);
    expect(download.status).toBe(200);
    const content = Buffer.from(download.body.content, 'base64');
    expect(await codesInFile(content, download.body.password)).toEqual(codes);
    // Without its password (or with a wrong one) the file does not open.
    await expect(officeCrypto.decrypt(content, { password: 'not-the-password' })).rejects.toThrow();
    await expect(new ExcelJS.Workbook().xlsx.load(content as unknown as ArrayBuffer)).rejects.toThrow();
    // The password is kept nowhere once shown, and was never in Temporal's history.
    const row = await sys.db('bulk_order_files').where({ order_id: orderId }).first();
    expect([row!.content, row!.password_sealed, row!.downloaded_at !== null]).toEqual([null, null, true]);
    for (const h of histories) expect(JSON.stringify(h.events)).not.toContain(download.body.password);

    const again = await admin('POST', `/admin/bulk-orders/${orderId}/file`);
    expect([again.status, again.body.error.code]).toEqual([409, 'bulk_file_already_downloaded']);
    const audit = await sys.db('audit_log').where({ action: 'bulk_order.file_downloaded', target: `order:${orderId}` });
    expect(audit).toHaveLength(1);
  }, 600_000);
});

describe('bulk orders from a supplier', () => {
  test('when 2,000 units are bought from the simulator and it fails mid-way, then each unit is charged once, all are delivered, and every history stays under 10,000 events', async () => {
    const sku = await supplierSku('COFFEE');
    const before = await vendor.charges();
    const recipients = Array.from({ length: 2_000 }, (_, i) => `staff-${i}@example.com`);
    const res = await placeBulk({ sku, recipients });
    expect(res.status).toBe(202);
    const orderId = res.body.id;
    // Mid-way: once some units are bought, the supplier takes orders but the answers are lost.
    for (let i = 0; i < 600; i++) {
      const p = await sys.api('GET', `/v1/bulk-orders/${orderId}`);
      if (p.body.progress.done >= 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await vendor.fault({ kind: 'error_after_commit', product: 'COFFEE', times: 5 });
    await vendor.fault({ kind: 'html_502', product: 'COFFEE', times: 3 });
    const { result, histories } = await finishedWithHistories(orderId);
    expect(result).toMatchObject({ status: 'delivered', delivered: 2_000, failed: 0, fileRows: 2_000 });
    expect(histories).toHaveLength(5);
    for (const h of histories) expect(h.events.length).toBeLessThan(10_000);

    // Positive control: the faults did strike (each was used up by the purchases).
    expect(((await (await fetch(`${vendor.sim.url}/_sim/faults`)).json()) as { faults: unknown[] }).faults).toEqual([]);
    // Running a page again (a retried activity, a replayed child) buys nothing more.
    expect(await sys.activities.buyBulkPage(orderId, 1)).toEqual({ done: 500, failed: 0, inDoubt: 0 });
    const ledger = await vendor.charges();
    expect(ledger.total - before.total).toBe(2_000);
    expect(chargedOnce(ledger)).toBe(true);
    // A unit is bought again under a new reference only when the supplier never charged its earlier
    // attempt (a request that timed out before it got there: seen on a loaded machine). A lost
    // answer of a purchase the supplier did take (error_after_commit) is asked about instead.
    const earlierOfRebought = await sys
      .db('supplier_purchases as p')
      .join('supplier_purchases as e', (on) => on.on('e.unit_id', 'p.unit_id').andOn('e.attempt', '<', 'p.attempt'))
      .where('p.order_id', orderId)
      .pluck('e.reference');
    const refs = await sys.db('supplier_purchases').where({ order_id: orderId, status: 'succeeded' }).pluck('reference');
    expect(refs).toHaveLength(2_000);
    for (const r of refs) expect(ledger.charges[r]).toBe(1);
    expect(earlierOfRebought.filter((r) => ledger.charges[r] !== undefined)).toEqual([]); // none charged and then bought again

    const download = await admin('POST', `/admin/bulk-orders/${orderId}/file`);
    const plain = await officeCrypto.decrypt(Buffer.from(download.body.content, 'base64'), { password: download.body.password });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(plain as unknown as ArrayBuffer);
    const sheet = book.getWorksheet('Codes')!;
    expect(sheet.getRow(2).getCell(2).value).toBe('staff-0@example.com');
    expect(sheet.getRow(2001).getCell(2).value).toBe('staff-1999@example.com');
    expect(await codesInFile(Buffer.from(download.body.content, 'base64'), download.body.password)).toEqual(await deliveredCodes(orderId));
  }, 600_000);

  test('when some units cannot be had and the order is all-or-none, then it fails and the codes it got go back to stock', async () => {
    const sku = await supplierSku('FEW');
    await vendor.fault({ kind: 'stock_out_after', product: 'FEW', times: 20 });
    const res = await placeBulk({ sku, quantity: 30 });
    const { result } = await finishedWithHistories(res.body.id);
    expect(result).toMatchObject({ status: 'failed', delivered: 0 });
    const view = (await sys.api('GET', `/v1/bulk-orders/${res.body.id}`)).body;
    expect(view).toMatchObject({ status: 'failed', orderStatus: 'failed', progress: { done: 0, failed: 30 } });
    // The 20 bought codes are back on sale; nothing was delivered, nothing settled.
    expect(
      await sys
        .db('codes')
        .whereIn('sku_id', sys.db('skus').where({ code: sku }).select('id'))
        .where({ status: 'available' })
        .count('* as n'),
    ).toEqual([{ n: 20 }]);
    expect(await sys.db('deliveries').where({ order_id: res.body.id }).first()).toBeUndefined();
    expect(await sys.db('settlements').where({ order_id: res.body.id }).first()).toBeUndefined();
    // The console words why, from codes (issue 13): how many units could not be had, and that a
    // bulk order is not risk-checked order by order.
    const order = (await admin('GET', `/admin/orders/${res.body.id}`)).body;
    expect(order.reasonCode).toEqual({ code: 'bulk_units_failed', params: { failed: 10, units: 30 } });
    const judged = order.timeline.find((e: { type: string }) => e.type === 'risk_checked');
    expect(judged.reasonCodes).toEqual([{ code: 'bulk_order_unchecked', params: {} }]);
    // The bulk API says why too, in codes: the bulk order's reason, and each kind of unit failure
    // with how many units (what the supplier said, as suppliers/outcome-codes.ts codes it); only
    // the console sees the suppliers' answers.
    const bulk = (await admin('GET', `/admin/bulk-orders/${res.body.id}`)).body;
    expect(bulk.reasonCode).toEqual({ code: 'bulk_units_failed', params: { failed: 10, units: 30 } });
    expect(bulk.unitFailures).toEqual([
      {
        reason: expect.stringMatching(/^supplier_failed: \{"params":/),
        reasonCode: { code: 'supplier_failed', params: {}, outcomes: [expect.objectContaining({ supplier: 'BulkVendor', code: 'out_of_stock' })] },
        units: 10,
      },
    ]);
    expect(view.reasonCode).toEqual(bulk.reasonCode);
    expect(view.unitFailures).toBeUndefined();
    await vendor.clearFaults();
  }, 120_000);

  test('when some units cannot be had and the order allows a partial delivery, then what was had is delivered and charged for, the rest released', async () => {
    const sku = await supplierSku('FEW-TOO');
    await vendor.fault({ kind: 'stock_out_after', product: 'FEW-TOO', times: 12 });
    const res = await placeBulk({ sku, quantity: 30, partialAllowed: true });
    const { result } = await finishedWithHistories(res.body.id);
    expect(result).toMatchObject({ status: 'partially_delivered', delivered: 12, failed: 18, fileRows: 12 });
    const view = (await sys.api('GET', `/v1/bulk-orders/${res.body.id}`)).body;
    expect(view).toMatchObject({
      status: 'partially_delivered',
      totalAmount: 12 * 500,
      progress: { done: 12, failed: 18, inDoubt: 0 },
      reasonCode: { code: 'bulk_units_failed', params: { failed: 18, units: 30 } },
    });
    expect(Number((await sys.db('settlements').where({ order_id: res.body.id }).first('revenue'))!.revenue)).toBe(12 * 500);
    await vendor.clearFaults();
  }, 120_000);
});

describe('wholesale price tiers', () => {
  test('when a tier would sell below cost, then 400 price_below_cost and nothing is saved; a valid tier prices the bulk order', async () => {
    await sys.addSku('BULK-TIER', { codes: 150, price: 1000, cost: 700 });
    const storefrontId = sys.merchant.storefrontId;
    const low = await admin('PUT', '/admin/bulk-price-tiers', { storefrontId, sku: 'BULK-TIER', tiers: [{ minQuantity: 100, unitPrice: 650 }] });
    expect([low.status, low.body.error.code]).toEqual([400, 'price_below_cost']);
    expect(await sys.db('bulk_price_tiers').count('* as n')).toEqual([{ n: 0 }]);
    const set = await admin('PUT', '/admin/bulk-price-tiers', {
      storefrontId,
      sku: 'BULK-TIER',
      tiers: [
        { minQuantity: 50, unitPrice: 900 },
        { minQuantity: 100, unitPrice: 800 },
      ],
    });
    expect(set.status).toBe(200);
    const small = await placeBulk({ sku: 'BULK-TIER', quantity: 10 });
    const mid = await placeBulk({ sku: 'BULK-TIER', quantity: 60 });
    const big = await placeBulk({ sku: 'BULK-TIER', quantity: 80 });
    expect([small.body.unitPrice, mid.body.unitPrice, big.body.unitPrice]).toEqual([1000, 900, 900]);
    expect(big.body.totalAmount).toBe(80 * 900);
    await Promise.all([small, mid, big].map((r) => sys.finished(r.body.id)));
  }, 120_000);
});

// Last in this file: it makes the test storefront a prepaid one, which every later order draws on.
describe('a prepaid storefront', () => {
  const prepaid = async () => {
    const [{ sum }] = await sys
      .db('ledger_lines as l')
      .join('ledger_accounts as a', 'a.id', 'l.account_id')
      .where({ 'a.kind': 'storefront_prepaid', 'a.owner_id': sys.merchant.storefrontId })
      .sum('l.amount as sum');
    return -Number(sum ?? 0);
  };

  test('when it places bulk orders, then each draws its total from the balance, one it cannot pay for writes nothing, and a partial delivery gives back what the missing units drew', async () => {
    const topUp = await admin('POST', `/admin/storefronts/${sys.merchant.storefrontId}/balance/top-ups`, { amount: 20_000, currency: 'USD' });
    expect(topUp.status).toBe(201);
    const sku = await supplierSku('COFFEE');

    const tooBig = await placeBulk({ sku, quantity: 41 }); // 41 × 500 > 20,000
    expect([tooBig.status, tooBig.body.error.code]).toEqual([402, 'balance_insufficient']);
    expect(
      await sys
        .db('orders')
        .where({ external_ref: `bulk-${n}` })
        .first(),
    ).toBeUndefined();
    expect(await prepaid()).toBe(20_000);

    const paid = await placeBulk({ sku, quantity: 10 });
    expect(paid.status).toBe(202);
    expect(await prepaid()).toBe(15_000);
    expect((await finishedWithHistories(paid.body.id)).result).toMatchObject({ status: 'delivered', delivered: 10 });
    expect(await prepaid()).toBe(15_000);

    const few = await supplierSku('FEW-TOO');
    await vendor.fault({ kind: 'stock_out_after', product: 'FEW-TOO', times: 4 });
    const partial = await placeBulk({ sku: few, quantity: 10, partialAllowed: true });
    expect(partial.status).toBe(202);
    expect(await prepaid()).toBe(10_000);
    expect((await finishedWithHistories(partial.body.id)).result).toMatchObject({ status: 'partially_delivered', delivered: 4, failed: 6 });
    expect(await prepaid()).toBe(10_000 + 6 * 500); // paid for the 4 it got
    await vendor.clearFaults();

    // Placed by the merchant in the console for this storefront: paid for the same way.
    const placedInConsole = await admin('POST', '/admin/bulk-orders', { storefrontId: sys.merchant.storefrontId, externalRef: `bulk-${++n}`, sku, quantity: 2 });
    expect(placedInConsole.status).toBe(201);
    expect(await prepaid()).toBe(13_000 - 2 * 500);
    const tooMuch = await admin('POST', '/admin/bulk-orders', { storefrontId: sys.merchant.storefrontId, externalRef: `bulk-${++n}`, sku, quantity: 40 });
    expect([tooMuch.status, tooMuch.body.error.code]).toEqual([402, 'balance_insufficient']);
    await sys.finished(placedInConsole.body.id);
  }, 180_000);
});
