import type { ReportAnswer, ReportName } from '../../../reports/reports';
import { api } from '../providers/http';

// The admin API's report calls (api/admin/reports.ts), with the server's own answer type.

export type { ReportAnswer, ReportName };
export const REPORT_NAMES: ReportName[] = [
  'profit-by-sku',
  'profit-by-supplier',
  'profit-by-channel',
  'profit-by-day',
  'sales-by-hour',
  'sales-by-weekday',
  'orders-by-channel',
  'refunds-by-reason',
  'stock',
];

/** Without `from` and `to` the server answers the last 30 of the merchant's days. */
export interface ReportQuery {
  from?: string;
  to?: string;
  compare: boolean;
  convert: boolean;
}
export const reportSearch = (q: ReportQuery) => `${q.from ? `from=${q.from}&` : ''}${q.to ? `to=${q.to}&` : ''}compare=${q.compare}&convert=${q.convert}`;

export interface ReportingSettings {
  reportingCurrency: string | null;
  timeZone: string;
  rates: { id: string; day: string; from_currency: string; to_currency: string; rate: string; entered_by: string; created_at: string }[];
}

export const fetchReport = async (name: ReportName, q: ReportQuery) => (await api<ReportAnswer>(`/admin/reports/${name}?${reportSearch(q)}`)).json;
export const fetchReporting = async () => (await api<ReportingSettings>('/admin/reporting')).json;
export const saveReportingCurrency = async (currency: string | null) => (await api('/admin/reporting/currency', { method: 'PUT', json: { currency } })).json;
export const enterRate = async (r: { day: string; fromCurrency: string; toCurrency: string; rate: string }) =>
  (await api('/admin/reporting/rates', { method: 'POST', json: r })).json;
