// What a supplier said when it did not supply a unit, as the codes supplier_purchases.failure_code
// holds (suppliers/adapter.ts SupplierRefused codes, the adapters' failed outcomes,
// suppliers/purchase-unit.ts), for the console to word (cf.suppliers.outcomes.<code>). The vendor's
// own message is kept beside the code and shown only as a quoted detail. A code an adapter passes
// through from its vendor that is not listed here is worded as "other", with the code shown. No
// imports: api/message-codes.ts lists these, and test/message-codes.test.ts checks their words.

/** Why a supplier that answered took no order (SupplierRefused codes): for purchases and for any call of a connection. */
export const SUPPLIER_REFUSAL_CODES = [
  'out_of_stock',
  'insufficient_balance',
  'price_changed',
  'invalid_denomination',
  'invalid_account',
  'rate_limited',
  'bad_credentials',
  'refused',
] as const;

/**
 * Why a route could not be used for now, so a purchase waited (suppliers/purchase-unit.ts): never
 * a purchase's failure_code, but worded with the outcomes when the waiting ran out.
 */
export const ROUTE_PAUSED_CODES = ['circuit_open', 'at_rate_limit', 'no_answer'] as const;

/**
 * Why buying a unit stopped when no route said why (orders/reasons.ts storedReason): the purchase
 * step ran out of time, or stopped on an error of ours (its message quoted); or, for a reason stored
 * before the codes, English whose meaning is not known (quoted). Not tied to one supplier.
 */
export const STEP_FAILURE_CODES = ['timed_out', 'unexpected_error', 'unknown_detail'] as const;

export const SUPPLIER_OUTCOME_CODES = [
  ...SUPPLIER_REFUSAL_CODES,
  'not_committed',
  'invalid_redeem_url',
  'failed',
  'canceled',
  ...ROUTE_PAUSED_CODES,
  ...STEP_FAILURE_CODES,
  'other',
] as const;
export type SupplierOutcomeCode = (typeof SUPPLIER_OUTCOME_CODES)[number];

/** One failed attempt at one supplier, for a person. */
export interface SupplierOutcome {
  /** Empty for a STEP_FAILURE_CODES outcome, which no one supplier gave. */
  supplier: string;
  code: SupplierOutcomeCode;
  /** The code as the vendor's adapter recorded it, when it is not one of ours ("other"). */
  vendorCode: string;
  /** The vendor's own words, shown quoted, never translated. */
  message: string;
}

export function supplierOutcome(supplier: string, failureCode: string | null, message: string | null): SupplierOutcome {
  const known = (SUPPLIER_OUTCOME_CODES as readonly string[]).includes(failureCode ?? '');
  return { supplier, code: known ? (failureCode as SupplierOutcomeCode) : 'other', vendorCode: failureCode ?? '', message: message ?? '' };
}
