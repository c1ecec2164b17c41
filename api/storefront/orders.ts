import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import type { CodeVault } from '../../lib/code-vault';
import { notFound } from '../../lib/errors';
import { acceptOrder } from '../../orders/accept-order';
import type { FulfilmentClient } from '../../orders/fulfilment-client';
import { bindIdempotencyKey } from '../../orders/idempotency';
import { onItsWay } from '../../orders/lifecycle';
import { requireAllowed } from '../../orders/order-facts';
import { acceptedOrderView, loadOrderView, type OrderView } from '../../orders/order-view';
import { CancelRequestSchema, OrderLookupQuerySchema, OrderRequestSchema } from '../../orders/validators';
import { topupAccountCheck } from '../../suppliers/account-check';
import type { SupplierRegistry } from '../../suppliers/registry';
import { parseOrThrow } from '../errors';
import { preferredWaitSeconds, type DeliveryWaits } from './wait-for-delivery';
import { DeliveryLinkRequestSchema, issueDeliveryLink } from '../../orders/buyer-delivery';
import { createGift, giftJson, GiftRequestSchema, startGiftWorkflow } from '../../orders/gifts';

// Storefront orders: thin handlers; the flow lives in orders/.
export function storefrontOrdersRouter(deps: {
  db: Db;
  vault: CodeVault;
  fulfilment: FulfilmentClient;
  suppliers: SupplierRegistry;
  deliveryWaits?: DeliveryWaits;
  /** Where buyers open delivery pages (PUBLIC_URL); unset, the address this request came to. */
  publicUrl?: string;
}) {
  const { db, vault, fulfilment, deliveryWaits } = deps;
  const checkAccounts = topupAccountCheck(db, deps.suppliers);
  const router = Router();
  const idParam = z.object({ id: z.uuid() });

  /** The order view `now`, or, if the request prefers so (Prefer: wait=N), as it is after waiting for its delivery. */
  async function viewAfterPreferredWait(req: Request, res: Response, order: { id: string; storefrontId: string }, now: OrderView) {
    const seconds = deliveryWaits ? preferredWaitSeconds(req) : undefined;
    res.vary('Prefer');
    if (seconds === undefined) return now;
    res.set('Preference-Applied', `wait=${seconds}`);
    const decided = async () => {
      const row = await db('orders').where({ id: order.id }).first('status');
      return !row || !onItsWay(row.status);
    };
    await deliveryWaits!.until(order.id, seconds, res, decided);
    return loadOrderView(db, vault, order);
  }

  router.post('/', async (req, res) => {
    const body = parseOrThrow(OrderRequestSchema, req.body ?? undefined);
    const storefront = req.storefront!;
    // A repeat with the same key and body answers like a resubmitted externalRef: the same order.
    await bindIdempotencyKey(db, storefront.id, req.get('idempotency-key'), 'create_order', body);
    const { orderId, created, written } = await acceptOrder(db, storefront, body, (id) => fulfilment.startSoon(id, req.requestId), checkAccounts);
    // A new order is 202 until delivered: with Prefer: wait it may be delivered by now, codes and
    // all (200 with Preference-Applied). A repeat answers at once, 200 as before; to wait for it,
    // GET it with the same preference.
    const view = { id: orderId, storefrontId: storefront.id };
    const order = written ? await viewAfterPreferredWait(req, res, view, acceptedOrderView(vault, written)) : await loadOrderView(db, vault, view);
    res
      .status(created && order?.status !== 'delivered' ? 202 : 200)
      .location(`/v1/orders/${orderId}`)
      .json(order);
  });

  router.get('/', async (req, res) => {
    const { externalRef } = parseOrThrow(OrderLookupQuerySchema, req.query, 'query');
    const order = await loadOrderView(db, vault, { externalRef, storefrontId: req.storefront!.id });
    if (!order) throw notFound('Order');
    res.json(order);
  });

  router.get('/:id', async (req, res) => {
    const parsed = idParam.safeParse(req.params);
    // Another storefront's order and a malformed id look the same: not found.
    const found = parsed.success ? await loadOrderView(db, vault, { id: parsed.data.id, storefrontId: req.storefront!.id }) : undefined;
    if (!found) throw notFound('Order');
    const order = !onItsWay(found.status) ? found : await viewAfterPreferredWait(req, res, { id: found.id, storefrontId: req.storefront!.id }, found);
    if (!order) throw notFound('Order');
    const live = req.query.live === 'true' ? await fulfilment.state(order.id) : undefined;
    res.json(live ? { ...order, workflow: live } : order);
  });

  router.post('/:id/cancel', async (req, res) => {
    const parsed = idParam.safeParse(req.params);
    const order = parsed.success && (await db('orders').where({ id: parsed.data.id, storefront_id: req.storefront!.id }).first('id', 'status', 'storefront_id'));
    if (!order) throw notFound('Order');
    const { reason } = parseOrThrow(CancelRequestSchema, req.body ?? {});
    const key = await bindIdempotencyKey(db, req.storefront!.id, req.get('idempotency-key'), `cancel_order:${order.id}`, { reason });
    // A repeated cancel whose first try went through answers with the cancelled order, as it did then.
    if (key === 'repeat' && order.status === 'cancelled') return void res.json(await loadOrderView(db, vault, { id: order.id, storefrontId: req.storefront!.id }));
    // The same answer as the console's and the workflow's (orders/lifecycle.ts).
    await requireAllowed(db, 'cancel', order);
    await fulfilment.cancel(parsed.data.id, reason ?? 'cancelled by the storefront');
    res.json(await loadOrderView(db, vault, { id: parsed.data.id, storefrontId: req.storefront!.id }));
  });

  /** This storefront's order, or 404 (another storefront's and a malformed id alike). */
  async function ownOrder(req: Request) {
    const parsed = idParam.safeParse(req.params);
    const order = parsed.success && (await db('orders').where({ id: parsed.data.id, storefront_id: req.storefront!.id }).first('id', 'merchant_id', 'status'));
    if (!order) throw notFound('Order');
    return order;
  }
  const baseUrl = (req: Request) => (deps.publicUrl ?? `${req.protocol}://${req.get('host')}`).replace(/\/$/, '');

  // A link to the buyer's own delivery page, for the storefront to show or send; the token is in
  // the URL only, so each call makes a new link (the older ones keep working until they expire).
  router.post('/:id/delivery-link', async (req, res) => {
    const order = await ownOrder(req);
    const { expiresInMinutes } = parseOrThrow(DeliveryLinkRequestSchema, req.body ?? {});
    const link = await issueDeliveryLink(db, order, 'storefront', expiresInMinutes);
    res.status(201).json({ url: `${baseUrl(req)}${link.path}`, expiresAt: link.expiresAt.toISOString() });
  });

  // Makes the order an e-gift card: sent to the recipient when due (and once delivered).
  router.post('/:id/gift', async (req, res) => {
    const order = await ownOrder(req);
    const body = parseOrThrow(GiftRequestSchema, req.body ?? {});
    const { gift, created } = await createGift(db, order, body);
    await startGiftWorkflow(db, fulfilment, gift.id);
    res.status(created ? 201 : 200).json(giftJson(gift));
  });

  router.get('/:id/gift', async (req, res) => {
    const order = await ownOrder(req);
    const gift = await db('gifts').where({ order_id: order.id }).first();
    if (!gift) throw notFound('Gift');
    res.json(giftJson(gift));
  });

  return router;
}
