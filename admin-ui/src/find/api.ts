import { api } from '../providers/http';
import type { VoidReasonWords } from '../orders/reasons';

// The admin API calls of search, code lookup, batches, exports and bulk actions.

export interface CodeMatch {
  id: string;
  sku: string;
  mask: string;
  status: 'available' | 'allocated' | 'voided';
  source: string;
  batchId: string | null;
  createdAt: string;
  allocatedAt: string | null;
  voidedAt: string | null;
  voidReason: string | null;
  /** Why the system voided it, as a code; null for a person's own words. */
  voidReasonCode: VoidReasonWords | null;
  order: null | { id: string; externalRef: string; status: string; buyer: Record<string, string>; orderedAt: string; deliveredAt: string | null };
}

export interface BulkResult {
  id: string;
  externalRef: string | null;
  ok: boolean;
  error?: { code: string; message: string };
}

export const BULK_ORDER_ACTIONS = ['retry', 'resend', 'refund', 'cancel', 'approve', 'reject'] as const;
export type BulkOrderAction = (typeof BULK_ORDER_ACTIONS)[number];

const post = async <T>(path: string, json?: unknown) => (await api<T>(`/admin/${path}`, { method: 'POST', json: json ?? {} })).json;

export const findApi = {
  lookupCode: (code: string) => post<{ codes: CodeMatch[] }>('codes/lookup', { code }),
  voidCodes: (ids: string[], reason: string) => post<{ voided: number; skipped: number }>('codes/void', { ids, reason }),
  voidBatch: (id: string, reason: string) => post<{ voided: number; skipped: number }>(`batches/${id}/void`, { reason }),
  bulkOrders: (action: BulkOrderAction, ids: string[], reason: string) => post<{ action: string; results: BulkResult[] }>('orders/bulk', { action, ids, reason }),
};
