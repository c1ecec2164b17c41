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
 * SQL: the storefront was not told what happened to the order (`orderId` is SQL for its id): one
 * of its webhooks was tried and failed, and no try of that webhook got through. Judged per
 * webhook-id, not by the latest attempt: a storefront that has a webhook keeps it (it drops
 * repeats by webhook-id), so a retry that fails after a resend got through, or a refund's
 * webhook that gets through while the delivery's never did, does not change who was told what.
 * The order list's mark and filter; webhookState below reads the same rows for one order.
 */
export const storefrontNotToldSql = (orderId: string) =>
  `EXISTS (SELECT 1 FROM webhook_attempts w WHERE w.order_id = ${orderId} AND w.outcome = 'failed'
     AND NOT EXISTS (SELECT 1 FROM webhook_attempts s WHERE s.order_id = w.order_id AND s.message_id = w.message_id AND s.outcome = 'succeeded'))`;

/**
 * Whether the storefront was told about an order, for the console's workflow card. Webhooks are
 * sent from the outbox and may be resent from the console, outside any workflow, so the truth is
 * in the rows, per webhook-id as storefrontNotToldSql judges it: a webhook tried and never got
 * through is still sending while its retries are due, otherwise given up; else 'sent' once one
 * got through; else the latest queued webhook's status. `inWorkflow` is what a workflow from
 * before the outbox says of its own sending; it counts only for an order that queued nothing.
 * Undefined while nothing was queued or tried (not delivered yet).
 */
export async function webhookState(db: Db, orderId: string, inWorkflow?: WebhookState): Promise<WebhookState | undefined> {
  const [tried, queued] = await Promise.all([
    db('webhook_attempts')
      .where({ order_id: orderId })
      .groupBy('message_id')
      .select<{ message_id: string; got_through: boolean }[]>('message_id', db.raw(`bool_or(outcome = 'succeeded') AS got_through`)),
    db('webhook_outbox').where({ order_id: orderId }).orderBy('id', 'desc').select<{ message_id: string; status: WebhookState }[]>('message_id', 'status'),
  ]);
  const untold = tried.filter((t) => !t.got_through).map((t) => t.message_id);
  if (untold.length > 0) {
    const retrying = queued.length > 0 ? queued.some((q) => untold.includes(q.message_id) && q.status === 'pending') : inWorkflow === 'pending';
    return retrying ? 'pending' : 'gave_up';
  }
  if (tried.length > 0) return 'sent';
  return queued.length > 0 ? queued[0].status : inWorkflow;
}
