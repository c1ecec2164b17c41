import { context, type Context } from '@opentelemetry/api';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { AppError, conflict } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { RepeatedFailures } from '../lib/repeated-failures';
import { REQUEST_ID_MEMO } from '../workflows/interceptors';
import type { FulfilOrderInput } from '../workflows/fulfil-order';
import {
  cancelOrderUpdate,
  decideRiskReviewUpdate,
  fulfilmentStateQuery,
  giftOpenedSignal,
  manualFulfilledSignal,
  resolveAttentionUpdate,
  supplierResultSignal,
  type AttentionResolution,
  type FulfilmentState,
  type RiskReviewDecision,
} from '../workflows/messages';

// How the API (and the reconciler) talk to an order's workflow. workflowId = order id, so
// starting twice is harmless: a running workflow is reused, a finished one is left alone.

const START_DEADLINE_MS = 3000;
// Background starts in flight at once, and queued at most (beyond that the reconciler starts them).
const START_CONCURRENCY = 16;
const MAX_QUEUED_STARTS = 100_000;
const CANCEL_DEADLINE_MS = 15_000;
const STATE_DEADLINE_MS = 3000;

export class FulfilmentClient {
  private readonly queuedStarts: { orderId: string; requestId?: string; trace: Context }[] = [];
  private startsInFlight = 0;
  /** With Temporal unreachable every start fails alike: one line, then a summary. */
  private readonly startFailures = new RepeatedFailures((entry, message) => this.log.warn(entry, message));

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly log: Logger,
    /** Attempts per step before an order needs attention (ORDER_STEP_ATTEMPTS); unset: the workflow's default. */
    private readonly stepAttempts?: number,
  ) {}

  private input(orderId: string): FulfilOrderInput {
    return this.stepAttempts ? { orderId, stepAttempts: this.stepAttempts } : { orderId };
  }

  /** Never throws: the order is already durable, and the reconciler retries a failed start. */
  async start(orderId: string, requestId?: string): Promise<void> {
    try {
      // Bounded: with Temporal down, gRPC would keep retrying while the storefront waits.
      await this.client.withDeadline(Date.now() + START_DEADLINE_MS, () =>
        this.client.workflow.start('fulfilOrder', {
          workflowId: orderId,
          taskQueue: this.taskQueue,
          args: [this.input(orderId)],
          // The api request that accepted the order, for its workflow's and activities' logs.
          ...(requestId ? { memo: { [REQUEST_ID_MEMO]: requestId } } : {}),
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      );
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return;
      this.startFailures.report((err as Error).message, { orderId, err: (err as Error).message }, 'could not start fulfilment; the reconciler will retry');
    }
  }

  /**
   * Starts a bulk order's workflow (workflows/bulk-order.ts), workflowId = order id as for any
   * order. Never throws: the order is durable, and the reconciler retries a failed start.
   */
  async startBulk(orderId: string, requestId?: string): Promise<void> {
    try {
      await this.client.withDeadline(Date.now() + START_DEADLINE_MS, () =>
        this.client.workflow.start('fulfilBulkOrder', {
          workflowId: orderId,
          taskQueue: this.taskQueue,
          args: [{ orderId }],
          ...(requestId ? { memo: { [REQUEST_ID_MEMO]: requestId } } : {}),
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      );
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return;
      this.startFailures.report((err as Error).message, { orderId, err: (err as Error).message }, 'could not start a bulk order; the reconciler will retry');
    }
  }

  /**
   * Starts the order's workflow in the background and returns at once. An accepted order is
   * already durable in Postgres; its storefront's answer should not wait for Temporal, which in
   * a flash sale is busy fulfilling the orders before it. If this process dies with starts
   * still queued, the worker's reconciler starts those orders' workflows.
   */
  startSoon(orderId: string, requestId?: string): void {
    if (this.queuedStarts.length >= MAX_QUEUED_STARTS) {
      this.log.warn({ orderId }, 'too many workflow starts queued; the reconciler will start this one');
      return;
    }
    // The start runs later, perhaps after another request: it keeps this request's trace.
    this.queuedStarts.push({ orderId, requestId, trace: context.active() });
    this.sendQueuedStarts();
  }

  private sendQueuedStarts() {
    while (this.startsInFlight < START_CONCURRENCY && this.queuedStarts.length > 0) {
      const { orderId, requestId, trace } = this.queuedStarts.shift()!;
      this.startsInFlight++;
      // start() catches and logs its own failures (the reconciler starts what it missed).
      void context
        .with(trace, () => this.start(orderId, requestId))
        .finally(() => {
          this.startsInFlight--;
          this.sendQueuedStarts();
        });
    }
  }

  /**
   * Which of these orders have no running workflow (one visibility query per hundred). In a flash
   * sale thousands of orders wait, rightly still 'accepted', for a busy worker: starting each
   * again would only load Temporal further. A retried order's earlier run is closed, so only a
   * running one counts. Throws if Temporal cannot be asked.
   */
  async withoutRunningWorkflow(orderIds: string[]): Promise<string[]> {
    const found = new Set<string>();
    for (let i = 0; i < orderIds.length; i += 100) {
      // Order ids are UUIDs from our own database: safe to quote into the query.
      const ids = orderIds.slice(i, i + 100).map((id) => `'${id}'`);
      for await (const wf of this.client.workflow.list({ query: `WorkflowId IN (${ids.join(', ')}) AND ExecutionStatus = 'Running'` })) found.add(wf.workflowId);
    }
    return orderIds.filter((id) => !found.has(id));
  }

  /**
   * Starts a gift's workflow (workflows/deliver-gift.ts); a running or finished one is left alone.
   * Throws when Temporal does not answer: the storefront asks again (the gift is kept, and a
   * repeated request starts it).
   */
  async startGift(giftId: string): Promise<void> {
    try {
      await this.client.withDeadline(Date.now() + START_DEADLINE_MS, () =>
        this.client.workflow.start('deliverGift', {
          workflowId: `gift-${giftId}`,
          taskQueue: this.taskQueue,
          args: [{ giftId }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      );
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return;
      this.log.warn({ giftId, err: (err as Error).message }, 'could not start the gift workflow');
      throw new AppError('unavailable', 'workflow_unavailable', 'the gift could not be scheduled now; send the same request again');
    }
  }

  /** The recipient opened the gift: its workflow tells the sender. Never throws (the opening is recorded either way). */
  async giftOpened(giftId: string): Promise<void> {
    try {
      await this.client.withDeadline(Date.now() + START_DEADLINE_MS, () => this.client.workflow.getHandle(`gift-${giftId}`).signal(giftOpenedSignal));
    } catch (err) {
      this.log.warn({ giftId, err: (err as Error).message }, 'could not tell the gift workflow that the gift was opened');
    }
  }

  /** At shutdown: waits, at most `ms`, for queued starts to be sent. */
  async drainStarts(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while ((this.queuedStarts.length > 0 || this.startsInFlight > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  }

  /**
   * The run of a retried order, started after the retry committed; its earlier run has closed.
   * A run still open is reused, never terminated. Never throws: the reconciler starts a retried
   * order that has no running workflow.
   */
  async startRetried(orderId: string): Promise<void> {
    try {
      await this.client.withDeadline(Date.now() + START_DEADLINE_MS, () =>
        this.client.workflow.start('fulfilOrder', {
          workflowId: orderId,
          taskQueue: this.taskQueue,
          args: [this.input(orderId)],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        }),
      );
    } catch (err) {
      this.log.warn({ orderId, err: (err as Error).message }, 'could not start the retried order; the reconciler will');
    }
  }

  async cancel(orderId: string, reason: string): Promise<FulfilmentState> {
    const ask = () =>
      this.client.withDeadline(Date.now() + CANCEL_DEADLINE_MS, () => this.client.workflow.getHandle(orderId).executeUpdate(cancelOrderUpdate, { args: [{ reason }] }));
    try {
      try {
        return await ask();
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // Accepted a moment ago and its workflow not started yet (startSoon): start it, then ask.
        // A finished workflow is never started again (REJECT_DUPLICATE), so this cannot revive one.
        await this.start(orderId);
        return await ask();
      }
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        throw conflict('not_cancellable', err.cause?.message ?? 'the order can no longer be cancelled');
      }
      if (isNotFound(err)) {
        throw conflict('not_cancellable', 'the order has finished and can no longer be cancelled');
      }
      // The request may still reach the workflow later: look before asking again.
      throw new AppError('unavailable', 'workflow_unavailable', 'the order workflow did not answer in time; check the order status before retrying');
    }
  }

  /**
   * Wakes the order's workflow: a supplier callback or a manual entry was stored. Never throws:
   * the workflow also checks the database on its own schedule, so a lost wake-up only delays.
   */
  async wake(orderId: string, why: { purchaseId: string } | 'manual'): Promise<boolean> {
    try {
      const handle = this.client.workflow.getHandle(orderId);
      await this.client.withDeadline(Date.now() + START_DEADLINE_MS, () => (why === 'manual' ? handle.signal(manualFulfilledSignal) : handle.signal(supplierResultSignal, why)));
      return true;
    } catch (err) {
      this.log.warn({ orderId, err: (err as Error).message }, 'could not wake the order workflow; it will notice on its next check');
      return false;
    }
  }

  /**
   * A support action for an order that needs attention (retry, fulfil by hand, refund); answers
   * once it has taken effect. 409 when the order does not need attention or the action does not fit.
   */
  async resolveAttention(orderId: string, resolution: AttentionResolution): Promise<FulfilmentState> {
    try {
      return await this.client.withDeadline(Date.now() + CANCEL_DEADLINE_MS, () =>
        this.client.workflow.getHandle(orderId).executeUpdate(resolveAttentionUpdate, { args: [resolution] }),
      );
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError || isNotFound(err)) {
        throw conflict('attention_action_refused', ((err as Error).cause as Error | undefined)?.message ?? 'the order does not need attention');
      }
      throw new AppError('unavailable', 'workflow_unavailable', 'the order workflow did not answer in time; check the order before acting again');
    }
  }

  /** A reviewer's decision on a held order; answers once it has taken effect. */
  async decideRiskReview(orderId: string, decision: RiskReviewDecision): Promise<FulfilmentState> {
    try {
      return await this.client.withDeadline(Date.now() + CANCEL_DEADLINE_MS, () =>
        this.client.workflow.getHandle(orderId).executeUpdate(decideRiskReviewUpdate, { args: [decision] }),
      );
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError || err instanceof WorkflowNotFoundError || (err as Error).name === 'WorkflowNotFoundError') {
        throw conflict('review_closed', ((err as Error).cause as Error | undefined)?.message ?? 'the order no longer waits for a review decision');
      }
      throw new AppError('unavailable', 'workflow_unavailable', 'the order workflow did not answer in time; check the review before deciding again');
    }
  }

  /** Where the order's latest run stands in Temporal, or undefined when it cannot be asked. */
  async describe(orderId: string): Promise<{ runId: string; status: string; startTime: string; closeTime: string | null } | undefined> {
    try {
      const d = await this.client.withDeadline(Date.now() + STATE_DEADLINE_MS, () => this.client.workflow.getHandle(orderId).describe());
      return { runId: d.runId, status: d.status.name, startTime: d.startTime.toISOString(), closeTime: d.closeTime?.toISOString() ?? null };
    } catch {
      return undefined;
    }
  }

  /** Live state from the workflow, or undefined when it cannot be asked right now. */
  async state(orderId: string): Promise<FulfilmentState | undefined> {
    try {
      // Bounded: a query needs a worker to answer, and a page must not wait for one.
      return await this.client.withDeadline(Date.now() + STATE_DEADLINE_MS, () => this.client.workflow.getHandle(orderId).query(fulfilmentStateQuery));
    } catch {
      return undefined;
    }
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || (err as Error).name === 'WorkflowNotFoundError';
}
