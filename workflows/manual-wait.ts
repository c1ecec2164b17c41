import { condition } from '@temporalio/workflow';
import type { FulfilmentState } from './messages';
import type { OrderSteps } from './steps';

// An order with units only a person can fulfil waits here for staff, visibly and with two
// deadlines read from its task row: escalate (an alert), then cancel. Staff may finish any time
// (the manualFulfilled signal); the database is checked every few minutes in case a signal was
// lost. A wait of days stays short in history: when the run grows long it continues as a new
// run, which opens the same task (its deadlines are stored) and waits on.

// Staff can finish a manual order any time; this is only the backstop if the signal was lost.
const MANUAL_RECHECK_MS = 5 * 60_000;

export interface ManualWaitContext {
  orderId: string;
  steps: OrderSteps;
  state: FulfilmentState;
  signalled: () => boolean;
  rollOverDue: () => boolean;
}

/** Waits for staff; escalates at the first deadline, cancels at the second. */
export async function awaitManualFulfilment(ctx: ManualWaitContext): Promise<'done' | 'cancelled' | 'roll_over'> {
  const { orderId, state } = ctx;
  const { db } = ctx.steps;
  const task = await db.openManualTask(orderId);
  if (!task) return 'done';
  // Only now can staff see the task and fill it in.
  state.step = 'awaiting_manual';
  state.manual = { escalated: task.status === 'escalated' };
  const waitUntilDone = async (ms: number): Promise<boolean | 'roll_over'> => {
    let left = ms;
    while (left > 0) {
      const slice = Math.min(left, MANUAL_RECHECK_MS);
      if (await condition(ctx.signalled, slice)) return true;
      left -= slice;
      if ((await db.manualTaskStatus(orderId)) === 'done') return true;
      if (left > 0 && ctx.rollOverDue()) return 'roll_over';
    }
    return (await db.manualTaskStatus(orderId)) === 'done';
  };
  if (task.status === 'done') return 'done';
  // An escalated task (a continued run) has no time left to the first deadline: escalating again changes nothing.
  const beforeEscalation = await waitUntilDone(task.escalateInMs);
  if (beforeEscalation) return beforeEscalation === 'roll_over' ? 'roll_over' : 'done';
  await db.escalateManualTask(orderId);
  state.manual = { escalated: true };
  const beforeDeadline = await waitUntilDone(task.cancelInMs - task.escalateInMs);
  if (beforeDeadline) return beforeDeadline === 'roll_over' ? 'roll_over' : 'done';
  state.step = 'cancelling';
  return (await db.expireManualTask(orderId)) === 'done' ? 'done' : 'cancelled';
}
