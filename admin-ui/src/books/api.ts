import type { SupplierBooks } from '../../../suppliers/books';
import { api } from '../providers/http';

export type { SupplierBooks };

// The admin API's money calls the console makes (api/admin/suppliers.ts, api/admin/ledger.ts; the
// supplier's books answer has the server's own type, suppliers/books.ts),
// kept here rather than in the shared data provider: they are this screen's and the supplier
// page's own.

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
