import { once } from 'node:events';
import type { Response } from 'express';
import ExcelJS from 'exceljs';
import type { Knex } from 'knex';

// Exports for merchants who reconcile in Excel: CSV or XLSX, written row by row as the database
// hands them over (a server-side cursor through pg-query-stream), so 100,000 rows never sit in
// memory at once, and the console sees bytes arrive from the first row on.

export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export type Cell = string | number | null;
export interface ExportColumn<Row> {
  header: string;
  value: (row: Row) => Cell;
  /** Column width in characters, for XLSX. */
  width?: number;
}

/** A cell a spreadsheet would run as a formula: buyer emails and references come from outside. */
const FORMULA_START = /^[=+\-@\t\r]/;

function csvCell(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Waits until the response can take more, or is gone (the console closed the tab). */
const drained = (res: Response) => Promise.race([once(res, 'drain'), once(res, 'close')]);

async function writeOrWait(res: Response, chunk: string | Buffer) {
  if (!res.write(chunk)) await drained(res);
}

/**
 * Streams `query`'s rows to `res` as a file; the query must already be sorted and walled to the
 * merchant. A report's few hundred rows, already worked out, come as `rows` instead.
 */
export async function sendExport<Row, Raw = Row>(
  res: Response,
  opts: { name: string; format: ExportFormat; columns: ExportColumn<Row>[]; mapRow?: (row: Raw) => Row } & ({ query: Knex.QueryBuilder } | { rows: Row[] }),
): Promise<number> {
  const stamp = new Date().toISOString().slice(0, 10);
  const file = `${opts.name}-${stamp}.${opts.format}`;
  res.set('Content-Disposition', `attachment; filename="${file}"`);
  res.set('Cache-Control', 'no-store');
  let rows: Iterable<unknown> | AsyncIterable<unknown>;
  if ('query' in opts) {
    const cursor = opts.query.stream({ highWaterMark: 500 }) as AsyncIterable<unknown> & { destroy(): void };
    // A console user who closes the tab ends the cursor too.
    res.on('close', () => cursor.destroy());
    rows = cursor;
  } else rows = opts.rows;
  let count = 0;
  if (opts.format === 'csv') {
    res.type('text/csv; charset=utf-8');
    // The byte-order mark tells Excel the file is UTF-8 (Chinese names and notes stay readable).
    await writeOrWait(res, '\uFEFF' + opts.columns.map((c) => csvCell(c.header)).join(',') + '\r\n');
    let lines: string[] = [];
    for await (const raw of rows) {
      const row = opts.mapRow ? opts.mapRow(raw as Raw) : (raw as Row);
      lines.push(opts.columns.map((c) => csvCell(c.value(row))).join(','));
      count++;
      if (lines.length === 200) {
        await writeOrWait(res, lines.join('\r\n') + '\r\n');
        lines = [];
      }
    }
    if (lines.length) await writeOrWait(res, lines.join('\r\n') + '\r\n');
    res.end();
    return count;
  }
  res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: res, useStyles: false, useSharedStrings: false });
  const sheet = workbook.addWorksheet(opts.name);
  sheet.columns = opts.columns.map((c, i) => ({ header: c.header, key: String(i), width: c.width ?? 18 }));
  for await (const raw of rows) {
    const row = opts.mapRow ? opts.mapRow(raw as Raw) : (raw as Row);
    sheet.addRow(opts.columns.map((c) => c.value(row))).commit();
    count++;
    // The workbook writes into the response: let it drain before reading on.
    if (res.writableNeedDrain) await drained(res);
  }
  sheet.commit();
  await workbook.commit();
  return count;
}
