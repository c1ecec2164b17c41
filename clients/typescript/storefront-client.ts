import type { z } from 'zod';
import type { ErrorAnswer, OrderAnswer, Product } from '../../api/openapi/answers';
import type { CancelRequestSchema, OrderRequestSchema } from '../../orders/validators';

// A thin typed client for the Cardflow storefront API (/v1), over fetch, with no runtime
// dependencies. Its types come from the zod schemas the API validates and answers with, the same
// ones its OpenAPI document (/v1/openapi.json) is generated from, so the three cannot drift apart.

export type OrderRequest = z.input<typeof OrderRequestSchema>;
export type CancelRequest = z.input<typeof CancelRequestSchema>;
export type { OrderAnswer, Product };

/** An answer of 400 or more: `code` is stable (sold_out, idempotency_conflict, validation_failed, ...). */
export class CardflowApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'CardflowApiError';
  }
}

export interface StorefrontClientOptions {
  /** Where Cardflow's api listens, e.g. https://cardflow.example.com (without /v1). */
  baseUrl: string;
  /** The storefront's API key. */
  apiKey: string;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface Unsafe {
  /** Sent as `Idempotency-Key`: the same key and body answer as the first request did. */
  idempotencyKey?: string;
}

export interface Waiting {
  /**
   * Sent as `Prefer: wait=N` (at most 10): the answer waits up to N seconds for the order to be
   * delivered, and then carries its codes. Not delivered by then (or held for review): the
   * usual answer. The request's timeout grows by the wait.
   */
  waitSeconds?: number;
}

export class StorefrontClient {
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: StorefrontClientOptions) {
    this.base = `${opts.baseUrl.replace(/\/+$/, '')}/v1`;
    this.fetch = opts.fetch ?? globalThis.fetch;
  }

  /**
   * Submits a paid order. `created` is false when the same order was submitted before. With
   * `waitSeconds`, `order.status` is `delivered` (codes included) when it was delivered in time.
   */
  async createOrder(order: OrderRequest, opts: Unsafe & Waiting = {}): Promise<{ order: OrderAnswer; created: boolean }> {
    const { status, body, waited } = await this.call<OrderAnswer>('POST', '/orders', order, opts);
    // New: 202, or 200 after a wait that saw it delivered. A repeat: 200, answered without waiting.
    return { order: body, created: status === 202 || waited };
  }

  async getOrder(id: string, opts: { live?: boolean } & Waiting = {}): Promise<OrderAnswer> {
    return (await this.call<OrderAnswer>('GET', `/orders/${encodeURIComponent(id)}${opts.live ? '?live=true' : ''}`, undefined, opts)).body;
  }

  findOrder(externalRef: string): Promise<OrderAnswer> {
    return this.body<OrderAnswer>('GET', `/orders?externalRef=${encodeURIComponent(externalRef)}`);
  }

  cancelOrder(id: string, request: CancelRequest = {}, opts: Unsafe = {}): Promise<OrderAnswer> {
    return this.body<OrderAnswer>('POST', `/orders/${encodeURIComponent(id)}/cancel`, request, opts);
  }

  async listProducts(): Promise<Product[]> {
    return (await this.body<{ data: Product[] }>('GET', '/products')).data;
  }

  private async body<T>(method: string, path: string, request?: unknown, opts?: Unsafe): Promise<T> {
    return (await this.call<T>(method, path, request, opts)).body;
  }

  private async call<T>(method: string, path: string, request?: unknown, opts: Unsafe & Waiting = {}): Promise<{ status: number; body: T; waited: boolean }> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.opts.apiKey}`, accept: 'application/json' };
    if (request !== undefined) headers['content-type'] = 'application/json';
    if (opts.idempotencyKey !== undefined) headers['idempotency-key'] = opts.idempotencyKey;
    const wait = opts.waitSeconds === undefined ? 0 : Math.max(0, Math.min(10, Math.floor(opts.waitSeconds)));
    if (opts.waitSeconds !== undefined) headers.prefer = `wait=${wait}`;
    const res = await this.fetch(this.base + path, {
      method,
      headers,
      body: request === undefined ? undefined : JSON.stringify(request),
      signal: AbortSignal.timeout((this.opts.timeoutMs ?? 10_000) + wait * 1000),
    });
    const body = await res.json().catch(() => undefined);
    if (res.status >= 400) {
      const error = (body as ErrorAnswer | undefined)?.error;
      throw new CardflowApiError(res.status, error?.code ?? `http_${res.status}`, error?.message ?? res.statusText, error?.details);
    }
    return { status: res.status, body: body as T, waited: res.headers.has('preference-applied') };
  }
}
