import express, { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import type { ReconciliationDifferenceRow, ReconciliationRunRow } from '../../db/tables';
import { userActor } from '../../lib/audit';
import { AppError, invalidInput, notFound } from '../../lib/errors';
import type { ReconciliationRuns } from '../../reconciliation/client';
import { ourStatement } from '../../reconciliation/our-statement';
import { dayOf, PeriodInput } from '../../reconciliation/period';
import { resolveDifference } from '../../reconciliation/resolve';
import { importStatement, statementSource } from '../../reconciliation/statements';
import type { SupplierRegistry } from '../../suppliers/registry';
import { parseOrThrow } from '../errors';
import { jsonBody, rejectMalformedBody } from '../well-formed';
import { allow } from './auth';

// Statements and reconciliation (docs/MONEY.md "Reconciliation"): Cardflow's own statement of a
// supplier, importing the supplier's, running a reconciliation now, and the differences found,
// each resolved with a reason. The daily run is a Temporal Schedule (reconciliation/schedule.ts).

const uuid = z.uuid();
export const RunRequestBody = z
  .object({ supplierId: uuid, from: z.iso.date(), to: z.iso.date(), statementId: uuid.optional() })
  .strict()
  .superRefine((b, ctx) => {
    const p = PeriodInput.safeParse({ from: b.from, to: b.to });
    // The period's own refusals, with their field codes (lib/field-codes.ts).
    if (!p.success) for (const i of p.error.issues) ctx.addIssue({ code: 'custom', path: i.path, message: i.message, params: i.code === 'custom' ? i.params : undefined });
  });
export const ResolveBody = z.object({ reason: z.string().trim().min(3, 'say why, in a few words').max(1000), adjust: z.boolean() }).strict();
const DifferenceQuery = z.object({ status: z.enum(['open', 'resolved', 'all']).default('open'), supplierId: uuid.optional() }).strict();
const SupplierQuery = z.object({ supplierId: uuid.optional() }).strict();

const periodOf = (query: unknown) => parseOrThrow(PeriodInput, query, 'query');
const supplierIdOf = (id: string) => {
  if (!uuid.safeParse(id).success) throw notFound('Supplier');
  return id;
};

export function adminReconciliationRouter(deps: { db: Db; suppliers: SupplierRegistry; runs?: ReconciliationRuns; maxImportBytes: number }) {
  const { db } = deps;
  const router = Router();

  router.get('/suppliers/:id/statement', allow('reconciliation', 'list'), async (req, res) => {
    const supplierId = supplierIdOf(String(req.params.id));
    const period = periodOf(req.query);
    const supplier = await db('suppliers').where({ id: supplierId, merchant_id: req.admin!.merchantId }).first('name', 'currency');
    if (!supplier) throw notFound('Supplier');
    const lines = await ourStatement(db, req.admin!.merchantId, supplierId, period);
    const charged = lines.reduce((t, l) => t + (l.charged ?? 0), 0);
    const refunded = lines.reduce((t, l) => t + (l.refunded ?? 0), 0);
    res.json({
      supplier: { id: supplierId, name: supplier.name, currency: supplier.currency?.trim() ?? null },
      period,
      totals: { purchases: lines.length, charged, refunded, net: charged - refunded },
      lines: lines.map((l) => ({
        reference: l.reference,
        supplierOrderId: l.supplier_order_id,
        product: l.supplier_product,
        status: l.status,
        charged: l.charged,
        refunded: l.refunded,
        orderId: l.order_id,
        externalRef: l.external_ref,
        orderStatus: l.order_status,
        storefront: l.storefront,
        sku: l.sku,
        delivered: l.delivered,
        createdAt: l.created_at.toISOString(),
      })),
    });
  });

  router.post(
    '/suppliers/:id/statements',
    allow('reconciliation', 'import'),
    express.text({ type: ['text/*'], limit: deps.maxImportBytes }),
    rejectMalformedBody,
    async (req, res) => {
      const supplierId = supplierIdOf(String(req.params.id));
      const period = periodOf(req.query);
      if (typeof req.body !== 'string') throw invalidInput('unsupported_media_type', 'Send the statement as the request body with Content-Type text/csv');
      res.status(201).json(await importStatement(db, req.admin!.merchantId, supplierId, period, req.body, userActor(req.admin!.email)));
    },
  );

  router.get('/suppliers/:id/statements', allow('reconciliation', 'list'), async (req, res) => {
    const supplierId = supplierIdOf(String(req.params.id));
    const rows = await db('supplier_statements as st')
      .where({ 'st.merchant_id': req.admin!.merchantId, 'st.supplier_id': supplierId })
      .orderBy('st.created_at', 'desc')
      .limit(50)
      .select('st.*', db.raw('(SELECT count(*) FROM supplier_statement_lines l WHERE l.statement_id = st.id)::int AS lines'));
    res.json({
      statements: rows.map((s) => ({
        id: s.id,
        from: dayOf(s.period_from),
        to: dayOf(s.period_to),
        source: s.source,
        currency: s.currency.trim(),
        lines: s.lines,
        receivedBy: s.received_by,
        createdAt: s.created_at.toISOString(),
      })),
    });
  });

  router.post('/reconciliation/runs', allow('reconciliation', 'run'), jsonBody('16kb'), async (req, res) => {
    const body = parseOrThrow(RunRequestBody, req.body);
    const merchantId = req.admin!.merchantId;
    const period = { from: body.from, to: body.to };
    // Refused here, before a workflow is started, when there is nothing to reconcile against.
    await statementSource({ db, registry: deps.suppliers }, merchantId, body.supplierId, period, body.statementId);
    if (!deps.runs) throw new AppError('unavailable', 'reconciliation_failed', 'Reconciliation runs are not available on this server');
    const summary = await deps.runs.runNow({
      merchantId,
      supplierId: body.supplierId,
      period,
      trigger: 'on_demand',
      startedBy: userActor(req.admin!.email),
      statementId: body.statementId,
    });
    res.status(201).json(summary);
  });

  router.get('/reconciliation/runs', allow('reconciliation', 'list'), async (req, res) => {
    const { supplierId } = parseOrThrow(SupplierQuery, req.query, 'query');
    const rows = await db('reconciliation_runs as r')
      .join('suppliers as s', 's.id', 'r.supplier_id')
      .where('r.merchant_id', req.admin!.merchantId)
      .modify((q) => void (supplierId ? q.where('r.supplier_id', supplierId) : q))
      .orderBy('r.created_at', 'desc')
      .limit(50)
      .select<(ReconciliationRunRow & { supplier_name: string })[]>('r.*', 's.name as supplier_name');
    res.json({
      runs: rows.map((r) => ({
        id: r.id,
        supplier: { id: r.supplier_id, name: r.supplier_name },
        from: dayOf(r.period_from),
        to: dayOf(r.period_to),
        trigger: r.trigger,
        startedBy: r.started_by,
        purchases: r.purchases,
        statementLines: r.statement_lines,
        differences: r.differences,
        createdAt: r.created_at.toISOString(),
      })),
    });
  });

  router.get('/reconciliation/differences', allow('reconciliation', 'list'), async (req, res) => {
    const { status, supplierId } = parseOrThrow(DifferenceQuery, req.query, 'query');
    const rows = await db('reconciliation_differences as d')
      .join('suppliers as s', 's.id', 'd.supplier_id')
      .where('d.merchant_id', req.admin!.merchantId)
      .modify((q) => void (status === 'all' ? q : q.where('d.status', status)))
      .modify((q) => void (supplierId ? q.where('d.supplier_id', supplierId) : q))
      .orderBy('d.created_at', 'desc')
      .orderBy('d.reference')
      .limit(500)
      .select<(ReconciliationDifferenceRow & { supplier_name: string })[]>('d.*', 's.name as supplier_name');
    res.json({
      differences: rows.map((d) => ({
        id: d.id,
        kind: d.kind,
        reference: d.reference,
        supplier: { id: d.supplier_id, name: d.supplier_name },
        from: dayOf(d.period_from),
        to: dayOf(d.period_to),
        currency: d.currency.trim(),
        ours: d.ours,
        theirs: d.theirs,
        orderId: d.order_id,
        purchaseId: d.purchase_id,
        evidence: d.evidence,
        status: d.status,
        resolutionReason: d.resolution_reason,
        adjustmentKey: d.adjustment_key,
        resolvedBy: d.resolved_by,
        resolvedAt: d.resolved_at?.toISOString() ?? null,
        createdAt: d.created_at.toISOString(),
      })),
    });
  });

  router.post('/reconciliation/differences/:id/resolve', allow('reconciliation', 'resolve'), jsonBody('16kb'), async (req, res) => {
    const id = String(req.params.id);
    if (!uuid.safeParse(id).success) throw notFound('Difference');
    const body = parseOrThrow(ResolveBody, req.body);
    res.json(await resolveDifference(db, req.admin!.merchantId, id, body, userActor(req.admin!.email)));
  });

  return router;
}
