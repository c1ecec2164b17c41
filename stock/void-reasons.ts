import { codedBody, orderReason, type OrderReason } from '../orders/reasons';

// Why a code was voided, for a person in their language. codes.void_reason holds either the words
// of the person who voided it (stock/void-codes.ts: a code list, a code lookup, a batch recalled),
// shown as written, or, when the system voided it, "<code>: {"params":…}" as an order's reason is
// kept (orders/reasons.ts codedReason), so the console words it from the code. Where the void
// follows from an order's failure or cancellation, that order's reason is kept beside it as the
// order stored it ("orderReason"), and read the way an order's reason is. Migration 039 rewrote
// the English sentences the system wrote before.

/** The codes a system void carries; text at cf.reasons.void.<code>. */
export const VOID_REASON_CODES = [
  // orders/refund-order.ts: the unit was refunded and its code can never be sold again
  'order_refunded',
  // orders/bundle-undo.ts: the bundle failed and a bought part was given back
  'bundle_undone',
  // orders/close-order.ts: the order was cancelled holding a delivered code
  'order_cancelled',
  // stock/refingerprint.ts: the same code as another one, found when fingerprints were re-made
  'duplicate_code',
] as const;
export type VoidReasonCode = (typeof VOID_REASON_CODES)[number];

export interface VoidReason {
  code: VoidReasonCode;
  params: Record<string, string | number>;
  /** bundle_undone, order_cancelled: why the order failed or was cancelled, as its code; null when that was a person's own words. */
  orderReason?: OrderReason | null;
  /** The order's reason as it was stored, for the words of a person that have no code. */
  orderReasonText?: string;
}

/** codes.void_reason for a void the system makes; `because` is the order's reason as orders.reason keeps it. */
export function codedVoidReason(code: VoidReasonCode, params: VoidReason['params'] = {}, because?: string): string {
  return `${code}: ${JSON.stringify(because === undefined ? { params } : { params, orderReason: because })}`;
}

const isCode = (text: string): text is VoidReasonCode => (VOID_REASON_CODES as readonly string[]).includes(text);

/** The void reason's code and parameters, or null for a person's own words (and for none). */
export function voidReason(text: string | null | undefined): VoidReason | null {
  const match = text ? /^([a-z_]+): (\{"params":[\s\S]*\})$/.exec(text) : null;
  if (!match || !isCode(match[1])) return null;
  const read = codedBody(match[2]);
  if (!read) return null;
  const { params, body } = read;
  const because = typeof body.orderReason === 'string' ? body.orderReason : undefined;
  return because === undefined ? { code: match[1], params } : { code: match[1], params, orderReason: orderReason(because, null), orderReasonText: because };
}
