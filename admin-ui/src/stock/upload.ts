import { toHttpError, type ApiErrorBody } from '../providers/http';

/** Why the import refused a line (stock/import-codes.ts). */
export const REFUSED_REASONS = ['duplicate_in_file', 'already_in_stock', 'already_sold', 'voided'] as const;
export type RefusedReason = (typeof REFUSED_REASONS)[number];

// The import goes up as one request (the API stores it in one transaction). XMLHttpRequest,
// not fetch, because only it reports upload progress; a File is streamed, never copied.

export interface ImportResult {
  batchId: string | null;
  sku: string;
  received: number;
  imported: number;
  duplicates: number;
  duplicateLines: number[];
  refused: { line: number; reason: RefusedReason }[];
  /** Lines that could not be read, skipped when the operator chose to import the good lines. */
  badLines: BadLine[];
  badLineCount: number;
  stockAvailable: number;
}

/** A line of the file that cannot be read (stock/parse-codes.ts): text at cf.stock.bad_line.<reason>. */
export interface BadLine {
  line: number;
  reason: string;
  params: Record<string, string | number>;
  message: string;
}

export function uploadCodes(
  sku: string,
  body: File | string,
  opts: { format: 'csv' | 'txt'; unitCost?: number | null; source?: string; badLines?: 'refuse' | 'skip' },
  onProgress: (fraction: number) => void,
): Promise<ImportResult> {
  const query = new URLSearchParams({ format: opts.format });
  if (opts.unitCost !== null && opts.unitCost !== undefined) query.set('unitCost', String(opts.unitCost));
  if (opts.source) query.set('source', opts.source);
  if (opts.badLines === 'skip') query.set('badLines', 'skip');
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/admin/skus/${encodeURIComponent(sku)}/codes?${query}`);
    // Always text/csv, the format in the query: text/plain is what a foreign page's HTML form
    // can send, so the API refuses it with a session cookie (api/admin/csrf.ts).
    xhr.setRequestHeader('Content-Type', 'text/csv; charset=utf-8');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.upload.onload = () => onProgress(1);
    xhr.onerror = () => reject(new Error('The upload failed; check the connection and try again'));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as ImportResult);
      else reject(toHttpError(xhr.status, body as ApiErrorBody, xhr.statusText));
    };
    xhr.send(body);
  });
}
