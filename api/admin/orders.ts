import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import { recordAudit, userActor } from '../../lib/audit';
import type { CodeVault } from '../../lib/code-vault';
import type { OutboundHttp } from '../../lib/outbound-http';
import { canAccess } from '../../lib/permissions';
import { loadConsoleOrder, type ConsoleOrder } from '../../orders/console-view';
import type { FulfilmentClient } from '../../orders/fulfilment-client';
import { refundOrder } from '../../orders/refund-order';
import { resendDeliveryWebhook } from '../../orders/resend-webhook';
import { retryOrder } from '../../orders/retry-order';
import { ORDER_STATUSES } from '../../orders/lifecycle';
import { requireAllowed } from '../../orders/order-facts';
import { AppError, conflict, notFound } from '../../lib/errors';
import { decideReview } from '../../risk/decide-review';
import type { AttentionAction } from '../../workflows/messages';
import { parseOrThrow } from '../errors';
import { jsonBody } from '../well-formed';
import { resolveAttention } from './attention';
import { allow, type AdminPrincipal, type Role } from './auth';
import { escapeLike, IdList, iso, parseListQuery, sendDescribedList } from './list-query';

// Orders in the console: find them, see where they stand, and act on them.

/**
 * What of an order a role may read: the storefront's webhook URL only with storefronts.show, and
 * buyers' top-up accounts only with manual-tasks.show (lib/permissions.ts owns both rules).
 */
type Unit = ConsoleOrder['items'][number]['units'][number];
type VisibleOrder = Omit<ConsoleOrder, 'items'> & {
  items: (Omit<ConsoleOrder['items'][number], 'units'> & {
    units: (Omit<Unit, 'receipt'> & { receipt: null | (Omit<NonNullable<Unit['receipt']>, 'account'> & { account: string | null }) })[];
  })[];
};

function visibleTo(role: Role, order: ConsoleOrder): VisibleOrder {
  const webhookUrl = canAccess(role, { resource: 'storefronts', action: 'show' }) ? order.storefront.webhookUrl : null;
  const accounts = canAccess(role, { resource: 'manual-tasks', action: 'show' });
  if (accounts && webhookUrl === order.storefront.webhookUrl) return order;
  return {
    ...order,
    storefront: { ...order.storefront, webhookUrl },
    items: order.items.map((i) => ({
      ...i,
      account: accounts ? i.account : null,
      units: i.units.map((u) => ({ ...u, receipt: u.receipt && !accounts ? { ...u.receipt, account: null } : u.receipt })),
    })),
  };
}
export interface TemporalUi {
  url: string;
  namespace: string;
}

// A calendar day (UTC, as everything here) or an exact instant (the console sends the bounds of
// the day in the user's own time zone).
const dayOrInstant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'expected a date such as 2026-11-26 or an ISO time' });

const OrderFilter = z
  .object({
    id: IdList.optional(),
    q: z.string().trim().max(128).optional(),
    status: z.union([z.enum(ORDER_STATUSES), z.array(z.enum(ORDER_STATUSES))]).optional(),
    storefrontId: z.uuid().optional(),
    sku: z.string().max(64).optional(),
    createdFrom: dayOrInstant.optional(),
    createdTo: dayOrInstant.optional(),
    buyer: z.string().trim().max(254).optional(),
    riskDecision: z.string().max(32).optional(),
  })
  .strict();

