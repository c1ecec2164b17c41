import { z } from 'zod';
import { FaultList } from './faults';

// The simulator's whole world, in memory: catalogue, partner accounts, orders, the money ledger
// and the active faults. `reset()` puts it back to the configured start.

const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD');
const minorUnits = z.number().int().nonnegative();

export const SimProduct = z.strictObject({
  product: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ . -'),
  name: z.string().min(1),
  kind: z.enum(['card', 'topup']),
  currency,
  faceValue: minorUnits,
  unitPrice: minorUnits,
  /** null: unlimited. */
  stock: minorUnits.nullable(),
  /** Orders start `processing` and complete after asyncDelayMs, then a callback is sent. */
  async: z.boolean().optional(),
  asyncDelayMs: minorUnits.max(600_000).optional(),
  /** Where a buyer redeems the card; shown as card.url. */
  redeemUrl: z.url().optional(),
  /** Any face value in [min, max] (the order's `faceValue`), sold at priceRateBp basis points of it. */
  customFaceValue: z.strictObject({ min: minorUnits, max: minorUnits, priceRateBp: z.number().int().min(1).max(100_000) }).optional(),
});
export type SimProduct = z.infer<typeof SimProduct>;

export const SimPartner = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ . -'),
  secret: z.string().min(8, 'must be at least 8 characters'),
  /** The account pays in this currency, so it can buy only products priced in it. */
  currency,
  balance: minorUnits,
  /** Card code and PIN sent AES-GCM encrypted (PROTOCOL.md). */
  encryptCards: z.boolean().optional(),
});
export type SimPartner = z.infer<typeof SimPartner>;

export const SimConfig = z.strictObject({ catalogue: z.array(SimProduct), partners: z.array(SimPartner).min(1) }).superRefine((c, ctx) => {
  const repeated = (ids: string[]) => ids.find((id, i) => ids.indexOf(id) !== i);
  const product = repeated(c.catalogue.map((p) => p.product));
  if (product) ctx.addIssue({ code: 'custom', path: ['catalogue'], message: `product "${product}" is listed twice` });
  const partner = repeated(c.partners.map((p) => p.id));
  if (partner) ctx.addIssue({ code: 'custom', path: ['partners'], message: `partner "${partner}" is listed twice` });
});
export type SimConfig = z.infer<typeof SimConfig>;

export const DEFAULT_ASYNC_DELAY_MS = 200;

export interface SimCard {
  code: string;
  pin: string;
  url: string | null;
  expiresAt: string;
}

export interface SimOrder {
  partnerId: string;
  reference: string;
  orderId: string;
  product: string;
  kind: 'card' | 'topup';
  /** Top-ups only. */
  account: string | null;
  callbackUrl: string | null;
  status: 'processing' | 'success' | 'failed';
  unitPrice: number;
  /** The face value asked for, for custom face value products. */
  faceValue?: number;
  currency: string;
  createdAt: string;
  completedAt: string | null;
  card: SimCard | null;
  topup: { account: string; receipt: string } | null;
  failure: { code: string; message: string } | null;
}

/** Every movement of a partner's money, append-only: what /_sim/charges counts. */
export interface LedgerEntry {
  partnerId: string;
  reference: string;
  kind: 'debit' | 'refund';
  amount: number;
  at: string;
}

export class SimWorld {
  products = new Map<string, SimProduct>();
  partners = new Map<string, SimPartner>();
  /** Keyed by partner and reference: the reference is the partner's idempotency key. */
  orders = new Map<string, SimOrder>();
  ledger: LedgerEntry[] = [];
  faults = new FaultList();
  // Keeps counting across resets, so an order id never means two different orders in one run.
  private lastOrderNo = 0;
  // Aborted on reset and stop: async completions and callbacks of the old world must not run.
  private pending = new AbortController();

  constructor(private readonly start: SimConfig) {
    this.reset();
  }

  reset(): void {
    this.pending.abort();
    this.pending = new AbortController();
    this.products = new Map(this.start.catalogue.map((p) => [p.product, structuredClone(p)]));
    this.partners = new Map(this.start.partners.map((p) => [p.id, structuredClone(p)]));
    this.orders = new Map();
    this.ledger = [];
    this.faults = new FaultList();
  }

  /** Cancels everything scheduled; used when the simulator stops. */
  shutdown(): void {
    this.pending.abort();
  }

  /** Signal for work scheduled now; it is aborted when the world is reset or stopped. */
  get signal(): AbortSignal {
    return this.pending.signal;
  }

  findOrder(partnerId: string, reference: string): SimOrder | undefined {
    return this.orders.get(orderKey(partnerId, reference));
  }

  nextOrderId(): string {
    this.lastOrderNo += 1;
    return `SIM-${String(this.lastOrderNo).padStart(6, '0')}`;
  }

  /** Takes the order: stores it, debits the partner, uses up one unit of stock. */
  commit(order: SimOrder, partner: SimPartner, product: SimProduct): void {
    this.orders.set(orderKey(order.partnerId, order.reference), order);
    partner.balance -= order.unitPrice;
    this.ledger.push({ partnerId: partner.id, reference: order.reference, kind: 'debit', amount: order.unitPrice, at: order.createdAt });
    if (product.stock !== null) product.stock -= 1;
    this.faults.unitSold(product.product);
  }

  refund(order: SimOrder, at: string): void {
    const partner = this.partners.get(order.partnerId);
    if (!partner) return;
    partner.balance += order.unitPrice;
    this.ledger.push({ partnerId: partner.id, reference: order.reference, kind: 'refund', amount: order.unitPrice, at });
  }

  /** How many times each reference was debited (refunds do not undo a charge here). */
  charges(partnerId?: string): { charges: Record<string, number>; total: number } {
    const charges: Record<string, number> = {};
    let total = 0;
    for (const e of this.ledger) {
      if (e.kind !== 'debit' || (partnerId !== undefined && e.partnerId !== partnerId)) continue;
      charges[e.reference] = (charges[e.reference] ?? 0) + 1;
      total += 1;
    }
    return { charges, total };
  }
}

function orderKey(partnerId: string, reference: string): string {
  return `${partnerId}\n${reference}`;
}
