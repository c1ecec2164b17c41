import { allHandlersFinished, ApplicationFailure, condition, isCancellation, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { cancelOrderUpdate, fulfilmentStateQuery, type FulfilmentState } from './messages';
import { awaitRiskReview, reviewRejectionReason } from './risk-review';

// One paid order, start to finish: risk check → allocate codes → deliver → settle → tell the
// storefront. The workflow only decides; every read and write happens in an activity, and only
// ids and counts pass through here, never a code.

const db = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  // Database steps retry until the database is back: an order waits, it is never dropped.
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

const webhooks = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  // A receiver that is down must not hold up or fail the order: the codes are already
  // delivered and retrievable. Keep trying for about five hours, then record that we gave up.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10m', maximumAttempts: 40 },
});

const CANCELLABLE: FulfilmentState['step'][] = ['risk_check', 'risk_review'];

export async function fulfilOrder(input: { orderId: string }): Promise<FulfilmentState> {
  const { orderId } = input;
  const state: FulfilmentState = { orderId, step: 'risk_check', status: 'accepted' };
  let cancelRequest: { reason: string } | undefined;

  setHandler(fulfilmentStateQuery, () => state);
  setHandler(
    cancelOrderUpdate,
    async (request) => {
      cancelRequest = request;
      await condition(() => state.step === 'done' || state.step === 'notifying');
      return state;
    },
    {
      validator: (_request) => {
        if (!CANCELLABLE.includes(state.step)) {
          throw new Error(`order is ${state.status} (${state.step}) and can no longer be cancelled`);
        }
      },
    },
  );

  const finish = async (status: 'cancelled' | 'failed', reason: string) => {
    state.step = 'cancelling';
    await (status === 'cancelled' ? db.cancelOrder(orderId, reason) : db.failOrder(orderId, reason));
    Object.assign(state, { status, reason, step: 'done' });
    return state;
  };

  const result = await fulfil();
  // Let a cancel request that is still answering finish before the workflow closes.
  await condition(allHandlersFinished);
  return result;

  async function fulfil(): Promise<FulfilmentState> {
    const risk = await db.checkRisk(orderId);
    if (risk.decision === 'reject') return finish('cancelled', `risk_rejected: ${risk.reasons.join('; ')}`);
    if (risk.decision === 'review') {
      const review = await awaitRiskReview(state, risk.reviewDeadline!, () => cancelRequest !== undefined);
      await db.recordRiskReview(orderId, review);
      if (review.decision === 'reject') return finish('cancelled', reviewRejectionReason(review));
    }
    state.status = 'processing';
    if (cancelRequest) return finish('cancelled', cancelRequest.reason);

    state.step = 'allocating';
    try {
      await db.allocateCodes(orderId);
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause;
      if (cause instanceof ApplicationFailure && cause.nonRetryable) return finish('failed', `${cause.type}: ${cause.message}`);
      throw err;
    }

    state.step = 'delivering';
    await db.deliverOrder(orderId);
    state.status = 'delivered';

    state.step = 'settling';
    await db.settleOrder(orderId);

    state.step = 'notifying';
    state.webhook = 'pending';
    try {
      const sent = await webhooks.notifyStorefront(orderId, 'order.delivered');
      state.webhook = sent.outcome;
    } catch (err) {
      if (isCancellation(err)) throw err;
      state.webhook = 'gave_up';
      await db.recordWebhookGaveUp(orderId, 'order.delivered');
    }
    state.step = 'done';
    return state;
  }
}
