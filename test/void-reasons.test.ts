import crypto from 'node:crypto';
import { FINGERPRINT_VERSION, openCode } from '../stock/code-secret';
import { refingerprintCodes } from '../stock/refingerprint';
import { found } from './found';
import { legacyCodeRow } from './legacy-codes';
import { startTestSystem, type TestSystem } from './harness';

// Issue 13, "every message a person reads is translated": when the system voids a code (a refund,
// a twin found when fingerprints were re-made; an undone bundle is in test/bundles.test.ts), the
// admin API sends why as a code with parameters (stock/void-reasons.ts) beside the stored text, in
// the code list and the code lookup; a person's own void reason has no code and is shown as written.

jest.setTimeout(120_000);

const hex = () => crypto.randomBytes(4).toString('hex');

describe('why a code was voided, as a code', () => {
  let sys: TestSystem;
  const admin = (method: string, path: string, body?: unknown) => sys.api(method, path, { key: sys.merchant.adminToken, body });
  const listed = async (id: string) => found((await admin('GET', `/admin/codes?filter=${encodeURIComponent(JSON.stringify({ id: [id] }))}`)).body[0], 'the listed code');

  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(async () => {
    await sys?.stop();
  });

  test('when a delivered order is refunded, then its voided code comes back as order_refunded in the code list and the lookup', async () => {
    await sys.addSku('VR-REFUND', { codes: 1 });
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `vr-${hex()}`, items: [{ sku: 'VR-REFUND', quantity: 1 }] } });
    await sys.finished(placed.body.id);
    const refunded = await admin('POST', `/admin/orders/${placed.body.id}/refund`, { reason: 'buyer says the code was already used' });
    expect(refunded.status).toBe(200);
    const code = found(
      await sys.db('codes as c').join('order_units as u', 'u.id', 'c.unit_id').where('u.order_id', placed.body.id).first('c.id', 'c.key_id', 'c.secret'),
      'the code',
    );

    expect(await listed(code.id)).toMatchObject({ status: 'voided', voidReasonCode: { code: 'order_refunded', params: {} } });
    const lookup = await admin('POST', '/admin/codes/lookup', { code: openCode(sys.vault, code).number });
    expect(lookup.body.codes).toEqual([expect.objectContaining({ id: code.id, voidReasonCode: { code: 'order_refunded', params: {} } })]);
  });

  test('when re-made fingerprints find a twin in stock, then it comes back voided as duplicate_code', async () => {
    await sys.addSku('VR-TWIN-A');
    await sys.addSku('VR-TWIN-B');
    const skus = await sys.db('skus').where({ merchant_id: sys.merchant.merchantId }).whereIn('code', ['VR-TWIN-A', 'VR-TWIN-B']).orderBy('code').select('id');
    const number = `TWIN-${hex()}`;
    // As fingerprint version 1 stored them (test/security-secrets.test.ts): one sold, its twin in stock.
    const legacy = (id: string, skuId: string, status: 'voided' | 'available') => legacyCodeRow(sys, { id, skuId, number, status });
    const [soldId, twinId] = [crypto.randomUUID(), crypto.randomUUID()];
    await sys.db('codes').insert([legacy(soldId, skus[0].id, 'voided'), legacy(twinId, skus[1].id, 'available')]);
    await sys.db('skus').where({ id: skus[1].id }).increment('stock_available', 1);
    expect(await refingerprintCodes(sys.db, sys.vault)).toMatchObject({ duplicates: 1, voided: 1 });
    expect(found(await sys.db('codes').where({ id: twinId }).first('fingerprint_version'), 'the twin').fingerprint_version).toBe(FINGERPRINT_VERSION);

    expect(await listed(twinId)).toMatchObject({ status: 'voided', voidReasonCode: { code: 'duplicate_code', params: {} } });
  });

  test('when a person voids a code with their own words, then it has no code and the words come back as written', async () => {
    await sys.addSku('VR-TYPED', { codes: 1 });
    const code = found(
      await sys
        .db('codes')
        .whereIn('sku_id', sys.db('skus').where({ code: 'VR-TYPED' }).select('id'))
        .first('id'),
      'the code',
    );
    expect((await admin('POST', '/admin/codes/void', { ids: [code.id], reason: 'recalled by the supplier' })).body).toMatchObject({ voided: 1 });
    expect(await listed(code.id)).toMatchObject({ status: 'voided', voidReason: 'recalled by the supplier', voidReasonCode: null });
    // Words that only start like the system's coded text are words too.
    await sys.db('codes').where({ id: code.id }).update({ void_reason: 'order_refunded: {"params": none' });
    expect(await listed(code.id)).toMatchObject({ voidReason: 'order_refunded: {"params": none', voidReasonCode: null });
  });
});
