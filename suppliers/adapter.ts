import type { OutboundHttp } from '../lib/outbound-http';

// What Cardflow needs from any upstream supplier. Each supplier protocol is one adapter file in
// suppliers/adapters/, registered in suppliers/registry.ts; everything else (routing, failover,
// the circuit breaker, idempotency) is shared and knows nothing of any one protocol.

export interface SupplierCard {
  number: string;
  pin?: string;
  url?: string;
  expiresAt?: string;
}

export interface PurchaseRequest {
  /** Our idempotency key: a repeat with the same reference must never charge twice. */
  reference: string;
  product: string;
  /** Refuse to buy above this (the supplier's currency, minor units). */
  maxUnitPrice: number;
  /** The buyer's account, for top-ups. */
  account?: string;
  /** The face value chosen by the buyer, for custom face value SKUs (orders/custom-amount.ts). */
  faceValue?: number;
  /** Where an asynchronous supplier should report completion. */
  callbackUrl?: string;
}

/** What the supplier says about one purchase. */
export type PurchaseOutcome =
  | { status: 'succeeded'; supplierOrderId?: string; unitPrice: number; card?: SupplierCard; topup?: { receipt: string; account: string } }
  | { status: 'processing'; supplierOrderId?: string; unitPrice: number }
  /** Definitively not charged (or refunded by the supplier). */
  | { status: 'failed'; supplierOrderId?: string; code: string; message: string };

/**
 * The supplier answered and did not take the order: nothing was charged. `code` is one of the
 * business reasons routing understands; anything else is treated as "try the next route".
 */
export class SupplierRefused extends Error {
  constructor(
    readonly code: 'out_of_stock' | 'insufficient_balance' | 'price_changed' | 'invalid_denomination' | 'invalid_account' | 'rate_limited' | string,
    message: string,
    readonly detail: { unitPrice?: number; retryAfterSeconds?: number; balance?: number } = {},
  ) {
    super(message);
    this.name = 'SupplierRefused';
  }
}

/**
 * No usable answer: a timeout, a dropped connection, a 5xx, an HTML error page. For a purchase
 * the outcome is unknown, so the reference must be asked about before anything else is bought.
 * The message never contains the supplier's response body (it might hold a code).
 */
export class SupplierUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SupplierUnavailable';
  }
}

export interface SupplierAdapter {
  /** Current unit price and stock of one product. */
  quote(product: string): Promise<{ unitPrice: number; currency: string; stock: number | null }>;
  /** Throws SupplierRefused (nothing charged) or SupplierUnavailable (outcome unknown). */
  purchase(request: PurchaseRequest): Promise<PurchaseOutcome>;
  /**
   * What became of a reference; 'not_found' means the supplier never took it. `known` is what
   * our purchase row holds, for protocols that cannot look a reference up by itself (dujiao-next
   * finds an order by its own id, or by placing it again under the same reference).
   */
  getPurchase(reference: string, known?: KnownPurchase): Promise<PurchaseOutcome | 'not_found'>;
  validateAccount(product: string, account: string): Promise<{ valid: true; accountName?: string } | { valid: false; reason: string }>;
  balance(): Promise<{ currency: string; balance: number }>;
  /**
   * Checks a callback's signature and reads it. Returns undefined when it is not genuine.
   * `path` is the path and query the callback was sent to.
   */
  readCallback(headers: Record<string, string | string[] | undefined>, path: string, rawBody: Buffer): CallbackReading | undefined;
  /** Everything the supplier sells, for product import and the price and stock sync; protocols without a listing leave it out. */
  catalogue?(): Promise<CatalogueItem[]>;
  /**
   * The supplier's own statement of what it charged and refunded over a period (reconciliation/);
   * protocols without one leave it out, and the merchant imports the supplier's CSV instead.
   */
  statement?(period: StatementPeriod): Promise<SupplierStatement>;
}

/** UTC days as YYYY-MM-DD, both included. */
export interface StatementPeriod {
  from: string;
  to: string;
}

export interface SupplierStatement {
  currency: string;
  lines: SupplierStatementLine[];
}

/** One movement of our money on a supplier's statement, named by our purchase reference. */
export interface SupplierStatementLine {
  reference: string;
  supplierOrderId?: string;
  kind: 'charge' | 'refund';
  /** Minor units of the statement's currency, never negative (the kind says which way). */
  amount: number;
  /** ISO-8601. */
  at: string;
}

export interface CatalogueItem {
  /** What a route names as its supplier product. */
  product: string;
  title: string;
  unitPrice: number;
  currency: string;
  /** null: unlimited. */
  stock: number | null;
  active: boolean;
}

/** What our purchase row knows about an attempt. */
export interface KnownPurchase {
  supplierOrderId: string | null;
  product: string;
  maxUnitPrice: number;
}

/**
 * A genuine callback: the outcome it reports, or (for protocols whose callbacks carry no price to
 * check, like dujiao-next) only a reason to ask the supplier now, naming the supplier's order so
 * the callback is bound to the purchase it claims to be about.
 */
export type CallbackReading =
  | { reference: string; outcome: PurchaseOutcome }
  /** `ack`: the body the protocol expects back. */
  | { reference: string; supplierOrderId: string; askSupplier: true; ack: unknown };

/**
 * How an adapter is built from a supplier row (credentials already decrypted). Every request it
 * makes goes through `http`, the guarded outbound client: the base URL is merchant-set.
 */
export type AdapterFactory = (config: { baseUrl: string; credentials: Record<string, string>; timeoutMs: number; http: OutboundHttp }) => SupplierAdapter;
