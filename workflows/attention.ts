import { ActivityFailure, ApplicationFailure, condition, setHandler, TemporalFailure } from '@temporalio/workflow';
import {
  ATTENTION_ACTIONS,
  attentionActionsAt,
  resolveAttentionUpdate,
  type AttentionProblem,
  type AttentionResolution,
  type FulfilmentState,
  type FulfilmentStep,
} from './messages';

// When a step of an order cannot go on by itself (an invariant broke, or its retry budget ran
// out), the order stops where a person can see it and waits, with no timer and no polling, for a
// support action: the resolveAttention update.

/** What a failed step means for a person, or undefined if it is not an activity's failure (a bug: let the workflow task fail). */
export function problemOf(step: FulfilmentStep, err: unknown): AttentionProblem | undefined {
  if (!(err instanceof TemporalFailure)) return undefined;
  // A local activity's failure arrives as itself; an activity's inside an ActivityFailure.
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const detail = cause instanceof ApplicationFailure ? (cause.details?.[0] as { code?: string; params?: Record<string, string | number> } | undefined) : undefined;
  if (cause instanceof ApplicationFailure && detail?.code && (cause.type === 'InvariantBroken' || cause.type === 'ActionRefused')) {
    return { step, code: detail.code, params: detail.params ?? {} };
  }
  const failure = (cause instanceof ApplicationFailure ? cause.type : cause?.name) ?? 'unknown';
  if (cause instanceof ApplicationFailure && cause.nonRetryable) return { step, code: 'step_failed', params: { step, failure } };
  // Only the error's type: its message could quote data (a constraint's values), never shown.
  return { step, code: 'step_retries_exhausted', params: { step, failure } };
}

/** The update handler and the wait for it. One per workflow run. */
export function attentionDesk(state: FulfilmentState) {
  let waiting: AttentionResolution | undefined;
  let asked = 0;
  let answered = 0;
  let lastError: string | undefined;
  setHandler(
    resolveAttentionUpdate,
    async (resolution) => {
      waiting = resolution;
      const mine = ++asked;
      // Answer once the action has taken effect, so the caller reads the order as it now is.
      await condition(() => answered >= mine);
      if (lastError) throw ApplicationFailure.create({ type: 'ActionRefused', message: lastError, nonRetryable: true });
      return state;
    },
    {
      validator: (resolution) => {
        const stop = state.attention;
        if (!stop || waiting) throw new Error(`order is ${state.status} and does not need attention`);
        if (!ATTENTION_ACTIONS.includes(resolution.action)) throw new Error(`action must be one of ${ATTENTION_ACTIONS.join(', ')}`);
        if (!attentionActionsAt(stop.step).includes(resolution.action)) {
          throw new Error(`an order stopped at ${stop.step} allows ${attentionActionsAt(stop.step).join(', ')}, not ${resolution.action}`);
        }
      },
    },
  );
  return {
    /** The next support action (the order already shows it needs attention). */
    async next(): Promise<AttentionResolution> {
      await condition(() => waiting !== undefined);
      return waiting!;
    },
    /** The action took effect (or was refused: the update answers with why, and the order keeps waiting). */
    done(error?: string) {
      lastError = error;
      waiting = undefined;
      answered = asked;
    },
  };
}
