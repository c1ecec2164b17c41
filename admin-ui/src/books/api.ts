import { api } from '../providers/http';

// The admin API's money calls the console makes (api/admin/suppliers.ts, api/admin/ledger.ts),
// kept here rather than in the shared data provider: they are this screen's and the supplier
// page's own.

export interface SupplierBooks {
  terms: 'prepaid' | 'credit';
  currency: string | null;
  creditDays: number | null;
  statementPeriod: 'week' | 'month';
  balance: number | null;
  owed: number | null;
  period: { from: string; to: string; dueOn: string | null };
  spend: number;
  purchases: { finished: number; failed: number; failureRate: number | null };
  averageCostPerSku: { sku: string; units: number; averageCost: number }[];
}

export interface PeriodClose {
  month: string;
  closedAt: string;
  closedBy: string;
}

export const supplierBooks = async (id: string) => (await api<SupplierBooks>(`/admin/suppliers/${id}/books`)).json;
export const paySupplier = async (id: string, amount: number, reference?: string) =>
  (await api<{ id: string; kind: 'top_up' | 'payment' }>(`/admin/suppliers/${id}/payments`, { method: 'POST', json: { amount, ...(reference ? { reference } : {}) } })).json;
export const ledgerPeriods = async () => (await api<{ closes: PeriodClose[] }>('/admin/ledger/periods')).json.closes;
export const closePeriod = async (month: string) => (await api<PeriodClose>('/admin/ledger/periods/close', { method: 'POST', json: { month } })).json;
