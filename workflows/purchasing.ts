import { condition, isCancellation } from '@temporalio/workflow';
import type { UnitPurchase } from '../suppliers/purchase-unit';
import type { FulfilmentState } from './messages';
import type { OrderSteps } from './steps';

// Buying an order's supplier units, a few at a time, and waiting for asynchronous purchases to
// finish (by the supplier's callback, or by polling). A wait can last hours; when the run's
// history grows long it stops at a safe point and the order continues as a new run, which reads
// where each unit stands from Postgres (the purchases stay in doubt there, never forgotten).

// At most this many units of one order are bought at once: a big order must not hog a supplier.
const PURCHASE_CONCURRENCY = 8;
// An asynchronous purchase is polled if its callback has not come by then, backing off to 5 min.
const FIRST_POLL_MS = 2_000;
const MAX_POLL_MS = 5 * 60_000;
// A purchase still processing after this long raises an alert (it keeps being polled).
const SLOW_PURCHASE_MS = 30 * 60_000;

/** How long each purchase has been waited on, carried into the next run so the slow alert still comes at 30 minutes. */
export type PurchaseWaits = Record<string, { waitedMs: number; pollMs: number; flagged: boolean }>;

export type PurchasingOutcome = { kind: 'bought' } | { kind: 'failed'; reason: string } | { kind: 'roll_over' };

export interface PurchasingContext {
  steps: OrderSteps;
  state: FulfilmentState;
  /** Purchases a supplier's callback was recorded for (the supplierResult signal). */
  callbacks: Set<string>;
  /** Carried over from the previous run, and handed to the next. */
  waits: PurchaseWaits;
  /** True when this run should stop and continue as a new one. */
  rollOverDue: () => boolean;
}

/**
 * Buys every unit. Answers with the first unit's failure, or that the run should continue as
 * new. A step that ran out of retries is thrown, once every buyer has stopped.
 */
export async function buyUnits(ctx: PurchasingContext, unitIds: string[]): Promise<PurchasingOutcome> {
  const { steps, state } = ctx;
  const queue = [...unitIds];
  const progress = { bought: 0, total: unitIds.length, waitingOnSupplier: 0 };
  state.purchases = progress;
  let failure: string | undefined;
  let error: unknown;
  let rollingOver = false;
  const stopped = () => failure !== undefined || error !== undefined || rollingOver;
  const buyer = async () => {
    while (queue.length > 0 && !stopped()) {
      if (ctx.rollOverDue()) {
        rollingOver = true;
        break;
      }
      const unitId = queue.shift()!;
      try {
        const outcome = await buyUnit(unitId);
        if (outcome === 'bought') progress.bought++;
        else if (outcome === 'roll_over') rollingOver = true;
        else failure ??= outcome.reason;
      } catch (err) {
        if (isCancellation(err)) throw err;
        error ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PURCHASE_CONCURRENCY, queue.length) }, buyer));
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- the first buyer's failure, rethrown as it was caught
  if (error !== undefined) throw error;
  if (failure !== undefined) return { kind: 'failed', reason: failure };
  return rollingOver ? { kind: 'roll_over' } : { kind: 'bought' };

  async function buyUnit(unitId: string): Promise<'bought' | 'roll_over' | { reason: string }> {
    for (;;) {
      let result: UnitPurchase | { status: 'none' };
      let lastError = '';
      // Why the last try waited, as a code with parameters (activities/index.ts puts it in the failure's details).
      let lastWait: string | undefined;
      try {
        result = await steps.suppliers.purchaseUnit(unitId);
      } catch (err) {
        if (isCancellation(err)) throw err;
        lastError = ((err as { cause?: Error }).cause ?? (err as Error)).message;
        lastWait = waitReason(err);
        // Out of retries: never walk away from a purchase in doubt. Ask where it stands (if the
        // supplier cannot say within the step's budget, the order stops for a person, the
        // purchase still recorded as in doubt).
        result = await steps.supplierChecks.settleUnitPurchase(unitId);
      }
      if (result.status === 'succeeded') return 'bought';
      // Histories recorded before the codes carry neither `coded` nor details: their reasons stay as they were.
      if (result.status === 'failed') return { reason: result.coded ?? `supplier_failed: ${result.reason}` };
      // With no wait's reason, lastError is the step's own failure text: the failOrder step stores it as a code (orders/reasons.ts storedReason).
      if (result.status === 'none') return { reason: lastWait ?? `supplier_unavailable: ${lastError}` };
      progress.waitingOnSupplier++;
      const settled = await awaitPurchase(result.purchaseId).finally(() => progress.waitingOnSupplier--);
      if (settled !== 'failed') return settled === 'succeeded' ? 'bought' : 'roll_over';
      // It failed at the supplier (and was refunded): try the next route.
    }
  }

  /** An asynchronous purchase ends by callback or by poll, whichever comes first. */
  async function awaitPurchase(purchaseId: string): Promise<'succeeded' | 'failed' | 'roll_over'> {
    const waits = (ctx.waits[purchaseId] ??= { waitedMs: 0, pollMs: FIRST_POLL_MS, flagged: false });
    for (;;) {
      const wait = waits.pollMs;
      await condition(() => ctx.callbacks.has(purchaseId) || rollingOver, wait);
      if (rollingOver) return 'roll_over';
      waits.waitedMs += wait;
      ctx.callbacks.delete(purchaseId);
      const status = await steps.supplierChecks.checkPurchase(purchaseId);
      if (status !== 'processing') {
        delete ctx.waits[purchaseId];
        return status;
      }
      // Paid for and still not done: keep asking, and make sure a person knows.
      if (!waits.flagged && waits.waitedMs >= SLOW_PURCHASE_MS) {
        await steps.db.flagSlowPurchase(purchaseId);
        waits.flagged = true;
      }
      waits.pollMs = Math.min(wait * 2, MAX_POLL_MS);
      if (ctx.rollOverDue()) {
        rollingOver = true;
        return 'roll_over';
      }
    }
  }
}

/** The coded reason an activity's retryable failure carried in its details, if any. */
function waitReason(err: unknown): string | undefined {
  const details = (err as { cause?: { details?: unknown } }).cause?.details;
  const first: unknown = Array.isArray(details) ? details[0] : undefined;
  return typeof first === 'object' && first !== null && 'reason' in first && typeof first.reason === 'string' ? first.reason : undefined;
}
