import { api } from '../providers/http';

// The reconciliation calls this screen makes (api/admin/reconciliation.ts).

export type DifferenceKind = 'charged_not_delivered' | 'delivered_not_charged' | 'price_differs' | 'charged_twice' | 'refund_missing';

export interface Difference {
  id: string;
  kind: DifferenceKind;
  reference: string;
  supplier: { id: string; name: string };
  from: string;
  to: string;
  currency: string;
  ours: number;
  theirs: number;
  orderId: string | null;
  evidence: {
    statement: { kind: 'charge' | 'refund'; amount: number; at: string }[];
    purchase: { status: string; charged: number | null; refunded: number | null } | null;
    order: { id: string; externalRef: string; status: string; delivered: boolean } | null;
  };
  status: 'open' | 'resolved';
  resolutionReason: string | null;
  adjustmentKey: string | null;
  resolvedBy: string | null;
}

export interface RunSummary {
  runId: string;
  differences: number;
}

export const differences = async (status: string) => (await api<{ differences: Difference[] }>(`/admin/reconciliation/differences?status=${status}`)).json.differences;
export const suppliersList = async () => (await api<{ id: string; name: string; kind: string }[]>('/admin/suppliers')).json;
export const runNow = async (body: { supplierId: string; from: string; to: string }) => (await api<RunSummary>('/admin/reconciliation/runs', { method: 'POST', json: body })).json;
export const importStatement = async (supplierId: string, from: string, to: string, csv: string) =>
  (
    await api<{ id: string; lines: number }>(`/admin/suppliers/${supplierId}/statements?from=${from}&to=${to}`, {
      method: 'POST',
      body: csv,
      headers: { 'Content-Type': 'text/csv' },
    })
  ).json;
export const resolve = async (id: string, reason: string, adjust: boolean) =>
  (await api<{ adjustmentKey: string | null }>(`/admin/reconciliation/differences/${id}/resolve`, { method: 'POST', json: { reason, adjust } })).json;
