import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import type { CodeRow, OrderItemRow, OrderRow, RefundRow } from '../../db/tables';
import { recordAudit, userActor } from '../../lib/audit';
import type { CodeVault } from '../../lib/code-vault';
import { AppError, notFound } from '../../lib/errors';
import { fieldProblem } from '../../lib/field-codes';
import { canAccess, rolesFor } from '../../lib/permissions';
import type { Buyer } from '../../orders/validators';
import { openCode, type CodeSecret } from '../../stock/code-secret';
import { parseOrThrow } from '../errors';
import { AuditFilter, listedAudit } from './audit';
import { allow } from './auth';
import { CodeFilter, listedCodes } from './codes';
import { majorUnits } from '../../lib/currency-digits';
import { EXPORT_FORMATS, sendExport, type Cell, type ExportColumn } from './export-file';
import { jsonQueryParam } from './list-query';
import { listedOrders, OrderFilter, ORDER_SORT, type OrderListRow } from './orders';
import { ourStatementQuery, type OurStatementLine } from '../../reconciliation/our-statement';
import { PeriodInput } from '../../reconciliation/period';
import { ReportName, ReportQuery } from './reports';
import { runReport, type ReportRow } from '../../reports/reports';

// /admin/exports/<what>?format=csv|xlsx&filter=<the list's filter>: orders, order lines, codes,
// refunds and the audit log, and /admin/exports/reports/<report>?format=…&from=…&to=… (every report), with the same filters the console's lists send, streamed
// (api/admin/export-file.ts). Codes stay masked; a role that may reveal codes may ask for the
// plaintext of codes sold to buyers (not of stock), and that export is written to the audit log
// before the first code leaves.

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** The buyer an order was accepted with (orders/validators.ts checked it on the way in). */
const buyerOf = (o: OrderListRow) => o.buyer as Buyer | null;

// Rows as each export's query selects them.
type OrderLineExportRow = Pick<OrderRow, 'id' | 'external_ref' | 'status' | 'currency' | 'created_at'> &
  Pick<OrderItemRow, 'quantity' | 'unit_price' | 'account'> & { sku: string; sku_name: string };
type CodeExportRow = Pick<CodeRow, 'id' | 'mask' | 'status' | 'source' | 'batch_id' | 'created_at' | 'allocated_at' | 'expires_at' | 'voided_at' | 'void_reason'> & {
  sku: string;
  order_id: string | null;
  external_ref: string | null;
  /** Only in an export that reveals codes. */
  opened?: CodeSecret;
};
/** A code as the revealing export selects it, still sealed. */
type SealedCodeExportRow = CodeExportRow & Pick<CodeRow, 'key_id' | 'secret'>;
/** A refund as the refunds export selects it: the row and its order's reference. */
type RefundExportRow = Omit<RefundRow, 'merchant_id'> & { external_ref: string };
interface AuditExportRow {
  actor: string;
  action: string;
  target: string | null;
  detail: unknown;
  created_at: Date;
}

const ExportQuery = <F extends z.ZodType>(filter: F) =>
  z
    .object({
      format: z.enum(EXPORT_FORMATS).default('csv'),
      filter: jsonQueryParam('filter').pipe(filter).optional(),
      reveal: z.enum(['true', 'false']).optional(),
    })
    .strict();

const RefundFilter = z
  .object({
    createdFrom: z.union([z.iso.date(), z.iso.datetime({ offset: true })]).optional(),
    createdTo: z.union([z.iso.date(), z.iso.datetime({ offset: true })]).optional(),
  })
  .strict();

const SupplierStatementFilter = z
  .object({ supplierId: z.uuid(), from: z.iso.date(), to: z.iso.date() })
  .strict()
  .superRefine((f, ctx) => {
    const p = PeriodInput.safeParse({ from: f.from, to: f.to });
    // The period's own refusals, with their field codes (lib/field-codes.ts).
    if (!p.success) for (const i of p.error.issues) ctx.addIssue({ code: 'custom', path: i.path, message: i.message, params: i.code === 'custom' ? i.params : undefined });
  });

