import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import { userActor } from '../../lib/audit';
import { enterRate, listRates, RATE_PATTERN, setReportingCurrency } from '../../reports/rates';
import { REPORTS, runReport } from '../../reports/reports';
import { parseOrThrow } from '../errors';
import { coded, fieldPattern } from '../../lib/field-codes';
import { jsonBody } from '../well-formed';
import { allow } from './auth';

// Reports (reports/reports.ts; docs/MONEY.md "Reports") and the reporting currency with the
// merchant's own rates (reports/rates.ts). The same reports export as CSV or XLSX at
// /admin/exports/reports/<report> (api/admin/exports.ts).

const Currency = z.string().regex(fieldPattern('currency_code', /^[A-Z]{3}$/), 'a three-letter currency code (ISO 4217)');
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const ReportQuery = z
  .object({
    from: z.iso.date().optional(),
    to: z.iso.date().optional(),
    compare: flag.optional(),
    convert: flag.optional(),
  })
  .strict();
export const ReportName = z.enum(REPORTS);

export const SetCurrency = z.object({ currency: Currency.nullable() }).strict();
export const EnterRate = z
  .object({
    day: z.iso.date(),
    fromCurrency: Currency,
    toCurrency: Currency,
    rate: z
      .string()
      .regex(fieldPattern('decimal_rate', RATE_PATTERN, { places: 10 }), 'a decimal number with at most 10 places, e.g. 7.1234')
      .refine((r) => Number(r) > 0, coded('must_exceed', 'must be more than 0', { minimum: 0 })),
  })
  .strict();

export function adminReportsRouter(deps: { db: Db }) {
  const { db } = deps;
  const router = Router();

  router.get('/reports/:report', allow('reports', 'list'), async (req, res) => {
    const report = parseOrThrow(ReportName, req.params.report, 'path');
    const q = parseOrThrow(ReportQuery, req.query, 'query');
    res.json(await runReport(db, req.admin!.merchantId, report, q));
  });

  router.get('/reporting', allow('reports', 'list'), async (req, res) => {
    const m = await db('merchants').where({ id: req.admin!.merchantId }).first('reporting_currency', 'time_zone');
    res.json({ reportingCurrency: m?.reporting_currency?.trim() ?? null, timeZone: m?.time_zone ?? 'UTC', rates: await listRates(db, req.admin!.merchantId) });
  });

  router.put('/reporting/currency', allow('reporting-rates', 'create'), jsonBody('16kb'), async (req, res) => {
    const { currency } = parseOrThrow(SetCurrency, req.body);
    await setReportingCurrency(db, req.admin!.merchantId, currency, userActor(req.admin!.email));
    res.json({ reportingCurrency: currency });
  });

  router.post('/reporting/rates', allow('reporting-rates', 'create'), jsonBody('16kb'), async (req, res) => {
    const r = parseOrThrow(EnterRate, req.body);
    const row = await enterRate(db, req.admin!.merchantId, r, userActor(req.admin!.email));
    res.json({ id: row.id, day: r.day, fromCurrency: r.fromCurrency, toCurrency: r.toCurrency, rate: r.rate });
  });
  return router;
}
