import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

// Declared once; imported by the workflow and by the API that talks to it.

export type FulfilmentStep =
  | 'risk_check'
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
  status: 'accepted' | 'processing' | 'delivered' | 'failed' | 'cancelled';
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
