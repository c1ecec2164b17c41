import crypto from 'node:crypto';
import { CodeVault } from '../lib/code-vault';
import { openCode } from '../stock/code-secret';
import { importCodes } from '../stock/import-codes';
import { reencryptToActiveKey } from '../stock/reencrypt';
import { openSupplierCredentials } from '../suppliers/credentials';
import { createSupplier } from '../suppliers/supplier-config';
import { openWebhookSecret, openWebhookSecrets, rotateWebhookSecret } from '../storefronts/webhook-secret';
import { startTestSystem, type TestSystem } from './harness';
import { found } from './found';

// Rotating the encryption key: new writes use the newest key at once, old rows keep opening,
// and re-sealing moves everything to the new key so the old one can be dropped.

describe('key rotation', () => {
  const k1 = { id: 'k1', key: crypto.randomBytes(32) };
  const k2 = { id: 'k2', key: crypto.randomBytes(32) };
  const fingerprintKey = crypto.randomBytes(32);
  let sys: TestSystem;
  let imported: string[];

  beforeAll(async () => {
    sys = await startTestSystem({ vault: new CodeVault({ encryptionKeys: [k1], fingerprintKey }), worker: false });
    imported = await sys.addSku('ROTATE', { codes: 3 });
  });
  afterAll(() => sys.stop());

  test('when a new key is put first, then new codes use it, old ones still open, and duplicates are still caught', async () => {
    const rotated = new CodeVault({ encryptionKeys: [k2, k1], fingerprintKey });
    const result = await importCodes(sys.db, rotated, {
      merchantId: sys.merchant.merchantId,
      sku: 'ROTATE',
      content: `NEW-AFTER-ROTATION,PIN9\n${imported[0]},PIN0`,
      format: 'csv',
      importedBy: 'test',
    });
    expect(result).toMatchObject({ imported: 1, duplicates: 1, duplicateLines: [2] });

    const rows = await sys.db('codes').orderBy('created_at').select('id', 'key_id', 'secret');
    expect(rows.map((r) => r.key_id).sort()).toEqual(['k1', 'k1', 'k1', 'k2']);
    const numbers = rows.map((r) => openCode(rotated, r).number);
    expect(numbers.sort()).toEqual([...imported, 'NEW-AFTER-ROTATION'].sort());
  });

  test('when re-sealing runs, then every secret is under the new key and opens without the old one; a second run has nothing to do', async () => {
    const supplierId = await createSupplier(sys.db, new CodeVault({ encryptionKeys: [k1], fingerprintKey }), sys.merchant.merchantId, {
      name: 'Rotating supplier',
      kind: 'api',
      adapter: 'cardflow-sim',
      baseUrl: 'http://127.0.0.1:9',
      currency: 'USD',
      credentials: { partnerId: 'p', secret: 's3cret-value' },
    });
    const rotated = new CodeVault({ encryptionKeys: [k2, k1], fingerprintKey });
    expect(await reencryptToActiveKey(sys.db, rotated, 2)).toEqual({ codes: 3, webhookSecrets: 1, supplierCredentials: 1 });

    const newOnly = new CodeVault({ encryptionKeys: [k2], fingerprintKey });
    const rows = await sys.db('codes').select('id', 'key_id', 'secret');
    expect(rows.every((r) => r.key_id === 'k2')).toBe(true);
    expect(rows.map((r) => openCode(newOnly, r).number).sort()).toEqual([...imported, 'NEW-AFTER-ROTATION'].sort());
    const storefront = found(await sys.db('storefronts').where({ id: sys.merchant.storefrontId }).first(), 'the storefront');
    expect(openWebhookSecret(newOnly, storefront)).toBe(sys.merchant.webhookSecret);
    const supplier = found(await sys.db('suppliers').where({ id: supplierId }).first(), 'the supplier');
    expect(openSupplierCredentials(newOnly, supplier)).toEqual({ partnerId: 'p', secret: 's3cret-value' });

    const oldOnly = new CodeVault({ encryptionKeys: [k1], fingerprintKey });
    expect(() => openCode(oldOnly, rows[0])).toThrow('encryption key "k2" is not configured');
    expect(await reencryptToActiveKey(sys.db, rotated)).toEqual({ codes: 0, webhookSecrets: 0, supplierCredentials: 0 });
  });

  test('when a webhook secret was rotated and is still in its grace period, then re-sealing moves the old secret to the new key too', async () => {
    const k3 = { id: 'k3', key: crypto.randomBytes(32) };
    const { webhookSecret } = await sys.db.transaction((trx) => rotateWebhookSecret(trx, new CodeVault({ encryptionKeys: [k2], fingerprintKey }), sys.merchant.storefrontId));
    const result = await reencryptToActiveKey(sys.db, new CodeVault({ encryptionKeys: [k3, k2], fingerprintKey }));
    expect(result.webhookSecrets).toBe(2);
    const storefront = found(await sys.db('storefronts').where({ id: sys.merchant.storefrontId }).first(), 'the storefront');
    expect(openWebhookSecrets(new CodeVault({ encryptionKeys: [k3], fingerprintKey }), storefront)).toEqual([webhookSecret, sys.merchant.webhookSecret]);
  });
});
