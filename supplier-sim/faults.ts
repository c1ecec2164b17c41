import { z } from 'zod';
import { SimError } from './errors';

// Faults make the simulator misbehave the way real suppliers do, on purpose, so tests can show
// Cardflow survives each one. See PROTOCOL.md, "Fault kinds".

const FAULT_KINDS = [
  'latency',
  'timeout',
  'error_after_commit',
  'html_502',
  'rate_limit',
  'drop_callback',
  'duplicate_callback',
  'stock_out_after',
  'statement_difference',
] as const;

/**
 * What a `statement_difference` fault plants in the partner's statement (GET /v1/statement): the
 * mistakes a real supplier's statement makes. Only the statement says so; orders and the balance
 * are untouched, as when a supplier's billing disagrees with its own order system.
 */
export const STATEMENT_DIFFERENCES = ['charged_not_delivered', 'delivered_not_charged', 'price_differs', 'charged_twice', 'refund_missing'] as const;
export type StatementDifference = (typeof STATEMENT_DIFFERENCES)[number];
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Kinds that can strike any /v1 call (`"on":"any"`); the rest only make sense for an order. */
const ANY_CALL_KINDS: readonly FaultKind[] = ['latency', 'timeout', 'rate_limit', 'html_502'];
const TIMED_KINDS: readonly FaultKind[] = ['latency', 'timeout'];

export const FaultRequest = z
  .strictObject({
    kind: z.enum(FAULT_KINDS),
    product: z.string().min(1).optional(),
    times: z.number().int().nonnegative().optional(),
    ms: z.number().int().nonnegative().max(600_000).optional(),
    /** latency only: each call waits a random time between ms and maxMs. */
    maxMs: z.number().int().nonnegative().max(600_000).optional(),
    on: z.enum(['order', 'any']).optional(),
    /** statement_difference only: which mistake, and the reference it is about. */
    difference: z.enum(STATEMENT_DIFFERENCES).optional(),
    reference: z.string().min(1).max(200).optional(),
    /** statement_difference: price_differs, how much more (negative: less) the statement says; charged_not_delivered, what it charged. */
    amount: z.number().int().optional(),
  })
  .superRefine((f, ctx) => {
    if (f.kind === 'stock_out_after' && f.times === undefined)
      ctx.addIssue({ code: 'custom', path: ['times'], message: 'stock_out_after needs times (units left before the stock runs out)' });
    if (f.kind !== 'stock_out_after' && f.times === 0) ctx.addIssue({ code: 'custom', path: ['times'], message: 'times must be at least 1 (leave it out for unlimited)' });
    if (f.ms !== undefined && !TIMED_KINDS.includes(f.kind)) ctx.addIssue({ code: 'custom', path: ['ms'], message: 'ms applies to latency and timeout only' });
    if (f.maxMs !== undefined && f.kind !== 'latency') ctx.addIssue({ code: 'custom', path: ['maxMs'], message: 'maxMs applies to latency only' });
    if (f.maxMs !== undefined && f.maxMs < (f.ms ?? 0)) ctx.addIssue({ code: 'custom', path: ['maxMs'], message: 'maxMs must be at least ms' });
    if (f.kind === 'statement_difference') {
      if (!f.difference) ctx.addIssue({ code: 'custom', path: ['difference'], message: `statement_difference needs difference (one of ${STATEMENT_DIFFERENCES.join(', ')})` });
      if (!f.reference) ctx.addIssue({ code: 'custom', path: ['reference'], message: 'statement_difference needs the reference it is about' });
      if (f.amount !== undefined && f.difference !== 'price_differs' && f.difference !== 'charged_not_delivered')
        ctx.addIssue({ code: 'custom', path: ['amount'], message: 'amount applies to price_differs and charged_not_delivered only' });
      if (f.amount !== undefined && f.amount < 0 && f.difference === 'charged_not_delivered')
        ctx.addIssue({ code: 'custom', path: ['amount'], message: 'a charge is not negative' });
      if (f.amount === 0) ctx.addIssue({ code: 'custom', path: ['amount'], message: 'amount must not be 0' });
      if (f.times !== undefined || f.product !== undefined || f.on !== undefined)
        ctx.addIssue({ code: 'custom', path: ['kind'], message: 'statement_difference takes difference, reference and amount only' });
    } else if (f.difference !== undefined || f.reference !== undefined || f.amount !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['difference'], message: 'difference, reference and amount apply to statement_difference only' });
    }
    if (f.on === 'any' && !ANY_CALL_KINDS.includes(f.kind)) ctx.addIssue({ code: 'custom', path: ['on'], message: `${f.kind} only applies to placing an order` });
  });