const reason = z.string().trim().min(3, 'Say why, in a few words').max(500);
export const Reason = z.object({ reason }).strict();
// A refund of the whole order, or of the units named.
export const Refund = z.object({ reason, unitIds: z.array(z.uuid()).min(1).max(1000).optional() }).strict();
// "Every order that failed on supplier X since T", after an outage.
export const FailedOnSupplier = z.object({ supplierId: z.uuid(), since: z.iso.datetime({ offset: true }) }).strict();
const BULK_RETRY_LIMIT = 500;
export const OptionalReason = z.object({ reason: reason.optional() }).strict();
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function adminOrdersRouter(deps: { db: Db; vault: CodeVault; fulfilment: FulfilmentClient; temporalUi?: TemporalUi; maxBodyBytes: number; outbound: OutboundHttp }) {
  const { db, vault, fulfilment } = deps;
  const router = Router();
  const json = jsonBody(deps.maxBodyBytes);

  router.get('/orders', allow('orders', 'list'), async (req, res) => {
    const params = parseListQuery(req.query, {
      // Each sort order has its index (migration 018), so a merchant's ten million orders sort without a scan.
      sortable: { createdAt: 'o.created_at', totalAmount: 'o.total_amount', status: 'o.status', externalRef: 'o.external_ref' },
      defaultSort: ['createdAt', 'DESC'],
      filter: OrderFilter,
    });
    const f = params.filter;
    const q = db('orders as o')
      .join('storefronts as sf', 'sf.id', 'o.storefront_id')
      .where('o.merchant_id', req.admin!.merchantId)
      .select(
        'o.id',
        'o.external_ref',
        'o.status',
        'o.reason',
        'o.currency',
        'o.total_amount',
        'o.buyer',
        'o.created_at',
        'o.updated_at',
        'o.delivered_at',
        'o.storefront_id',
        'sf.name as storefront_name',
        db.raw(`o.risk->>'decision' as risk_decision`),
      );
    if (f.id)
      q.whereIn(
        'o.id',
        f.id.filter((id) => uuid.test(id)),
      );
    if (f.q) q.where((w) => (uuid.test(f.q!) ? w.where('o.id', f.q!).orWhere('o.external_ref', f.q!) : w.where('o.external_ref', 'like', `${escapeLike(f.q!)}%`)));
    if (f.status) q.whereIn('o.status', Array.isArray(f.status) ? f.status : [f.status]);
    if (f.storefrontId) q.where('o.storefront_id', f.storefrontId);
    if (f.sku) {
      // The SKU's id first, so each order is probed on order_items' (order_id, sku_id) key alone.
      const skuIds = db('skus').where({ merchant_id: req.admin!.merchantId, code: f.sku }).select('id');
      q.whereExists(db('order_items as i').whereRaw('i.order_id = o.id').whereIn('i.sku_id', skuIds));
    }
    if (f.createdFrom) q.where('o.created_at', '>=', f.createdFrom.length === 10 ? `${f.createdFrom}T00:00:00Z` : f.createdFrom);
    if (f.createdTo) {
      if (f.createdTo.length === 10) q.where('o.created_at', '<', db.raw(`?::timestamptz + interval '1 day'`, [`${f.createdTo}T00:00:00Z`]));
      else q.where('o.created_at', '<=', f.createdTo);
    }
    if (f.buyer) {
      const b = f.buyer;
      // An email by its beginning, the rest exactly: each answered by its own index (migration 018),
      // where a match anywhere in the email read every order of the merchant.
      q.where((w) =>
        w
          .whereRaw(`lower(o.buyer->>'email') LIKE ?`, [`${escapeLike(b.toLowerCase())}%`])
          .orWhereRaw(`o.buyer->>'phone' = ?`, [b])
          .orWhereRaw(`o.buyer->>'accountId' = ?`, [b])
          .orWhereRaw(`o.buyer->>'ip' = ?`, [b])
          .orWhereRaw(`o.buyer->>'deviceId' = ?`, [b]),
      );
    }
    if (f.riskDecision) q.whereRaw(`o.risk->>'decision' = ?`, [f.riskDecision]);
    // Items are read for the page's orders only, once the page is chosen: never for rows an
    // offset skips or a count only counts.
    const itemsOf = async (ids: string[]) => {
      const rows = await db('order_items as i')
        .join('skus as s', 's.id', 'i.sku_id')
        .whereIn('i.order_id', ids)
        .orderBy('s.code')
        .select('i.order_id', 's.code as sku', 'i.quantity');
      const byOrder = new Map<string, { sku: string; quantity: number }[]>();
      for (const r of rows) byOrder.set(r.order_id, [...(byOrder.get(r.order_id) ?? []), { sku: r.sku, quantity: r.quantity }]);
      return byOrder;
    };
    await sendDescribedList(
      res,
      db,
      'orders',
      q,
      params,
      async (orders: any[]) => {
        const items = await itemsOf(orders.map((o) => o.id));
        return orders.map((o) => orderListJson(o, items.get(o.id) ?? []));
      },
      'o.id',
    );
  });

  const orderListJson = (o: any, items: { sku: string; quantity: number }[]) => ({
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
    items,
    createdAt: iso(o.created_at),
    updatedAt: iso(o.updated_at),
    deliveredAt: iso(o.delivered_at),
  });

  router.get('/orders/:id', allow('orders', 'show'), async (req, res) => {
    const order = await findOrder(req.admin!, req.params.id);
    res.json(order);
  });

  // Live detail from Temporal, asked separately so the page never waits on it.
  router.get('/orders/:id/workflow', allow('orders', 'show'), async (req, res) => {
    const order = await findOrder(req.admin!, req.params.id);
    const [execution, state] = await Promise.all([fulfilment.describe(order.id), fulfilment.state(order.id)]);
    const url = deps.temporalUi ? `${deps.temporalUi.url.replace(/\/$/, '')}/namespaces/${encodeURIComponent(deps.temporalUi.namespace)}/workflows/${order.id}` : null;
    res.json({ id: order.id, url, execution: execution ?? null, state: state ?? null });
  });

  // An order that stopped for a person is resumed by its own workflow, from where it stopped.
  const resolveStopped = async (req: Request, orderId: string, action: AttentionAction, note: string) => {
    await resolveAttention(db, fulfilment, orderId, { action, actor: userActor(req.admin!.email), note });
    return findOrder(req.admin!, orderId);
  };

  router.post('/orders/:id/retry', allow('orders', 'retry'), json, async (req, res) => {
    const order = await findOrder(req.admin!, req.params.id);
    const { reason } = parseOrThrow(OptionalReason, req.body ?? {});
    if (order.status === 'needs_attention') return void res.json(await resolveStopped(req, order.id, 'retry', reason ?? 'retried from the console'));
    await retryOrder(db, { orderId: order.id, merchantId: req.admin!.merchantId, actor: userActor(req.admin!.email) }, (id) => fulfilment.startRetried(id));
    res.json(await findOrder(req.admin!, order.id));
  });

  // Bulk retry after a supplier outage: first list what would be retried (the console asks for
  // confirmation with it), then retry each, answering per order.
  router.get('/orders-failed-on-supplier', allow('orders', 'retry'), async (req, res) => {
    const f = parseOrThrow(FailedOnSupplier, req.query);
    res.json(await failedOnSupplier(req.admin!.merchantId, f));
  });

  router.post('/orders/bulk-retry', allow('orders', 'retry'), json, async (req, res) => {
    const f = parseOrThrow(FailedOnSupplier, req.body ?? {});
    const actor = userActor(req.admin!.email);
    const results: { id: string; externalRef: string; outcome: 'retried' | 'refused'; error?: { code: string; message: string } }[] = [];
    for (const o of await failedOnSupplier(req.admin!.merchantId, f)) {
      try {
        await retryOrder(db, { orderId: o.id, merchantId: req.admin!.merchantId, actor }, (id) => fulfilment.startRetried(id));
        results.push({ ...o, outcome: 'retried' });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        results.push({ ...o, outcome: 'refused', error: { code: err.code, message: err.message } });
      }
    }
    await recordAudit(db, {
      merchantId: req.admin!.merchantId,
      actor,
      action: 'orders.bulk_retried',
      target: `supplier:${f.supplierId}`,
      detail: { since: f.since, retried: results.filter((r) => r.outcome === 'retried').length, refused: results.filter((r) => r.outcome === 'refused').length },
    });
    res.json({ results });
  });

  /** Failed orders of this merchant with a purchase that failed at the supplier, failed since `since`. */
  async function failedOnSupplier(merchantId: string, f: { supplierId: string; since: string }) {
    const rows = await db('orders as o')
      .where({ 'o.merchant_id': merchantId, 'o.status': 'failed' })
      .where('o.updated_at', '>=', f.since)
      .whereExists(db('supplier_purchases as p').whereRaw('p.order_id = o.id').where({ 'p.supplier_id': f.supplierId, 'p.status': 'failed' }))
      .orderBy('o.updated_at')
      .limit(BULK_RETRY_LIMIT)
      .select('o.id', 'o.external_ref');
    return rows.map((r) => ({ id: r.id as string, externalRef: r.external_ref as string }));
  }

  router.post('/orders/:id/resend-webhook', allow('orders', 'resend'), async (req, res) => {
    const order = await findOrder(req.admin!, req.params.id);
    const result = await resendDeliveryWebhook(db, vault, deps.outbound, { orderId: order.id, merchantId: req.admin!.merchantId, actor: userActor(req.admin!.email) });
    res.json(result);
  });

  router.post('/orders/:id/cancel', allow('orders', 'cancel'), json, async (req, res) => {
    const order = await findOrder(req.admin!, req.params.id);
    const { reason } = parseOrThrow(Reason, req.body ?? {});
    await requireAllowed(db, 'cancel', await orderRow(order.id));
    await fulfilment.cancel(order.id, reason);
    await recordAudit(db, { merchantId: req.admin!.merchantId, actor: userActor(req.admin!.email), action: 'order.cancelled', target: `order:${order.id}`, detail: { reason } });
    res.json(await findOrder(req.admin!, order.id));
  });

  router.post('/orders/:id/refund', allow('orders', 'refund'), json, async (req, res) => {
    const order = await findOrder(req.admin!, req.params.id);
    const { reason, unitIds } = parseOrThrow(Refund, req.body ?? {});
    // A stopped order's workflow gives the goods back and ends (a part of it is refunded here, and it stays stopped).
    if (order.status === 'needs_attention' && !unitIds) return void res.json(await resolveStopped(req, order.id, 'refund', reason));
    const refund = await refundOrder(db, { orderId: order.id, merchantId: req.admin!.merchantId, reason, unitIds, actor: userActor(req.admin!.email) });
    await fulfilment.notifyRefunded(order.id, refund.refundId);
    res.json(await findOrder(req.admin!, order.id));
  });

  // Fulfil by hand an order that stopped: its missing units become a manual task.
  router.post('/orders/:id/fulfil-manually', allow('orders', 'fulfil'), json, async (req, res) => {
    const order = await findOrder(req.admin!, req.params.id);
    const { reason } = parseOrThrow(Reason, req.body ?? {});
    if (order.status !== 'needs_attention')
      throw conflict('not_needing_attention', `The order is ${order.status}; only an order that needs attention is handed over to be fulfilled by hand`);
    res.json(await resolveStopped(req, order.id, 'fulfil_manually', reason));
  });

  // A held order's risk review, decided from the order: the same decision as the review queue's.
  for (const decision of ['approve', 'reject'] as const) {
    router.post(`/orders/:id/${decision}`, allow('orders', decision), json, async (req, res) => {
      const order = await findOrder(req.admin!, req.params.id);
      const { reason } = parseOrThrow(Reason, req.body ?? {});
      await requireAllowed(db, decision, await orderRow(order.id));
      await decideReview(db, fulfilment, { merchantId: req.admin!.merchantId, orderId: order.id, decision, note: reason, reviewerId: req.admin!.userId });
      res.json(await findOrder(req.admin!, order.id));
    });
  }

  const orderRow = (id: string) => db('orders').where({ id }).first('id', 'status', 'storefront_id');

  // Another merchant's order and a malformed id look the same: not found.
  async function findOrder(admin: AdminPrincipal, id: unknown) {
    const order = typeof id === 'string' && uuid.test(id) ? await loadConsoleOrder(db, admin.merchantId, id) : undefined;
    if (!order) throw notFound('Order');
    return visibleTo(admin.role, order);
  }

  return router;
}
