import type { Db } from '../db';
import { notifyOnCommit } from '../lib/pg-notifications';
import { deliveredMessageId, refundMessageId } from './notify-storefront';

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
