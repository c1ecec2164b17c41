import express, { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import { recordAudit, userActor } from '../../lib/audit';
import type { CodeVault } from '../../lib/code-vault';
import { conflict, notFound } from '../../lib/errors';
import { loadConsoleOrder } from '../../orders/console-view';
import type { FulfilmentClient } from '../../orders/fulfilment-client';
import { refundOrder } from '../../orders/refund-order';
import { resendDeliveryWebhook } from '../../orders/resend-webhook';
import { retryOrder } from '../../orders/retry-order';
import { decideReview } from '../../risk/decide-review';
import type { AttentionAction } from '../../workflows/messages';
import { parseOrThrow } from '../errors';
import { allow } from './auth';
import { escapeLike, IdList, iso, parseListQuery, sendList } from './list-query';

// Orders in the console: find them, see where they stand, and act on them.
export interface TemporalUi {
  url: string;
  namespace: string;
}

const STATUSES = ['accepted', 'held', 'processing', 'needs_attention', 'delivered', 'failed', 'cancelled', 'refunded'] as const;
// A calendar day (UTC, as everything here) or an exact instant (the console sends the bounds of
// the day in the user's own time zone).
const dayOrInstant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'expected a date such as 2026-11-26 or an ISO time' });

const OrderFilter = z
  .object({
    id: IdList.optional(),
    q: z.string().trim().max(128).optional(),
    status: z.union([z.enum(STATUSES), z.array(z.enum(STATUSES))]).optional(),
    storefrontId: z.uuid().optional(),
    sku: z.string().max(64).optional(),
    createdFrom: dayOrInstant.optional(),
    createdTo: dayOrInstant.optional(),
    buyer: z.string().trim().max(254).optional(),
    riskDecision: z.string().max(32).optional(),
  })
  .strict();

