/// <reference lib="webworker" />
import { maskCode } from '../../../stock/code-secret';
import { codeIdentity } from '../../../stock/code-identity';
import { parseCodes, type BadLine, type ImportFormat } from '../../../stock/parse-codes';

// Reads a stock file off the browser's main thread with the server's own parser, so a 100,000-
// code file neither freezes the page nor previews differently from how it will import. Only
// masks and counts go back to the page; the codes stay in the file the page uploads.

export interface ParseRequest {
  file?: File;
  text?: string;
  format: ImportFormat;
  /** The product's rule (stock/code-identity.ts), so the preview counts repeats as the import will. */
  codesCaseSensitive: boolean;
}

export interface ParseReport {
  lines: number;
  codes: number;
  errors: BadLine[];
  errorCount: number;
  duplicateLines: number[];
  preview: { line: number; mask: string; pin: string | null; expiresAt: string | null }[];
}

self.onmessage = async (event: MessageEvent<ParseRequest>) => {
  try {
    const content = event.data.file ? await event.data.file.text() : (event.data.text ?? '');
    const { codes, errors } = parseCodes(content, event.data.format);
    const seen = new Set<string>();
    const duplicateLines: number[] = [];
    for (const c of codes) {
      const key = codeIdentity(c.number, event.data.codesCaseSensitive);
      if (seen.has(key)) duplicateLines.push(c.line);
      else seen.add(key);
    }
    const report: ParseReport = {
      lines: content.split(/\r?\n/).filter((l) => l.trim() !== '').length,
      codes: codes.length,
      errors: errors.slice(0, 50),
      errorCount: errors.length,
      duplicateLines,
      preview: codes
        .slice(0, 8)
        .map((c) => ({ line: c.line, mask: maskCode(c), pin: c.pin ? '•'.repeat(Math.min(c.pin.length, 8)) : null, expiresAt: c.expiresAt?.toISOString() ?? null })),
    };
    self.postMessage({ ok: true, report });
  } catch (err) {
    self.postMessage({ ok: false, message: (err as Error).message });
  }
};
