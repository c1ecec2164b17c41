// The words of risk control, as plain lists: the engine's schemas are built from them and the
// console offers them as choices, so a new subject or list kind appears in both at once. No
// imports here, because the console bundles this file for the browser.

/** Who or what an order can be counted by (velocity rules). */
export const SUBJECTS = ['ip', 'subnet', 'account', 'device', 'email', 'phone', 'payment'] as const;
export type Subject = (typeof SUBJECTS)[number];

export const RULE_KINDS = ['velocity', 'new_account', 'account_takeover', 'first_purchase', 'sku_cap', 'order_cap', 'country_mismatch', 'disposable_email'] as const;

/** score: add points; review / reject / allow: a hard decision. */
export const RULE_ACTIONS = ['score', 'review', 'reject', 'allow'] as const;

/**
 * count: orders; amount: money spent; payments, card_bins: different payment instruments, card
 * BINs (card testing); buyers: different buyers, by account (else email) (account farms).
 */
export const VELOCITY_MEASURES = ['count', 'amount', 'payments', 'card_bins', 'buyers'] as const;

/** The countries an order can carry: of its IP, of its card, of the buyer's account. */
export const COUNTRY_SOURCES = ['ip', 'card', 'account'] as const;

/** The longest window a velocity rule may look back over. */
export const MAX_WINDOW_SECONDS = 7 * 24 * 3600;

export const LISTS = ['block', 'allow'] as const;
export const LIST_KINDS = ['ip', 'cidr', 'email', 'email_domain', 'phone', 'account', 'device', 'payment'] as const;
export type ListKind = (typeof LIST_KINDS)[number];

export const REVIEW_STATUSES = ['open', 'approved', 'rejected', 'expired', 'withdrawn'] as const;

export const PAYMENT_METHODS = ['card', 'wallet', 'bank_transfer', 'carrier_billing', 'store_balance', 'gift_card', 'crypto', 'other'] as const;
