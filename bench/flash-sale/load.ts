// The buyers of a flash sale: N checkouts for one SKU, each a POST /v1/orders from the
// storefront, fired at a fixed concurrency (closed loop) or a fixed rate (open loop).
// A storefront that gets no answer, or a 5xx, submits the same order again (same externalRef:
// acceptance is idempotent), as real storefronts do; the bench counts those retries.
// Orders are placed with the storefront client integrators use (clients/typescript/).
//
// How a checkout is timed (what a buyer waits): from when it was due to when its final answer
// arrived. In an open loop a checkout is due at its scheduled send time (start + i / rate), not
// when the load generator got round to sending it: a generator starved of CPU would otherwise
// send late, time only the part after, and hide exactly the queueing it should measure
// (coordinated omission). In a closed loop it is due when its first attempt was sent. A
// resubmitted checkout counts from then too, through every attempt, to the answer that counted.

import { CardflowApiError, StorefrontClient } from '../../clients/typescript/storefront-client';

export interface Checkout {
  ref: string;
  status: number;
  /** Due (scheduled send, or first send in a closed loop) → the final answer, ms: what the buyer waited. */
  latencyMs: number;
  /** The last attempt alone, send → answer, ms (what the api took for the answer that counted). */
  lastAttemptMs: number;
  attempts: number;
  /** The api process that gave the answer that counted. */
  apiUrl: string;
  orderId?: string;
  error?: string;
  /** ms since the burst began, when the answer arrived. */
  atMs: number;
}

export interface BurstOptions {
  /** One or more api processes; checkout i goes to apiUrls[i % n] (a round-robin balancer), a resubmission to the next one. */
  apiUrls: string[];
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

/** One attempt's outcome: the HTTP status (0: no answer) and, when accepted, the order id. */
export interface Attempt {
  status: number;
  orderId?: string;
  error?: string;
}

/** What the burst runs on: a clock, and a way to send one checkout (tests give their own). */
export interface LoadDriver {
  now(): number;
  sleep(ms: number): Promise<void>;
  send(apiUrl: string, apiKey: string, order: CheckoutRequest): Promise<Attempt>;
}

export interface CheckoutRequest {
  externalRef: string;
  items: { sku: string; quantity: number }[];
  buyer: { accountId: string; email: string };
}

export const httpDriver: LoadDriver = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  async send(apiUrl, apiKey, order) {
    const client = new StorefrontClient({ baseUrl: apiUrl, apiKey, timeoutMs: 10_000 });
    try {
      const answer = await client.createOrder(order);
      return { status: answer.created ? 202 : 200, orderId: answer.order.id };
    } catch (err) {
      if (err instanceof CardflowApiError) return { status: err.status, error: err.code };
      return { status: 0, error: (err as Error).name };
    }
  },
};

/** Between a failed attempt and the next. */
const RESUBMIT_AFTER_MS = 250;

export async function runBurst(opts: BurstOptions, driver: LoadDriver = httpDriver): Promise<{ checkouts: Checkout[]; durationMs: number }> {
  if (opts.apiUrls.length === 0) throw new Error('runBurst needs at least one api url');
  const started = driver.now();
  const checkouts: Checkout[] = [];
  const submit = async (i: number, dueAt?: number) => {
    const c = await checkout(opts, driver, i, started, dueAt);
    checkouts.push(c);
    opts.onAnswer?.(checkouts.length);
  };
  if (opts.ratePerSecond) {
    const pending: Promise<void>[] = [];
    for (let i = 0; i < opts.orders; i++) {
      const due = started + (i * 1000) / opts.ratePerSecond;
      const wait = due - driver.now();
      if (wait > 1) await driver.sleep(wait);
      pending.push(submit(i, due));
    }
    await Promise.all(pending);
  } else {
    let next = 0;
    const lane = async () => {
      while (next < opts.orders) await submit(next++);
    };
    await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 50, opts.orders) }, lane));
  }
  return { checkouts, durationMs: driver.now() - started };
}

async function checkout(opts: BurstOptions, driver: LoadDriver, i: number, started: number, scheduledAt?: number): Promise<Checkout> {
  const ref = `${opts.refPrefix}-${i}`;
  const order: CheckoutRequest = {
    externalRef: ref,
    items: [{ sku: opts.sku, quantity: 1 }],
    buyer: { accountId: `buyer-${i}`, email: `buyer-${i}@shop.example` },
  };
  const firstSent = driver.now();
  const dueAt = scheduledAt ?? firstSent;
  const giveUpAt = firstSent + (opts.retryForMs ?? 120_000);
  for (let attempts = 1; ; attempts++) {
    // A balancer steers a retry away from the api that did not answer.
    const apiUrl = opts.apiUrls[(i + attempts - 1) % opts.apiUrls.length];
    const t0 = driver.now();
    const answer = await driver.send(apiUrl, opts.apiKey, order);
    const t1 = driver.now();
    const retry = answer.status === 0 || answer.status >= 500;
    if (!retry || t1 > giveUpAt) {
      return { ref, status: answer.status, latencyMs: t1 - dueAt, lastAttemptMs: t1 - t0, attempts, apiUrl, orderId: answer.orderId, error: answer.error, atMs: t1 - started };
    }
    await driver.sleep(RESUBMIT_AFTER_MS);
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
