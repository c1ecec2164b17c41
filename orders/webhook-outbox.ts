import type { Db } from '../db';
import { notifyOnCommit } from '../lib/pg-notifications';
import { deliveredMessageId, refundMessageId } from './notify-storefront';
import type { FulfilmentState } from '../workflows/messages';

// The write side of the webhook outbox (migration 014): a storefront event is queued in the same
// transaction as what it tells, so it is queued if and only if that committed. The notifier
// (worker/webhook-notifier.ts) sends it. Queuing twice is harmless: one row per webhook-id.

export type StorefrontEvent = { type: 'order.delivered'; orderId: string } | { type: 'order.refunded'; orderId: string; refundId: string };

export async function queueWebhook(trx: Db, event: StorefrontEvent): Promise<void> {
  const messageId = event.type === 'order.delivered' ? deliveredMessageId(event.orderId) : refundMessageId(event.orderId, event.refundId);
  await trx('webhook_outbox')
    .insert({ message_id: messageId, order_id: event.orderId, event_type: event.type, refund_id: event.type === 'order.refunded' ? event.refundId : null })
    .onConflict('message_id')
    .ignore();
  await notifyOnCommit(trx, 'webhook_outbox');
}

export type WebhookState = NonNullable<FulfilmentState['webhook']>;

/**
 * SQL: the storefront was not told what happened to the order (`orderId` is SQL for its id): its
 * latest recorded webhook attempt failed. The order list's mark and filter; webhookState below
 * reads the same rows for one order.
 */
export const storefrontNotToldSql = (orderId: string) =>
  `coalesce((SELECT w.outcome = 'failed' FROM webhook_attempts w WHERE w.order_id = ${orderId} ORDER BY w.id DESC LIMIT 1), false)`;

/**
 * Whether the storefront was told about an order, for the console's workflow card. Webhooks are
 * sent from the outbox and may be resent from the console, outside any workflow, so the truth is
 * in the rows: the latest recorded attempt, then the latest queued webhook's status. `inWorkflow`
 * is what a workflow from before the outbox says of its own sending; it counts only for an order
 * that queued nothing. Undefined while nothing was queued or tried (not delivered yet).
 */
export async function webhookState(db: Db, orderId: string, inWorkflow?: WebhookState): Promise<WebhookState | undefined> {
  const [last, queued] = await Promise.all([
    db('webhook_attempts').where({ order_id: orderId }).orderBy('id', 'desc').first('outcome'),
    db('webhook_outbox').where({ order_id: orderId }).orderBy('id', 'desc').first('status'),
  ]);
  if (last?.outcome === 'succeeded') return 'sent';
  const sending: WebhookState | undefined = queued ? queued.status : inWorkflow;
  // The latest attempt failed: still sending while retries are due, otherwise the storefront was not told.
  if (last?.outcome === 'failed') return sending === 'pending' ? 'pending' : 'gave_up';
  return sending;
}
