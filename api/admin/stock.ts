import express, { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import type { CodeVault } from '../../lib/code-vault';
import { userActor } from '../../lib/audit';
import { invalidInput } from '../../lib/errors';
import { importCodes } from '../../stock/import-codes';
import { parseOrThrow } from '../errors';
import { rejectMalformedBody } from '../well-formed';
import { allow } from './auth';

// POST /admin/skus/:sku/codes  (body: the CSV or TXT file as text/csv or text/plain)
export function adminStockRouter(deps: { db: Db; vault: CodeVault; maxImportBytes: number }) {
  const router = Router();
  const query = z
    .object({
      format: z.enum(['csv', 'txt']).optional(),
      unitCost: z.coerce.number().int().min(0).max(1e12).optional(),
      source: z.string().max(200).optional(),
      // `skip`: import the lines that read well and answer the bad ones; by default one bad line refuses the file.
      badLines: z.enum(['refuse', 'skip']).optional(),
    })
    .strict();

  router.post('/skus/:sku/codes', allow('stock', 'import'), express.text({ type: ['text/*'], limit: deps.maxImportBytes }), rejectMalformedBody, async (req, res) => {
    const q = parseOrThrow(query, req.query, 'query');
    if (typeof req.body !== 'string') {
      throw invalidInput('unsupported_media_type', 'Send the codes as the request body with Content-Type text/csv or text/plain');
    }
    const format = q.format ?? (req.is('text/csv') ? 'csv' : 'txt');
    const result = await importCodes(deps.db, deps.vault, {
      merchantId: req.admin!.merchantId,
      sku: String(req.params.sku),
      content: req.body,
      format,
      unitCost: q.unitCost,
      source: q.source,
      badLines: q.badLines,
      importedBy: userActor(req.admin!.email),
    });
    res.status(result.imported > 0 ? 201 : 200).json(result);
  });
  return router;
}
