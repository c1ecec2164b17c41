import { defineQuery, defineUpdate } from '@temporalio/workflow';

// Declared once; imported by the workflow and by the API that talks to it.

export type FulfilmentStep =
  | 'risk_check'
  | 'allocating'
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
}

export const fulfilmentStateQuery = defineQuery<FulfilmentState>('fulfilmentState');

/** Cancels an order that holds no codes yet; answers with the state it ended in. */
export const cancelOrderUpdate = defineUpdate<FulfilmentState, [{ reason: string }]>('cancelOrder');
