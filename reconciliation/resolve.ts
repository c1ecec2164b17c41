import type { Db } from '../db';
import { recordAudit } from '../lib/audit';
import { conflict, notFound } from '../lib/errors';
import { postReconciliationAdjustment } from '../ledger/postings-for';
import { alertOpenDifferences } from './run';

// A person resolves a difference with a reason, in one transaction with its audit row: either the
// books stand (the supplier corrects its statement, or it was timing), or an adjusting entry makes
// the books take the statement's figure (ledger/postings-for.ts postReconciliationAdjustment),
// dated in the open period like every entry (ledger/post.ts).

export async function resolveDifference(
  db: Db,
  merchantId: string,
  differenceId: string,
  resolution: { reason: string; adjust: boolean },
  actor: string,
): Promise<{ id: string; status: 'resolved'; adjustmentKey: string | null }> {
  return db.transaction(async (trx) => {
    const d = await trx('reconciliation_differences').where({ id: differenceId, merchant_id: merchantId }).forUpdate().first();
    if (!d) throw notFound('Difference');
    if (d.status !== 'open') throw conflict('difference_already_resolved', `This difference was resolved by ${d.resolved_by}`, { resolvedBy: d.resolved_by });
    const supplier = await trx('suppliers').where({ id: d.supplier_id }).first('terms', 'name');
    if (!supplier) throw notFound('Supplier');
    let adjustmentKey: string | null = null;
    if (resolution.adjust) {
      const difference = d.theirs - d.ours;
      // Nothing to adjust: the amounts agree (a difference of timing), or a prepaid supplier took
      // less than booked, which its next balance report puts right on the books by itself.
      if (difference === 0 || (difference < 0 && supplier.terms === 'prepaid')) {
        throw conflict('adjustment_not_needed', 'The books need no adjusting entry for this difference; resolve it without one', { difference });
      }
      adjustmentKey = await postReconciliationAdjustment(trx, {
        differenceId,
        merchantId,
        supplierId: d.supplier_id,
        terms: supplier.terms,
        currency: d.currency.trim(),
        difference,
        orderId: d.order_id ?? undefined,
        reason: resolution.reason,
      });
    }
    await trx('reconciliation_differences')
      .where({ id: differenceId })
      .update({ status: 'resolved', resolution_reason: resolution.reason, adjustment_key: adjustmentKey, resolved_by: actor, resolved_at: trx.fn.now() as unknown as Date });
    await recordAudit(trx, {
      merchantId,
      actor,
      action: 'reconciliation.difference_resolved',
      target: `supplier:${d.supplier_id}`,
      detail: { differenceId, kind: d.kind, reference: d.reference, reason: resolution.reason, adjustmentKey, ours: d.ours, theirs: d.theirs, currency: d.currency.trim() },
    });
    await alertOpenDifferences(trx, merchantId, d.supplier_id);
    return { id: differenceId, status: 'resolved' as const, adjustmentKey };
  });
}
