import crypto from 'node:crypto';
import type { Db } from '../db';
import { recordAudit } from '../lib/audit';
import type { CodeVault } from '../lib/code-vault';
import { invalidInput, notFound } from '../lib/errors';
import { fingerprintCode, maskCode, sealCode } from './code-secret';
import { parseCodes, type ImportFormat, type ParsedCode } from './parse-codes';

// Stock import (file formats in parse-codes.ts). A malformed line refuses the whole file, with
// line numbers; duplicates (within the file or against the SKU's existing codes) are skipped
// and reported. One transaction: all or nothing.

export interface ImportRequest {
  merchantId: string;
  sku: string;
  content: string;
  format: ImportFormat;
  unitCost?: number;
  source?: string;
  importedBy: string;
}

export interface ImportResult {
  batchId: string | null;
  sku: string;
  received: number;
  imported: number;
  duplicates: number;
  duplicateLines: number[];
  stockAvailable: number;
}

export async function importCodes(db: Db, vault: CodeVault, req: ImportRequest): Promise<ImportResult> {
  const sku = await db('skus').where({ merchant_id: req.merchantId, code: req.sku }).first();
  if (!sku) throw notFound(`SKU ${req.sku}`);
  if (sku.fulfilment_mode !== 'stock') {
    throw invalidInput('wrong_fulfilment_mode', `SKU ${sku.code} is fulfilled by "${sku.fulfilment_mode}", not from imported stock`);
  }
  const { codes, errors } = parseCodes(req.content, req.format);
  if (errors.length > 0) {
    throw invalidInput('invalid_codes', `${errors.length} line(s) could not be imported; nothing was imported`, { errors: errors.slice(0, 100) });
  }
  if (codes.length === 0) throw invalidInput('invalid_codes', 'The file contains no codes');

  const duplicateLines: number[] = [];
  const seen = new Set<string>();
  const unique: (ParsedCode & { fingerprint: string })[] = [];
  for (const code of codes) {
    const fingerprint = fingerprintCode(vault, code);
    if (seen.has(fingerprint)) duplicateLines.push(code.line);
    else {
      seen.add(fingerprint);
      unique.push({ ...code, fingerprint });
    }
  }

  class NothingNew {}
  try {
    return await db.transaction((trx) => writeBatch(trx));
  } catch (err) {
    if (!(err instanceof NothingNew)) throw err;
    // Every code was a duplicate: nothing was written, not even an empty batch.
    return { batchId: null, sku: sku.code, received: codes.length, imported: 0, duplicates: duplicateLines.length, duplicateLines, stockAvailable: sku.stock_available };
  }

  async function writeBatch(trx: Parameters<Parameters<Db['transaction']>[0]>[0]): Promise<ImportResult> {
    const batchId = crypto.randomUUID();
    await trx('stock_batches').insert({
      id: batchId,
      merchant_id: req.merchantId,
      sku_id: sku.id,
      unit_cost: req.unitCost ?? sku.cost,
      currency: sku.currency,
      source: req.source ?? null,
      imported_count: 0,
      duplicate_count: 0,
      imported_by: req.importedBy,
    });

    let imported = 0;
    for (let i = 0; i < unique.length; i += 1000) {
      const chunk = unique.slice(i, i + 1000);
      const rows = chunk.map((c) => {
        const id = crypto.randomUUID();
        const sealed = sealCode(vault, id, { number: c.number, ...(c.pin ? { pin: c.pin } : {}), ...(c.url ? { url: c.url } : {}) });
        return {
          id,
          merchant_id: req.merchantId,
          sku_id: sku.id,
          batch_id: batchId,
          fingerprint: c.fingerprint,
          key_id: sealed.keyId,
          secret: sealed.payload,
          mask: maskCode(c),
          expires_at: c.expiresAt ?? null,
          status: 'available',
        };
      });
      const inserted: { fingerprint: string }[] = await trx('codes').insert(rows).onConflict(['sku_id', 'fingerprint']).ignore().returning('fingerprint');
      const fresh = new Set(inserted.map((r) => r.fingerprint));
      for (const c of chunk) if (!fresh.has(c.fingerprint)) duplicateLines.push(c.line);
      imported += inserted.length;
    }
    duplicateLines.sort((a, b) => a - b);

    if (imported === 0) throw new NothingNew();
    await trx('stock_batches').where({ id: batchId }).update({ imported_count: imported, duplicate_count: duplicateLines.length });
    const [updated] = await trx('skus').where({ id: sku.id }).increment('stock_available', imported).returning('stock_available');
    await recordAudit(trx, {
      merchantId: req.merchantId,
      actor: req.importedBy,
      action: 'stock.imported',
      target: `sku:${sku.code}`,
      detail: { batchId, imported, duplicates: duplicateLines.length, source: req.source ?? null },
    });
    return { batchId, sku: sku.code, received: codes.length, imported, duplicates: duplicateLines.length, duplicateLines, stockAvailable: updated.stock_available };
  }
}
