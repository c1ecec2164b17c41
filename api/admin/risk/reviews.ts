import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../../db';
import { notFound } from '../../../lib/errors';
import { eventDetail } from '../../../orders/events';
import { riskReasonCodes } from '../../../orders/reasons';
import type { FulfilmentClient } from '../../../orders/fulfilment-client';
import { decideReview } from '../../../risk/decide-review';
import { buyerKey, buyerKeySql } from '../../../risk/signals';
import { REVIEW_STATUSES } from '../../../risk/vocabulary';
import { parseOrThrow } from '../../errors';
import { allow } from '../auth';
import { IdList, parseListQuery, sendList } from '../list-query';
import type { OrderRow } from '../../../db/tables';
import type { RiskAssessment } from '../../../risk/assess-order';

// /admin/risk/reviews: the queue of orders the risk check held, and the decision on each.
// /admin/risk/assessments: every order's risk verdict, with its reasons.

const uuid = z.uuid();
const REVIEW_SORT = {
  id: 'r.order_id',
  deadlineAt: 'r.deadline_at',
  openedAt: 'r.opened_at',
  decidedAt: 'r.decided_at',
  score: 'r.score',
  totalAmount: 'o.total_amount',
  status: 'r.status',
} as const;
const ReviewFilter = z.object({ id: IdList.optional(), status: z.enum(REVIEW_STATUSES).optional() }).strict();
const ASSESSMENT_SORT = {
  id: 'o.id',
  createdAt: 'o.created_at',
  totalAmount: 'o.total_amount',
  score: `(o.risk->>'score')::int`,
  decision: `o.risk->>'decision'`,
  status: 'o.status',
} as const;
const AssessmentFilter = z.object({ id: IdList.optional(), decision: z.enum(['allow', 'review', 'reject']).optional(), status: z.string().max(32).optional() }).strict();

export const ReviewDecisionSchema = z
  .object({ decision: z.enum(['approve', 'reject']), note: z.string().trim().min(1, 'say why, for the next person who reads this order').max(1000) })
  .strict();

/** A review with its order, as reviewColumns select them. */
type ReviewRow = {
  order_id: string;
  external_ref: string;
  status: string;
  order_status: string;
  score: number;
  reasons: string[];
  order_risk: unknown;
  currency: string;
  total_amount: number;
  buyer: unknown;
  opened_at: Date;
  deadline_at: Date;
  decided_at: Date | null;
  decided_by_email: string | null;
  note: string | null;
};
const reviewView = (r: ReviewRow) => ({
  id: r.order_id,
  orderId: r.order_id,
  externalRef: r.external_ref,
  status: r.status,
  orderStatus: r.order_status,
  score: r.score,
  reasons: r.reasons,
  /** The reasons as codes for the console to word, when the order's assessment has them. */
  explained: riskReasonCodes({ reasons: r.reasons }, r.order_risk) ?? null,
  currency: r.currency,
  totalAmount: r.total_amount,
  buyer: r.buyer,
  openedAt: r.opened_at.toISOString(),
  deadlineAt: r.deadline_at.toISOString(),
  decidedAt: r.decided_at?.toISOString() ?? null,
  decidedBy: r.decided_by_email ?? null,
  note: r.note,
});

const assessmentView = (o: OrderRow) => ({
  id: o.id,
  externalRef: o.external_ref,
  status: o.status,
  reason: o.reason,
  currency: o.currency,
  totalAmount: o.total_amount,
  decision: (o.risk as RiskAssessment).decision,
  score: (o.risk as RiskAssessment).score,
  reasons: (o.risk as RiskAssessment).reasons,
  ruleVersion: (o.risk as RiskAssessment).ruleVersion,
  createdAt: o.created_at.toISOString(),
});

