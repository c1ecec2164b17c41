import type { Db } from '../db';
import { recordAudit, userActor } from '../lib/audit';
import { InvariantBroken } from '../lib/errors';
import { appendEvent } from '../orders/events';
import { reportReviewRejected } from '../reports/rollup';
import type { RiskAssessment } from './assess-order';

// The end of a review, written once (a retried activity finds it written): the review row, the
// order's risk record, its timeline, and for a person's decision the audit log.

export type ReviewOutcome =
  { decision: 'approve' | 'reject'; by: 'reviewer'; reviewerId: string; note: string } | { decision: 'reject'; by: 'deadline' } | { decision: 'withdrawn'; by: 'storefront' };

const STATUS = { approve: 'approved', reject: 'rejected', withdrawn: 'withdrawn' } as const;

export async function recordReviewOutcome(db: Db, orderId: string, outcome: ReviewOutcome): Promise<{ status: string }> {
  return db.transaction(async (trx) => {
    const review = await trx('risk_reviews').where({ order_id: orderId }).forUpdate().first();
    if (!review) throw new InvariantBroken('review_missing', { orderId });
    if (review.status !== 'open') return { status: review.status };

    const status = outcome.by === 'deadline' ? 'expired' : STATUS[outcome.decision];
    const reviewer = outcome.by === 'reviewer' ? await trx('users').where({ id: outcome.reviewerId, merchant_id: review.merchant_id }).first('id', 'email') : undefined;
    const note = outcome.by === 'reviewer' ? outcome.note : null;
    const [{ now }] = (await trx.raw('SELECT now() AS now')).rows;
    await trx('risk_reviews')
      .where({ order_id: orderId })
      .update({ status, decided_at: now, decided_by: reviewer?.id ?? null, note });

    const order = await trx('orders').where({ id: orderId }).forUpdate().first('status', 'risk');
    if (!order) throw new InvariantBroken('order_missing', { orderId });
    await trx('orders')
      .where({ id: orderId })
      .update({
        risk: JSON.stringify({ ...(order.risk as RiskAssessment), review: { status, by: outcome.by, decidedAt: now.toISOString(), ...(note ? { note } : {}) } }),
        // Approved: on to fulfilment. Rejected or expired: the cancel step follows and releases the stock.
        ...(status === 'approved' && order.status === 'held' ? { status: 'processing' } : {}),
        updated_at: trx.fn.now(),
      });
    if (status === 'withdrawn') return { status };
    if (status === 'rejected' || status === 'expired') await reportReviewRejected(trx, orderId);

    await appendEvent(trx, orderId, 'risk_reviewed', {
      decision: outcome.decision,
      by: outcome.by,
      ...(reviewer ? { reviewerId: reviewer.id } : {}),
      ...(note ? { note } : {}),
    });
    await recordAudit(trx, {
      merchantId: review.merchant_id,
      actor: reviewer ? userActor(reviewer.email) : 'system:review-deadline',
      action: `risk.review.${status}`,
      target: `order:${orderId}`,
      detail: { note, score: review.score },
    });
    return { status };
  });
}
