import { Webhook } from 'standardwebhooks';
import type { Db } from '../db';
import type { CodeVault } from '../lib/code-vault';
import { appendEvent } from './events';
import { loadOrderView } from './order-view';
import { openWebhookSecret } from '../storefronts/webhook-secret';

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
export async function notifyStorefront(db: Db, vault: CodeVault, orderId: string, eventType: 'order.delivered', timeoutMs = 10_000): Promise<NotifyOutcome> {
  const view = await loadOrderForStorefront(db, vault, orderId);
  return sendStorefrontEvent(db, { orderId, eventType, messageId: `msg_${orderId}_${eventType}`, data: { order: view } }, vault, timeoutMs);
}

/** Tells the storefront some of its order's units were refunded: which, how much and why. */
export async function notifyRefund(db: Db, vault: CodeVault, refundId: string, timeoutMs = 10_000): Promise<NotifyOutcome> {
  const refund = await db('refunds').where({ id: refundId }).first('id', 'order_id', 'amount', 'currency', 'reason', 'created_at');
  const units = await db('refund_units').where({ refund_id: refundId }).orderBy('unit_id').pluck('unit_id');
  const view = await loadOrderForStorefront(db, vault, refund.order_id);
  const data = {
    order: view,
    refund: { id: refund.id, units, amount: refund.amount, currency: refund.currency.trim(), reason: refund.reason, refundedAt: refund.created_at.toISOString() },
  };
  return sendStorefrontEvent(db, { orderId: refund.order_id, eventType: 'order.refunded', messageId: refundMessageId(refund.order_id, refund.id), data }, vault, timeoutMs);
}

/** The webhook-id of a refund's `order.refunded`: the same on every attempt. */
export const refundMessageId = (orderId: string, refundId: string) => `msg_${orderId}_order.refunded_${refundId}`;

async function loadOrderForStorefront(db: Db, vault: CodeVault, orderId: string) {
  const order = await db('orders').where({ id: orderId }).first('storefront_id');
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
  timeoutMs: number,
): Promise<NotifyOutcome> {
  const { orderId, eventType, messageId } = event;
  const order = await db('orders').where({ id: orderId }).first('storefront_id');
  const storefront = await db('storefronts').where({ id: order.storefront_id }).first();
  if (!storefront.webhook_url || !storefront.webhook_secret) return { outcome: 'no_endpoint' };

  const secret = openWebhookSecret(vault, storefront);
  const sentAt = new Date();
  const body = JSON.stringify({ type: eventType, timestamp: sentAt.toISOString(), data: event.data });
  const headers = {
    'content-type': 'application/json',
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(messageId, sentAt, body),
  };

  const started = Date.now();
  let httpStatus: number | null = null;
  let error: string | null = null;
  try {
    const res = await fetch(storefront.webhook_url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    httpStatus = res.status;
    await res.body?.cancel();
    if (res.status < 200 || res.status >= 300) error = `endpoint answered HTTP ${res.status}`;
  } catch (err) {
    // Only the error's kind, never a body: nothing here may echo a code back into history.
    error = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `could not connect (${(err as Error).name})`;
  }

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
  if (error) throw new WebhookRejected(error); // retried by the workflow's policy, with backoff
  const [{ count }] = await db('webhook_attempts').where({ order_id: orderId, message_id: messageId }).count<{ count: number }[]>('* as count');
  await appendEvent(db, orderId, 'webhook_delivered', { eventType, attempts: Number(count), httpStatus });
  return { outcome: 'sent', attempts: Number(count) };
}

export async function recordWebhookGaveUp(db: Db, orderId: string, eventType: string): Promise<void> {
  const [{ count }] = await db('webhook_attempts').where({ order_id: orderId, event_type: eventType }).count<{ count: number }[]>('* as count');
  await appendEvent(db, orderId, 'webhook_failed', { eventType, attempts: Number(count) });
}
