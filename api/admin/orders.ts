import { Router, type Request } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Db } from '../../db';
import { recordAudit, userActor } from '../../lib/audit';
import type { CodeVault } from '../../lib/code-vault';
import type { OutboundHttp } from '../../lib/outbound-http';
import { canAccess } from '../../lib/permissions';
import { loadConsoleOrder, type ConsoleOrder } from '../../orders/console-view';
import { orderReason, storedReason } from '../../orders/reasons';
import type { FulfilmentClient } from '../../orders/fulfilment-client';
import { refundOrder } from '../../orders/refund-order';
import { resendDeliveryWebhook } from '../../orders/resend-webhook';
import { storefrontNotToldSql, webhookState } from '../../orders/webhook-outbox';
import { retryOrder } from '../../orders/retry-order';
import { ORDER_STATUSES, type OrderAction } from '../../orders/lifecycle';
import { manualTaskOpenSql, requireAllowed } from '../../orders/order-facts';
import { whereBuyerIs, whereOrderMatches } from '../../orders/order-search';
import { AppError, conflict, notFound } from '../../lib/errors';
import { decideReview } from '../../risk/decide-review';
import type { AttentionAction } from '../../workflows/messages';
import { parseOrThrow } from '../errors';
import { jsonBody } from '../well-formed';
import { resolveAttention } from './attention';
import { allow, type AdminPrincipal, type Role } from './auth';
import { IdList, iso, parseListQuery, sendList } from './list-query';
import type { OrderRow } from '../../db/tables';

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

export const OrderFilter = z
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
    // Orders whose storefront was not told: their latest webhook attempt failed.
    storefrontNotTold: z.boolean().optional(),
  })
  .strict();

