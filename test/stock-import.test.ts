import crypto from 'node:crypto';
import { createMerchant, createSku, type NewMerchant } from '../db/seed';
import { issueToken } from '../lib/tokens';
import { openCode } from '../stock/code-secret';
import { snapshot, startTestSystem, type TestSystem } from './harness';
import { found } from './found';
import type { UserRow } from '../db/tables';

// Stock import through the admin API, as a merchant's operator does it: POST the CSV or TXT a
// card shop exported to /admin/skus/:sku/codes. What they notice: how many codes went in, which
// lines were duplicates or malformed, the stock the storefront sees, and that an imported code
// is what a buyer later receives. Who may import, and into whose SKU, is checked too.

describe('importing codes through the admin API', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(() => sys.stop());

  const hex = () => crypto.randomBytes(4).toString('hex');

  function importFile(sku: string, content: string, opts: { type?: string; token?: string | null; query?: string } = {}) {
    return sys.api('POST', `/admin/skus/${encodeURIComponent(sku)}/codes${opts.query ?? ''}`, {
      raw: content,
      key: opts.token === undefined ? sys.merchant.adminToken : opts.token,
      headers: { 'content-type': opts.type ?? 'text/csv' },
    });
  }

  /** Units the storefront is told it can sell, from GET /v1/products. */
  async function available(sku: string, apiKey?: string): Promise<number | undefined> {
    const res = await sys.api('GET', '/v1/products', apiKey ? { key: apiKey } : {});
    expect(res.status).toBe(200);
    return res.body.data.find((p: any) => p.sku === sku)?.available;
  }

  /** The codes stored for a SKU of this system's merchant, decrypted. */
  async function storedCodes(sku: string, merchantId = sys.merchant.merchantId) {
    const rows = await sys
      .db('codes as c')
      .join('skus as s', 's.id', 'c.sku_id')
      .where({ 's.code': sku, 's.merchant_id': merchantId })
      .select('c.id', 'c.key_id', 'c.secret', 'c.expires_at');
    return rows.map((r) => ({ ...openCode(sys.vault, r), expiresAt: r.expires_at ? r.expires_at.toISOString() : null })).sort((a, b) => a.number.localeCompare(b.number));
  }

  /** Everything an import could change. */
  async function state() {
    const count = async (table: string) => Number((await sys.db(table).count<{ c: number }[]>('* as c'))[0].c);
    return { ...(await snapshot(sys.db)), codes: await count('codes'), batches: await count('stock_batches'), audit: await count('audit_log') };
  }

  /** An admin user of `merchantId` with `role`, and a personal access token for them. */
  async function addAdminUser(merchantId: string, role: UserRow['role'], opts: { revoked?: boolean; disabled?: boolean } = {}): Promise<string> {
    const userId = crypto.randomUUID();
    const token = issueToken('pat');
    await sys.db('users').insert({ id: userId, merchant_id: merchantId, email: `${role}-${hex()}@example.com`, role, disabled_at: opts.disabled ? new Date() : null });
    await sys.db('admin_tokens').insert({ id: crypto.randomUUID(), user_id: userId, prefix: token.prefix, token_hash: token.hash, revoked_at: opts.revoked ? new Date() : null });
    return token.token;
  }

  describe('formats', () => {
    test('when a CSV with a header, PINs and ISO expiries is imported, then every code is stored as sent and the storefront sees the new stock', async () => {
      await sys.addSku('CSV-1');
      expect(await available('CSV-1')).toBe(0); // listed, and empty before the import

      const csv = ['code,pin,expiry', 'CSV-AAAA-0001,1111,2030-06-30', 'CSV-AAAA-0002,2222,2031-01-15T08:30:00Z', '"CSV-AAAA-0003","3333",', 'CSV-AAAA-0004,,'].join('\n');
      const res = await importFile('CSV-1', csv, { query: '?source=supplier%20A&unitCost=750' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        batchId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        sku: 'CSV-1',
        received: 4,
        imported: 4,
        duplicates: 0,
        duplicateLines: [],
        refused: [],
        badLines: [],
        badLineCount: 0,
        stockAvailable: 4,
      });
      expect(await available('CSV-1')).toBe(4);

      expect(await storedCodes('CSV-1')).toEqual([
        { number: 'CSV-AAAA-0001', pin: '1111', expiresAt: '2030-06-30T23:59:59.999Z' }, // a bare date lasts to the end of that day, UTC
        { number: 'CSV-AAAA-0002', pin: '2222', expiresAt: '2031-01-15T08:30:00.000Z' },
        { number: 'CSV-AAAA-0003', pin: '3333', expiresAt: null },
        { number: 'CSV-AAAA-0004', expiresAt: null },
      ]);
      const batch = await sys.db('stock_batches').where({ id: res.body.batchId }).first();
      expect(batch).toMatchObject({ imported_count: 4, duplicate_count: 0, source: 'supplier A', imported_by: `user:${sys.merchant.ownerEmail}` });
      expect(Number(batch!.unit_cost)).toBe(750);
      const audit = await sys.db('audit_log').where({ action: 'stock.imported', target: 'sku:CSV-1' });
      expect(audit).toHaveLength(1);
      expect(audit[0].detail).toMatchObject({ batchId: res.body.batchId, imported: 4, duplicates: 0 });
    });

    test('when a TXT mixes "----", tab, comma and space separators, blank lines and CRLF, then every line is read as code, pin, expiry', async () => {
      await sys.addSku('TXT-1');
      const txt = [
        '卡号----密码----有效期',
        'TXT-0001----P0001',
        'TXT-0002----P0002----2030-12-31',
        'TXT-0003\tP0003',
        'TXT-0004\tP0004\t2030-12-31',
        '',
        'TXT-0005,P0005',
        'TXT-0006,P0006,2030-12-31',
        'TXT-0007 P0007',
        '  TXT-0008  ',
      ].join('\r\n');
      const res = await importFile('TXT-1', txt + '\r\n', { type: 'text/plain; charset=utf-8' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ sku: 'TXT-1', received: 8, imported: 8, duplicates: 0, stockAvailable: 8 });
      expect(await available('TXT-1')).toBe(8);
      const end2030 = '2030-12-31T23:59:59.999Z';
      expect(await storedCodes('TXT-1')).toEqual([
        { number: 'TXT-0001', pin: 'P0001', expiresAt: null },
        { number: 'TXT-0002', pin: 'P0002', expiresAt: end2030 },
        { number: 'TXT-0003', pin: 'P0003', expiresAt: null },
        { number: 'TXT-0004', pin: 'P0004', expiresAt: end2030 },
        { number: 'TXT-0005', pin: 'P0005', expiresAt: null },
        { number: 'TXT-0006', pin: 'P0006', expiresAt: end2030 },
        { number: 'TXT-0007', pin: 'P0007', expiresAt: null },
        { number: 'TXT-0008', expiresAt: null },
      ]);

      // A second file adds to the stock rather than replacing it.
      const more = await importFile('TXT-1', 'TXT-0009----P0009\nTXT-0010----P0010', { type: 'text/plain' });
      expect(more.status).toBe(201);
      expect(more.body).toMatchObject({ imported: 2, stockAvailable: 10 });
      expect(await available('TXT-1')).toBe(10);
    });

    test('when TXT fields are separated by a comma and a space ("code, pin"), then the code and pin are imported', async () => {
      await sys.addSku('TXT-COMMA-SPACE');
      const res = await importFile('TXT-COMMA-SPACE', 'CS-0001, PIN0001\nCS-0002, PIN0002', { type: 'text/plain' });
      expect(res.body).toMatchObject({ imported: 2 });
      expect(res.status).toBe(201);
      expect(await storedCodes('TXT-COMMA-SPACE')).toEqual([
        { number: 'CS-0001', pin: 'PIN0001', expiresAt: null },
        { number: 'CS-0002', pin: 'PIN0002', expiresAt: null },
      ]);
    });
  });

  describe('duplicates', () => {
    test('when a file repeats codes within itself and codes the SKU already has, then only new codes are imported and the duplicate lines are reported', async () => {
      await sys.addSku('DUP-1');
      const first = await importFile('DUP-1', 'DUP-0001,P1\nDUP-0002,P2');
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ imported: 2, duplicates: 0, duplicateLines: [] });

      const file = [
        'DUP-0003,P3', //     1 new
        'DUP-0001,P1', //     2 already in stock
        'DUP-0003,P3', //     3 repeats line 1
        'DUP-0004,P4', //     4 new
        'DUP-0002,P2', //     5 already in stock
        ' DUP-0004 , P4 ', // 6 repeats line 4 (surrounding spaces do not make a new code)
      ].join('\n');
      const res = await importFile('DUP-1', file);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ sku: 'DUP-1', received: 6, imported: 2, duplicates: 4, duplicateLines: [2, 3, 5, 6], stockAvailable: 4 });
      expect(await available('DUP-1')).toBe(4);
      expect((await storedCodes('DUP-1')).map((c) => c.number)).toEqual(['DUP-0001', 'DUP-0002', 'DUP-0003', 'DUP-0004']);
      const batch = await sys.db('stock_batches').where({ id: res.body.batchId }).first();
      expect(batch).toMatchObject({ imported_count: 2, duplicate_count: 4 });
    });

    test('when the same code goes into a different SKU of the merchant, then it is refused there too (a code is sold once)', async () => {
      await sys.addSku('DUP-2');
      await sys.addSku('DUP-3');
      expect((await importFile('DUP-2', 'SAME-0001,P1')).body).toMatchObject({ imported: 1, duplicates: 0 });
      const res = await importFile('DUP-3', 'SAME-0001,P1');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ imported: 0, duplicates: 1, refused: [{ line: 1, reason: 'already_in_stock' }] });
    });

    test('when every code of a file is already in stock, then 200 with imported 0, the duplicate lines, and no batch is recorded', async () => {
      await sys.addSku('DUP-ALL');
      const file = 'ALL-0001----P1\nALL-0002----P2\nALL-0003----P3';
      expect((await importFile('DUP-ALL', file, { type: 'text/plain' })).status).toBe(201);
      const batches = await sys.db('stock_batches as b').join('skus as s', 's.id', 'b.sku_id').where('s.code', 'DUP-ALL').count<{ c: number }[]>('* as c');
      expect(Number(batches[0].c)).toBe(1); // the count below can see this SKU's batches
      const before = await state();

      const again = await importFile('DUP-ALL', file, { type: 'text/plain' });
      expect(again.status).toBe(200);
      expect(again.body).toEqual({
        batchId: null,
        sku: 'DUP-ALL',
        received: 3,
        imported: 0,
        duplicates: 3,
        duplicateLines: [1, 2, 3],
        stockAvailable: 3,
        refused: [1, 2, 3].map((line) => ({ line, reason: 'already_in_stock' })),
        badLines: [],
        badLineCount: 0,
      });
      expect(await state()).toEqual(before);
      expect(await available('DUP-ALL')).toBe(3);
    });
  });

  describe('import the good lines, list the bad ones (issue 13)', () => {
    const mixed = [
      'code,pin,expiry', //                     1 header
      'PART-0001,P1,2030-01-01', //             2 fine
      'PART-0002,P2,31/12/2030', //             3 day first: not a date
      'PART-0003,P3,2020-01-01', //             4 expired
      'PART-0004,P4,2030-01-01,extra', //       5 too many fields
      ',P5', //                                 6 empty code
      'PART-0006,P6,2030-02-30', //             7 no such day
      'PART-0007,P7', //                        8 fine
    ].join('\n');

    test('when the operator chooses badLines=skip, then the readable lines are imported and each bad line is answered with its number and reason code', async () => {
      await sys.addSku('PART-1');
      const res = await importFile('PART-1', mixed, { query: '?badLines=skip' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ imported: 2, received: 2, badLineCount: 5, stockAvailable: 2 });
      expect(res.body.badLines.map((b: { line: number; reason: string }) => [b.line, b.reason])).toEqual([
        [3, 'expiry_not_a_date'],
        [4, 'code_expired'],
        [5, 'too_many_fields'],
        [6, 'code_empty'],
        [7, 'expiry_not_a_real_day'],
      ]);
      expect(res.body.badLines[0].params).toEqual({ expiry: '31/12/2030' });
      expect((await storedCodes('PART-1')).map((c) => c.number)).toEqual(['PART-0001', 'PART-0007']);
      expect(await available('PART-1')).toBe(2);
    });

    test('when the same file is sent without the choice (or badLines=refuse), then it is refused whole with the reason codes and nothing changes', async () => {
      await sys.addSku('PART-2');
      const before = await state();
      for (const query of ['', '?badLines=refuse']) {
        const res = await importFile('PART-2', mixed, { query });
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('invalid_codes');
        expect(res.body.error.details.errors.map((e: { line: number; reason: string }) => [e.line, e.reason])).toEqual([
          [3, 'expiry_not_a_date'],
          [4, 'code_expired'],
          [5, 'too_many_fields'],
          [6, 'code_empty'],
          [7, 'expiry_not_a_real_day'],
        ]);
      }
      expect(await state()).toEqual(before);
    });

    test('when every line of a file is bad and bad lines are skipped, then 200 with nothing imported, the bad lines listed, and nothing changes', async () => {
      await sys.addSku('PART-3');
      const before = await state();
      const res = await importFile('PART-3', 'ALLBAD-1,P1,2020-01-01\nALLBAD-2,P2,tomorrow', { query: '?badLines=skip' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        imported: 0,
        batchId: null,
        badLineCount: 2,
        badLines: [
          { line: 1, reason: 'code_expired' },
          { line: 2, reason: 'expiry_not_a_date' },
        ],
      });
      expect(await state()).toEqual(before);
    });

    test('when the choice is not one the API knows, then 400 validation_failed and nothing changes', async () => {
      await sys.addSku('PART-4');
      const before = await state();
      const res = await importFile('PART-4', 'X-1,P1', { query: '?badLines=maybe' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(await state()).toEqual(before);
    });
  });

  describe('expiry dates as suppliers write them (issue 13)', () => {
    test('when expiries are written 2030/06/30, 2030-6-30, 2030年6月30日, 2030.6.30 or ISO, then each is read as the end of that day (UTC), and times keep their zone', async () => {
      await sys.addSku('DATES-1');
      const csv = [
        'DATE-01,P,2030/06/30',
        'DATE-02,P,2030-6-30',
        'DATE-03,P,2030年6月30日',
        'DATE-04,P,2030.6.30',
        'DATE-05,P,2030-06-30',
        'DATE-06,P,2030-06-30T12:00:00+08:00',
        'DATE-07,P,2030/6/30 12:00',
        'DATE-08,P,2030年6月30日 08:30:00',
      ].join('\n');
      const res = await importFile('DATES-1', csv);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ imported: 8 });
      expect((await storedCodes('DATES-1')).map((c) => [c.number, c.expiresAt])).toEqual([
        ['DATE-01', '2030-06-30T23:59:59.999Z'],
        ['DATE-02', '2030-06-30T23:59:59.999Z'],
        ['DATE-03', '2030-06-30T23:59:59.999Z'],
        ['DATE-04', '2030-06-30T23:59:59.999Z'],
        ['DATE-05', '2030-06-30T23:59:59.999Z'],
        ['DATE-06', '2030-06-30T04:00:00.000Z'],
        ['DATE-07', '2030-06-30T12:00:00.000Z'],
        ['DATE-08', '2030-06-30T08:30:00.000Z'],
      ]);
    });

    test('when an expiry is day-first, has no such day in any written form, or has a time that does not exist, then the line is bad with the right reason', async () => {
      await sys.addSku('DATES-2');
      const csv = ['D-1,P,06/30/2030', 'D-2,P,2030/2/30', 'D-3,P,2030年13月1日', 'D-4,P,2030-06-30 25:00', 'D-5,P,2030-06-30 noon'].join('\n');
      const res = await importFile('DATES-2', csv);
      expect(res.status).toBe(400);
      expect(res.body.error.details.errors.map((e: { line: number; reason: string }) => [e.line, e.reason])).toEqual([
        [1, 'expiry_not_a_date'],
        [2, 'expiry_not_a_real_day'],
        [3, 'expiry_not_a_real_day'],
        [4, 'expiry_not_a_real_day'],
        [5, 'expiry_not_a_date'],
      ]);
    });
  });

  describe('already sold is not a duplicate (issue 13)', () => {
    test('when a file holds a code that was sold, one already in stock, and a line repeated in the file, then each is refused with its own reason and the new code is imported', async () => {
      await sys.addSku('SOLD-1');
      const sold = `SOLD-${hex()}`;
      const inStock = `STOCK-${hex()}`;
      expect((await importFile('SOLD-1', `${sold},P1`)).status).toBe(201);
      const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `sold-${hex()}`, items: [{ sku: 'SOLD-1', quantity: 1 }] } });
      expect(placed.status).toBe(202);
      await sys.waitForOrder(placed.body.id, ['delivered']);
      // It settles after delivery: the next test counts order events.
      await sys.finished(placed.body.id);
      expect((await importFile('SOLD-1', `${inStock},P2`)).status).toBe(201);

      const fresh = `NEW-${hex()}`;
      const res = await importFile('SOLD-1', [`${sold},P1`, `${inStock},P2`, `${fresh},P3`, `${fresh},P3`].join('\n'));
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        imported: 1,
        refused: [
          { line: 1, reason: 'already_sold' },
          { line: 2, reason: 'already_in_stock' },
          { line: 4, reason: 'duplicate_in_file' },
        ],
      });
    });
  });

  describe('malformed files', () => {
    test('when a CSV has a bad expiry, an expired date and a line with too many fields, then the whole file is refused with 400 invalid_codes listing those lines, and nothing changes', async () => {
      await sys.addSku('BAD-1');
      expect((await importFile('BAD-1', 'BAD-0000,P0')).status).toBe(201); // some stock already there
      const before = await state();

      const csv = [
        'code,pin,expiry', //                    1
        'BAD-0001,P1,2030-01-01', //             2 fine
        'BAD-0002,P2,31/12/2027', //             3 not ISO
        'BAD-0003,P3,2020-01-01', //             4 expired
        'BAD-0004,P4,2030-01-01,extra', //       5 too many fields
        'BAD-0005,P5,2027-13-01', //             6 no month 13
        'BAD-0006,P6,2030-01-01', //             7 fine
      ].join('\n');
      const res = await importFile('BAD-1', csv);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_codes');
      expect(res.body.error.message).toMatch(/nothing was imported/);
      const errors: { line: number; message: string }[] = res.body.error.details.errors;
      expect(errors.map((e) => e.line)).toEqual([3, 4, 5, 6]);
      expect(errors.map((e) => (e as unknown as { reason: string }).reason)).toEqual(['expiry_not_a_date', 'code_expired', 'too_many_fields', 'expiry_not_a_real_day']);
      expect(errors[0]).toMatchObject({ params: { expiry: '31/12/2027' } });
      expect(errors[0].message).toMatch(/31\/12\/2027.*not a date/);
      expect(errors[1].message).toMatch(/expired on 2020-01-01/);
      expect(errors[2].message).toMatch(/too many fields/);
      expect(errors[3].message).toMatch(/2027-13-01.*not a real date/);

      expect(await state()).toEqual(before);
      expect((await storedCodes('BAD-1')).map((c) => c.number)).toEqual(['BAD-0000']);
      expect(await available('BAD-1')).toBe(1);
    });

    test('when a TXT line has too many "----" fields or an empty code, then the file is refused with those line numbers and nothing changes', async () => {
      await sys.addSku('BAD-2');
      const before = await state();
      const txt = ['T-0001----P1', 'T-0002----P2----2030-01-01----x', '----P3', 'T-0004----P4'].join('\n');
      const res = await importFile('BAD-2', txt, { type: 'text/plain' });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        code: 'invalid_codes',
        details: {
          errors: [
            { line: 2, message: expect.stringMatching(/too many fields/) },
            { line: 3, message: 'the code is empty' },
          ],
        },
      });
      expect(await state()).toEqual(before);
      expect(await available('BAD-2')).toBe(0);
    });

    test('when an expiry names a day that does not exist (2027-02-30), then the file is refused rather than the date being moved into March', async () => {
      await sys.addSku('BAD-3');
      const before = await state();
      const res = await importFile('BAD-3', 'code,pin,expiry\nFEB-0001,P1,2030-01-01\nFEB-0002,P2,2027-02-30');
      expect(await storedCodes('BAD-3')).toEqual([]);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_codes', details: { errors: [{ line: 3, message: expect.stringContaining('2027-02-30') }] } });
      expect(await state()).toEqual(before);
    });

    test('when a file holds no codes (empty, or only a header), then 400 invalid_codes and nothing changes', async () => {
      await sys.addSku('EMPTY-1');
      const before = await state();
      for (const [content, type] of [
        ['', 'text/csv'],
        ['code,pin,expiry\n', 'text/csv'],
        ['\n\n', 'text/plain'],
      ]) {
        const res = await importFile('EMPTY-1', content, { type });
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('invalid_codes');
      }
      expect(await state()).toEqual(before);
    });

    test('when the file is not sent as text, then 400 unsupported_media_type and nothing changes', async () => {
      await sys.addSku('MEDIA-1');
      const before = await state();
      const res = await importFile('MEDIA-1', 'M-0001,P1', { type: 'application/octet-stream' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('unsupported_media_type');
      expect(await state()).toEqual(before);
      expect((await importFile('MEDIA-1', 'M-0001,P1', { type: 'text/csv' })).status).toBe(201); // positive control
    });

    test('when the SKU does not exist, then 404 and nothing changes', async () => {
      const before = await state();
      const res = await importFile('NO-SUCH-SKU', 'X-0001,P1');
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
      expect(res.body.error.message).toMatch(/NO-SUCH-SKU/);
      expect(await state()).toEqual(before);
    });
  });

  describe('who may import', () => {
    test("when the token is missing, unknown, revoked, a disabled user's, or a storefront API key, then 401 and nothing changes", async () => {
      await sys.addSku('AUTH-1');
      const revoked = await addAdminUser(sys.merchant.merchantId, 'owner', { revoked: true });
      const disabled = await addAdminUser(sys.merchant.merchantId, 'owner', { disabled: true });
      const before = await state();

      for (const token of [null, issueToken('pat').token, `${sys.merchant.adminToken}x`, revoked, disabled, sys.merchant.apiKey]) {
        const res = await importFile('AUTH-1', 'AUTH-0001,P1', { token });
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('unauthorized');
      }
      expect(await state()).toEqual(before);

      // Positive control: the owner's token imports the same file.
      expect((await importFile('AUTH-1', 'AUTH-0001,P1')).status).toBe(201);
      expect(await available('AUTH-1')).toBe(1);
    });

    test('when a viewer or support user imports, then 403 and nothing changes; an operator may import', async () => {
      await sys.addSku('ROLE-1');
      const viewer = await addAdminUser(sys.merchant.merchantId, 'viewer');
      const support = await addAdminUser(sys.merchant.merchantId, 'support');
      const operator = await addAdminUser(sys.merchant.merchantId, 'operator');
      const before = await state();

      for (const token of [viewer, support]) {
        const res = await importFile('ROLE-1', 'ROLE-0001,P1', { token });
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('forbidden');
      }
      expect(await state()).toEqual(before);

      const ok = await importFile('ROLE-1', 'ROLE-0001,P1', { token: operator });
      expect(ok.status).toBe(201);
      expect(ok.body.imported).toBe(1);
      expect(await available('ROLE-1')).toBe(1);
    });

    describe('another merchant', () => {
      let other: NewMerchant;
      beforeAll(async () => {
        other = await createMerchant(sys.db, sys.vault, { name: 'Merchant B', ownerEmail: `b-${hex()}@example.com` });
      });
      const skuOf = (merchantId: string) => ({ merchantId, name: 'Shared code', faceValue: 1000, price: 1000, cost: 800 });

      test("when merchant B's admin token imports into merchant A's SKU, then 404 and nothing changes", async () => {
        await sys.addSku('A-ONLY');
        await createSku(sys.db, { ...skuOf(other.merchantId), code: 'B-ONLY' });
        const before = await state();

        const res = await importFile('A-ONLY', 'STOLEN-0001,P1', { token: other.adminToken });
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('not_found');
        expect(await state()).toEqual(before);
        expect(await storedCodes('A-ONLY')).toEqual([]);
        expect(await available('A-ONLY')).toBe(0);

        // Positive control: B's token does import into B's own SKU.
        const own = await importFile('B-ONLY', 'B-0001,P1', { token: other.adminToken });
        expect(own.status).toBe(201);
        expect(await available('B-ONLY', other.apiKey)).toBe(1);
      });

      test("when both merchants have a SKU with the same code, then each token imports into its own merchant's SKU only", async () => {
        await sys.addSku('SHARED-1');
        await createSku(sys.db, { ...skuOf(other.merchantId), code: 'SHARED-1' });

        const res = await importFile('SHARED-1', 'SHB-0001,P1\nSHB-0002,P2', { token: other.adminToken });
        expect(res.status).toBe(201);
        expect(res.body).toMatchObject({ imported: 2, stockAvailable: 2 });
        expect(await available('SHARED-1', other.apiKey)).toBe(2);
        expect(await available('SHARED-1')).toBe(0);
        expect(await storedCodes('SHARED-1')).toEqual([]);
        expect((await storedCodes('SHARED-1', other.merchantId)).map((c) => c.number)).toEqual(['SHB-0001', 'SHB-0002']);
      });
    });
  });

  describe('what is stored and delivered', () => {
    test('when codes are imported, then the database holds them encrypted, with a mask showing only the last 4 characters, and the answer does not echo them', async () => {
      await sys.addSku('ENC-1');
      const number = 'SECRETCARD98765XYZ4321';
      const pin = 'PIN77665544';
      const res = await importFile('ENC-1', `${number},${pin},2030-01-01\nAB12,SHORTPIN`);
      expect(res.status).toBe(201);
      expect(JSON.stringify(res.body)).not.toContain('SECRETCARD');
      expect(JSON.stringify(res.body)).not.toContain(pin);

      const rows = await sys.db('codes as c').join('skus as s', 's.id', 'c.sku_id').where('s.code', 'ENC-1').select('c.*');
      expect(rows).toHaveLength(2);
      const long = rows.find((r) => r.mask.endsWith('4321'));
      const short = rows.find((r) => r !== long);
      expect(long.mask).toBe('********4321');
      expect(short.mask).toBe('****');

      for (const row of rows) {
        const secret: Buffer = row.secret;
        expect(Buffer.isBuffer(secret)).toBe(true);
        for (const plain of [number, pin, 'SECRETCARD', '98765XYZ', 'AB12', 'SHORTPIN']) {
          expect(secret.includes(Buffer.from(plain))).toBe(false);
          expect(row.fingerprint).not.toContain(plain);
        }
        expect(row.key_id).toBe(sys.vault.activeKeyId);
      }
      // Positive control: the stored secrets are the codes, once decrypted with the vault.
      expect(openCode(sys.vault, long)).toEqual({ number, pin });
      expect(openCode(sys.vault, short)).toEqual({ number: 'AB12', pin: 'SHORTPIN' });

      const audit = await sys.db('audit_log').where({ action: 'stock.imported', target: 'sku:ENC-1' }).first();
      expect(JSON.stringify(audit)).not.toContain('SECRETCARD');
    });

    test('when an order is placed for imported codes, then the buyer receives exactly those codes with their PINs and expiries', async () => {
      await sys.addSku('DELIVER-1');
      const csv = ['code,pin,expiry', 'DLV-AAAA-0001,PIN-1,2030-03-31', 'DLV-AAAA-0002,PIN-2,2029-07-01T12:00:00Z', 'DLV-AAAA-0003,,'].join('\n');
      expect((await importFile('DELIVER-1', csv)).status).toBe(201);

      const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `deliver-${hex()}`, items: [{ sku: 'DELIVER-1', quantity: 3 }] } });
      expect(placed.status).toBe(202);
      const order = await sys.waitForOrder(placed.body.id, ['delivered']);
      const delivered = order.items[0].units.map((u: any) => u.code).sort((a: any, b: any) => a.number.localeCompare(b.number));
      expect(delivered).toEqual([
        { number: 'DLV-AAAA-0001', pin: 'PIN-1', expiresAt: '2030-03-31T23:59:59.999Z' },
        { number: 'DLV-AAAA-0002', pin: 'PIN-2', expiresAt: '2029-07-01T12:00:00.000Z' },
        { number: 'DLV-AAAA-0003', expiresAt: null },
      ]);
      expect(await available('DELIVER-1')).toBe(0);
    });

    test('when 100,000 codes are imported as one TXT file, then the request completes and all are imported', async () => {
      await sys.addSku('BULK-1');
      const lines = Array.from({ length: 100_000 }, (_, i) => `BULK${String(i).padStart(12, '0')}----${String((i * 7919) % 100_000_000).padStart(8, '0')}`);
      const res = await importFile('BULK-1', lines.join('\n'), { type: 'text/plain' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ sku: 'BULK-1', received: 100_000, imported: 100_000, duplicates: 0, duplicateLines: [], stockAvailable: 100_000 });
      expect(await available('BULK-1')).toBe(100_000);
      const sku = found(await sys.db('skus').where({ merchant_id: sys.merchant.merchantId, code: 'BULK-1' }).first(), 'SKU BULK-1');
      const stored = await sys.db('codes').where({ sku_id: sku.id, status: 'available' }).count<{ c: number }[]>('* as c');
      expect(Number(stored[0].c)).toBe(100_000);
    }, 180_000);
  });
});
