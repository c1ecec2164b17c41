import { maskCode, sealCode } from '../stock/code-secret';
import type { TestSystem } from './harness';

/**
 * A codes row as fingerprint version 1 stored it (fingerprinted per row, so the same card could
 * sit in two SKUs), for tests of stock/refingerprint.ts.
 */
export function legacyCodeRow(sys: TestSystem, row: { id: string; skuId: string; number: string; status: 'available' | 'voided' }) {
  const sealed = sealCode(sys.vault, row.id, { number: row.number, pin: '1' });
  return {
    id: row.id,
    merchant_id: sys.merchant.merchantId,
    sku_id: row.skuId,
    batch_id: null,
    source: 'manual',
    fingerprint: `v1-${row.id}`,
    fingerprint_version: 1,
    key_id: sealed.keyId,
    secret: sealed.payload,
    mask: maskCode({ number: row.number }),
    status: row.status,
  };
}
