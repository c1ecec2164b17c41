import { allHandlersFinished, ApplicationFailure, condition, isCancellation, patched, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { UnitPurchase } from '../suppliers/purchase-unit';
import type { Activities } from '../activities';
import { cancelOrderUpdate, fulfilmentStateQuery, manualFulfilledSignal, supplierResultSignal, type FulfilmentState } from './messages';
import { awaitRiskReview, reviewRejectionReason } from './risk-review';
import { WEBHOOK_RETRY, WEBHOOK_TIMEOUT } from './webhook-retry';
import { mayCancel } from '../orders/lifecycle';

// One paid order, start to finish: risk check → allocate codes → deliver → settle → tell the
// storefront. The workflow only decides; every read and write happens in an activity, and only
// ids and counts pass through here, never a code.

// Database steps retry until the database is back: an order waits, it is never dropped.
const dbRetry = { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' };

// They run as local activities: in the worker, right inside the workflow task, recorded in the
// history as one marker each, with no round trip through the Temporal server's task queues.
// That is most of an order's cost on the server (docs/BENCHMARKS.md). A worker crash may run a
// step twice; every step is idempotent (it checks what it already did), which it must be anyway.
const localDb = proxyLocalActivities<Activities>({ startToCloseTimeout: '30s', retry: dbRetry });
// Orders started before that change replay with the steps as ordinary activities.
const remoteDb = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: dbRetry });

// Asking a supplier where a purchase stands is a network call: an ordinary activity, retried
// until the supplier answers (the purchase is paid for, or may be).
const supplierChecks = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: dbRetry });

// A receiver that is down must not hold up or fail the order: the codes are already
// delivered and retrievable (workflows/webhook-retry.ts).
const webhooks = proxyActivities<Activities>({ startToCloseTimeout: WEBHOOK_TIMEOUT, retry: WEBHOOK_RETRY });

// Buying one unit: retried with backoff while the supplier's answer is unknown or every route
// is paused (circuits open, rate limits), for about ten minutes; then the order gives up on
// that unit, after settling anything still in doubt.
const suppliers = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 15 },
});

// At most this many units of one order are bought at once: a big order must not hog a supplier.
const PURCHASE_CONCURRENCY = 8;
// An asynchronous purchase is polled if its callback has not come by then, backing off to 5 min.
const FIRST_POLL_MS = 2_000;
const MAX_POLL_MS = 5 * 60_000;
// A purchase still processing after this long raises an alert (it keeps being polled).
const SLOW_PURCHASE_MS = 30 * 60_000;
// Staff can finish a manual order any time; this is only the backstop if the signal was lost.
const MANUAL_RECHECK_MS = 5 * 60_000;

