import { condition, setHandler } from '@temporalio/workflow';
import type { ReviewOutcome } from '../risk/review';
import { decideRiskReviewUpdate, type FulfilmentState, type RiskReviewDecision } from './messages';

// An order the risk check held waits here for a person: a reviewer approves or rejects it
// (decideRiskReview update), the storefront cancels it, or the deadline passes and it is
// rejected. Its stock stays reserved meanwhile; rejecting goes through the cancel step, which
// releases it.

export async function awaitRiskReview(state: FulfilmentState, deadline: string, cancelRequested: () => boolean): Promise<ReviewOutcome> {
  let decided: RiskReviewDecision | undefined;
  state.step = 'risk_review';
  state.status = 'held';
  setHandler(
    decideRiskReviewUpdate,
    async (decision) => {
      decided = decision;
      // Answer once the decision has taken effect, so the caller reads the order as it now is.
      await condition(() => state.step !== 'risk_review' && state.step !== 'cancelling');
      return state;
    },
    {
      validator: (decision) => {
        if (state.step !== 'risk_review' || decided || cancelRequested()) {
          throw new Error(`order is ${state.status} and no longer waits for a review decision`);
        }
        if (decision.decision !== 'approve' && decision.decision !== 'reject') throw new Error('decision must be approve or reject');
      },
    },
  );

  const answered = await condition(() => decided !== undefined || cancelRequested(), Math.max(0, Date.parse(deadline) - Date.now()));
  if (decided) return { decision: decided.decision, by: 'reviewer', reviewerId: decided.reviewerId, note: decided.note };
  if (answered) return { decision: 'withdrawn', by: 'storefront' };
  return { decision: 'reject', by: 'deadline' };
}

export function reviewRejectionReason(outcome: ReviewOutcome): string {
  if (outcome.by === 'deadline') return 'risk_review_expired: no reviewer decided before the deadline';
  return `risk_review_rejected: ${outcome.by === 'reviewer' && outcome.note ? outcome.note : 'rejected by a reviewer'}`;
}
