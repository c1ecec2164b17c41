import type { Db } from '../db';
import { conflict, notFound } from '../lib/errors';
import type { FulfilmentClient } from '../orders/fulfilment-client';

// A person's decision on an order the risk check held, from the review queue or from the order
// itself. Only an open review of the merchant's own order can be decided, and only through the
// order's workflow, which records the outcome (risk/review.ts) and moves the order on.

export interface ReviewDecisionRequest {
  merchantId: string;
  orderId: string;
  decision: 'approve' | 'reject';
  note: string;
  reviewerId: string;
}

export async function decideReview(db: Db, fulfilment: FulfilmentClient, r: ReviewDecisionRequest): Promise<void> {
  const review = await db('risk_reviews').where({ order_id: r.orderId, merchant_id: r.merchantId }).first('status');
  if (!review) throw notFound('Review');
  if (review.status !== 'open') throw conflict('review_closed', `this review is already ${review.status}`);
  await fulfilment.decideRiskReview(r.orderId, { decision: r.decision, note: r.note, reviewerId: r.reviewerId });
}
