// A supplier as GET /admin/suppliers answers (api/admin/suppliers.ts supplierView). Credentials
// never come back: only whether they are set.
export interface SupplierRecord {
  id: string;
  name: string;
  kind: 'api' | 'manual';
  adapter: string | null;
  baseUrl: string | null;
  currency: string | null;
  active: boolean;
  hasCredentials: boolean;
  timeoutMs: number;
  rateLimitPerSecond: number | null;
  balance: number | null;
  balanceCheckedAt: string | null;
  lowBalanceThreshold: number | null;
  terms: 'prepaid' | 'credit';
  creditDays: number | null;
  statementPeriod: 'week' | 'month' | null;
  circuitFailureThreshold: number;
  circuitCooldownSeconds: number;
  circuit: { state: 'closed' | 'open' | 'half_open'; consecutiveFailures: number; openUntil: string | null; failureThreshold: number; cooldownSeconds: number };
  createdAt: string;
}