export type FaultRequest = z.infer<typeof FaultRequest>;

export interface Fault {
  id: number;
  kind: FaultKind;
  /** null: every product. */
  product: string | null;
  /** Triggers left (for stock_out_after: units left); null = unlimited. */
  times: number | null;
  ms: number | null;
  /** latency: the upper end of a random wait (null: always ms). */
  maxMs: number | null;
  /** `order`: only POST /v1/orders; `any`: every /v1 call. */
  on: 'order' | 'any';
  /** statement_difference only. */
  difference: StatementDifference | null;
  reference: string | null;
  amount: number | null;
}

/** Which call a fault is being looked up for. */
export interface FaultSite {
  call: 'order' | 'other';
  /** The product the call is about, if any. */
  product: string | null;
}

export const DEFAULT_LATENCY_MS = 1_000;
export const DEFAULT_TIMEOUT_MS = 60_000;

export class FaultList {
  private faults: Fault[] = [];
  private nextId = 1;

  add(request: FaultRequest): Fault {
    const fault: Fault = {
      id: this.nextId++,
      kind: request.kind,
      product: request.product ?? null,
      times: request.times ?? null,
      ms: request.ms ?? null,
      maxMs: request.maxMs ?? null,
      on: request.on ?? 'order',
      difference: request.difference ?? null,
      reference: request.reference ?? null,
      amount: request.amount ?? null,
    };
    this.faults.push(fault);
    return fault;
  }

  clear(): void {
    this.faults = [];
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** The statement mistakes planted: they stay until cleared, so every fetch of a statement shows them. */
  statementDifferences(): Fault[] {
    return this.faults.filter((f) => f.kind === 'statement_difference').map((f) => ({ ...f }));
  }

  /** The first fault of this kind that applies here, using up one of its `times`. */
  take(kind: Exclude<FaultKind, 'stock_out_after' | 'statement_difference'>, site: FaultSite): Fault | undefined {
    const fault = this.faults.find((f) => f.kind === kind && applies(f, site));
    if (!fault) return undefined;
    if (fault.times !== null) {
      fault.times -= 1;
      if (fault.times === 0) this.faults = this.faults.filter((f) => f !== fault);
    }
    return { ...fault };
  }

  /** A stock_out_after fault on this product has counted down to zero. */
  stockRanOut(product: string): boolean {
    return this.faults.some((f) => f.kind === 'stock_out_after' && f.times === 0 && applies(f, { call: 'order', product }));
  }

  /** One unit of this product was sold: count down its stock_out_after faults. */
  unitSold(product: string): void {
    for (const f of this.faults) {
      if (f.kind === 'stock_out_after' && f.times! > 0 && applies(f, { call: 'order', product })) f.times! -= 1;
    }
  }
}

function applies(fault: Fault, site: FaultSite): boolean {
  if (site.call !== 'order' && fault.on !== 'any') return false;
  return fault.product === null || fault.product === site.product;
}

/** A fault for a product the simulator does not sell would never fire: say so instead. */
export function checkFaultProduct(request: FaultRequest, knownProduct: (id: string) => boolean): void {
  if (request.product !== undefined && !knownProduct(request.product)) {
    throw new SimError(400, 'invalid_request', `product: no product "${request.product}" in the catalogue`);
  }
}
