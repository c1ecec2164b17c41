import crypto from 'node:crypto';
import { createMerchant, createSku } from '../db/seed';
import { FINGERPRINT_VERSION, maskCode, openCode, sealCode } from '../stock/code-secret';
import { refingerprintCodes } from '../stock/refingerprint';
import { startTestSystem, type TestSystem } from './harness';

// Issue 12, attacks 2 and 5 and the production start-up gaps, each replayed against the real
// thing: the admin API of a running Cardflow, a real embedded Postgres, the real start script.

const hex = () => crypto.randomBytes(4).toString('hex').toUpperCase();

describe('a code is sold once (attack 5)', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(() => sys.stop());

  function importFile(sku: string, content: string, token = sys.merchant.adminToken) {
    return sys.api('POST', `/admin/skus/${sku}/codes`, { raw: content, key: token, headers: { 'content-type': 'text/csv' } });
  }

  async function waitingOnPerson(orderId: string) {
    for (let i = 0; i < 300; i++) {
      if (await sys.db('manual_tasks').where({ order_id: orderId, status: 'open' }).first('id')) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`order ${orderId} has no open manual task after 30 s`);
  }

  test('when a code is imported again in lower case, with a zero-width space, with surrounding spaces, with another PIN or into another SKU, then each line is refused and named; a new code imports, and another merchant may hold the same code', async () => {
    await sys.addSku('ONCE-A');
    await sys.addSku('ONCE-B');
    const code = `GIFT-${hex()}-${hex()}`;
    const first = await importFile('ONCE-A', `${code},1111`);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ imported: 1, refused: [] });

    const fresh = `GIFT-${hex()}-NEW`;
    const again = [
      `${code.toLowerCase()},1111`, //                 1 lower case
      `${code.slice(0, 5)}\u200B${code.slice(5)},1111`, // 2 a zero-width space inside
      `"  ${code}\u00A0 ",1111`, //                     3 surrounding spaces (one of them no-break)
      `${code},9999`, //                               4 the same card with another PIN
      `${code}`, //                                    5 the same card without a PIN
      `${fresh},2222`, //                              6 positive control: a new code
      `${fresh.toLowerCase()},2222`, //                7 repeats line 6
    ].join('\n');
    const res = await importFile('ONCE-A', again);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      imported: 1,
      duplicates: 6,
      duplicateLines: [1, 2, 3, 4, 5, 7],
      refused: [
        { line: 1, reason: 'already_in_stock' },
        { line: 2, reason: 'already_in_stock' },
        { line: 3, reason: 'already_in_stock' },
        { line: 4, reason: 'already_in_stock' },
        { line: 5, reason: 'already_in_stock' },
        { line: 7, reason: 'duplicate_in_file' },
      ],
    });

    // Another SKU of the same merchant: still the same code.
    const otherSku = await importFile('ONCE-B', `${code.toLowerCase()},3333`);
    expect(otherSku.status).toBe(200);
    expect(otherSku.body).toMatchObject({ imported: 0, refused: [{ line: 1, reason: 'already_in_stock' }] });

    // Another merchant's stock is its own business.
    const other = await createMerchant(sys.db, sys.vault, { name: 'Other Merchant', ownerEmail: `other-${hex()}@example.com` });
    await createSku(sys.db, { merchantId: other.merchantId, code: 'ONCE-A', name: 'Other', faceValue: 100, price: 100, cost: 80 });
    const theirs = await importFile('ONCE-A', `${code},1111`, other.adminToken);
    expect(theirs.status).toBe(201);
    expect(theirs.body).toMatchObject({ imported: 1, refused: [] });
  });

  test('when a delivered code is imported again, then it is refused as already sold', async () => {
    await sys.addSku('SOLD-A');
    await sys.addSku('SOLD-B');
    const code = `SOLD-${hex()}`;
    expect((await importFile('SOLD-A', `${code},1`)).status).toBe(201);
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `sold-${hex()}`, items: [{ sku: 'SOLD-A', quantity: 1 }] } });
    expect(placed.status).toBe(202);
    await sys.waitForOrder(placed.body.id, ['delivered']);

    for (const sku of ['SOLD-A', 'SOLD-B']) {
      const res = await importFile(sku, ` ${code.toLowerCase()} ,2`);
      expect(res.body).toMatchObject({ imported: 0, refused: [{ line: 1, reason: 'already_sold' }] });
    }
  });

  test("when support enters another order's delivered code in manual fulfilment (in any case, with any PIN), then it is refused and nothing is saved; a new code is accepted", async () => {
    await sys.addSku('DELIVERED-STOCK');
    await sys.addSku('BY-HAND', { mode: 'manual' });
    const delivered = `HAND-${hex()}`;
    expect((await importFile('DELIVERED-STOCK', `${delivered},1`)).status).toBe(201);
    const sold = await sys.api('POST', '/v1/orders', { body: { externalRef: `d-${hex()}`, items: [{ sku: 'DELIVERED-STOCK', quantity: 1 }] } });
    await sys.waitForOrder(sold.body.id, ['delivered']);

    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `m-${hex()}`, items: [{ sku: 'BY-HAND', quantity: 1 }] } });
    await waitingOnPerson(placed.body.id);
    const support = await sys.addUser('support');
    const cookie = await sys.signIn(support.email, support.password);
    const fulfil = (number: string, pin: string) =>
      sys.api('POST', `/admin/orders/${placed.body.id}/manual-fulfilment`, { key: null, cookie, headers: { origin: sys.baseUrl }, body: { codes: [{ number, pin }] } });

    for (const attempt of [delivered, delivered.toLowerCase(), `\u200B${delivered} `]) {
      const refused = await fulfil(attempt, '9999');
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'duplicate_code', details: { index: 0, reason: 'already_sold' } });
    }
    expect(await sys.db('codes').join('skus', 'skus.id', 'codes.sku_id').where('skus.code', 'BY-HAND').count<{ c: number }[]>('* as c')).toEqual([{ c: 0 }]);
    expect(await sys.db('manual_tasks').where({ order_id: placed.body.id }).first('status')).toEqual({ status: 'open' });

    const ok = await fulfil(`HAND-NEW-${hex()}`, '1234');
    expect(ok.status).toBe(200);
    await sys.waitForOrder(placed.body.id, ['delivered']);
  });

  test('when a SKU says its codes are case-sensitive, then abc and ABC are two codes there, and the rule cannot change once it has codes', async () => {
    const created = await sys.api('POST', '/admin/skus', {
      key: sys.merchant.adminToken,
      body: { code: 'CASE-SENS', name: 'Case-sensitive vouchers', faceValue: 100, price: 100, cost: 80, fulfilmentMode: 'stock', codesCaseSensitive: true },
    });
    expect(created.status).toBe(201);
    expect(created.body.codesCaseSensitive).toBe(true);
    const base = `vCh${hex()}x`;
    const res = await importFile('CASE-SENS', `${base.toLowerCase()}\n${base.toUpperCase()}\n${base.toLowerCase()}`);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ imported: 2, refused: [{ line: 3, reason: 'duplicate_in_file' }] });
    expect((await importFile('CASE-SENS', base.toUpperCase())).body).toMatchObject({ imported: 0, refused: [{ line: 1, reason: 'already_in_stock' }] });
    // A case-insensitive SKU of the same merchant may not take either spelling again.
    await sys.addSku('CASE-INSENS');
    expect((await importFile('CASE-INSENS', base.toUpperCase())).body).toMatchObject({ imported: 0, refused: [{ line: 1, reason: 'already_in_stock' }] });

    const edit = await sys.api('PUT', '/admin/skus/CASE-SENS', { key: sys.merchant.adminToken, body: { ...created.body, codesCaseSensitive: false } });
    expect(edit.status).toBe(409);
    expect(edit.body.error.code).toBe('codes_case_rule_fixed');
    const stillSensitive = await sys.api('GET', '/admin/skus/CASE-SENS', { key: sys.merchant.adminToken });
    expect(stillSensitive.body.codesCaseSensitive).toBe(true);
  });

  test('when codes stored before this version repeat each other, then re-making their fingerprints keeps the sold one, voids the unsold twin, and the database then refuses a third', async () => {
    await sys.addSku('LEGACY-A');
    await sys.addSku('LEGACY-B');
    const skus = await sys.db('skus').where({ merchant_id: sys.merchant.merchantId }).whereIn('code', ['LEGACY-A', 'LEGACY-B']).orderBy('code').select('id', 'code');
    const code = `LEGACY-${hex()}`;
    // As version 1 stored them: per SKU, so the same card sat in two SKUs, one of them delivered.
    const soldId = crypto.randomUUID();
    const twinId = crypto.randomUUID();
    const legacyRow = (id: string, skuId: string, number: string, status: 'available' | 'voided') => {
      const sealed = sealCode(sys.vault, id, { number, pin: '1' });
      return { id, merchant_id: sys.merchant.merchantId, sku_id: skuId, batch_id: null, source: 'manual', fingerprint: `v1-${id}`, fingerprint_version: 1, key_id: sealed.keyId, secret: sealed.payload, mask: maskCode({ number }), status };
    };
    await sys.db('codes').insert([legacyRow(soldId, skus[0].id, code, 'voided'), legacyRow(twinId, skus[1].id, ` ${code.toLowerCase()}`, 'available')]);
    await sys.db('skus').where({ id: skus[1].id }).increment('stock_available', 1);

    const result = await refingerprintCodes(sys.db, sys.vault);
    expect(result).toMatchObject({ duplicates: 1, voided: 1 });
    expect(result.refingerprinted).toBeGreaterThanOrEqual(2);
    const rows = await sys.db('codes').whereIn('id', [soldId, twinId]).select('id', 'status', 'fingerprint_version', 'duplicate_of', 'key_id', 'secret');
    const sold = rows.find((r) => r.id === soldId);
    const twin = rows.find((r) => r.id === twinId);
    expect(sold).toMatchObject({ status: 'voided', fingerprint_version: FINGERPRINT_VERSION, duplicate_of: null });
    expect(twin).toMatchObject({ status: 'voided', fingerprint_version: FINGERPRINT_VERSION, duplicate_of: soldId });
    expect(openCode(sys.vault, twin).number).toBe(` ${code.toLowerCase()}`); // the stored code itself is untouched
    expect(await sys.db('skus').where({ id: skus[1].id }).first('stock_available')).toEqual({ stock_available: 0 });
    expect(await sys.db('audit_log').where({ action: 'code.duplicate_voided', target: `code:${twinId}` }).first('id')).toBeDefined();
    // Nothing left to do on a second run.
    expect(await refingerprintCodes(sys.db, sys.vault)).toEqual({ refingerprinted: 0, duplicates: 0, voided: 0 });
    // Now the import sees it, in any SKU.
    expect((await importFile('LEGACY-B', code)).body).toMatchObject({ imported: 0, refused: [{ line: 1, reason: 'voided' }] });
  });
});
