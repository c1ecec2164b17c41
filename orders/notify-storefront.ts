import { Webhook } from 'standardwebhooks';
import type { Db } from '../db';
import type { CodeVault } from '../lib/code-vault';
import { InvariantBroken } from '../lib/errors';
import { webhookMetrics } from '../lib/metrics';
import { OutboundFailure, type OutboundHttp } from '../lib/outbound-http';
import { appendEvent } from './events';
import { loadOrderView } from './order-view';
import { openWebhookSecrets } from '../storefronts/webhook-secret';

// Tells the storefront what happened to its order (delivered, refunded): a Standard Webhooks
// POST (webhook-id, webhook-timestamp, webhook-signature) that public libraries verify.

export type NotifyOutcome = { outcome: 'sent'; attempts: number } | { outcome: 'no_endpoint' };

export class WebhookRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookRejected';
  }
}

/** Tells the storefront its order was delivered (the workflow's step; support may resend it). */
export async function notifyStorefront(
  db: Db,
  vault: CodeVault,
  outbound: OutboundHttp,
  orderId: string,
  eventType: 'order.delivered',
  timeoutMs = 10_000,
): Promise<NotifyOutcome> {
  const view = await loadOrderForStorefront(db, vault, orderId);
  return sendStorefrontEvent(db, { orderId, eventType, messageId: deliveredMessageId(orderId), data: { order: view } }, vault, outbound, timeoutMs);
}

/** Tells the storefront some of its order's units were refunded: which, how much and why. */
export async function notifyRefund(db: Db, vault: CodeVault, outbound: OutboundHttp, refundId: string, timeoutMs = 10_000): Promise<NotifyOutcome> {
  const refund = await db('refunds').where({ id: refundId }).first('id', 'order_id', 'amount', 'currency', 'reason', 'created_at');
  if (!refund) throw new InvariantBroken('refund_missing', { refundId });
  const units = await db('refund_units').where({ refund_id: refundId }).orderBy('unit_id').pluck('unit_id');
  const view = await loadOrderForStorefront(db, vault, refund.order_id);
  const data = {
    order: view,
    refund: { id: refund.id, units, amount: refund.amount, currency: refund.currency.trim(), reason: refund.reason, refundedAt: refund.created_at.toISOString() },
  };
  return sendStorefrontEvent(
    db,
    { orderId: refund.order_id, eventType: 'order.refunded', messageId: refundMessageId(refund.order_id, refund.id), data },
    vault,
    outbound,
    timeoutMs,
  );
}

/** The webhook-id of an order's `order.delivered`: the same on every attempt and on a resend. */
export const deliveredMessageId = (orderId: string) => `msg_${orderId}_order.delivered`;

/** The webhook-id of a refund's `order.refunded`: the same on every attempt. */
export const refundMessageId = (orderId: string, refundId: string) => `msg_${orderId}_order.refunded_${refundId}`;

async function loadOrderForStorefront(db: Db, vault: CodeVault, orderId: string) {
  const order = await db('orders').where({ id: orderId }).first('storefront_id');
  if (!order) throw new InvariantBroken('order_missing', { orderId });
  return loadOrderView(db, vault, { id: orderId, storefrontId: order.storefront_id });
}

/**
 * The one place a storefront event is signed and sent. The webhook-id is the same on every
 * attempt, so a receiver can drop repeats. Every attempt is recorded; the payload is not (it
 * may carry codes).
 */
async function sendStorefrontEvent(
  db: Db,
  event: { orderId: string; eventType: 'order.delivered' | 'order.refunded'; messageId: string; data: Record<string, unknown> },
  vault: CodeVault,
  outbound: OutboundHttp,
  timeoutMs: number,
): Promise<NotifyOutcome> {
  const { orderId, eventType, messageId } = event;
  const order = await db('orders').where({ id: orderId }).first('storefront_id');
  if (!order) throw new InvariantBroken('order_missing', { orderId });
  const storefront = await db('storefronts').where({ id: order.storefront_id }).first();
  if (!storefront?.webhook_url || !storefront.webhook_secret) return { outcome: 'no_endpoint' };

  const sentAt = new Date();
  const body = JSON.stringify({ type: eventType, timestamp: sentAt.toISOString(), data: event.data });

  const started = Date.now();
  const { httpStatus, error } = await sendWebhook(outbound, storefront.webhook_url, { messageId, sentAt, body, secrets: openWebhookSecrets(vault, storefront) }, timeoutMs);

  await db('webhook_attempts').insert({
    storefront_id: storefront.id,
    order_id: orderId,
    message_id: messageId,
    event_type: eventType,
    url: storefront.webhook_url,
    outcome: error ? 'failed' : 'succeeded',
    http_status: httpStatus,
    error,
    duration_ms: Date.now() - started,
  });
  webhookMetrics.attempts.inc({ event_type: eventType, outcome: error ? 'failed' : 'succeeded' });
  if (error) throw new WebhookRejected(error); // retried by the workflow's policy, with backoff
  const [{ count }] = await db('webhook_attempts').where({ order_id: orderId, message_id: messageId }).count<{ count: number }[]>('* as count');
  await appendEvent(db, orderId, 'webhook_delivered', { eventType, attempts: Number(count), httpStatus });
  return { outcome: 'sent', attempts: Number(count) };
}

/**
 * One signed POST to a storefront's endpoint, through the guarded client. Signed with every
 * secret in use (the new one and, during a rotation's grace period, the old one), space-separated
 * as Standard Webhooks allows, so a storefront verifies with whichever it has. The error says
 * only what kind of failure it was: never a body, which may echo a code back into history.
 */
export async function sendWebhook(
  outbound: OutboundHttp,
  url: string,
  message: { messageId: string; sentAt: Date; body: string; secrets: string[] },
  timeoutMs: number,
): Promise<{ httpStatus: number | null; error: string | null }> {
  const headers = {
    'content-type': 'application/json',
    'webhook-id': message.messageId,
    'webhook-timestamp': String(Math.floor(message.sentAt.getTime() / 1000)),
    'webhook-signature': message.secrets.map((secret) => new Webhook(secret).sign(message.messageId, message.sentAt, message.body)).join(' '),
  };
  try {
    const res = await outbound.request(url, { method: 'POST', headers, body: message.body, timeoutMs });
    return { httpStatus: res.status, error: res.status >= 200 && res.status < 300 ? null : `endpoint answered HTTP ${res.status}` };
  } catch (err) {
    if (err instanceof OutboundFailure) return { httpStatus: null, error: err.message };
    throw err;
  }
}

export async function recordWebhookGaveUp(db: Db, orderId: string, eventType: string): Promise<void> {
  const [{ count }] = await db('webhook_attempts').where({ order_id: orderId, event_type: eventType }).count<{ count: number }[]>('* as count');
  await appendEvent(db, orderId, 'webhook_failed', { eventType, attempts: Number(count) });
}
