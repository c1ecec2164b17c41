import { ScheduleAlreadyRunning, type Client, type ScheduleOptionsStartWorkflowAction, type ScheduleSpec } from '@temporalio/client';
import type { reconcileSuppliers } from '../workflows/reconcile';

// The daily reconciliation as a Temporal Schedule, ensured by every worker at start-up like the
// risk-model schedule (risk/schedule.ts): the first creates it, the others bring it up to date.
// One per task queue, so deployments (and test runs) sharing a namespace keep to their own books.
// It runs at 01:00 UTC, once yesterday is over for the statement.

export const reconciliationScheduleId = (taskQueue: string) => `reconciliation:${taskQueue}`;

export async function ensureReconciliationSchedule(client: Client, opts: { taskQueue: string; hourUtc?: number }): Promise<string> {
  const scheduleId = reconciliationScheduleId(opts.taskQueue);
  const spec: ScheduleSpec = { calendars: [{ hour: opts.hourUtc ?? 1, minute: 0, comment: 'daily reconciliation' }] };
  const action: ScheduleOptionsStartWorkflowAction<typeof reconcileSuppliers> = {
    type: 'startWorkflow',
    workflowType: 'reconcileSuppliers',
    workflowId: scheduleId,
    taskQueue: opts.taskQueue,
  };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies: { overlap: 'SKIP', catchupWindow: '6h' } });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((current) => ({ ...current, spec, action }));
  }
  return scheduleId;
}
