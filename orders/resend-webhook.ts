import type { Db } from '../db';
import { notifyStorefront, WebhookRejected } from './notify-storefront';
import { recordAudit } from '../lib/audit';
import type { CodeVault } from '../lib/code-vault';
import { notFound } from '../lib/errors';
import { appendEvent } from './events';
import { requireAllowed } from './order-facts';

// Support re-sends a delivered order's webhook when the storefront says it never got it. Same
// message and webhook-id as the original (Standard Webhooks), so a receiver that did get it
// drops the repeat. Sent once, now, and the answer shown; the workflow's own retries are separate.

export interface ResendResult {
  outcome: 'sent' | 'failed';
  httpStatus: number | null;
  error: string | null;
}

export async function resendDeliveryWebhook(db: Db, vault: CodeVault, req: { orderId: string; merchantId: string; actor: string }): Promise<ResendResult> {
  const order = await db('orders').where({ id: req.orderId, merchant_id: req.merchantId }).first('id', 'status', 'storefront_id');
  if (!order) throw notFound('Order');
  await requireAllowed(db, 'resend', order);
  let error: string | null = null;
  try {
    await notifyStorefront(db, vault, order.id, 'order.delivered');
  } catch (err) {
    if (!(err instanceof WebhookRejected)) throw err;
    error = err.message;
  }
  const last = await db('webhook_attempts').where({ order_id: order.id }).orderBy('id', 'desc').first('http_status');
  const result: ResendResult = { outcome: error ? 'failed' : 'sent', httpStatus: last?.http_status ?? null, error };
  await appendEvent(db, order.id, 'webhook_resent', { by: req.actor, ...result });
  await recordAudit(db, { merchantId: req.merchantId, actor: req.actor, action: 'order.webhook_resent', target: `order:${order.id}`, detail: { ...result } });
  return result;
}