export function adminRiskReviewsRouter({ db, fulfilment }: { db: Db; fulfilment: FulfilmentClient }) {
  const router = Router();

  const reviews = (merchantId: string) =>
    db('risk_reviews as r').join('orders as o', 'o.id', 'r.order_id').leftJoin('users as u', 'u.id', 'r.decided_by').where('r.merchant_id', merchantId);
  const reviewColumns = ['r.*', 'o.external_ref', 'o.status as order_status', 'o.risk as order_risk', 'o.currency', 'o.total_amount', 'o.buyer', 'u.email as decided_by_email'];

  router.get('/reviews', allow('reviews', 'list'), async (req, res) => {
    const q = parseListQuery(req.query, { sortable: REVIEW_SORT, defaultSort: ['deadlineAt', 'ASC'], filter: ReviewFilter });
    const base = reviews(req.admin!.merchantId);
    if (q.filter.status) base.andWhere('r.status', q.filter.status);
    if (q.filter.id)
      base.whereIn(
        'r.order_id',
        q.filter.id.filter((id) => uuid.safeParse(id).success),
      );
    await sendList(res, db, 'reviews', base.select(reviewColumns), q, reviewView, 'r.order_id');
  });

  router.get('/reviews/:orderId', allow('reviews', 'show'), async (req, res) => {
    const row = uuid.safeParse(req.params.orderId).success
      ? await reviews(req.admin!.merchantId)
          .andWhere('r.order_id', req.params.orderId)
          .first([...reviewColumns, 'o.risk'])
      : undefined;
    if (!row) throw notFound('Review');
    res.json({ ...reviewView(row), risk: row.risk, ...(await reviewContext(db, req.admin!.merchantId, row)) });
  });

  router.post('/reviews/:orderId/decision', allow('reviews', 'decide'), async (req, res) => {
    const orderId = String(req.params.orderId);
    if (!uuid.safeParse(orderId).success || !(await reviews(req.admin!.merchantId).andWhere('r.order_id', orderId).first('r.order_id'))) throw notFound('Review');
    const { decision, note } = parseOrThrow(ReviewDecisionSchema, req.body ?? {});
    await decideReview(db, fulfilment, { merchantId: req.admin!.merchantId, orderId, decision, note, reviewerId: req.admin!.userId });
    const row = await reviews(req.admin!.merchantId)
      .andWhere('r.order_id', orderId)
      .first([...reviewColumns, 'o.risk']);
    res.json({ ...reviewView(row), risk: row.risk });
  });

  router.get('/assessments', allow('risk-assessments', 'list'), async (req, res) => {
    const q = parseListQuery(req.query, { sortable: ASSESSMENT_SORT, defaultSort: ['createdAt', 'DESC'], filter: AssessmentFilter });
    const base = db('orders as o').where('o.merchant_id', req.admin!.merchantId).whereNotNull('o.risk');
    if (q.filter.decision) base.andWhereRaw(`o.risk->>'decision' = ?`, [q.filter.decision]);
    if (q.filter.status) base.andWhere('o.status', q.filter.status);
    if (q.filter.id)
      base.whereIn(
        'o.id',
        q.filter.id.filter((id) => uuid.safeParse(id).success),
      );
    const query = base.select('o.*', db.raw(`(o.risk->>'score')::int AS score`), db.raw(`o.risk->>'decision' AS decision`));
    await sendList(res, db, 'assessments', query, q, assessmentView, 'o.id');
  });

  router.get('/assessments/:id', allow('risk-assessments', 'show'), async (req, res) => {
    const order = uuid.safeParse(req.params.id).success
      ? await db('orders')
          .where({ id: String(req.params.id), merchant_id: req.admin!.merchantId })
          .whereNotNull('risk')
          .first()
      : undefined;
    if (!order) throw notFound('Risk assessment');
    const events = await db('order_events').where({ order_id: order.id }).whereIn('type', ['risk_checked', 'risk_reviewed', 'cancelled']).orderBy('id');
    res.json({
      ...assessmentView(order),
      buyer: order.buyer,
      risk: order.risk,
      timeline: events.map((e) => ({ type: e.type, at: e.created_at.toISOString(), ...eventDetail(e.detail) })),
    });
  });

  return router;
}

/**
 * What a reviewer needs beside the reasons: what was bought, the buyer's history with this
 * merchant (by the same buyer key the risk rules use, on its index), and the next open review in
 * the queue, so a reviewer can work through it without going back to the list.
 */
async function reviewContext(db: Db, merchantId: string, row: { order_id: string; deadline_at: Date; buyer: Record<string, string> }) {
  const items = await db('order_items as i')
    .join('skus as s', 's.id', 'i.sku_id')
    .where('i.order_id', row.order_id)
    .orderBy('s.code')
    .select('s.code as sku', 's.name', 'i.quantity', 'i.unit_price');
  const key = buyerKey(row.buyer);
  const history = key
    ? await db('orders')
        .where('merchant_id', merchantId)
        .whereRaw(`${buyerKeySql()} = ?`, [key])
        .whereNot('id', row.order_id)
        .select(
          db.raw('count(*)::int AS orders'),
          db.raw(`count(*) FILTER (WHERE status = 'delivered')::int AS delivered`),
          db.raw(`count(*) FILTER (WHERE status = 'refunded')::int AS refunded`),
          db.raw(`count(*) FILTER (WHERE status IN ('cancelled', 'failed'))::int AS "cancelledOrFailed"`),
          db.raw('min(created_at) AS first'),
        )
        .first<{ orders: number; delivered: number; refunded: number; cancelledOrFailed: number; first: Date | null } | undefined>()
    : undefined;
  const recent = key
    ? await db('orders')
        .where('merchant_id', merchantId)
        .whereRaw(`${buyerKeySql()} = ?`, [key])
        .whereNot('id', row.order_id)
        .orderBy('created_at', 'desc')
        .limit(5)
        .select('id', 'external_ref', 'status', 'currency', 'total_amount', 'created_at')
    : [];
  const next = await db('risk_reviews')
    .where({ merchant_id: merchantId, status: 'open' })
    .whereNot('order_id', row.order_id)
    .orderByRaw('(deadline_at < ?), deadline_at, order_id', [row.deadline_at])
    .first('order_id');
  return {
    items: items.map((i) => ({ sku: i.sku, name: i.name, quantity: i.quantity, unitPrice: i.unit_price })),
    history: history
      ? {
          buyerKey: key,
          orders: history.orders,
          delivered: history.delivered,
          refunded: history.refunded,
          cancelledOrFailed: history.cancelledOrFailed,
          firstOrderAt: history.first ? new Date(history.first).toISOString() : null,
          recent: recent.map((o) => ({
            id: o.id,
            externalRef: o.external_ref,
            status: o.status,
            currency: o.currency,
            totalAmount: o.total_amount,
            createdAt: o.created_at.toISOString(),
          })),
        }
      : null,
    nextId: next?.order_id ?? null,
  };
}
