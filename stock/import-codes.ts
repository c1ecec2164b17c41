import crypto from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Db } from '../db';
import type { CodeVault } from '../lib/code-vault';
import { invalidInput, notFound } from '../lib/errors';
import { fingerprintCode, maskCode, sealCode, type CodeSecret } from './code-secret';

// Stock import: CSV (code,pin,expiry with an optional header) or TXT (one code a line, fields
// separated by "----", a tab, a comma or spaces — the forms card shops export). A malformed
// line refuses the whole file, with line numbers; duplicates (within the file or against the
// SKU's existing codes) are skipped and reported. One transaction: all or nothing.

export type ImportFormat = 'csv' | 'txt';

export interface ParsedCode extends CodeSecret {
  line: number;
  expiresAt?: Date;
}

const MAX_FIELD = 512;
const HEADER_WORDS = new Set(['code', 'card', 'cardno', 'card_no', 'card_number', 'number', 'cardnumber', '卡号']);

export function parseCodes(content: string, format: ImportFormat, now = new Date()): { codes: ParsedCode[]; errors: { line: number; message: string }[] } {
  const records: { line: number; fields: string[] }[] = [];
  if (format === 'csv') {
    let rows: string[][];
    try {
      rows = parseCsv(content.replace(/^\uFEFF/, ''), { relax_column_count: true, trim: true, skip_empty_lines: false });
    } catch (err) {
      throw invalidInput('invalid_codes', `The CSV could not be read: ${(err as Error).message}`);
    }
    rows.forEach((fields, i) => records.push({ line: i + 1, fields }));
  } else {
    content
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)
      .forEach((raw, i) => {
        const text = raw.trim();
        const fields = text.includes('----') ? text.split('----') : text.split(/\s*[\t,]\s*|\s+/);
        records.push({ line: i + 1, fields: fields.map((f) => f.trim()) });
      });
  }

  const codes: ParsedCode[] = [];
  const errors: { line: number; message: string }[] = [];
  records.forEach(({ line, fields }, index) => {
    const cells = fields.filter((f, i) => f !== '' || i < 3);
    if (cells.every((c) => c === '')) return; // blank line
    if (index === 0 && HEADER_WORDS.has(cells[0].toLowerCase())) return;
    const [number, pin, expiry, ...extra] = cells;
    if (!number) return void errors.push({ line, message: 'the code is empty' });
    if (extra.some((e) => e !== '')) return void errors.push({ line, message: 'too many fields (expected code, pin, expiry)' });
    if (number.length > MAX_FIELD || (pin ?? '').length > MAX_FIELD) return void errors.push({ line, message: `a field is longer than ${MAX_FIELD} characters` });
    let expiresAt: Date | undefined;
    if (expiry) {
      if (!/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(expiry)) {
        return void errors.push({ line, message: `expiry "${expiry}" is not an ISO date such as 2027-12-31` });
      }
      // A bare date means the end of that day; a time without a zone is UTC, like everything here.
      const withZone = expiry.length === 10 ? `${expiry}T23:59:59.999Z` : /(Z|[+-]\d{2}:?\d{2})$/.test(expiry) ? expiry : `${expiry}Z`;
      expiresAt = new Date(withZone.replace(' ', 'T'));
      if (Number.isNaN(expiresAt.getTime()) || !isCalendarDate(expiry.slice(0, 10))) {
        return void errors.push({ line, message: `expiry "${expiry}" is not a real date` });
      }
      if (expiresAt <= now) return void errors.push({ line, message: `the code expired on ${expiry}` });
    }
    const isUrl = /^https?:\/\//i.test(number);
    codes.push({ line, ...(isUrl ? { number, url: number } : { number }), ...(pin ? { pin } : {}), ...(expiresAt ? { expiresAt } : {}) });
  });
  return { codes, errors };
}

/** Date would roll 2027-02-30 over into March; a real day must survive the round trip. */
function isCalendarDate(ymd: string): boolean {
  const [y, m, d] = ymd.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

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
    await trx('audit_log').insert({
      merchant_id: req.merchantId,
      actor: req.importedBy,
      action: 'stock.imported',
      target: `sku:${sku.code}`,
      detail: JSON.stringify({ batchId, imported, duplicates: duplicateLines.length, source: req.source ?? null }),
    });
    return { batchId, sku: sku.code, received: codes.length, imported, duplicates: duplicateLines.length, duplicateLines, stockAvailable: updated.stock_available };
  }
}
