import { parse as parseCsv } from 'csv-parse/sync';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Db } from '../db';
import type { SupplierRow } from '../db/tables';
import { recordAudit } from '../lib/audit';
import { AppError, conflict, invalidInput, notFound } from '../lib/errors';
import { coded, fieldProblem, fieldRefusalsOf, type FieldRefusal } from '../lib/field-codes';
import type { SupplierStatement, SupplierStatementLine } from '../suppliers/adapter';
import type { SupplierRegistry } from '../suppliers/registry';
import { dayOf, periodBounds, type Period } from './period';

// The supplier's statement: imported from the CSV the supplier sends, or fetched through its
// adapter when its protocol offers one. Either way it is stored as it came (one row and its
// lines), so a run, and a person looking at a difference later, read the same statement.

export const STATEMENT_CSV_COLUMNS = ['reference', 'kind', 'amount', 'at', 'supplier_order_id'] as const;
const MAX_LINES = 100_000;

/** Money as a statement writes it ("4.50", "1200") to minor units of the currency; exact, no floats. */
export function minorUnitsOf(text: string, currency: string): number | undefined {
  const digits = fractionDigits(currency);
  const m = /^(\d{1,12})(?:\.(\d+))?$/.exec(text);
  if (!m || (m[2] ?? '').length > digits) return undefined;
  return Number(m[1]) * 10 ** digits + Number((m[2] ?? '').padEnd(digits, '0') || '0');
}

function fractionDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

const CsvLine = (currency: string, period: Period) => {
  const { start, end } = periodBounds(period);
  return z.object({
    reference: z.string().trim().min(1, 'is empty').max(200, 'is longer than 200 characters'),
    kind: z.enum(['charge', 'refund'], 'must be charge or refund'),
    amount: z
      .string()
      .trim()
      .transform((text, ctx) => {
        const minor = minorUnitsOf(text, currency);
        if (minor === undefined) ctx.addIssue({ code: 'custom', ...coded('not_an_amount', `"${text}" is not an amount in ${currency} such as 4.50`, { text, currency }) });
        return minor ?? 0;
      }),
    at: z
      .string()
      .trim()
      .refine(
        (t) => /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(t) && !Number.isNaN(Date.parse(t.length === 10 ? `${t}T00:00:00Z` : t)),
        coded('invalid_date_time', 'is not a date or time such as 2026-11-30T08:15:00Z'),
      )
      .transform((t) => new Date(t.length === 10 ? `${t}T00:00:00Z` : /(Z|[+-]\d{2}:?\d{2})$/.test(t) ? t : `${t}Z`).toISOString())
      .refine((iso) => iso >= start && iso < end, coded('outside_period', `is outside the statement period ${period.from} – ${period.to}`, { from: period.from, to: period.to })),
    supplier_order_id: z
      .string()
      .trim()
      .max(200)
      .optional()
      .transform((v) => v || undefined),
  });
};

/** Reads the supplier's CSV (header: reference,kind,amount,at[,supplier_order_id]); every bad line is reported, none is kept. */
export function parseStatementCsv(content: string, currency: string, period: Period): SupplierStatementLine[] {
  let rows: Record<string, string>[];
  try {
    rows = parseCsv(content.replace(/^\uFEFF/, ''), { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), trim: true, skip_empty_lines: true });
  } catch (err) {
    throw invalidInput('invalid_statement', `The statement could not be read as CSV: ${(err as Error).message}`);
  }
  const header = rows.length ? Object.keys(rows[0]) : [];
  const missing = STATEMENT_CSV_COLUMNS.filter((c) => c !== 'supplier_order_id' && !header.includes(c));
  const unknown = header.filter((c) => !(STATEMENT_CSV_COLUMNS as readonly string[]).includes(c));
  if (rows.length === 0 || missing.length || unknown.length) {
    throw invalidInput('invalid_statement', `The statement needs a header line ${STATEMENT_CSV_COLUMNS.join(',')} (supplier_order_id optional) and at least one line`, {
      fields: [
        ...missing.map((c) => ({ path: c, ...fieldProblem('column_missing', 'column missing') })),
        ...unknown.map((c) => ({ path: c, ...fieldProblem('unknown_column', 'unknown column') })),
      ],
    });
  }
  if (rows.length > MAX_LINES) throw invalidInput('invalid_statement', `A statement holds at most ${MAX_LINES} lines`);
  const schema = CsvLine(currency, period);
  const lines: SupplierStatementLine[] = [];
  const fields: FieldRefusal[] = [];
  rows.forEach((row, i) => {
    const parsed = schema.safeParse(row, { reportInput: true });
    // Line numbers as the merchant sees them in the file: the header is line 1.
    if (!parsed.success) fields.push(...fieldRefusalsOf(parsed.error.issues, `line ${i + 2}.`));
    else lines.push({ reference: parsed.data.reference, kind: parsed.data.kind, amount: parsed.data.amount, at: parsed.data.at, supplierOrderId: parsed.data.supplier_order_id });
  });
  if (fields.length)
    throw new AppError('invalid_input', 'validation_failed', `The statement has ${fields.length} problem(s); nothing was imported`, { fields: fields.slice(0, 100) });
  return lines;
}

async function supplierOf(db: Knex, merchantId: string, supplierId: string): Promise<SupplierRow & { currency: string }> {
  const supplier = await db('suppliers').where({ id: supplierId, merchant_id: merchantId }).first();
  if (!supplier) throw notFound('Supplier');
  if (!supplier.currency) throw conflict('supplier_without_currency', `${supplier.name} has no currency, so it has no statements`, { supplier: supplier.name });
  return { ...supplier, currency: supplier.currency.trim() };
}

