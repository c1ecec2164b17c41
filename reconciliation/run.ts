import type { Db } from '../db';
import { raiseAlert, resolveAlert } from '../lib/alerts';
import type { SupplierRegistry } from '../suppliers/registry';
import { findDifferences } from './match';
import { ourStatementQuery, type OurStatementLine } from './our-statement';
import { monthToYesterday, type Period } from './period';
import { statementFor } from './statements';

// One reconciliation run: one supplier, one period. The supplier's statement (imported, or fetched
// now) against our purchases of the period and any other purchase the statement names, matched by
// reference (reconciliation/match.ts); the run and what it found are written in one transaction,
// and a supplier with open differences has an open alert.

export interface RunRequest {
  merchantId: string;
  supplierId: string;
  period: Period;
  trigger: 'schedule' | 'on_demand';
  /** `user:<email>` or `system:reconciliation`. */
  startedBy: string;
  /** An imported statement to use; otherwise the adapter's, or the latest imported for the period. */
  statementId?: string;
}

export interface RunSummary {
  runId: string;
  statementId: string;
  purchases: number;
  statementLines: number;
  differences: number;
  byKind: Record<string, number>;
}

export async function reconcileSupplier(deps: { db: Db; registry: SupplierRegistry }, req: RunRequest): Promise<RunSummary> {
  const { db } = deps;
  const statement = await statementFor(deps, req.merchantId, req.supplierId, req.period, { statementId: req.statementId, actor: req.startedBy });
  const inPeriod: OurStatementLine[] = await ourStatementQuery(db, req.merchantId, req.supplierId, { period: req.period });
  // A purchase the statement names but made outside the period (a charge dated just after midnight) is still ours.
  const known = new Set(inPeriod.map((p) => p.reference));
  const named = [...new Set(statement.lines.map((l) => l.reference).filter((r) => !known.has(r)))];
  const outside: OurStatementLine[] = named.length ? await ourStatementQuery(db, req.merchantId, req.supplierId, { references: named }) : [];
  const differences = findDifferences([...inPeriod, ...outside], statement.lines);

  const runId = crypto.randomUUID();
  await db.transaction(async (trx) => {
    await trx('reconciliation_runs').insert({
      id: runId,
      merchant_id: req.merchantId,
      supplier_id: req.supplierId,
      statement_id: statement.id,
      period_from: req.period.from as unknown as Date,
      period_to: req.period.to as unknown as Date,
      trigger: req.trigger,
      started_by: req.startedBy,
      purchases: inPeriod.length,
      statement_lines: statement.lines.length,
      differences: differences.length,
    });
    for (const d of differences) {
      // The same difference seen by an earlier run of the period is the same row: its evidence is
      // brought up to date while it is open, and a resolved one stays resolved.
      await trx.raw(
        `INSERT INTO reconciliation_differences
           (id, merchant_id, supplier_id, period_from, period_to, kind, reference, purchase_id, order_id, currency, ours, theirs, evidence, first_run_id, last_run_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (supplier_id, period_from, period_to, kind, reference) DO UPDATE
           SET last_run_id = EXCLUDED.last_run_id, ours = EXCLUDED.ours, theirs = EXCLUDED.theirs, evidence = EXCLUDED.evidence
           WHERE reconciliation_differences.status = 'open'`,
        [
          crypto.randomUUID(),
          req.merchantId,
          req.supplierId,
          req.period.from,
          req.period.to,
          d.kind,
          d.reference,
          d.purchaseId,
          d.orderId,
          statement.currency,
          d.ours,
          d.theirs,
          JSON.stringify(d.evidence),
          runId,
          runId,
        ],
      );
    }
    await alertOpenDifferences(trx, req.merchantId, req.supplierId);
  });
  const byKind: Record<string, number> = {};
  for (const d of differences) byKind[d.kind] = (byKind[d.kind] ?? 0) + 1;
  return { runId, statementId: statement.id, purchases: inPeriod.length, statementLines: statement.lines.length, differences: differences.length, byKind };
}

/** One open alert per supplier while it has open differences; resolved with the last of them. */
export async function alertOpenDifferences(db: Db, merchantId: string, supplierId: string): Promise<void> {
  const [{ n }] = await db('reconciliation_differences').where({ merchant_id: merchantId, supplier_id: supplierId, status: 'open' }).count<{ n: number }[]>('* as n');
  if (Number(n) === 0) return resolveAlert(db, merchantId, 'supplier_statement_differences', supplierId);
  await raiseAlert(db, {
    merchantId,
    kind: 'supplier_statement_differences',
    subjectId: supplierId,
    message: `The supplier's statement and the books differ (${n} open)`,
    detail: { open: Number(n) },
  });
  // An alert already open keeps its first message; the count it shows is brought up to date.
  await db('alerts')
    .where({ merchant_id: merchantId, kind: 'supplier_statement_differences', subject_id: supplierId })
    .whereNull('resolved_at')
    .update({ detail: JSON.stringify({ open: Number(n) }) });
}

/** What the daily schedule reconciles: each supplier whose adapter offers a statement (the month so far), and each imported statement not reconciled yet. */
export async function dueReconciliations(deps: { db: Db; registry: SupplierRegistry }, now = new Date()): Promise<Omit<RunRequest, 'trigger' | 'startedBy'>[]> {
  const { db } = deps;
  const due: Omit<RunRequest, 'trigger' | 'startedBy'>[] = [];
  const suppliers = await db('suppliers').where({ kind: 'api', active: true }).whereNotNull('currency').select('id', 'merchant_id');
  for (const s of suppliers) {
    try {
      const { adapter } = await deps.registry.adapterFor(s.id);
      if (adapter.statement) due.push({ merchantId: s.merchant_id, supplierId: s.id, period: monthToYesterday(now) });
    } catch {
      // A supplier whose adapter cannot be built is reported where purchases use it; nothing to fetch here.
    }
  }
  const imported = await db('supplier_statements as st')
    .where('st.source', 'import')
    .whereNotExists(db('reconciliation_runs as r').whereRaw('r.statement_id = st.id'))
    .select('st.id', 'st.merchant_id', 'st.supplier_id', db.raw(`to_char(st.period_from, 'YYYY-MM-DD') AS "from"`), db.raw(`to_char(st.period_to, 'YYYY-MM-DD') AS "to"`));
  for (const st of imported) due.push({ merchantId: st.merchant_id, supplierId: st.supplier_id, period: { from: st.from, to: st.to }, statementId: st.id });
  return due;
}