const Reason = z.object({ reason: z.string().trim().min(3, 'Say why, in a few words').max(500) }).strict();
const OptionalReason = z.object({ reason: z.string().trim().min(3, 'Say why, in a few words').max(500).optional() }).strict();
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function adminOrdersRouter(deps: { db: Db; vault: CodeVault; fulfilment: FulfilmentClient; temporalUi?: TemporalUi; maxBodyBytes: number }) {
  const { db, vault, fulfilment } = deps;
  const router = Router();
  const json = express.json({ limit: deps.maxBodyBytes });

  router.get('/orders', allow('orders', 'list'), async (req, res) => {
    const params = parseListQuery(req.query, {
      sortable: { createdAt: 'o.created_at', updatedAt: 'o.updated_at', totalAmount: 'o.total_amount', status: 'o.status', externalRef: 'o.external_ref' },
      defaultSort: ['createdAt', 'DESC'],
      filter: OrderFilter,
    });
    const f = params.filter;
    const q = db('orders as o')
      .join('storefronts as sf', 'sf.id', 'o.storefront_id')
      .where('o.merchant_id', req.admin!.merchantId)
      .select(
        'o.id', 'o.external_ref', 'o.status', 'o.reason', 'o.currency', 'o.total_amount', 'o.buyer', 'o.created_at', 'o.updated_at', 'o.delivered_at',
        'o.storefront_id', 'sf.name as storefront_name',
        db.raw(`o.risk->>'decision' as risk_decision`),
        db.raw(`(SELECT json_agg(json_build_object('sku', s.code, 'quantity', i.quantity) ORDER BY s.code) FROM order_items i JOIN skus s ON s.id = i.sku_id WHERE i.order_id = o.id) AS items`),
      );
    if (f.id) q.whereIn('o.id', f.id.filter((id) => uuid.test(id)));
    if (f.q) q.where((w) => (uuid.test(f.q!) ? w.where('o.id', f.q!).orWhere('o.external_ref', f.q!) : w.where('o.external_ref', 'like', `${escapeLike(f.q!)}%`)));
    if (f.status) q.whereIn('o.status', Array.isArray(f.status) ? f.status : [f.status]);
    if (f.storefrontId) q.where('o.storefront_id', f.storefrontId);
    if (f.sku) q.whereExists(db('order_items as i').join('skus as s', 's.id', 'i.sku_id').whereRaw('i.order_id = o.id').where('s.code', f.sku));
    if (f.createdFrom) q.where('o.created_at', '>=', f.createdFrom.length === 10 ? `${f.createdFrom}T00:00:00Z` : f.createdFrom);
    if (f.createdTo) {
      if (f.createdTo.length === 10) q.where('o.created_at', '<', db.raw(`?::timestamptz + interval '1 day'`, [`${f.createdTo}T00:00:00Z`]));
      else q.where('o.created_at', '<=', f.createdTo);
    }
    if (f.buyer) {
      const b = f.buyer;
      q.where((w) =>
        w
          .whereRaw(`o.buyer->>'email' ILIKE ?`, [`%${escapeLike(b)}%`])
          .orWhereRaw(`o.buyer->>'phone' = ?`, [b])
          .orWhereRaw(`o.buyer->>'accountId' = ?`, [b])
          .orWhereRaw(`o.buyer->>'ip' = ?`, [b])
          .orWhereRaw(`o.buyer->>'deviceId' = ?`, [b]),
      );
    }
    if (f.riskDecision) q.whereRaw(`o.risk->>'decision' = ?`, [f.riskDecision]);
    await sendList(res, db, 'orders', q, params, (o: any) => ({
      id: o.id,
      externalRef: o.external_ref,
      status: o.status,
      reason: o.reason,
      currency: o.currency,
      totalAmount: o.total_amount,
      buyer: o.buyer,
      riskDecision: o.risk_decision,
      storefrontId: o.storefront_id,
      storefrontName: o.storefront_name,
      items: o.items ?? [],
      createdAt: iso(o.created_at),
      updatedAt: iso(o.updated_at),
      deliveredAt: iso(o.delivered_at),
    }), 'o.id');
  });

  router.get('/orders/:id', allow('orders', 'show'), async (req, res) => {
    const order = await findOrder(req.admin!.merchantId, req.params.id);
    res.json(order);
  });

  // Live detail from Temporal, asked separately so the page never waits on it.
  router.get('/orders/:id/workflow', allow('orders', 'show'), async (req, res) => {
    const order = await findOrder(req.admin!.merchantId, req.params.id);
    const [execution, state] = await Promise.all([fulfilment.describe(order.id), fulfilment.state(order.id)]);
    const url = deps.temporalUi ? `${deps.temporalUi.url.replace(/\/$/, '')}/namespaces/${encodeURIComponent(deps.temporalUi.namespace)}/workflows/${order.id}` : null;
    res.json({ id: order.id, url, execution: execution ?? null, state: state ?? null });
  });

  // An order that stopped for a person is resumed by its own workflow, from where it stopped.
  const resolveAttention = async (req: express.Request, orderId: string, action: AttentionAction, note: string) => {
    await fulfilment.resolveAttention(orderId, { action, actor: userActor(req.admin!.email), note });
    return findOrder(req.admin!.merchantId, orderId);
  };

  router.post('/orders/:id/retry', allow('orders', 'retry'), json, async (req, res) => {
    const order = await findOrder(req.admin!.merchantId, req.params.id);
    const { reason } = parseOrThrow(OptionalReason, req.body ?? {});
    if (order.status === 'needs_attention') return void res.json(await resolveAttention(req, order.id, 'retry', reason ?? 'retried from the console'));
    await retryOrder(db, { orderId: order.id, merchantId: req.admin!.merchantId, actor: userActor(req.admin!.email) }, (id) => fulfilment.startFreshRun(id));
    res.json(await findOrder(req.admin!.merchantId, order.id));
  });

  router.post('/orders/:id/resend-webhook', allow('orders', 'resend'), async (req, res) => {
    const order = await findOrder(req.admin!.merchantId, req.params.id);
    const result = await resendDeliveryWebhook(db, vault, { orderId: order.id, merchantId: req.admin!.merchantId, actor: userActor(req.admin!.email) });
    res.json(result);
  });

  router.post('/orders/:id/cancel', allow('orders', 'cancel'), json, async (req, res) => {
    const order = await findOrder(req.admin!.merchantId, req.params.id);
    const { reason } = parseOrThrow(Reason, req.body ?? {});
    await fulfilment.cancel(order.id, reason);
    await recordAudit(db, { merchantId: req.admin!.merchantId, actor: userActor(req.admin!.email), action: 'order.cancelled', target: `order:${order.id}`, detail: { reason } });
    res.json(await findOrder(req.admin!.merchantId, order.id));
  });

  router.post('/orders/:id/refund', allow('orders', 'refund'), json, async (req, res) => {
    const order = await findOrder(req.admin!.merchantId, req.params.id);
    const { reason } = parseOrThrow(Reason, req.body ?? {});
    if (order.status === 'needs_attention') return void res.json(await resolveAttention(req, order.id, 'refund', reason));
    await refundOrder(db, { orderId: order.id, merchantId: req.admin!.merchantId, reason, actor: userActor(req.admin!.email) });
    res.json(await findOrder(req.admin!.merchantId, order.id));
  });

  // Fulfil by hand an order that stopped: its missing units become a manual task.
  router.post('/orders/:id/fulfil-manually', allow('orders', 'fulfil'), json, async (req, res) => {
    const order = await findOrder(req.admin!.merchantId, req.params.id);
    const { reason } = parseOrThrow(Reason, req.body ?? {});
    if (order.status !== 'needs_attention') throw conflict('not_needing_attention', `The order is ${order.status}; only an order that needs attention is handed over to be fulfilled by hand`);
    res.json(await resolveAttention(req, order.id, 'fulfil_manually', reason));
  });

  // A held order's risk review, decided from the order: the same decision as the review queue's.
  for (const decision of ['approve', 'reject'] as const) {
    router.post(`/orders/:id/${decision}`, allow('orders', decision), json, async (req, res) => {
      const order = await findOrder(req.admin!.merchantId, req.params.id);
      const { reason } = parseOrThrow(Reason, req.body ?? {});
      if (!(await db('risk_reviews').where({ order_id: order.id }).first('order_id'))) throw conflict('not_held', 'the risk check did not hold this order for review');
      await decideReview(db, fulfilment, { merchantId: req.admin!.merchantId, orderId: order.id, decision, note: reason, reviewerId: req.admin!.userId });
      res.json(await findOrder(req.admin!.merchantId, order.id));
    });
  }

  // Another merchant's order and a malformed id look the same: not found.
  async function findOrder(merchantId: string, id: unknown) {
    const order = typeof id === 'string' && uuid.test(id) ? await loadConsoleOrder(db, merchantId, id) : undefined;
    if (!order) throw notFound('Order');
    return order;
  }

  return router;
}

