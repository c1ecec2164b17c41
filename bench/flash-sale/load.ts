// The buyers of a flash sale: N checkouts for one SKU, each a POST /v1/orders from the
// storefront, fired at a fixed concurrency (closed loop) or a fixed rate (open loop).
// A storefront that gets no answer, or a 5xx, submits the same order again (same externalRef:
// acceptance is idempotent), as real storefronts do; the bench counts those retries.
// Orders are placed with the storefront client integrators use (clients/typescript/).

import { CardflowApiError, StorefrontClient } from '../../clients/typescript/storefront-client';

export interface Checkout {
  ref: string;
  status: number;
  /** The answer that counted (the last attempt), ms. */
  latencyMs: number;
  attempts: number;
  orderId?: string;
  error?: string;
  /** ms since the burst began, when the answer arrived. */
  atMs: number;
}

export interface BurstOptions {
  apiUrl: string;
  apiKey: string;
  sku: string;
  orders: number;
  /** Closed loop: this many checkouts in flight. */
  concurrency?: number;
  /** Open loop: this many checkouts started per second (in flight is then unbounded). */
  ratePerSecond?: number;
  refPrefix: string;
  /** How long a storefront keeps resubmitting one order through an outage. */
  retryForMs?: number;
  /** Called after each checkout is answered, e.g. to set off a drill mid-burst. */
  onAnswer?: (answered: number) => void;
}

export async function runBurst(opts: BurstOptions): Promise<{ checkouts: Checkout[]; durationMs: number }> {
  const started = performance.now();
  const checkouts: Checkout[] = [];
  const submit = async (i: number) => {
    const c = await checkout(opts, `${opts.refPrefix}-${i}`, i, started);
    checkouts.push(c);
    opts.onAnswer?.(checkouts.length);
  };
  if (opts.ratePerSecond) {
    const pending: Promise<void>[] = [];
    for (let i = 0; i < opts.orders; i++) {
      const due = started + (i * 1000) / opts.ratePerSecond;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(submit(i));
    }
    await Promise.all(pending);
  } else {
    let next = 0;
    const lane = async () => {
      while (next < opts.orders) await submit(next++);
    };
    await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 50, opts.orders) }, lane));
  }
  return { checkouts, durationMs: performance.now() - started };
}

async function checkout(opts: BurstOptions, ref: string, i: number, started: number): Promise<Checkout> {
  const client = new StorefrontClient({ baseUrl: opts.apiUrl, apiKey: opts.apiKey, timeoutMs: 10_000 });
  const order = {
    externalRef: ref,
    items: [{ sku: opts.sku, quantity: 1 }],
    buyer: { accountId: `buyer-${i}`, email: `buyer-${i}@shop.example` },
  };
  const giveUpAt = performance.now() + (opts.retryForMs ?? 120_000);
  for (let attempts = 1; ; attempts++) {
    const t0 = performance.now();
    let status = 0;
    let error: string | undefined;
    let orderId: string | undefined;
    try {
      const answer = await client.createOrder(order);
      status = answer.created ? 202 : 200;
      orderId = answer.order.id;
    } catch (err) {
      if (err instanceof CardflowApiError) {
        status = err.status;
        error = err.code;
      } else error = (err as Error).name;
    }
    const t1 = performance.now();
    const retry = status === 0 || status >= 500;
    if (!retry || t1 > giveUpAt) return { ref, status, latencyMs: t1 - t0, attempts, orderId, error, atMs: t1 - started };
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
