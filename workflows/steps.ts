import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

// How the order workflow calls its activities, and how long each kind keeps trying. Every step
// has a bounded budget: when it runs out the order stops visibly for a person (needs_attention)
// instead of retrying where nobody looks. Only the step that records that stop retries without
// limit: with the database down there is nothing else to do, and nothing is lost by waiting.

/** Attempts per step before the order needs attention (ORDER_STEP_ATTEMPTS; about 8 minutes of backoff at 20). */
export const DEFAULT_STEP_ATTEMPTS = 20;

const backoff = { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' } as const;

export function orderSteps(opts: { local: boolean; attempts: number }) {
  const budget = { ...backoff, maximumAttempts: opts.attempts };
  // Database steps run as local activities: in the worker, right inside the workflow task,
  // recorded in the history as one marker each, with no round trip through the Temporal
  // server's task queues. That is most of an order's cost on the server (docs/BENCHMARKS.md).
  // A worker crash may run a step twice; every step is idempotent (it checks what it already
  // did), which it must be anyway. Orders started before that change (the
  // 'db-steps-as-local-activities' patch) run them as ordinary activities.
  const db = opts.local
    ? proxyLocalActivities<Activities>({ startToCloseTimeout: '30s', retry: budget })
    : proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: budget });
  const untilDone = opts.local
    ? proxyLocalActivities<Activities>({ startToCloseTimeout: '30s', retry: backoff })
    : proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: backoff });

  return {
    db,
    /** Recording that the order needs a person, and what they chose: retried until the database answers. */
    untilDone,
    // Asking a supplier where a purchase stands is a network call: an ordinary activity.
    supplierChecks: proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: budget }),
    // Buying one unit: retried with backoff while the supplier's answer is unknown or every
    // route is paused (circuits open, rate limits), for about ten minutes; then the order gives
    // up on that unit, after settling anything still in doubt.
    suppliers: proxyActivities<Activities>({
      startToCloseTimeout: '2m',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 15 },
    }),
    webhooks: proxyActivities<Activities>({
      startToCloseTimeout: '30s',
      // A receiver that is down must not hold up or fail the order: the codes are already
      // delivered and retrievable. Keep trying for about five hours, then record that we gave up.
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10m', maximumAttempts: 40 },
    }),
  };
}

export type OrderSteps = ReturnType<typeof orderSteps>;
