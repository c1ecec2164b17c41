import { parse as parseCsv } from 'csv-parse/sync';
import { invalidInput } from '../lib/errors';
import type { CodeSecret } from './code-secret';
import { cleanCode } from './code-identity';
import { parseExpiry } from './expiry-date';

// Reading a stock file: CSV (code,pin,expiry with an optional header) or TXT (one code a line,
// fields separated by "----", a tab, a comma or spaces — the forms card shops export). Pure, so
// the console's import preview runs this same code in the browser and agrees with the server.

export type ImportFormat = 'csv' | 'txt';

export interface ParsedCode extends CodeSecret {
  line: number;
  expiresAt?: Date;
}

const MAX_FIELD = 512;
const HEADER_WORDS = new Set(['code', 'card', 'cardno', 'card_no', 'card_number', 'number', 'cardnumber', '卡号']);

/** Why a line of a stock file cannot be read; text at cf.stock.bad_line.<reason> (api/message-codes.ts). */
export const BAD_LINE_REASONS = ['code_empty', 'too_many_fields', 'field_too_long', 'expiry_not_a_date', 'expiry_not_a_real_day', 'code_expired'] as const;
export type BadLineReason = (typeof BAD_LINE_REASONS)[number];

/** A line that cannot be read: its number, why (a code with params), and the English fallback. */
export interface BadLine {
  line: number;
  reason: BadLineReason;
  params: Record<string, string | number>;
  message: string;
}

export function parseCodes(content: string, format: ImportFormat, now = new Date()): { codes: ParsedCode[]; errors: BadLine[] } {
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
  const errors: BadLine[] = [];
  const bad = (line: number, reason: BadLineReason, params: Record<string, string | number>, message: string) => void errors.push({ line, reason, params, message });
  records.forEach(({ line, fields }, index) => {
    const cells = fields.filter((f, i) => f !== '' || i < 3);
    if (cells.every((c) => c === '')) return; // blank line
    if (index === 0 && HEADER_WORDS.has(cells[0].toLowerCase())) return;
    const [rawNumber, rawPin, expiry, ...extra] = cells;
    // Stored and delivered clean: a zero-width space or a full-width digit is not part of a code.
    const number = cleanCode(rawNumber);
    const pin = rawPin === undefined ? undefined : cleanCode(rawPin);
    if (!number) return bad(line, 'code_empty', {}, 'the code is empty');
    if (extra.some((e) => e !== '')) return bad(line, 'too_many_fields', {}, 'too many fields (expected code, pin, expiry)');
    if (number.length > MAX_FIELD || (pin ?? '').length > MAX_FIELD) return bad(line, 'field_too_long', { max: MAX_FIELD }, `a field is longer than ${MAX_FIELD} characters`);
    let expiresAt: Date | undefined;
    if (expiry) {
      const read = parseExpiry(expiry);
      if ('problem' in read) {
        return read.problem === 'expiry_not_a_date'
          ? bad(line, read.problem, { expiry }, `expiry "${expiry}" is not a date such as 2027-12-31, 2027/12/31 or 2027年12月31日`)
          : bad(line, read.problem, { expiry }, `expiry "${expiry}" is not a real date`);
      }
      expiresAt = read.at;
      if (expiresAt <= now) return bad(line, 'code_expired', { expiry }, `the code expired on ${expiry}`);
    }
    const isUrl = /^https?:\/\//i.test(number);
    codes.push({ line, ...(isUrl ? { number, url: number } : { number }), ...(pin ? { pin } : {}), ...(expiresAt ? { expiresAt } : {}) });
  });
  return { codes, errors };
}
