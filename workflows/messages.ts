import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { OrderStatus } from '../orders/lifecycle';

// Declared once; imported by the workflow and by the API that talks to it.

export type FulfilmentStep =
  | 'risk_check'
  | 'risk_review'
  | 'allocating'
  | 'purchasing'
  | 'awaiting_manual'
  | 'delivering'
  | 'settling'
  | 'notifying'
  | 'cancelling'
  | 'done';

export interface FulfilmentState {
  orderId: string;
  step: FulfilmentStep;
  status: OrderStatus;
  reason?: string;
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
