// Why risk control flagged an order, as stable codes with parameters beside the English sentence
// (risk/evaluate.ts says both), so the console words each in the reader's language. No imports:
// api/message-codes.ts lists these for the console's texts, and test/message-codes.test.ts
// checks each has words in English and Chinese (cf.reasons.risk.<code>).

export const RISK_REASON_CODES = [
  'list_blocked',
  'list_allowed',
  'merchant_cap_amount',
  'merchant_cap_quantity',
  'velocity_count',
  'velocity_amount',
  'velocity_payments',
  'velocity_card_bins',
  'velocity_buyers',
  'new_account',
  'account_takeover',
  'first_purchase',
  'sku_cap_quantity',
  'sku_cap_amount',
  'order_cap_quantity',
  'order_cap_amount',
  'country_mismatch',
  'disposable_email',
  'score_reject',
  'score_review',
  'model_unusual',
  // A bulk order is paid for up front by a trusted storefront and judged as a whole, not per unit (orders/bulk/).
  'bulk_order_unchecked',
] as const;

export type RiskReasonCode = (typeof RISK_REASON_CODES)[number];

/**
 * One reason, for a person: its code and the values its words need. Values are what the order
 * carried (amounts already formatted with their currency, countries, SKU codes) or numbers;
 * `points` is set when the reason added to the score.
 */
export interface RiskReason {
  code: RiskReasonCode;
  params: Record<string, string | number>;
  /** For model_unusual: what the model found unusual, each feature with its values (text at cf.risk.model_features.<feature>). */
  features?: { feature: string; points: number; params: Record<string, string | number> }[];
}
