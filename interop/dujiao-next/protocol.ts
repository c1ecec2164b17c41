// The dujiao-next site-integration protocol's words (docs/en/api/integration-open-api.md):
// paths, statuses, error codes and the HTTP status each comes with. Both sides read them here.

export const UPSTREAM_PREFIX = '/api/v1/upstream';
export const PROTOCOL_VERSION = '1.0';

/** §6 */
export const DUJIAO_STATUSES = ['pending_payment', 'paid', 'fulfilling', 'partially_delivered', 'delivered', 'completed', 'canceled'] as const;
export type DujiaoStatus = (typeof DUJIAO_STATUSES)[number];

/** §7: every error code with its HTTP status. */
export const ERROR_STATUS = {
  missing_auth_headers: 401,
  invalid_timestamp: 401,
  timestamp_expired: 401,
  invalid_signature: 401,
  invalid_api_key: 401,
  user_disabled: 403,
  bad_request: 400,
  invalid_callback_url: 400,
  sku_unavailable: 400,
  product_unavailable: 400,
  product_not_found: 404,
  order_not_found: 404,
  insufficient_balance: 402,
  insufficient_stock: 409,
  cancel_not_allowed: 409,
  payment_failed: 200,
  internal_error: 500,
} as const;
export type DujiaoErrorCode = keyof typeof ERROR_STATUS;

/** §4.3 tip: how a stock count reads. */
export function stockStatus(quantity: number): 'unlimited' | 'in_stock' | 'low_stock' | 'out_of_stock' {
  if (quantity < 0) return 'unlimited';
  if (quantity === 0) return 'out_of_stock';
  return quantity > 20 ? 'in_stock' : 'low_stock';
}

/** The failure envelope (§1.2). */
export function failure(code: DujiaoErrorCode, message: string, extra: Record<string, unknown> = {}) {
  return { ok: false as const, ...extra, error_code: code, error_message: message };
}

/** A dujiao-next delivery payload holds one unit per line, number and PIN separated by a space. */
export function payloadLine(code: { number: string; pin?: string; url?: string }): string {
  return [code.number || code.url || '', code.pin].filter(Boolean).join(' ');
}

/** The other way round: one line of a payload as a card. */
export function cardOfLine(line: string): { number: string; pin?: string } | undefined {
  const [number, pin] = line.trim().split(/\s+/, 2);
  if (!number) return undefined;
  return pin ? { number, pin } : { number };
}
