import crypto from 'node:crypto';
import type { Db } from '../db';
import type { SkuRow } from '../db/tables';
import { postGoodsBoughtOutside } from '../ledger/postings-for';
import { recordAudit } from '../lib/audit';
import type { CodeVault } from '../lib/code-vault';
import { invalidInput, notFound } from '../lib/errors';
import { FINGERPRINT_VERSION, fingerprintCode, maskCode, sealCode, type CodeFingerprints } from './code-secret';
import { heldCodes, type HeldReason } from './held-codes';
import { parseCodes, type BadLine, type ImportFormat, type ParsedCode } from './parse-codes';

// Stock import (file formats in parse-codes.ts). A malformed line refuses the whole file, with
// line numbers and reason codes, unless the operator chose to skip bad lines: then the lines that
// read well are imported and the bad ones answered, each with its number and reason. A code the
// merchant already holds (stock/held-codes.ts: in any SKU, in stock or
// ever delivered) or that the file repeats is refused and reported line by line with the reason;
// the rest is imported. One transaction: all or nothing.

export interface ImportRequest {
  merchantId: string;
  sku: string;
  content: string;
  format: ImportFormat;
  unitCost?: number;
  source?: string;
  importedBy: string;
  /** What a line that cannot be read does: refuse the whole file (the default), or skip it and import the rest. */
  badLines?: 'refuse' | 'skip';
}

/** At most this many bad lines are listed in an answer (their count is always exact). */
export const BAD_LINES_LISTED = 1000;

export type RefusedReason = 'duplicate_in_file' | HeldReason;

export interface ImportResult {
  batchId: string | null;
  sku: string;
  received: number;
  imported: number;
  /** Lines refused (every kind of reason); their numbers in duplicateLines, and why in refused. */
  duplicates: number;
  duplicateLines: number[];
  refused: { line: number; reason: RefusedReason }[];
  /** Lines skipped because they could not be read (only when bad lines are skipped), the first BAD_LINES_LISTED of them. */
  badLines: BadLine[];
  badLineCount: number;
  stockAvailable: number;
}

export async function importCodes(db: Db, vault: CodeVault, req: ImportRequest): Promise<ImportResult> {
  const sku = await db('skus').where({ merchant_id: req.merchantId, code: req.sku }).first();
  if (!sku) throw notFound(`SKU ${req.sku}`);
  if (sku.fulfilment_mode !== 'stock') {
    throw invalidInput('wrong_fulfilment_mode', `SKU ${sku.code} is fulfilled by "${sku.fulfilment_mode}", not from imported stock`);
  }
  const { codes, errors } = parseCodes(req.content, req.format);
  if (errors.length > 0 && req.badLines !== 'skip') {
    throw invalidInput('invalid_codes', `${errors.length} line(s) could not be imported; nothing was imported`, { errors: errors.slice(0, 100) });
  }
  if (codes.length === 0 && errors.length === 0) throw invalidInput('invalid_codes', 'The file contains no codes');

  const refused: ImportResult['refused'] = [];
  const fingerprinted = codes.map((code) => ({ ...code, fp: fingerprintCode(vault, code.number, sku.codes_case_sensitive) }));
  const held = await heldCodes(db, req.merchantId, [...new Set(fingerprinted.flatMap((c) => [c.fp.own, c.fp.otherKind]))]);
  const seen = new Set<string>();
  const unique: (ParsedCode & { fp: CodeFingerprints })[] = [];
  for (const code of fingerprinted) {
    const reason = (held.get(code.fp.own) ?? held.get(code.fp.otherKind))?.reason ?? (seen.has(code.fp.own) ? 'duplicate_in_file' : undefined);
    if (reason) refused.push({ line: code.line, reason });
    else unique.push(code);
    seen.add(code.fp.own);
  }

  const report = (imported: number, batchId: string | null, stockAvailable: number): ImportResult => {
    refused.sort((a, b) => a.line - b.line);
    return {
      batchId,
      sku: sku.code,
      received: codes.length,
      imported,
      duplicates: refused.length,
      duplicateLines: refused.map((r) => r.line),
      refused,
      badLines: errors.slice(0, BAD_LINES_LISTED),
      badLineCount: errors.length,
      stockAvailable,
    };
  };

  class NothingNew {}
  try {
    return await db.transaction((trx) => writeBatch(trx, sku));
  } catch (err) {
    if (!(err instanceof NothingNew)) throw err;
    // Every code was refused: nothing was written, not even an empty batch.
    return report(0, null, sku.stock_available);
  }

  async function writeBatch(trx: Parameters<Parameters<Db['transaction']>[0]>[0], sku: SkuRow): Promise<ImportResult> {
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
          fingerprint: c.fp.own,
          fingerprint_version: FINGERPRINT_VERSION,
          key_id: sealed.keyId,
          secret: sealed.payload,
          mask: maskCode(c),
          expires_at: c.expiresAt ?? null,
          status: 'available',
        };
      });
      // An import running beside this one may have stored the same code since we looked.
      const inserted: { fingerprint: string }[] = await trx('codes').insert(rows).onConflict().ignore().returning('fingerprint');
      const fresh = new Set(inserted.map((r) => r.fingerprint));
      const beaten = chunk.filter((c) => !fresh.has(c.fp.own));
      if (beaten.length > 0) {
        // Say why as for any held code: the twin may already have been sold by now.
        const now = await heldCodes(
          trx,
          req.merchantId,
          beaten.map((c) => c.fp.own),
        );
        for (const c of beaten) refused.push({ line: c.line, reason: now.get(c.fp.own)?.reason ?? 'already_in_stock' });
      }
      imported += inserted.length;
    }

    if (imported === 0) throw new NothingNew();
    await trx('stock_batches').where({ id: batchId }).update({ imported_count: imported, duplicate_count: refused.length });
    // The batch's goods come into inventory, bought outside Cardflow's supplier connections.
    const unitCost = Number(req.unitCost ?? sku.cost);
    await postGoodsBoughtOutside(trx, req.merchantId, [{ subject: `batch:${batchId}`, currency: sku.currency.trim(), amount: unitCost * imported, skuId: sku.id }]);
    const [updated] = await trx('skus').where({ id: sku.id }).increment('stock_available', imported).returning('stock_available');
    await recordAudit(trx, {
      merchantId: req.merchantId,
      actor: req.importedBy,
      action: 'stock.imported',
      target: `sku:${sku.code}`,
      detail: { batchId, imported, duplicates: refused.length, badLines: errors.length, source: req.source ?? null },
    });
    return report(imported, batchId, updated.stock_available);
  }
}
