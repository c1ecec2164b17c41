import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RunRequest, RunSummary } from '../reconciliation/run';

// Reconciliation runs (reconciliation/, docs/MONEY.md "Reconciliation"). The daily Temporal
// Schedule (reconciliation/schedule.ts) starts reconcileSuppliers; a person's "run now" starts
// reconcileSupplierNow for one supplier and period and waits for its answer.

const reconciling = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  // A supplier that is down gets a few tries; a refusal (no statement) is not retried.
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumAttempts: 4, nonRetryableErrorTypes: ['ActionRefused'] },
});

export async function reconcileSuppliers(): Promise<{ runs: number; differences: number; failed: number }> {
  const due = await reconciling.dueReconciliations();
  let runs = 0;
  let differences = 0;
  let failed = 0;
  for (const req of due) {
    try {
      const summary = await reconciling.reconcileSupplier({ ...req, trigger: 'schedule', startedBy: 'system:reconciliation' });
      runs += 1;
      differences += summary.differences;
    } catch (err) {
      // One supplier's trouble does not keep the others from being reconciled; tomorrow tries again.
      if (!(err instanceof ActivityFailure)) throw err;
      failed += 1;
    }
  }
  return { runs, differences, failed };
}

export async function reconcileSupplierNow(req: RunRequest): Promise<RunSummary> {
  try {
    return await reconciling.reconcileSupplier(req);
  } catch (err) {
    // The refusal's code reaches the person who asked (api/admin/reconciliation.ts).
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) throw err.cause;
    throw err;
  }
}
