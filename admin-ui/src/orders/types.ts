import type { RiskRecord } from '../risk/shared';
import type { OrderReasonWords } from './reasons';

// An order as GET /admin/orders/:id answers (orders/console-view.ts).
export interface ConsoleOrder {
  id: string;
  externalRef: string;
  status: string;
  reason: string | null;
  /** The reason as a code with parameters (null: a person's own words, shown as written). */
  reasonCode: OrderReasonWords | null;
  currency: string;
  totalAmount: number;
  storefront: { id: string; name: string; webhookUrl: string | null };
  buyer: Record<string, string>;
  risk: RiskRecord | null;
  review: { status: string; deadlineAt: string; decidedAt: string | null; decidedBy: string | null; note: string | null } | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
  items: {
    sku: string;
    name: string;
    quantity: number;
    unitPrice: number;
    account: string | null;
    units: {
      id: string;
      seq: number;
      status: string;
      code: null | { id: string; mask: string; status: string; expiresAt: string | null };
      source: 'stock' | 'supplier' | 'manual';
      receipt: null | { receipt: string; account: string; enteredBy: string | null };
    }[];
  }[];
  manualTask: null | { status: 'open' | 'escalated' | 'done' | 'cancelled'; escalateAt: string; cancelAt: string; doneBy: string | null };
  timeline: ({ id: number; type: string; at: string } & Record<string, unknown>)[];
  settlement: { revenue: number; cost: number; grossProfit: number; at: string } | null;
  refund: { amount: number; reason: string; by: string; at: string; codesVoided: number; unitsReleased: number; revenueReversed: number } | null;
  webhookAttempts: { id: number; at: string; outcome: string; httpStatus: number | null; error: string | null; durationMs: number }[];
  actions: Record<string, boolean>;
  /** Set while the order needs attention: where it stopped and what broke. */
  attention: null | { step: string; code: string; params: Record<string, string | number>; since: string };
}