async function storeStatement(
  trx: Knex,
  s: { merchantId: string; supplierId: string; period: Period; source: 'import' | 'adapter'; receivedBy: string; statement: SupplierStatement },
): Promise<string> {
  const id = crypto.randomUUID();
  await trx('supplier_statements').insert({
    id,
    merchant_id: s.merchantId,
    supplier_id: s.supplierId,
    period_from: trx.raw('?::date', [s.period.from]) as unknown as Date,
    period_to: trx.raw('?::date', [s.period.to]) as unknown as Date,
    source: s.source,
    currency: s.statement.currency,
    received_by: s.receivedBy,
  });
  const rows = s.statement.lines.map((l, i) => ({
    statement_id: id,
    line_no: i + 1,
    reference: l.reference,
    supplier_order_id: l.supplierOrderId ?? null,
    kind: l.kind,
    amount: l.amount,
    at: new Date(l.at),
  }));
  for (let i = 0; i < rows.length; i += 1000) await trx('supplier_statement_lines').insert(rows.slice(i, i + 1000));
  return id;
}

/** POST /admin/suppliers/:id/statements: the supplier's CSV, all of it or nothing. */
export async function importStatement(db: Db, merchantId: string, supplierId: string, period: Period, csv: string, actor: string): Promise<{ id: string; lines: number }> {
  const supplier = await supplierOf(db, merchantId, supplierId);
  const lines = parseStatementCsv(csv, supplier.currency, period);
  return db.transaction(async (trx) => {
    const id = await storeStatement(trx, { merchantId, supplierId, period, source: 'import', receivedBy: actor, statement: { currency: supplier.currency, lines } });
    await recordAudit(trx, {
      merchantId,
      actor,
      action: 'supplier.statement_imported',
      target: `supplier:${supplierId}`,
      detail: { statementId: id, ...period, lines: lines.length },
    });
    return { id, lines: lines.length };
  });
}

export interface StoredStatement {
  id: string;
  source: 'import' | 'adapter';
  lines: SupplierStatementLine[];
}

async function readStatement(db: Knex, id: string): Promise<StoredStatement> {
  const head = await db('supplier_statements').where({ id }).first('source');
  if (!head) throw notFound('Statement');
  const rows = await db('supplier_statement_lines').where({ statement_id: id }).orderBy('line_no');
  return {
    id,
    source: head.source,
    lines: rows.map((r) => ({ reference: r.reference, kind: r.kind, amount: r.amount, at: r.at.toISOString(), supplierOrderId: r.supplier_order_id ?? undefined })),
  };
}

/** Whether a statement for the period can be had: fetched through the adapter, or imported. */
export async function statementSource(
  deps: { db: Db; registry: SupplierRegistry },
  merchantId: string,
  supplierId: string,
  period: Period,
  statementId?: string,
): Promise<{ statementId: string } | { adapter: true }> {
  const supplier = await supplierOf(deps.db, merchantId, supplierId);
  if (statementId) {
    const s = await deps.db('supplier_statements').where({ id: statementId, merchant_id: merchantId, supplier_id: supplierId }).first();
    if (!s) throw notFound('Statement');
    if (dayOf(s.period_from) !== period.from || dayOf(s.period_to) !== period.to) {
      throw invalidInput('statement_period_mismatch', `That statement covers ${dayOf(s.period_from)} – ${dayOf(s.period_to)}, not ${period.from} – ${period.to}`);
    }
    return { statementId };
  }
  if (supplier.kind === 'api') {
    const { adapter } = await deps.registry.adapterFor(supplierId);
    if (adapter.statement) return { adapter: true };
  }
  const latest = await deps
    .db('supplier_statements')
    .where({ merchant_id: merchantId, supplier_id: supplierId })
    .where('period_from', period.from)
    .where('period_to', period.to)
    .orderBy('created_at', 'desc')
    .first('id');
  if (latest) return { statementId: latest.id };
  throw conflict('no_supplier_statement', `${supplier.name} offers no statement to fetch and none was imported for ${period.from} – ${period.to}`, {
    supplier: supplier.name,
    ...period,
  });
}

/** The statement a run reconciles against: the one named or imported, or a fresh one fetched and stored. */
export async function statementFor(
  deps: { db: Db; registry: SupplierRegistry },
  merchantId: string,
  supplierId: string,
  period: Period,
  opts: { statementId?: string; actor: string },
): Promise<StoredStatement & { currency: string }> {
  const supplier = await supplierOf(deps.db, merchantId, supplierId);
  const source = await statementSource(deps, merchantId, supplierId, period, opts.statementId);
  if ('statementId' in source) return { ...(await readStatement(deps.db, source.statementId)), currency: supplier.currency };
  const { adapter } = await deps.registry.adapterFor(supplierId);
  const fetched = await adapter.statement!(period);
  if (fetched.currency !== supplier.currency) {
    throw conflict('statement_currency_mismatch', `${supplier.name}'s statement is in ${fetched.currency}, its purchases in ${supplier.currency}`, {
      supplier: supplier.name,
      currency: fetched.currency,
    });
  }
  const id = await deps.db.transaction((trx) => storeStatement(trx, { merchantId, supplierId, period, source: 'adapter', receivedBy: opts.actor, statement: fetched }));
  return { id, source: 'adapter', lines: fetched.lines, currency: supplier.currency };
}
