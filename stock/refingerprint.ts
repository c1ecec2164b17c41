import type { Db } from '../db';
import type { CodeVault } from '../lib/code-vault';
import { recordAudit } from '../lib/audit';
import { FINGERPRINT_VERSION, fingerprintCode, openCode } from './code-secret';
import { heldCode } from './held-codes';
import { codedVoidReason } from './void-reasons';

// Re-makes the fingerprints of codes stored before the current version (migration 009 explains
// why a migration cannot). Codes that were sold go first, so that where two rows turn out to be
// the same code, the one a buyer has keeps the fingerprint; the other is marked `duplicate_of`
// it and, if still in stock and not promised to an order, voided so it is never sold. Safe to run
// again and from several processes at once (rows are taken with SKIP LOCKED).

export interface RefingerprintResult {
  refingerprinted: number;
  /** Rows found to be the same code as another; voided where they were unsold stock. */
  duplicates: number;
  voided: number;
}

export async function refingerprintCodes(db: Db, vault: CodeVault, batchSize = 500): Promise<RefingerprintResult> {
  const result: RefingerprintResult = { refingerprinted: 0, duplicates: 0, voided: 0 };
  for (const sold of [true, false]) {
    for (;;) {
      const batch: RefingerprintResult = { refingerprinted: 0, duplicates: 0, voided: 0 };
      const done = await db
        .transaction(async (trx) => {
          const rows = await trx('codes as c')
            .join('skus as s', 's.id', 'c.sku_id')
            .where('c.fingerprint_version', '<', FINGERPRINT_VERSION)
            .modify((q) => (sold ? q.whereNot('c.status', 'available') : q.where('c.status', 'available')))
            .orderBy('c.created_at')
            .limit(batchSize)
            .forUpdate('c')
            .skipLocked()
            .select('c.id', 'c.key_id', 'c.secret', 'c.merchant_id', 'c.sku_id', 'c.status', 's.code as sku', 's.codes_case_sensitive');
          for (const row of rows) {
            const secret = openCode(vault, row);
            const fp = fingerprintCode(vault, secret.number || secret.url || '', row.codes_case_sensitive);
            const holder = await heldCode(trx, row.merchant_id, fp);
            await trx('codes')
              .where({ id: row.id })
              .update({ fingerprint: fp.own, fingerprint_version: FINGERPRINT_VERSION, duplicate_of: holder?.id ?? null });
            batch.refingerprinted++;
            if (!holder) continue;
            batch.duplicates++;
            // Unsold stock that repeats another code is withdrawn, unless an accepted order counts on it.
            const withdrawn = row.status === 'available' && (await trx('skus').where({ id: row.sku_id }).andWhere('stock_available', '>=', 1).decrement('stock_available', 1)) > 0;
            if (withdrawn) {
              await trx('codes')
                .where({ id: row.id })
                .update({ status: 'voided', voided_at: trx.fn.now(), void_reason: codedVoidReason('duplicate_code') });
              batch.voided++;
            }
            await recordAudit(trx, {
              merchantId: row.merchant_id,
              actor: 'system:refingerprint',
              action: withdrawn ? 'code.duplicate_voided' : 'code.duplicate_found',
              target: `code:${row.id}`,
              detail: { sku: row.sku, duplicateOf: holder.id },
            });
          }
          return rows.length;
        })
        .then(
          (n) => {
            for (const k of ['refingerprinted', 'duplicates', 'voided'] as const) result[k] += batch[k];
            return n;
          },
          (err) => {
            // Another process re-made a twin of one of these rows at the same moment: this batch, again, sees it.
            if ((err as { code?: string }).code === '23505') return batchSize;
            throw err;
          },
        );
      if (done < batchSize) break;
    }
  }
  return result;
}
