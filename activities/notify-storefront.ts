import { Webhook } from 'standardwebhooks';
import type { Db } from '../db';
import type { CodeVault } from '../lib/code-vault';
import { OutboundFailure, type OutboundHttp } from '../lib/outbound-http';
import { appendEvent } from '../orders/events';
import { loadOrderView } from '../orders/order-view';
import { openWebhookSecrets } from '../storefronts/webhook-secret';

// Tells the storefront its order was delivered: a Standard Webhooks POST (webhook-id,
// webhook-timestamp, webhook-signature) that public libraries verify. The webhook-id is the
// same on every attempt, so a receiver can drop repeats. Every attempt is recorded; the
// payload is not (it carries the codes).

export type NotifyOutcome = { outcome: 'sent'; attempts: number } | { outcome: 'no_endpoint' };

export class WebhookRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookRejected';
  }
}

export async function notifyStorefront(
  db: Db,
  vault: CodeVault,
  outbound: OutboundHttp,
  orderId: string,
  eventType: 'order.delivered',
  timeoutMs = 10_000,
): Promise<NotifyOutcome> {
  const order = await db('orders').where({ id: orderId }).first('storefront_id');
  const storefront = await db('storefronts').where({ id: order.storefront_id }).first();
  if (!storefront.webhook_url || !storefront.webhook_secret) return { outcome: 'no_endpoint' };

  const view = await loadOrderView(db, vault, { id: orderId, storefrontId: storefront.id });
  const messageId = `msg_${orderId}_${eventType}`;
  const sentAt = new Date();
  const body = JSON.stringify({ type: eventType, timestamp: sentAt.toISOString(), data: { order: view } });

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
  if (error) throw new WebhookRejected(error); // retried by the workflow's policy, with backoff
  const [{ count }] = await db('webhook_attempts').where({ order_id: orderId, message_id: messageId }).count<{ count: number }[]>('* as count');
  await appendEvent(db, orderId, 'webhook_delivered', { attempts: Number(count), httpStatus });
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