export async function fulfilOrder(input: { orderId: string }): Promise<FulfilmentState> {
  const { orderId } = input;
  const db = patched('db-steps-as-local-activities') ? localDb : remoteDb;
  const state: FulfilmentState = { orderId, step: 'risk_check', status: 'accepted' };
  let cancelRequest: { reason: string } | undefined;

  const callbacks = new Set<string>();
  let manualSignalled = false;
  setHandler(fulfilmentStateQuery, () => state);
  // Callbacks may repeat; each only wakes the waiting purchase, which then reads the database.
  setHandler(supplierResultSignal, ({ purchaseId }) => void callbacks.add(purchaseId));
  setHandler(manualFulfilledSignal, () => void (manualSignalled = true));
  setHandler(
    cancelOrderUpdate,
    async (request) => {
      cancelRequest = request;
      await condition(() => state.step === 'done' || state.step === 'notifying');
      return state;
    },
    {
      validator: (_request) => {
        // Who may cancel is decided in orders/lifecycle.ts: before fulfilment starts.
        if (!mayCancel(state.status) || state.step === 'cancelling' || state.step === 'done') {
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
      // A local activity's failure arrives as itself; an activity's inside an ActivityFailure.
      const cause = err instanceof ApplicationFailure ? err : (err as { cause?: unknown }).cause;
      if (cause instanceof ApplicationFailure && cause.nonRetryable) return finish('failed', `${cause.type}: ${cause.message}`);
      throw err;
    }

    const plan = await db.planFulfilment(orderId);
    if (plan.supplierUnitIds.length > 0) {
      state.step = 'purchasing';
      const failure = await buyUnits(plan.supplierUnitIds);
      if (failure) return finish('failed', failure);
    }
    if (plan.manualUnits > 0) {
      const outcome = await awaitManualFulfilment();
      if (outcome === 'cancelled') {
        Object.assign(state, { status: 'cancelled', reason: 'manual_fulfilment_deadline', step: 'done' });
        return state;
      }
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

  /** Buys every unit, a few at a time. Answers with the first unit's failure, if any. */
  async function buyUnits(unitIds: string[]): Promise<string | undefined> {
    const queue = [...unitIds];
    const progress = { bought: 0, total: unitIds.length, waitingOnSupplier: 0 };
    state.purchases = progress;
    let failure: string | undefined;
    const buyer = async () => {
      while (queue.length > 0 && !failure) {
        const unitId = queue.shift()!;
        const unitFailure = await buyUnit(unitId);
        if (unitFailure) failure ??= unitFailure;
        else progress.bought++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(PURCHASE_CONCURRENCY, queue.length) }, buyer));
    return failure;

    async function buyUnit(unitId: string): Promise<string | undefined> {
      for (;;) {
        let result: UnitPurchase | { status: 'none' };
        let lastError = '';
        try {
          result = await suppliers.purchaseUnit(unitId);
        } catch (err) {
          if (isCancellation(err)) throw err;
          lastError = ((err as { cause?: Error }).cause ?? (err as Error)).message;
          // Out of retries: never walk away from a purchase in doubt. Ask until it is known.
          result = await supplierChecks.settleUnitPurchase(unitId);
        }
        if (result.status === 'succeeded') return undefined;
        if (result.status === 'failed') return `supplier_failed: ${result.reason}`;
        if (result.status === 'none') return `supplier_unavailable: ${lastError}`;
        progress.waitingOnSupplier++;
        const settled = await awaitPurchase(result.purchaseId);
        progress.waitingOnSupplier--;
        if (settled === 'succeeded') return undefined;
        // It failed at the supplier (and was refunded): try the next route.
      }
    }
  }

  /** An asynchronous purchase ends by callback or by poll, whichever comes first. */
  async function awaitPurchase(purchaseId: string): Promise<'succeeded' | 'failed'> {
    let wait = FIRST_POLL_MS;
    let waited = 0;
    let flagged = false;
    for (;;) {
      await condition(() => callbacks.has(purchaseId), wait);
      waited += wait;
      callbacks.delete(purchaseId);
      const status = await supplierChecks.checkPurchase(purchaseId);
      if (status !== 'processing') return status;
      // Paid for and still not done: keep asking, and make sure a person knows.
      if (!flagged && waited >= SLOW_PURCHASE_MS) {
        await db.flagSlowPurchase(purchaseId);
        flagged = true;
      }
      wait = Math.min(wait * 2, MAX_POLL_MS);
    }
  }

  /** Waits for staff; escalates at the first deadline, cancels at the second. */
  async function awaitManualFulfilment(): Promise<'done' | 'cancelled'> {
    const task = await db.openManualTask(orderId);
    if (!task) return 'done';
    // Only now can staff see the task and fill it in.
    state.step = 'awaiting_manual';
    state.manual = { escalated: task.status === 'escalated' };
    const waitUntilDone = async (ms: number) => {
      let left = ms;
      while (left > 0) {
        const slice = Math.min(left, MANUAL_RECHECK_MS);
        if (await condition(() => manualSignalled, slice)) return true;
        left -= slice;
        if ((await db.manualTaskStatus(orderId)) === 'done') return true;
      }
      return (await db.manualTaskStatus(orderId)) === 'done';
    };
    if (task.status === 'done' || (await waitUntilDone(task.escalateInMs))) return 'done';
    await db.escalateManualTask(orderId);
    state.manual = { escalated: true };
    if (await waitUntilDone(task.cancelInMs - task.escalateInMs)) return 'done';
    state.step = 'cancelling';
    return (await db.expireManualTask(orderId)) === 'done' ? 'done' : 'cancelled';
  }
}
