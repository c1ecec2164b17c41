import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { OrderStatus } from '../orders/lifecycle';

// Declared once; imported by the workflow and by the API that talks to it.

export type FulfilmentStep = 'risk_check' | 'risk_review' | 'allocating' | 'purchasing' | 'awaiting_manual' | 'delivering' | 'settling' | 'notifying' | 'cancelling' | 'done';

export interface FulfilmentState {
  orderId: string;
  step: FulfilmentStep;
  status: OrderStatus;
  reason?: string;
  /** While stopped for a person: the step and what broke (a message code with params). */
  attention?: AttentionProblem;
  webhook?: 'pending' | 'sent' | 'no_endpoint' | 'gave_up';
  /** While buying from suppliers: units bought so far out of those to buy. */
  purchases?: { bought: number; total: number; waitingOnSupplier: number };
  /** While waiting for staff: when the order escalates and when it is cancelled. */
  manual?: { escalated: boolean };
}

export const fulfilmentStateQuery = defineQuery<FulfilmentState>('fulfilmentState');

/** Cancels an order that holds no codes yet; answers with the state it ended in. */
export const cancelOrderUpdate = defineUpdate<FulfilmentState, [{ reason: string }]>('cancelOrder');

/** A supplier's callback was recorded for this purchase (the API stored it; only the id travels). */
export const supplierResultSignal = defineSignal<[{ purchaseId: string }]>('supplierResult');

/** Staff entered the codes or confirmed the top-ups (already stored by the API). */
export const manualFulfilledSignal = defineSignal<[]>('manualFulfilled');
/** A reviewer's decision on an order held by the risk check. */
export interface RiskReviewDecision {
  decision: 'approve' | 'reject';
  note: string;
  /** The deciding user's id (admin API); the activity looks up the rest for the audit log. */
  reviewerId: string;
}

/** Decides a held order; answers once the decision has taken effect (approved and moving on, or cancelled). */
export const decideRiskReviewUpdate = defineUpdate<FulfilmentState, [RiskReviewDecision]>('decideRiskReview');

/** What stopped an order for a person: the step, and what broke as a message code with params (never a code or secret). */
export interface AttentionProblem {
  step: FulfilmentStep;
  code: string;
  params: Record<string, string | number>;
}

/** What a support person chose for an order that needs attention. */
export const ATTENTION_ACTIONS = ['retry', 'fulfil_manually', 'refund'] as const;
export type AttentionAction = (typeof ATTENTION_ACTIONS)[number];

// Fulfil by hand needs units to hand over, which the steps before allocation have none of; once
// delivered (stopped while settling or notifying) the buyer has the goods, so a refund waits
// until the order is settled.
const HAND_OVER_STEPS: FulfilmentStep[] = ['allocating', 'purchasing', 'awaiting_manual', 'delivering'];
const DELIVERED_STEPS: FulfilmentStep[] = ['settling', 'notifying'];

/** The support actions an order stopped at this step allows (the workflow's validator and the console ask here). */
export function attentionActionsAt(step: FulfilmentStep): AttentionAction[] {
  return ATTENTION_ACTIONS.filter((action) => (action === 'fulfil_manually' ? HAND_OVER_STEPS.includes(step) : action === 'refund' ? !DELIVERED_STEPS.includes(step) : true));
}

export interface AttentionResolution {
  /** retry: the stopped step again, with a fresh retry budget; fulfil_manually: the missing units become a manual task; refund: goods back, order ends. */
  action: AttentionAction;
  /** `user:<email>` */
  actor: string;
  note: string;
}

/** Resumes an order that needs attention; answers once the action has taken effect. */
export const resolveAttentionUpdate = defineUpdate<FulfilmentState, [AttentionResolution]>('resolveAttention');

/** The recipient opened a gift's page (recorded by the API): tell the sender. Sent to workflow `gift-<giftId>`. */
export const giftOpenedSignal = defineSignal('giftOpened');
