import { isCancellation, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { WEBHOOK_RETRY, WEBHOOK_TIMEOUT } from './webhook-retry';

// Tells a dujiao-next shop that an order it placed was delivered or canceled (its callback_url),
// retried like a storefront webhook. Started by the worker's sweep
// (interop/dujiao-next/callbacks.ts), one per order and status. Only ids pass through here.
const callbacks = proxyActivities<Activities>({ startToCloseTimeout: WEBHOOK_TIMEOUT, retry: WEBHOOK_RETRY });

export async function dujiaoCallback(input: { dujiaoOrderId: string }): Promise<'sent' | 'gave_up'> {
  try {
    await callbacks.sendDujiaoCallback(input.dujiaoOrderId);
    return 'sent';
  } catch (err) {
    if (isCancellation(err)) throw err;
    // The shop still polls GET /orders/:id (§8.3): the order's state is never lost with a callback.
    return 'gave_up';
  }
}
