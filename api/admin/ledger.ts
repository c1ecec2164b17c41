import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import { userActor } from '../../lib/audit';
import { closePeriod, listCloses } from '../../ledger/periods';
import { parseOrThrow } from '../errors';
import { fieldPattern } from '../../lib/field-codes';
import { jsonBody } from '../well-formed';
import { allow } from './auth';

// The ledger's periods (docs/MONEY.md): which months are closed, and closing one.

export const ClosePeriod = z.object({ month: z.string().regex(fieldPattern('month', /^\d{4}-(0[1-9]|1[0-2])$/), 'a month as YYYY-MM') }).strict();

export function adminLedgerRouter(deps: { db: Db }) {
  const { db } = deps;
  const router = Router();
  router.get('/ledger/periods', allow('ledger-periods', 'list'), async (req, res) => {
    res.json({ closes: await listCloses(db, req.admin!.merchantId) });
  });
  router.post('/ledger/periods/close', allow('ledger-periods', 'close'), jsonBody('16kb'), async (req, res) => {
    const { month } = parseOrThrow(ClosePeriod, req.body);
    res.json(await closePeriod(db, req.admin!.merchantId, month, userActor(req.admin!.email)));
  });
  return router;
}
