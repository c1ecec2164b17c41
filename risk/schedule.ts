import { ScheduleAlreadyRunning, type Client, type ScheduleOptionsStartWorkflowAction, type ScheduleSpec } from '@temporalio/client';
import type { trainRiskModels } from '../workflows/train-risk-models';

// The Temporal Schedule that retrains the anomaly models. Every worker ensures it at start-up:
// the first creates it, the others find it and bring its interval and task queue up to date.
// One schedule per task queue, so separate deployments (and test runs) sharing a Temporal
// namespace do not train each other's databases.

export const riskScheduleId = (taskQueue: string) => `risk-model-training:${taskQueue}`;

export async function ensureRiskModelSchedule(client: Client, opts: { taskQueue: string; everyHours: number }): Promise<string> {
  const scheduleId = riskScheduleId(opts.taskQueue);
  const spec: ScheduleSpec = { intervals: [{ every: `${opts.everyHours}h` }] };
  const action: ScheduleOptionsStartWorkflowAction<typeof trainRiskModels> = {
    type: 'startWorkflow',
    workflowType: 'trainRiskModels',
    workflowId: scheduleId,
    taskQueue: opts.taskQueue,
  };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies: { overlap: 'SKIP', catchupWindow: '1h' } });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((current) => ({ ...current, spec, action }));
  }
  return scheduleId;
}