export function adminExportsRouter(deps: { db: Db; vault: CodeVault }) {
  const { db, vault } = deps;
  const router = Router();

  router.get('/exports/reports/:report', allow('reports', 'list'), async (req, res) => {
    const report = parseOrThrow(ReportName, req.params.report, 'path');
    const { format, ...q } = parseOrThrow(ReportQuery.extend({ format: z.enum(EXPORT_FORMATS).default('csv') }), req.query, 'query');
    const answer = await runReport(db, req.admin!.merchantId, report, { ...q, compare: false });
    // The report's own rows and columns; money in major units of the row's currency (converted, when asked).
    const columns: ExportColumn<ReportRow>[] = answer.columns.map((c) => ({
      header: c.key,
      value: (r) => {
        const v = r[c.key] ?? null;
        return c.kind === 'money' && typeof v === 'number' ? num(majorUnits(v, String(r.currency)), format) : v;
      },
    }));
    await sendExport(res, { name: report, format, rows: answer.rows, columns });
  });

  router.get('/exports/orders', allow('orders', 'list'), async (req, res) => {
    const { format, filter } = parseOrThrow(ExportQuery(OrderFilter), req.query, 'query');
    const { query } = await listedOrders(deps, req.admin!, filter ?? {});
    const columns: ExportColumn<OrderListRow>[] = [
      { header: 'Order id', value: (o) => o.id, width: 38 },
      { header: 'Reference', value: (o) => o.external_ref, width: 24 },
      { header: 'Status', value: (o) => o.status, width: 14 },
      { header: 'Reason', value: (o) => o.reason },
      { header: 'Storefront', value: (o) => o.storefront_name },
      { header: 'Currency', value: (o) => o.currency.trim(), width: 9 },
      { header: 'Total', value: (o) => num(majorUnits(o.total_amount, o.currency), format), width: 12 },
      { header: 'Items', value: (o) => (o.items ?? []).map((i: { sku: string; quantity: number }) => `${i.sku} × ${i.quantity}`).join('; '), width: 30 },
      { header: 'Buyer email', value: (o) => buyerOf(o)?.email ?? null, width: 28 },
      { header: 'Buyer phone', value: (o) => buyerOf(o)?.phone ?? null },
      { header: 'Buyer account', value: (o) => buyerOf(o)?.accountId ?? null },
      { header: 'Buyer IP', value: (o) => buyerOf(o)?.ip ?? null },
      { header: 'Risk decision', value: (o) => o.risk_decision },
      { header: 'Created at', value: (o) => iso(o.created_at), width: 26 },
      { header: 'Delivered at', value: (o) => iso(o.delivered_at), width: 26 },
    ];
    await sendExport(res, { name: 'orders', format, query: query.orderBy(ORDER_SORT.createdAt, 'desc').orderBy('o.id', 'desc'), columns });
  });

  router.get('/exports/order-lines', allow('orders', 'list'), async (req, res) => {
    const { format, filter } = parseOrThrow(ExportQuery(OrderFilter), req.query, 'query');
    const { query } = await listedOrders(deps, req.admin!, filter ?? {});
    const accounts = canAccess(req.admin!.role, { resource: 'manual-tasks', action: 'show' });
    const orders = query.clearSelect().select('o.id', 'o.external_ref', 'o.status', 'o.currency', 'o.created_at').as('lo');
    const lines = db
      .from(orders)
      .join('order_items as i', 'i.order_id', 'lo.id')
      .join('skus as s', 's.id', 'i.sku_id')
      .select('lo.*', 's.code as sku', 's.name as sku_name', 'i.quantity', 'i.unit_price', 'i.account')
      .orderBy('lo.created_at', 'desc')
      .orderBy('lo.id', 'desc')
      .orderBy('s.code');
    const columns: ExportColumn<OrderLineExportRow>[] = [
      { header: 'Order id', value: (l) => l.id, width: 38 },
      { header: 'Reference', value: (l) => l.external_ref, width: 24 },
      { header: 'Status', value: (l) => l.status },
      { header: 'Created at', value: (l) => iso(l.created_at), width: 26 },
      { header: 'SKU', value: (l) => l.sku },
      { header: 'Product', value: (l) => l.sku_name, width: 28 },
      { header: 'Quantity', value: (l) => l.quantity, width: 9 },
      { header: 'Currency', value: (l) => l.currency.trim(), width: 9 },
      { header: 'Unit price', value: (l) => num(majorUnits(l.unit_price, l.currency), format) },
      { header: 'Line total', value: (l) => num(majorUnits(l.unit_price * l.quantity, l.currency), format) },
      // Top-up accounts only for those who may see them (lib/permissions.ts: manual-tasks.show).
      ...(accounts ? [{ header: 'Top-up account', value: (l: OrderLineExportRow) => l.account }] : []),
    ];
    await sendExport(res, { name: 'order-lines', format, query: lines, columns });
  });

  router.get('/exports/codes', allow('codes', 'list'), async (req, res) => {
    const { format, filter, reveal } = parseOrThrow(ExportQuery(CodeFilter), req.query, 'query');
    const f = filter ?? {};
    const revealed = reveal === 'true';
    const admin = req.admin!;
    if (revealed && !canAccess(admin.role, { resource: 'codes', action: 'reveal' })) {
      throw new AppError('forbidden', 'forbidden', `Your role may not reveal codes; this needs one of: ${rolesFor('codes', 'reveal').join(', ')}`);
    }
    // Codes in stock never leave unmasked in bulk: only codes already sold to buyers, for disputes.
    const query = listedCodes(db, admin.merchantId, revealed ? { ...f, sold: true } : f)
      .leftJoin('orders as o', 'o.id', 'u.order_id')
      .select('o.external_ref', 'c.source')
      .modify((q) => (revealed ? q.select('c.key_id', 'c.secret') : q))
      .orderBy('c.created_at', 'desc')
      .orderBy('c.id', 'desc');
    if (revealed) {
      await recordAudit(db, { merchantId: admin.merchantId, actor: userActor(admin.email), action: 'codes.exported_revealed', detail: { filter: f, format } });
    }
    const columns: ExportColumn<CodeExportRow>[] = [
      { header: 'Code id', value: (c) => c.id, width: 38 },
      { header: 'SKU', value: (c) => c.sku },
      { header: 'Code', value: (c) => c.mask, width: 20 },
      ...(revealed
        ? [
            { header: 'Number', value: (c: CodeExportRow) => c.opened?.number ?? null, width: 28 },
            { header: 'PIN', value: (c: CodeExportRow) => c.opened?.pin ?? null },
            { header: 'URL', value: (c: CodeExportRow) => c.opened?.url ?? null },
          ]
        : []),
      { header: 'Status', value: (c) => c.status },
      { header: 'Source', value: (c) => c.source },
      { header: 'Batch', value: (c) => c.batch_id, width: 38 },
      { header: 'Order id', value: (c) => c.order_id, width: 38 },
      { header: 'Reference', value: (c) => c.external_ref, width: 24 },
      { header: 'Imported at', value: (c) => iso(c.created_at), width: 26 },
      { header: 'Sold at', value: (c) => iso(c.allocated_at), width: 26 },
      { header: 'Expires at', value: (c) => iso(c.expires_at), width: 26 },
      { header: 'Voided at', value: (c) => iso(c.voided_at), width: 26 },
      { header: 'Void reason', value: (c) => c.void_reason },
    ];
    await sendExport(res, { name: 'codes', format, query, columns, mapRow: revealed ? (c: SealedCodeExportRow) => ({ ...c, opened: openCode(vault, c) }) : undefined });
  });

  router.get('/exports/refunds', allow('orders', 'list'), async (req, res) => {
    const { format, filter } = parseOrThrow(ExportQuery(RefundFilter), req.query, 'query');
    const f = filter ?? {};
    const query = db('refunds as r')
      .join('orders as o', 'o.id', 'r.order_id')
      .where('r.merchant_id', req.admin!.merchantId)
      .select('r.*', 'o.external_ref')
      .orderBy('r.created_at', 'desc')
      .orderBy('r.id', 'desc');
    if (f.createdFrom) query.where('r.created_at', '>=', f.createdFrom.length === 10 ? `${f.createdFrom}T00:00:00Z` : f.createdFrom);
    if (f.createdTo) {
      if (f.createdTo.length === 10) query.where('r.created_at', '<', db.raw(`?::timestamptz + interval '1 day'`, [`${f.createdTo}T00:00:00Z`]));
      else query.where('r.created_at', '<=', f.createdTo);
    }
    const money = (pick: (r: RefundExportRow) => number) => (r: RefundExportRow) => num(majorUnits(pick(r), r.currency), format);
    const columns: ExportColumn<RefundExportRow>[] = [
      { header: 'Refund id', value: (r) => r.id, width: 38 },
      { header: 'Order id', value: (r) => r.order_id, width: 38 },
      { header: 'Reference', value: (r) => r.external_ref, width: 24 },
      { header: 'Currency', value: (r) => r.currency.trim(), width: 9 },
      { header: 'Amount', value: money((r) => r.amount) },
      { header: 'Revenue reversed', value: money((r) => r.revenue_reversed) },
      { header: 'Cost reversed', value: money((r) => r.cost_reversed) },
      { header: 'Units released', value: (r) => r.units_released },
      { header: 'Codes voided', value: (r) => r.codes_voided },
      { header: 'Reason', value: (r) => r.reason, width: 30 },
      { header: 'Refunded by', value: (r) => r.refunded_by, width: 28 },
      { header: 'Refunded at', value: (r) => iso(r.created_at), width: 26 },
    ];
    await sendExport(res, { name: 'refunds', format, query, columns });
  });

  // Cardflow's own statement of one supplier over a period (reconciliation/our-statement.ts).
  router.get('/exports/supplier-statement', allow('reconciliation', 'list'), async (req, res) => {
    const { format, filter } = parseOrThrow(ExportQuery(SupplierStatementFilter), req.query, 'query');
    if (!filter)
      throw new AppError('invalid_input', 'validation_failed', 'The request query is invalid', {
        fields: [{ path: 'filter', ...fieldProblem('statement_filter_required', 'name supplierId, from and to') }],
      });
    const supplier = await db('suppliers').where({ id: filter.supplierId, merchant_id: req.admin!.merchantId }).first('currency');
    if (!supplier) throw notFound('Supplier');
    const currency = supplier.currency?.trim() ?? '';
    const query = ourStatementQuery(db, req.admin!.merchantId, filter.supplierId, { period: filter }).orderBy('p.created_at').orderBy('p.reference');
    const money = (pick: (l: OurStatementLine) => number | null) => (l: OurStatementLine) => num(majorUnits(pick(l), currency), format);
    const columns: ExportColumn<OurStatementLine>[] = [
      { header: 'Reference', value: (l) => l.reference, width: 40 },
      { header: 'Supplier order', value: (l) => l.supplier_order_id, width: 20 },
      { header: 'Product', value: (l) => l.supplier_product },
      { header: 'Status', value: (l) => l.status, width: 12 },
      { header: 'Currency', value: () => currency, width: 9 },
      { header: 'Charged', value: money((l) => l.charged) },
      { header: 'Refunded', value: money((l) => l.refunded) },
      { header: 'Net', value: money((l) => (l.charged === null && l.refunded === null ? null : (l.charged ?? 0) - (l.refunded ?? 0))) },
      { header: 'Order id', value: (l) => l.order_id, width: 38 },
      { header: 'Order reference', value: (l) => l.external_ref, width: 24 },
      { header: 'Order status', value: (l) => l.order_status, width: 14 },
      { header: 'Storefront', value: (l) => l.storefront },
      { header: 'SKU', value: (l) => l.sku },
      { header: 'Delivered', value: (l) => (l.delivered ? 'yes' : 'no'), width: 10 },
      { header: 'Purchased at', value: (l) => iso(l.created_at), width: 26 },
    ];
    await sendExport(res, { name: 'supplier-statement', format, query, columns });
  });

  router.get('/exports/audit-log', allow('audit-log', 'list'), async (req, res) => {
    const { format, filter } = parseOrThrow(ExportQuery(AuditFilter), req.query, 'query');
    const query = listedAudit(db, req.admin!.merchantId, filter ?? {}).orderBy('id', 'desc');
    const columns: ExportColumn<AuditExportRow>[] = [
      { header: 'At', value: (a) => iso(a.created_at), width: 26 },
      { header: 'Actor', value: (a) => a.actor, width: 30 },
      { header: 'Action', value: (a) => a.action, width: 24 },
      { header: 'Target', value: (a) => a.target, width: 30 },
      { header: 'Detail', value: (a) => JSON.stringify(a.detail), width: 60 },
    ];
    await sendExport(res, { name: 'audit-log', format, query, columns });
  });

  return router;
}

/** XLSX cells hold amounts as numbers so a sheet can sum them; CSV keeps the exact decimal text. */
function num(value: Cell, format: 'csv' | 'xlsx'): Cell {
  return format === 'xlsx' && typeof value === 'string' ? Number(value) : value;
}
