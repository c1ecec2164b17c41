import { startSupplierSim, type SimProduct, type SupplierSim } from '../supplier-sim/server';
import { setRoutes, createSupplier } from '../suppliers/supplier-config';
import type { TestSystem } from './harness';

// A real supplier simulator over HTTP, and the Cardflow supplier row that points at it.

export interface TestSupplier {
  sim: SupplierSim;
  id: string;
  partnerId: string;
  /** How many times each reference was charged, as the simulator's ledger says. */
  charges(): Promise<{ charges: Record<string, number>; total: number }>;
  fault(f: { kind: string; product?: string; times?: number; ms?: number; on?: 'order' | 'any' }): Promise<void>;
  clearFaults(): Promise<void>;
  setProduct(product: string, change: Partial<Pick<SimProduct, 'unitPrice' | 'stock' | 'async' | 'asyncDelayMs'>>): Promise<void>;
  setBalance(balance: number): Promise<void>;
  stop(): Promise<void>;
}

export async function addSupplier(
  sys: TestSystem,
  name: string,
  catalogue: SimProduct[],
  opts: {
    balance?: number;
    timeoutMs?: number;
    failureThreshold?: number;
    cooldownSeconds?: number;
    lowBalanceThreshold?: number;
    encryptCards?: boolean;
    rateLimitPerSecond?: number;
  } = {},
): Promise<TestSupplier> {
  const partnerId = `cardflow-${name.toLowerCase()}`;
  const secret = `secret-${name}-${Math.random().toString(36).slice(2)}`;
  const sim = await startSupplierSim({
    catalogue,
    partners: [{ id: partnerId, secret, currency: 'USD', balance: opts.balance ?? 10_000_000, encryptCards: opts.encryptCards }],
  });
  const id = await createSupplier(sys.db, sys.vault, sys.merchant.merchantId, {
    name,
    kind: 'api',
    adapter: 'cardflow-sim',
    baseUrl: sim.url,
    currency: 'USD',
    credentials: { partnerId, secret },
    timeoutMs: opts.timeoutMs ?? 2000,
    circuitFailureThreshold: opts.failureThreshold ?? 5,
    circuitCooldownSeconds: opts.cooldownSeconds ?? 30,
    lowBalanceThreshold: opts.lowBalanceThreshold ?? null,
    rateLimitPerSecond: opts.rateLimitPerSecond ?? null,
  });
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim.url}/_sim${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`sim ${method} ${path}: ${res.status} ${await res.text()}`);
    const text = await res.text();
    return text ? JSON.parse(text) : undefined;
  };
  return {
    sim,
    id,
    partnerId,
    charges: () => control('GET', '/charges'),
    fault: (f) => control('POST', '/faults', f),
    clearFaults: () => control('DELETE', '/faults'),
    setProduct: (product, change) => control('PUT', `/products/${product}`, change),
    setBalance: (balance) => control('PUT', `/partners/${partnerId}/balance`, { balance }),
    stop: () => sim.stop(),
  };
}

export function card(product: string, unitPrice: number, extra: Partial<SimProduct> = {}): SimProduct {
  return { product, name: product, kind: 'card', currency: 'USD', faceValue: unitPrice + 100, unitPrice, stock: null, ...extra };
}

export function topup(product: string, unitPrice: number, extra: Partial<SimProduct> = {}): SimProduct {
  return { product, name: product, kind: 'topup', currency: 'USD', faceValue: unitPrice + 10, unitPrice, stock: null, ...extra };
}

export async function route(sys: TestSystem, sku: string, routes: { supplier: TestSupplier; product: string; maxUnitCost: number }[]) {
  await setRoutes(
    sys.db,
    sys.merchant.merchantId,
    sku,
    routes.map((r) => ({ supplierId: r.supplier.id, supplierProduct: r.product, maxUnitCost: r.maxUnitCost })),
  );
}

/** Every charged reference was charged exactly once. */
export function chargedOnce(ledger: { charges: Record<string, number> }): boolean {
  return Object.values(ledger.charges).every((n) => n === 1);
}
