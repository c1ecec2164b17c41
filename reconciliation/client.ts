import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { AppError } from '../lib/errors';
import type { RunRequest, RunSummary } from './run';

// How the API runs a reconciliation on demand: as a workflow on the worker's task queue (the
// worker holds the supplier adapters and does the I/O), answered when it finishes.

const RUN_DEADLINE_MS = 120_000;

export class ReconciliationRuns {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async runNow(req: RunRequest): Promise<RunSummary> {
    try {
      return await this.client.withDeadline(Date.now() + RUN_DEADLINE_MS, () =>
        this.client.workflow.execute('reconcileSupplierNow', {
          workflowId: `reconciliation:${req.supplierId}:${req.period.from}:${req.period.to}:${crypto.randomUUID()}`,
          taskQueue: this.taskQueue,
          args: [req],
        }),
      );
    } catch (err) {
      // A refusal the activity carried (say, a statement in another currency) keeps its code.
      const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
      const detail = cause instanceof ApplicationFailure ? (cause.details?.[0] as { code?: string } | undefined) : undefined;
      if (cause instanceof ApplicationFailure && cause.type === 'ActionRefused' && detail?.code) throw new AppError('conflict', detail.code, cause.message);
      throw new AppError('unavailable', 'reconciliation_failed', 'The reconciliation did not finish; the supplier may be unreachable. Try again later.');
    }
  }
}
