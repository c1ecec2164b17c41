import simpleRestProvider from 'ra-data-simple-rest';
import type { DataProvider, GetListParams, GetListResult, RaRecord } from 'react-admin';
import { api, httpClient } from './http';
import type { OrderReasonWords } from '../orders/reasons';

// react-admin's REST provider for lists and forms, plus the console's actions, which are not
// CRUD (refund an order, reveal a code, issue a key): each is one POST to the admin API.

export type OrderAction = 'retry' | 'resend-webhook' | 'cancel' | 'refund' | 'manual-fulfilment' | 'fulfil-manually' | 'approve' | 'reject';

/** What happened to one order of a bulk action in the Needs attention queue. */
export interface AttentionBulkResult {
  id: string;
  ok: boolean;
  error?: { code: string; message: string };
}

export interface BulkRetryResult {
  id: string;
  externalRef: string;
  outcome: 'retried' | 'refused';
  error?: { code: string; message: string };
}

export interface AdminToken {
  id: string;
  name: string;
  prefix: string;
  userEmail: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CardflowDataProvider extends DataProvider {
  changeOwnPassword(currentPassword: string, newPassword: string): Promise<unknown>;
  createAdminToken(name: string, expiresInDays: number): Promise<AdminToken & { token: string }>;
  orderAction(id: string, action: OrderAction, body?: { reason: string; unitIds?: string[] } | ManualEntry): Promise<unknown>;
  failedOnSupplier(supplierId: string, since: string): Promise<{ id: string; externalRef: string }[]>;
  bulkRetry(supplierId: string, since: string): Promise<{ results: BulkRetryResult[] }>;
  orderWorkflow(id: string): Promise<WorkflowInfo>;
  attentionBulk(action: 'retry' | 'refund', ids: string[], note: string): Promise<{ action: string; results: AttentionBulkResult[] }>;
  revealCode(id: string): Promise<{ id: string; number: string; pin?: string; url?: string; expiresAt: string | null }>;
  voidCodes(ids: string[], reason: string): Promise<{ voided: number; skipped: number }>;
  issueStorefrontKey(id: string): Promise<{ id: string; prefix: string; apiKey: string }>;
  revokeStorefrontKey(id: string, keyId: string): Promise<unknown>;
  rotateWebhookSecret(id: string): Promise<{ webhookSecret: string }>;
  replayWebhook(attemptId: string | number): Promise<{ outcome: 'sent' | 'failed'; httpStatus: number | null; error: string | null }>;
  resetPassword(userId: string, password: string): Promise<unknown>;
  dashboard(timeZone: string): Promise<Dashboard>;
  supplierAdapters(): Promise<string[]>;
  refreshSupplierBalance(id: string): Promise<{ balance: number | null; currency: string }>;
  skuRoutes(sku: string): Promise<SkuRoute[]>;
  saveSkuRoutes(sku: string, routes: Omit<SkuRoute, 'id' | 'priority' | 'supplierName'>[]): Promise<unknown>;
  decideReview(orderId: string, decision: 'approve' | 'reject', note: string): Promise<unknown>;
  riskSettings(): Promise<RiskSettings>;
  saveRiskSettings(settings: RiskSettings): Promise<RiskSettings>;
  ruleSetHistory(count: number): Promise<RuleSetVersion[]>;
}

/** What staff enter to fulfil an order by hand: a code per unit without an account, a receipt per top-up. */
export interface ManualEntry {
  codes?: { number: string; pin?: string }[];
  receipts?: string[];
  unitCost?: number;
}

export interface SkuRoute {
  id?: string;
  priority?: number;
  supplierId: string;
  supplierName?: string;
  supplierProduct: string;
  maxUnitCost: number;
  active: boolean;
}

export interface RiskSettings {
  reviewScore: number;
  rejectScore: number;
  reviewTimeoutSeconds: number;
  model: { enabled: boolean; maxScore: number };
  ruleSetVersion?: number;
}

export interface RuleSetVersion {
  id: number;
  change: string;
  createdBy: string;
  createdAt: string | null;
}

export interface WorkflowInfo {
  id: string;
  url: string | null;
  execution: { runId: string; status: string; startTime: string; closeTime: string | null } | null;
  state: { step: string; status: string; reason?: string; reasonCode?: OrderReasonWords | null; webhook?: string } | null;
}

/** One day's figures in one currency (amounts in minor units of that currency). */
export interface CurrencyDay {
  currency: string;
  orders: number;
  delivered: number;
  failed: number;
  cancelled: number;
  refunded: number;
  gmv: number;
  grossProfit: number;
}

export interface Dashboard {
  /** The merchant's time zone: the days below are its days. */
  timeZone: string;
  today: { day: string; orders: number; money: CurrencyDay[] };
  /** Today's money converted into the reporting currency by the reports' rates, or why it cannot be (api/admin/dashboard.ts). */
  todayConverted?: {
    figure: { currency: string; gmv: number; grossProfit: number } | null;
    rates: { from: string; to: string; rate: string; day: string }[];
    whyNot: { code: string; params: Record<string, string> } | null;
  };
  yesterday: { day: string; orders: number; money: CurrencyDay[] };
  ordersPerHour: { hour: string; orders: number }[];
  topSkus: { currency: string; rank: number; sku: string; name: string; mode: string; units: number; revenue: number; grossProfit: number }[];
  lowStock: { sku: string; name: string; stockAvailable: number; lowStockThreshold: number }[];
  lowStockCount: number;
  waitingOnPerson: {
    count: number;
    orders: {
      id: string;
      externalRef: string;
      status: string;
      reason: string | null;
      reasonCode: OrderReasonWords | null;
      currency: string;
      totalAmount: number;
      since: string;
      manualCancelAt: string | null;
    }[];
  };
}

// Screens whose admin API lives under another path than the screen's resource name.
const API_PATHS: Record<string, string> = { reviews: 'risk/reviews', 'risk-rules': 'risk/rules', 'risk-lists': 'risk/lists' };
const rest = simpleRestProvider('/admin', httpClient);
const routed = Object.fromEntries(
  Object.entries(rest).map(([name, method]) => [
    name,
    (resource: string, params: unknown) => (method as (r: string, p: unknown) => unknown)(API_PATHS[resource] ?? resource, params),
  ]),
) as unknown as DataProvider;

// Lists as ra-data-simple-rest asks for them, plus what a list of millions of rows answers
// (api/admin/list-query.ts): past an exact count the total is `*` with an estimate, and react-admin
// pages by next/previous (its partial pagination, `pageInfo`); and each answer gives the cursor of
// the page after it, kept here per list so the next page is a keyset read, however deep.
const nextCursors = new Map<string, string>();
const getList = async <R extends RaRecord>(resource: string, params: GetListParams): Promise<GetListResult<R>> => {
  const { page, perPage } = params.pagination ?? { page: 1, perPage: 10 };
  const { field, order } = params.sort ?? { field: 'id', order: 'ASC' };
  const path = API_PATHS[resource] ?? resource;
  const list = JSON.stringify([path, params.filter, field, order, perPage]);
  const query = new URLSearchParams({
    sort: JSON.stringify([field, order]),
    range: JSON.stringify([(page - 1) * perPage, page * perPage - 1]),
    filter: JSON.stringify(params.filter ?? {}),
  });
  const cursor = page > 1 ? nextCursors.get(`${list}#${page - 1}`) : undefined;
  if (cursor) query.set('cursor', cursor);
  const { headers, json } = await httpClient(`/admin/${path}?${query}`, { signal: params.signal });
  const data = json as R[];
  const next = headers.get('x-next-cursor');
  if (next) nextCursors.set(`${list}#${page}`, next);
  const total = headers.get('content-range')?.split('/').pop();
  if (total !== undefined && total !== '*') return { data, total: parseInt(total, 10) };
  return { data, pageInfo: { hasNextPage: next !== null, hasPreviousPage: page > 1 }, meta: { totalEstimate: Number(headers.get('x-total-estimate')) } };
};

const post = async <T>(path: string, json?: unknown) => (await api<T>(`/admin/${path}`, { method: 'POST', json })).json;

export const dataProvider: CardflowDataProvider = {
  ...routed,
  getList,
  orderAction: (id, action, body) => post(`orders/${id}/${action}`, body),
  attentionBulk: (action, ids, note) => post('needs-attention/bulk', { action, ids, note }),
  failedOnSupplier: async (supplierId, since) =>
    (await api<{ id: string; externalRef: string }[]>(`/admin/orders-failed-on-supplier?supplierId=${encodeURIComponent(supplierId)}&since=${encodeURIComponent(since)}`)).json,
  bulkRetry: (supplierId, since) => post('orders/bulk-retry', { supplierId, since }),
  orderWorkflow: async (id) => (await api<WorkflowInfo>(`/admin/orders/${id}/workflow`)).json,
  revealCode: (id) => post(`codes/${id}/reveal`),
  voidCodes: (ids, reason) => post('codes/void', { ids, reason }),
  issueStorefrontKey: (id) => post(`storefronts/${id}/keys`),
  revokeStorefrontKey: async (id, keyId) => (await api(`/admin/storefronts/${id}/keys/${keyId}`, { method: 'DELETE' })).json,
  rotateWebhookSecret: (id) => post(`storefronts/${id}/webhook-secret`),
  replayWebhook: (attemptId) => post(`webhook-attempts/${attemptId}/replay`),
  resetPassword: (userId, password) => post(`users/${userId}/password`, { password }),
  changeOwnPassword: (currentPassword, newPassword) => post('account/password', { currentPassword, newPassword }),
  createAdminToken: (name, expiresInDays) => post('admin-tokens', { name, expiresInDays }),
  dashboard: async (timeZone) => (await api<Dashboard>(`/admin/dashboard?tz=${encodeURIComponent(timeZone)}`)).json,
  supplierAdapters: async () => (await api<{ adapters: string[] }>('/admin/supplier-adapters')).json.adapters,
  refreshSupplierBalance: (id) => post(`suppliers/${id}/balance/refresh`),
  skuRoutes: async (sku) => (await api<{ routes: SkuRoute[] }>(`/admin/skus/${encodeURIComponent(sku)}/routes`)).json.routes,
  saveSkuRoutes: async (sku, routes) => (await api(`/admin/skus/${encodeURIComponent(sku)}/routes`, { method: 'PUT', json: { routes } })).json,
  decideReview: (orderId, decision, note) => post(`risk/reviews/${orderId}/decision`, { decision, note }),
  riskSettings: async () => (await api<RiskSettings>('/admin/risk/settings')).json,
  saveRiskSettings: async (settings) => (await api<RiskSettings>('/admin/risk/settings', { method: 'PUT', json: settings })).json,
  ruleSetHistory: async (count) => (await api<RuleSetVersion[]>(`/admin/risk/rule-sets?range=${encodeURIComponent(JSON.stringify([0, count - 1]))}`)).json,
};
