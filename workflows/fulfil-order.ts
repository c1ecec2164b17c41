import { allHandlersFinished, condition, continueAsNew, isCancellation, patched, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { mayCancel } from '../orders/lifecycle';
import { attentionDesk, problemOf } from './attention';
import { awaitManualFulfilment } from './manual-wait';
import {
  cancelOrderUpdate,
  fulfilmentStateQuery,
  manualFulfilledSignal,
  supplierResultSignal,
  type AttentionProblem,
  type AttentionResolution,
  type FulfilmentState,
  type FulfilmentStep,
} from './messages';
import { buyUnits, type PurchaseWaits } from './purchasing';
import { awaitRiskReview, reviewRejectionReason } from './risk-review';
import { orderSearchAttributes } from './search-attributes';
import type { OrderSearchFacts } from '../orders/search-facts';
import { DEFAULT_STEP_ATTEMPTS, orderSteps } from './steps';

// One paid order, start to finish: risk check → allocate codes → buy or wait for staff →
// deliver (which queues the storefront's webhook) → settle. The workflow only decides; every read and write
// happens in an activity, and only ids and counts pass through here, never a code.
//
// A step that cannot go on by itself (an invariant broke, or its retry budget ran out) stops
// the order visibly (needs_attention) until a support action resumes it (./attention.ts).
// Long waits (asynchronous purchases, manual tasks) continue as a new run before the history
// grows long; Postgres holds where the order stands, so the new run picks up from its rows.

export interface FulfilOrderInput {
  orderId: string;
  /** Attempts per step before the order needs attention (FulfilmentClient, from ORDER_STEP_ATTEMPTS). */
  stepAttempts?: number;
  /** Set on a continued run: the risk step is behind the order; the rest is read from its rows. */
  resumed?: { purchaseWaits: PurchaseWaits };
}

// A run continues as new past this many events: far under Temporal's 10,000-event warning and
// 50,000-event limit, with room for the buyers still in flight to stop.
const ROLL_OVER_EVENTS = 3_000;

/** A support action that ends the order's current path: fulfil by hand (start over from allocation) or refund (done). */
class Resolved {
  constructor(readonly resolution: AttentionResolution) {}
}

export async function fulfilOrder(input: FulfilOrderInput): Promise<FulfilmentState> {
  const { orderId } = input;
  // Orders started now record one patch for every change made before December 2026: each
  // patch is a marker and, from the SDK, a visibility update (TemporalChangeVersion) on the
  // server, for every order. Orders started earlier replay through the patches they recorded,
  // change by change; a change made after this one adds its own patch as usual.
  const current = patched('order-workflow-2026-12');
  const local = current || patched('db-steps-as-local-activities');
  // Search attributes and continuing as new: both add commands to what older runs recorded.
  const visible = current || patched('order-search-attributes-and-continue-as-new');
  // Shown when the order starts to wait (a review, a supplier, a person, needs attention) and
  // when it ends, not at every step: an order from stock passes its steps in milliseconds, and
  // each update is an event and a visibility write on the server (docs/BENCHMARKS.md). Orders
  // started before that change show every step.
  const whenWaiting = current;
  const steps = orderSteps({ local, attempts: input.stepAttempts ?? DEFAULT_STEP_ATTEMPTS });
  const { db } = steps;
  const state: FulfilmentState = input.resumed ? { orderId, step: 'allocating', status: 'processing' } : { orderId, step: 'risk_check', status: 'accepted' };
  let cancelRequest: { reason: string } | undefined;
  const purchaseWaits: PurchaseWaits = { ...input.resumed?.purchaseWaits };
  const rollOverDue = () => visible && workflowInfo().historyLength >= ROLL_OVER_EVENTS;

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
  const desk = attentionDesk(state);

  // What Temporal's list shows of this order: tagged once, then kept up with its status and step.
  let tagged = false;
  /** The facts to tag the order with, when the plan brought them (whenWaiting). */
  let tags: OrderSearchFacts | undefined;
  let shown = { status: '', step: '' };
  const show = () => {
    if (!visible || !tagged || (shown.status === state.status && shown.step === state.step)) return;
    shown = { status: state.status, step: state.step };
    upsertSearchAttributes([
      { key: orderSearchAttributes.status, value: state.status },
      { key: orderSearchAttributes.step, value: state.step },
    ]);
  };
  /** Set once: who the order belongs to, what it is for, where it may be bought. */
  async function tagOrder() {
    const facts = await attempt(state.step, () => db.orderSearchFacts(orderId));
    upsertSearchAttributes(tagsOf(facts));
    tagged = true;
    show();
  }
  const tagsOf = (facts: OrderSearchFacts) => [
    { key: orderSearchAttributes.merchant, value: facts.merchantId },
    { key: orderSearchAttributes.storefront, value: facts.storefrontId },
    { key: orderSearchAttributes.sku, value: facts.skus },
    { key: orderSearchAttributes.supplier, value: facts.supplierIds },
  ];
  /** Shows where the order stands now (whenWaiting), tagging it in the same update the first time. */
  async function showNow() {
    if (!whenWaiting) return show();
    if (!tagged) {
      // Tags are for operators' lists: an order never stops for them. Retried while the
      // database is away (as recording needs_attention is); left off if the facts cannot be read.
      let facts = tags;
      try {
        facts ??= await steps.untilDone.orderSearchFacts(orderId);
      } catch (err) {
        if (isCancellation(err)) throw err;
        return;
      }
      tagged = true;
      shown = { status: state.status, step: state.step };
      upsertSearchAttributes([...tagsOf(facts), { key: orderSearchAttributes.status, value: state.status }, { key: orderSearchAttributes.step, value: state.step }]);
      return;
    }
    show();
  }

  const result = await fulfil();
  await showNow();
  // Let a cancel request that is still answering finish before the workflow closes.
  await condition(allHandlersFinished);
  return result;

  /** Runs one step; if it cannot go on by itself, stops the order for a person and does what they choose. */
  async function attempt<T>(step: FulfilmentStep, work: () => Promise<T>): Promise<T> {
    for (;;) {
      state.step = step;
      if (!whenWaiting) show();
      try {
        return await work();
      } catch (err) {
        if (isCancellation(err)) throw err;
        const problem = problemOf(step, err);
        if (!problem) throw err;
        const resolution = await stopForAttention(problem);
        if (resolution.action !== 'retry') throw new Resolved(resolution);
        // Retry: the same step again, with a fresh budget.
      }
    }
  }

  async function stopForAttention(problem: AttentionProblem): Promise<AttentionResolution> {
    const statusBefore = state.status;
    Object.assign(state, { status: 'needs_attention', attention: problem });
    await showNow();
    await steps.untilDone.markNeedsAttention(orderId, problem);
    for (;;) {
      const resolution = await desk.next();
      try {
        if (resolution.action === 'refund') {
          await db.refundNeedingAttention(orderId, resolution);
        } else {
          await steps.untilDone.leaveNeedsAttention(orderId, resolution);
          if (resolution.action === 'fulfil_manually') await db.handOverToManual(orderId);
        }
      } catch (err) {
        if (isCancellation(err)) throw err;
        const refused = problemOf(state.attention!.step, err);
        if (!refused) throw err;
        // The action did not take effect: the order still needs attention, and the caller hears why.
        desk.done(`${refused.code} ${JSON.stringify(refused.params)}`);
        continue;
      }
      state.attention = undefined;
      state.status = resolution.action === 'refund' ? 'refunded' : statusBefore;
      desk.done();
      return resolution;
    }
  }

  async function finish(status: 'cancelled' | 'failed', reason: string) {
    await attempt('cancelling', () => (status === 'cancelled' ? db.cancelOrder(orderId, reason) : db.failOrder(orderId, reason)));
    Object.assign(state, { status, reason, step: 'done' });
    return state;
  }

  async function fulfil(): Promise<FulfilmentState> {
    for (let fromStart = !input.resumed; ; fromStart = false) {
      try {
        if (visible && !whenWaiting && !tagged) await tagOrder();
        return fromStart ? await checkRiskThenFulfil() : await fulfilFromAllocation();
      } catch (err) {
        if (!(err instanceof Resolved)) throw err;
        if (err.resolution.action === 'refund') {
          Object.assign(state, { status: 'refunded', reason: err.resolution.note, step: 'done' });
          return state;
        }
        // Fulfil by hand: the missing units are manual units now; carry on from allocation.
      }
    }
  }

  async function checkRiskThenFulfil(): Promise<FulfilmentState> {
    const risk = await attempt('risk_check', () => db.checkRisk(orderId));
    if (risk.decision === 'reject') return finish('cancelled', `risk_rejected: ${risk.reasons.join('; ')}`);
    if (risk.decision === 'review') {
      const waiting = awaitRiskReview(state, risk.reviewDeadline!, () => cancelRequest !== undefined);
      await showNow(); // the review has set the order held
      const review = await waiting;
      await attempt('risk_review', () => db.recordRiskReview(orderId, review));
      if (review.decision === 'reject') return finish('cancelled', reviewRejectionReason(review));
    }
    state.status = 'processing';
    if (cancelRequest) return finish('cancelled', cancelRequest.reason);
    return fulfilFromAllocation();
  }

  async function fulfilFromAllocation(): Promise<FulfilmentState> {
    const shortOfStock = await attempt('allocating', async () => {
      try {
        await db.allocateCodes(orderId);
        return undefined;
      } catch (err) {
        // A business failure ends the order; anything else is the step's to stop on.
        const cause = (err as { cause?: unknown }).cause ?? err;
        const { type, nonRetryable, message } = cause as { type?: string; nonRetryable?: boolean; message: string };
        if (nonRetryable && (type === 'StockShortfall' || type === 'OrderNotAllocatable')) return `${type}: ${message}`;
        throw err;
      }
    });
    if (shortOfStock) return finish('failed', shortOfStock);

    const plan = await attempt('allocating', () => (whenWaiting && !tagged ? db.planFulfilment(orderId, { tags: true }) : db.planFulfilment(orderId)));
    if (plan.tags) tags = plan.tags;
    if (plan.supplierUnitIds.length > 0) {
      if (whenWaiting) {
        state.step = 'purchasing';
        await showNow();
      }
      const outcome = await attempt('purchasing', () => buyUnits({ steps, state, callbacks, waits: purchaseWaits, rollOverDue }, plan.supplierUnitIds));
      if (outcome.kind === 'failed') {
        // A bundle part that cannot be bought waits for a person when the bundle's policy says
        // so: its units become manual units and the order goes round again to wait for staff.
        // (With the other policy, failing the order gives the bundle's parts back: orders/bundle-undo.ts.)
        if (plan.partFailure === 'wait_for_person' && (current || patched('bundle-part-waits-for-person'))) {
          await attempt('purchasing', () => db.handOverToManual(orderId));
          return fulfilFromAllocation();
        }
        return finish('failed', outcome.reason);
      }
      if (outcome.kind === 'roll_over') return continueAsNewRun();
    }
    if (plan.manualUnits > 0) {
      if (whenWaiting) {
        state.step = 'awaiting_manual';
        await showNow();
      }
      const outcome = await attempt('awaiting_manual', () => awaitManualFulfilment({ orderId, steps, state, signalled: () => manualSignalled, rollOverDue }));
      if (outcome === 'roll_over') return continueAsNewRun();
      if (outcome === 'cancelled') {
        Object.assign(state, { status: 'cancelled', reason: 'manual_fulfilment_deadline', step: 'done' });
        return state;
      }
    }

    // The storefront's webhook is queued in the delivery's own transaction and sent by the
    // notifier (worker/webhook-notifier.ts), off this workflow. Orders started before that
    // change send it themselves, as their last step.
    const outbox = current || patched('webhooks-through-outbox');
    await attempt('delivering', () => (outbox ? db.deliverOrder(orderId, { queueWebhook: true }) : db.deliverOrder(orderId)));
    state.status = 'delivered';

    await attempt('settling', () => db.settleOrder(orderId));

    if (!outbox) await notifyStorefrontHere();
    state.step = 'done';
    return state;
  }

  /** The delivery webhook as a step of the workflow: orders started before the outbox. */
  async function notifyStorefrontHere() {
    state.step = 'notifying';
    show();
    state.webhook = 'pending';
    try {
      const sent = await steps.webhooks.notifyStorefront(orderId, 'order.delivered');
      state.webhook = sent.outcome;
    } catch (err) {
      if (isCancellation(err)) throw err;
      state.webhook = 'gave_up';
      await attempt('notifying', () => db.recordWebhookGaveUp(orderId, 'order.delivered'));
    }
  }

  /** The history has grown long while waiting: go on as a new run of this same order. */
  async function continueAsNewRun(): Promise<never> {
    if (whenWaiting) await showNow();
    await condition(allHandlersFinished);
    return continueAsNew<typeof fulfilOrder>({ ...input, resumed: { purchaseWaits } });
  }
}
