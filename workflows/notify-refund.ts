import { isCancellation, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { WEBHOOK_RETRY, WEBHOOK_TIMEOUT } from './webhook-retry';

// Tells the storefront about one refund (`order.refunded`), with the same retry as the delivery
// webhook. Started by the admin API once the refund has committed; workflowId = `refund-<id>`,
// so it is sent once per refund.
const webhooks = proxyActivities<Activities>({ startToCloseTimeout: WEBHOOK_TIMEOUT, retry: WEBHOOK_RETRY });
const db = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' } });

export async function notifyRefund(input: { orderId: string; refundId: string }): Promise<'sent' | 'no_endpoint' | 'gave_up'> {
  try {
    return (await webhooks.notifyRefund(input.refundId)).outcome;
  } catch (err) {
    if (isCancellation(err)) throw err;
    await db.recordWebhookGaveUp(input.orderId, 'order.refunded');
    return 'gave_up';
  }
}
