import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ExcelJS from 'exceljs';
import { createMerchant } from '../db/seed';
import { whereOrderMatches } from '../orders/order-search';
import { addAdmin } from './risk-helpers';
import { startTestSystem, type TestSystem } from './harness';

// Exports as a merchant reconciling in Excel meets them: 100,000 orders to XLSX, streamed and
// opened again here; the list's filters honoured; codes masked unless the role may reveal them,
// and then audited; cells a spreadsheet would run as formulas defused. And the one search's plan
// at that size: index scans, no scan of the merchant's orders.

jest.setTimeout(300_000);
const hex = () => crypto.randomBytes(4).toString('hex');
const filter = (f: unknown) => encodeURIComponent(JSON.stringify(f));
const ORDERS = 100_000;

describe('exports', () => {
  let sys: TestSystem;
  let big: Awaited<ReturnType<typeof createMerchant>>;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cardflow-export-'));

  /** Downloads an export to a file, as the browser does, and says what came back. */
  async function download(pathAndQuery: string, key: string) {
    const res = await fetch(`${sys.baseUrl}${pathAndQuery}`, { headers: { authorization: `Bearer ${key}` } });
    const file = path.join(tmp, `${hex()}.out`);
    if (res.ok) await pipeline(Readable.fromWeb(res.body as any), fs.createWriteStream(file));
    return { status: res.status, headers: res.headers, file, body: res.ok ? undefined : await res.json() };
  }
  const csvRows = (file: string) =>
    fs
      .readFileSync(file, 'utf8')
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');

  beforeAll(async () => {
    sys = await startTestSystem();
    // A merchant with 100,000 orders, made in one statement (the workflow is not what is tested here).
    big = await createMerchant(sys.db, sys.vault, { name: `Big ${hex()}`, ownerEmail: `big-${hex()}@example.com` });
    await sys.db.raw(
      `INSERT INTO orders (id, merchant_id, storefront_id, external_ref, request_hash, status, currency, total_amount, buyer, created_at, updated_at)
       SELECT gen_random_uuid(), ?, ?, 'bulk-' || g, 'seed', CASE WHEN g % 10 = 0 THEN 'failed' ELSE 'delivered' END, 'CNY', 1000 + g,
              jsonb_build_object('email', 'buyer' || g || '@example.com', 'phone', '+86 139' || lpad(g::text, 8, '0'), 'accountId', 'acct-' || g, 'ip', '10.' || (g / 65536) || '.' || (g / 256 % 256) || '.' || (g % 256)),
              now() - g * interval '1 second', now()
       FROM generate_series(1, ?) g`,
      [big.merchantId, big.storefrontId, ORDERS],
    );
    await sys.db.raw('ANALYZE orders');
  });
  afterAll(async () => {
    fs.rmSync(tmp, { recursive: true, force: true });
    await sys?.stop();
  });

  test('when 100,000 orders are exported to XLSX, then the file streams back and opens with every order, newest first, amounts as numbers', async () => {
    const got = await download('/admin/exports/orders?format=xlsx', big.adminToken);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toContain('spreadsheetml');
    expect(got.headers.get('content-disposition')).toMatch(/attachment; filename="orders-\d{4}-\d{2}-\d{2}\.xlsx"/);
    // Streamed: the length is not known before the last row is written.
    expect(got.headers.get('content-length')).toBeNull();

    const rows: unknown[][] = [];
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(got.file, { worksheets: 'emit', sharedStrings: 'cache' });
    for await (const sheet of reader) for await (const row of sheet) rows.push((row.values as unknown[]).slice(1));
    expect(rows).toHaveLength(ORDERS + 1);
    const header = rows[0] as string[];
    expect(header.slice(0, 3)).toEqual(['Order id', 'Reference', 'Status']);
    const col = (name: string) => header.indexOf(name);
    expect(rows[1][col('Reference')]).toBe('bulk-1');
    expect(rows[1][col('Total')]).toBe(10.01);
    expect(rows[1][col('Buyer email')]).toBe('buyer1@example.com');
    expect(rows[ORDERS][col('Reference')]).toBe(`bulk-${ORDERS}`);
    expect(rows[ORDERS][col('Status')]).toBe('failed');
    expect(rows[ORDERS][col('Total')]).toBe(1010);
    expect(new Set(rows.slice(1).map((r) => r[col('Order id')])).size).toBe(ORDERS);
  });

  test("when the list's filter is exported to CSV, then only the orders it shows are in the file", async () => {
    const got = await download(`/admin/exports/orders?format=csv&filter=${filter({ status: 'failed', q: 'bulk-99' })}`, big.adminToken);
    expect(got.status).toBe(200);
    const lines = csvRows(got.file);
    expect(lines[0]).toMatch(/^Order id,Reference,Status,/);
    // bulk-99 itself is not failed; bulk-990, bulk-9900 … are: every tenth order from 990 to 99990.
    const refs = lines.slice(1).map((l) => l.split(',')[1]);
    expect(refs.every((r) => r.startsWith('bulk-99') && Number(r.slice(5)) % 10 === 0)).toBe(true);
    expect(refs).toHaveLength(111);
    expect(lines[1]).toContain(',CNY,');
    // Another merchant exports none of these.
    const theirs = await download(`/admin/exports/orders?format=csv&filter=${filter({ q: 'bulk-99' })}`, sys.merchant.adminToken);
    expect(csvRows(theirs.file)).toHaveLength(1);
    const bad = await download('/admin/exports/orders?format=pdf', big.adminToken);
    expect(bad.status).toBe(400);
  });

  test('when one search runs over 100,000 orders, then Postgres answers it from the search indexes (a BitmapOr of index scans), not by scanning the orders', async () => {
    // bulk-4242 is also the beginning of bulk-42420 … bulk-42429.
    for (const [term, found] of [
      ['buyer4242@example.com', 1],
      ['13900004242', 1],
      ['acct-4242', 1],
      ['10.0.16.146', 1],
      ['bulk-4242', 11],
    ] as const) {
      const q = sys.db('orders as o').where('o.merchant_id', big.merchantId).select('o.id');
      await whereOrderMatches(sys.db, sys.vault, q, term, { merchantId: big.merchantId, topUpAccounts: true });
      const plan = (await sys.db.raw(`EXPLAIN ${q.toQuery()}`)).rows.map((r: any) => r['QUERY PLAN']).join('\n');
      expect(plan).toContain('BitmapOr');
      expect(plan).not.toContain('Seq Scan');
      expect((await q).map((r: any) => r.id)).toHaveLength(found);
    }
  });

  test('when codes are exported, then they are masked; support may not ask for them unmasked; an operator may, for sold codes only, and that export is in the audit log', async () => {
    const codes = await sys.addSku('EXP-1', { codes: 5 });
    const placed = await sys.api('POST', '/v1/orders', {
      body: { externalRef: `=HYPERLINK("http://x.example","click")`, items: [{ sku: 'EXP-1', quantity: 1 }], buyer: { email: 'exp@example.com' } },
    });
    expect(placed.status).toBe(202);
    await sys.finished(placed.body.id);
    const sold = (await sys.api('GET', `/v1/orders/${placed.body.id}`)).body.items[0].units[0].code.number as string;

    const masked = await download(`/admin/exports/codes?format=csv&filter=${filter({ sku: 'EXP-1' })}`, sys.merchant.adminToken);
    const text = fs.readFileSync(masked.file, 'utf8');
    expect(csvRows(masked.file)).toHaveLength(6);
    for (const c of codes) expect(text).not.toContain(c);
    // The buyer-made reference is not a formula in the spreadsheet.
    expect(text).toContain(`"'=HYPERLINK(""http://x.example"",""click"")"`);

    const support = await addAdmin(sys, 'support');
    const refused = await download(`/admin/exports/codes?format=csv&reveal=true&filter=${filter({ sku: 'EXP-1' })}`, support.token);
    expect(refused.status).toBe(403);
    expect(await sys.db('audit_log').where({ action: 'codes.exported_revealed' })).toHaveLength(0);

    const operator = await addAdmin(sys, 'operator');
    const revealed = await download(`/admin/exports/codes?format=xlsx&reveal=true&filter=${filter({ sku: 'EXP-1' })}`, operator.token);
    expect(revealed.status).toBe(200);
    const book = await new ExcelJS.Workbook().xlsx.readFile(revealed.file);
    const sheet = book.worksheets[0];
    expect(sheet.rowCount).toBe(2);
    const header = (sheet.getRow(1).values as string[]).slice(1);
    expect(sheet.getRow(2).getCell(header.indexOf('Number') + 1).value).toBe(sold);
    const audit = await sys.db('audit_log').where({ action: 'codes.exported_revealed', actor: `user:${operator.email}` });
    expect(audit).toHaveLength(1);
    expect(audit[0].detail).toMatchObject({ filter: { sku: 'EXP-1' }, format: 'xlsx' });
    expect(JSON.stringify(audit[0].detail)).not.toContain(sold);
  });

  test('when order lines, refunds and the audit log are exported, then each file has its rows, and the audit log needs its own permission', async () => {
    await sys.addSku('EXP-2', { codes: 3, price: 1250 });
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `lines-${hex()}`, items: [{ sku: 'EXP-2', quantity: 2 }], buyer: { email: 'lines@example.com' } } });
    await sys.finished(placed.body.id);
    const owner = sys.merchant.adminToken;
    expect((await sys.api('POST', `/admin/orders/${placed.body.id}/refund`, { key: owner, body: { reason: 'export me' } })).status).toBe(200);

    const lines = csvRows((await download(`/admin/exports/order-lines?format=csv&filter=${filter({ sku: 'EXP-2' })}`, owner)).file);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(',EXP-2,');
    expect(lines[1]).toContain(',2,CNY,12.50,25.00');

    const refunds = csvRows((await download('/admin/exports/refunds?format=csv', owner)).file);
    expect(refunds.find((l) => l.includes(placed.body.id))).toContain(',CNY,25.00,');

    const audit = csvRows((await download(`/admin/exports/audit-log?format=csv&filter=${filter({ action: 'order.refunded' })}`, owner)).file);
    expect(audit.length).toBeGreaterThanOrEqual(2);
    expect(audit.slice(1).every((l) => l.includes(',order.refunded,'))).toBe(true);
    const support = await addAdmin(sys, 'support');
    expect((await download('/admin/exports/audit-log?format=csv', support.token)).status).toBe(403);
  });
});