export type OrderFilter = z.infer<typeof OrderFilter>;
export const ORDER_SORT = { createdAt: 'o.created_at', updatedAt: 'o.updated_at', totalAmount: 'o.total_amount', status: 'o.status', externalRef: 'o.external_ref' };
const reason = z.string().trim().min(3, 'Say why, in a few words').max(500);
export const Reason = z.object({ reason }).strict();
// A refund of the whole order, or of the units named.
export const Refund = z.object({ reason, unitIds: z.array(z.uuid()).min(1).max(1000).optional() }).strict();
// "Every order that failed on supplier X since T", after an outage.
export const FailedOnSupplier = z.object({ supplierId: z.uuid(), since: z.iso.datetime({ offset: true }) }).strict();
const BULK_RETRY_LIMIT = 500;
/** The order actions that can be done to many orders at once (fulfilling by hand needs codes per order). */
export const BULK_ORDER_ACTIONS = ['retry', 'resend', 'refund', 'cancel', 'approve', 'reject'] as const satisfies readonly OrderAction[];
type BulkOrderAction = (typeof BULK_ORDER_ACTIONS)[number];
// One note for all: cancel, refund, approve and reject need one (retry and resend take it as the audit's why).
export const BulkAction = z.object({ action: z.enum(BULK_ORDER_ACTIONS), ids: z.array(z.uuid()).min(1, 'Choose at least one order').max(100), reason }).strict();
export const OptionalReason = z.object({ reason: reason.optional() }).strict();
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function adminOrdersRouter(deps: { db: Db; vault: CodeVault; fulfilment: FulfilmentClient; temporalUi?: TemporalUi; maxBodyBytes: number; outbound: OutboundHttp }) {
  const { db, vault, fulfilment } = deps;
  const router = Router();
  const json = jsonBody(deps.maxBodyBytes);

  router.get('/orders', allow('orders', 'list'), async (req, res) => {
    const params = parseListQuery(req.query, {
      sortable: ORDER_SORT,
      defaultSort: ['createdAt', 'DESC'],
      filter: OrderFilter,
    });
    const { query: q } = await listedOrders(deps, req.admin!, params.filter);
    await sendList(
      res,
      db,
      'orders',
      q,
      params,
      (o: OrderListRow) => ({
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
        webhookTrouble: o.webhook_trouble,
        awaitingPerson: o.awaiting_person,
        createdAt: iso(o.created_at),
        updatedAt: iso(o.updated_at),
        deliveredAt: iso(o.delivered_at),
      }),
      'o.id',
    );
  });

  router.get('/orders/:id', allow('orders', 'show'), async (req, res) => {
    const order = await findOrder(req.admin!, req.params.id);
    res.json(order);
  });

  // Live detail from Temporal, asked separately so the page never waits on it.
  router.get('/orders/:id/workflow', allow('orders', 'show'), async (req, res) => {
    const order = await findOrder(req.admin!, req.params.id);
    const [execution, live] = await Promise.all([fulfilment.describe(order.id), fulfilment.state(order.id)]);
    // Webhooks leave through the outbox and may be resent from the console, outside the workflow:
    // the recorded rows say whether the storefront was told, not the workflow's state.
    const webhook = live ? await webhookState(db, order.id, live.webhook) : undefined;
    // Its reason worded as the order's own is (orders/reasons.ts), not the workflow's text, which the order stored coded.
    const liveReason = live?.reason === undefined ? null : storedReason(live.reason);
    const state = live ? { ...live, webhook, reasonCode: liveReason === order.reason ? order.reasonCode : orderReason(liveReason, order.risk) } : live;
    const url =
      deps.temporalUi && canAccess(req.admin!.role, { resource: 'orders', action: 'workflow' })
        ? `${deps.temporalUi.url.replace(/\/$/, '')}/namespaces/${encodeURIComponent(deps.temporalUi.namespace)}/workflows/${order.id}`
        : null;
    res.json({ id: order.id, url, execution: execution ?? null, state: state ?? null });
  });

  // An order that stopped for a person is resumed by its own workflow, from where it stopped.
  const resolveStopped = async (req: Request, orderId: string, action: AttentionAction, note: string) => {
    await resolveAttention(fulfilment, orderId, { action, actor: userActor(req.admin!.email), note });
    return findOrder(req.admin!, orderId);
  };

  router.post('/orders/:id/retry', allow('orders', 'retry'), json, async (req, res) => {
    const order = await findOrder(req.admin!, req.params.id);
    const { reason } = parseOrThrow(OptionalReason, req.body ?? {});
    await act(req.admin!, order, 'retry', reason);
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
    res.json(await act(req.admin!, order, 'resend'));
  });

  router.post('/orders/:id/cancel', allow('orders', 'cancel'), json, async (req, res) => {
    const order = await findOrder(req.admin!, req.params.id);
    const { reason } = parseOrThrow(Reason, req.body ?? {});
    await act(req.admin!, order, 'cancel', reason);
    res.json(await findOrder(req.admin!, order.id));
  });

  router.post('/orders/:id/refund', allow('orders', 'refund'), json, async (req, res) => {
    const order = await findOrder(req.admin!, req.params.id);
    const { reason, unitIds } = parseOrThrow(Refund, req.body ?? {});
    await act(req.admin!, order, 'refund', reason, unitIds);
    res.json(await findOrder(req.admin!, order.id));
  });

  // Many orders, one action, each on its own: one refused (by lib/permissions.ts or by the
  // order's state, orders/lifecycle.ts) does not stop the others, and the answer says what
  // happened to each. The action is the very one the order's own button does.
  router.post('/orders/bulk', json, async (req, res) => {
    const { action, ids, reason } = parseOrThrow(BulkAction, req.body ?? {});
    allow('orders', action)(req, res, () => undefined);
    const results: { id: string; externalRef: string | null; ok: boolean; error?: { code: string; message: string; params?: unknown } }[] = [];
    for (const id of ids) {
      let externalRef: string | null = null;
      try {
        const order = await findOrder(req.admin!, id);
        externalRef = order.externalRef;
        await act(req.admin!, order, action, reason);
        results.push({ id, externalRef, ok: true });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        results.push({ id, externalRef, ok: false, error: { code: err.code, message: err.message, ...(err.details ? { params: err.details } : {}) } });
      }
    }
    res.json({ action, results });
  });

  /** One support action on one order, the same from its button and from a bulk action. */
  async function act(admin: AdminPrincipal, order: { id: string; status: string }, action: BulkOrderAction, reason?: string, unitIds?: string[]) {
    const actor = userActor(admin.email);
    const resolveStopped = (a: AttentionAction, note: string) => resolveAttention(fulfilment, order.id, { action: a, actor, note });
    switch (action) {
      case 'retry':
        if (order.status === 'needs_attention') return resolveStopped('retry', reason ?? 'retried from the console');
        return retryOrder(db, { orderId: order.id, merchantId: admin.merchantId, actor }, (id) => fulfilment.startRetried(id));
      case 'resend':
        return resendDeliveryWebhook(db, vault, deps.outbound, { orderId: order.id, merchantId: admin.merchantId, actor });
      case 'cancel':
        await requireAllowed(db, 'cancel', await orderRow(order.id));
        await fulfilment.cancel(order.id, reason!);
        return recordAudit(db, { merchantId: admin.merchantId, actor, action: 'order.cancelled', target: `order:${order.id}`, detail: { reason } });
      case 'refund': {
        // A stopped order's workflow gives the goods back and ends (a part of it is refunded here, and it stays stopped).
        if (order.status === 'needs_attention' && !unitIds) return resolveStopped('refund', reason!);
        // The refund queues its `order.refunded` webhook in its own transaction (the outbox).
        return refundOrder(db, { orderId: order.id, merchantId: admin.merchantId, reason: reason!, unitIds, actor });
      }
      case 'approve':
      case 'reject':
        await requireAllowed(db, action, await orderRow(order.id));
        return decideReview(db, fulfilment, { merchantId: admin.merchantId, orderId: order.id, decision: action, note: reason!, reviewerId: admin.userId });
    }
  }

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
      await act(req.admin!, order, decision, reason);
      res.json(await findOrder(req.admin!, order.id));
    });
  }

  const orderRow = async (id: string) => {
    const row = await db('orders').where({ id }).first('id', 'status', 'storefront_id');
    if (!row) throw notFound('Order');
    return row;
  };

  // Another merchant's order and a malformed id look the same: not found.
  async function findOrder(admin: AdminPrincipal, id: unknown) {
    const order = typeof id === 'string' && uuid.test(id) ? await loadConsoleOrder(db, admin.merchantId, id) : undefined;
    if (!order) throw notFound('Order');
    return visibleTo(admin.role, order);
  }

  return router;
}

