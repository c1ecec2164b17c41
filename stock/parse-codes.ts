import { parse as parseCsv } from 'csv-parse/sync';
import { invalidInput } from '../lib/errors';
import type { CodeSecret } from './code-secret';
import { cleanCode } from './code-identity';

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
    const [rawNumber, rawPin, expiry, ...extra] = cells;
    // Stored and delivered clean: a zero-width space or a full-width digit is not part of a code.
    const number = cleanCode(rawNumber);
    const pin = rawPin === undefined ? undefined : cleanCode(rawPin);
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