/** A line of the orders list, as its query selects it. */
export type OrderListRow = Pick<
  OrderRow,
  'id' | 'external_ref' | 'status' | 'reason' | 'currency' | 'total_amount' | 'buyer' | 'created_at' | 'updated_at' | 'delivered_at' | 'storefront_id'
> & {
  storefront_name: string;
  risk_decision: string | null;
  webhook_trouble: boolean;
  awaiting_person: boolean;
  items: { sku: string; quantity: number }[] | null;
};
/**
 * The orders the list shows for this filter, walled to the admin's merchant: the list pages it,
 * exports stream it. Wrapped in an object: a knex query is thenable, and an async function would run it.
 */
export async function listedOrders(deps: { db: Db; vault: CodeVault }, admin: AdminPrincipal, f: OrderFilter): Promise<{ query: Knex.QueryBuilder }> {
  const { db, vault } = deps;
  const q = db('orders as o')
    .join('storefronts as sf', 'sf.id', 'o.storefront_id')
    .where('o.merchant_id', admin.merchantId)
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
      db.raw(`${storefrontNotToldSql('o.id')} AS webhook_trouble`),
      // A processing order whose units wait for staff to fulfil them by hand.
      db.raw(`${manualTaskOpenSql('o.id')} AS awaiting_person`),
      db.raw(
        `(SELECT json_agg(json_build_object('sku', s.code, 'quantity', i.quantity) ORDER BY s.code) FROM order_items i JOIN skus s ON s.id = i.sku_id WHERE i.order_id = o.id) AS items`,
      ),
    );
  if (f.id)
    q.whereIn(
      'o.id',
      f.id.filter((id) => uuid.test(id)),
    );
  if (f.q) await whereOrderMatches(db, vault, q, f.q, { merchantId: admin.merchantId, topUpAccounts: canAccess(admin.role, { resource: 'manual-tasks', action: 'show' }) });
  if (f.status) q.whereIn('o.status', Array.isArray(f.status) ? f.status : [f.status]);
  if (f.storefrontId) q.where('o.storefront_id', f.storefrontId);
  if (f.sku) q.whereExists(db('order_items as i').join('skus as s', 's.id', 'i.sku_id').whereRaw('i.order_id = o.id').where('s.code', f.sku));
  if (f.createdFrom) q.where('o.created_at', '>=', f.createdFrom.length === 10 ? `${f.createdFrom}T00:00:00Z` : f.createdFrom);
  if (f.createdTo) {
    if (f.createdTo.length === 10) q.where('o.created_at', '<', db.raw(`?::timestamptz + interval '1 day'`, [`${f.createdTo}T00:00:00Z`]));
    else q.where('o.created_at', '<=', f.createdTo);
  }
  if (f.buyer) whereBuyerIs(q, f.buyer);
  if (f.riskDecision) q.whereRaw(`o.risk->>'decision' = ?`, [f.riskDecision]);
  if (f.storefrontNotTold !== undefined) q.whereRaw(`${storefrontNotToldSql('o.id')} = ?`, [f.storefrontNotTold]);
  return { query: q };
}
