// Every code the server sends that ends up in front of a person, listed in one place, and where
// the console keeps its words for each. The server says *what* happened as a stable code with
// params (an AppError's code, a needs-attention code, an alert kind, an audit action, a status);
// the console turns it into English or Chinese. test/message-codes.test.ts scans the server's
// source for codes it throws and fails when one is missing here, or when any code listed here has
// no text in either language, so a new code cannot reach a person untranslated. Per-field refusals
// (details.fields[].code) are listed by their owner, lib/field-codes.ts, and worded here too.

import { ALERT_KINDS } from '../lib/alert-kinds';
import { ORDER_STATUSES } from '../orders/lifecycle';
import { ORDER_REASON_CODES } from '../orders/reasons';
import { VOID_REASON_CODES } from '../stock/void-reasons';
import { RISK_REASON_CODES } from '../risk/reason-codes';
import { RULE_KINDS } from '../risk/vocabulary';
import { BUILT_IN_RULE_NAMES } from '../risk/rules';
import { MODEL_FEATURE_NAMES } from '../risk/model/features';
import { SUPPLIER_OUTCOME_CODES, SUPPLIER_REFUSAL_CODES } from '../suppliers/outcome-codes';
import { HEADLINE_GAPS } from './admin/dashboard';
import { SEND_ERROR_CODES } from '../notifications/send-errors';
import { BAD_LINE_REASONS } from '../stock/parse-codes';
import type { RefusedReason } from '../stock/import-codes';
import type { OrderEventType } from '../orders/events';
import type { FulfilmentState } from '../workflows/messages';
import type { OutboundFailureKind } from '../lib/outbound-http';
import { OPERATIONS } from '../suppliers/metered-adapter';
import { FIELD_CODES } from '../lib/field-codes';

/** The `code` of every AppError (lib/errors.ts) an API answer can carry; text at cf.errors.<code>. */
export const ERROR_CODES = [
  // the lifecycle's refusals (orders/lifecycle.ts)
  'not_cancellable',
  'not_retryable',
  'already_refunded',
  'refund_not_ready',
  'not_refundable',
  'not_resendable',
  'no_webhook_endpoint',
  'not_held',
  'review_closed',
  'not_awaiting_manual_fulfilment',
  // orders and stock
  'unknown_sku',
  'sku_unavailable',
  'quantity_exceeds_limit',
  'mixed_currency',
  // bundles and custom face values (orders/bundle-lines.ts, orders/custom-amount.ts)
  'bundle_component_repeated',
  'amount_required',
  'amount_not_applicable',
  'amount_out_of_range',
  'amount_not_on_step',
  'account_required',
  'account_not_applicable',
  'invalid_account',
  'sold_out',
  'unit_not_refundable',
  'manual_entry_mismatch',
  'duplicate_code',
  'not_needing_attention',
  'attention_action_refused',
  'workflow_unavailable',
  'idempotency_conflict',
  'invalid_idempotency_key',
  'wrong_fulfilment_mode',
  'invalid_codes',
  'unsupported_media_type',
  'stock_promised',
  'reveal_limit',
  // storefront credit (storefronts/credit.ts) and dujiao-next keys (api/admin/connections.ts)
  'credit_limit_required',
  'credit_currency_mismatch',
  'insufficient_credit',
  // storefront prepaid balance (storefronts/prepaid-balance.ts)
  'balance_insufficient',
  'balance_currency_mismatch',
  // products, suppliers, storefronts, users, risk lists
  'sku_exists',
  'codes_case_rule_fixed',
  'supplier_exists',
  'no_api',
  'supplier_unavailable',
  'already_revoked',
  'email_taken',
  'last_owner',
  'list_entry_exists',
  // the books (ledger/periods.ts, suppliers/terms.ts)
  'period_not_ended',
  'period_already_closed',
  'supplier_without_currency',
  // statements and reconciliation (reconciliation/)
  'invalid_statement',
  'statement_period_mismatch',
  'no_supplier_statement',
  'statement_currency_mismatch',
  'difference_already_resolved',
  'adjustment_not_needed',
  'reconciliation_failed',
  // reports (reports/rates.ts)
  'reporting_currency_unset',
  'reporting_rate_same_currency',
  'report_range_too_long',
  // supplier callbacks (suppliers/purchase-results.ts)
  'purchase_not_awaiting_callback',
  'callback_price_mismatch',
  'callback_goods_mismatch',
  'callback_order_mismatch',
  'bad_signature',
  // buyer delivery (orders/buyer-delivery.ts, orders/gifts.ts)
  'nothing_to_reveal',
  'gift_order_closed',
  'unknown_gift_template',
  // bulk orders (orders/bulk/)
  'bulk_mode_unsupported',
  'unknown_storefront',
  'price_below_cost',
  'bulk_file_not_ready',
  'bulk_file_already_downloaded',
  // signing in and access
  'invalid_credentials',
  'wrong_current_password',
  'malformed_session_cookie',
  'unauthorized',
  'forbidden',
  'cross_origin_refused',
  'form_content_type_refused',
  'rate_limited',
  // the request itself
  'validation_failed',
  'not_found',
  'route_not_found',
  'malformed_json',
  'malformed_text',
  'malformed_url',
  'body_too_large',
  'page_too_deep',
  'unsupported_encoding',
  'internal_error',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Why an order stopped for a person (InvariantBroken codes and the step failures); text at cf.attention.codes.<code>. */
export const ATTENTION_CODES = [
  'units_without_code',
  'order_not_deliverable',
  'order_not_settleable',
  'order_missing',
  'unit_missing',
  'refund_missing',
  'idempotency_key_missing',
  'purchase_missing',
  'purchase_without_goods',
  'review_missing',
  // rows that cannot be missing (foreign keys, never deleted) were: manual tasks, dujiao-next orders and keys
  'manual_task_missing',
  'dujiao_order_missing',
  'dujiao_key_missing',
  // the ledger refuses a posting that would break the books (ledger/post.ts)
  'ledger_mixed_merchants',
  'ledger_entry_without_lines',
  'ledger_amount_not_integer',
  'ledger_unbalanced',
  'step_retries_exhausted',
  'step_failed',
] as const;

/** Every action the audit log records; text at cf.audit.actions.<action>. */
export const AUDIT_ACTIONS = [
  'session.signed_in',
  'session.signed_out',
  'session.sign_in_failed',
  'code.revealed',
  'codes.voided',
  'codes.exported_revealed',
  'stock.imported',
  'order.refunded',
  'order.attention_resolved',
  'order.retried',
  'orders.bulk_retried',
  'order.cancelled',
  'order.webhook_resent',
  'order.manual_fulfilment',
  'sku.created',
  'sku.updated',
  'sku.routes',
  'supplier.create',
  'supplier.update',
  'supplier.terms',
  'supplier.top_up',
  'supplier.payment',
  'ledger.period_closed',
  'supplier.statement_imported',
  'reconciliation.difference_resolved',
  'reporting.currency_set',
  'reporting.rate_entered',
  'storefront.created',
  'storefront.updated',
  'storefront.key_issued',
  'storefront.key_revoked',
  'storefront.webhook_secret_rotated',
  'storefront.credit_set',
  'storefront.balance_topped_up',
  'storefront.dujiao_key_issued',
  'storefront.dujiao_key_revoked',
  'user.created',
  'user.updated',
  'user.password_reset',
  'user.password_changed',
  'admin_token.created',
  'admin_token.revoked',
  'risk.review.approved',
  'risk.review.rejected',
  'risk.review.expired',
  'risk.rules.changed',
  'risk.list.added',
  'risk.list.changed',
  'risk.list.removed',
  'notifications.settings_changed',
  'code.revealed_to_buyer',
  'gift_template.created',
  'gift_template.changed',
  'bulk_order.file_downloaded',
  'bulk_order.price_tiers_set',
] as const;

/** The order timeline's event types (orders/events.ts); text at cf.events.<type>. */
export const ORDER_EVENT_TYPES = [
  'accepted',
  'risk_checked',
  'risk_reviewed',
  'codes_allocated',
  'delivered',
  'settled',
  'webhook_delivered',
  'webhook_failed',
  'cancelled',
  'failed',
  'stock_short_using_supplier',
  'supplier_processing',
  'supplier_purchased',
  'supplier_purchase_failed',
  'awaiting_manual_fulfilment',
  'manual_fulfilment_escalated',
  'manual_fulfilled',
  'needs_attention',
  'attention_resolved',
  'handed_to_manual',
  'bundle_undone',
  'retried',
  'refunded',
  'webhook_resent',
  'delivery_link_issued',
  'code_revealed',
  'lookup_code_sent',
  'gift_scheduled',
  'gift_sent',
  'gift_bounced',
  'gift_opened',
  'bulk_finished',
  'bulk_file_written',
  'bulk_file_downloaded',
] as const satisfies readonly OrderEventType[];
// ...and every event type is listed (a new one fails the type check here).
type Unlisted = Exclude<OrderEventType, (typeof ORDER_EVENT_TYPES)[number]>;
export const everyEventTypeListed: Unlisted extends never ? true : Unlisted = true;

type Step = FulfilmentState['step'];
/** The workflow's steps (workflows/messages.ts); text at cf.workflow.step.<step>. */
export const WORKFLOW_STEPS = [
  'risk_check',
  'risk_review',
  'allocating',
  'purchasing',
  'awaiting_manual',
  'delivering',
  'settling',
  'notifying',
  'cancelling',
  'done',
] as const satisfies readonly Step[];
type UnlistedStep = Exclude<Step, (typeof WORKFLOW_STEPS)[number]>;
export const everyStepListed: UnlistedStep extends never ? true : UnlistedStep = true;

/** The webhook's states in the workflow's answer; text at cf.workflow.webhook.<state>. */
export const WEBHOOK_STATES = ['pending', 'sent', 'no_endpoint', 'gave_up'] as const satisfies readonly NonNullable<FulfilmentState['webhook']>[];

/** Why an import refused a readable line (stock/import-codes.ts); text at cf.stock.refused.<reason>. */
export const IMPORT_REFUSED_REASONS = ['duplicate_in_file', 'already_in_stock', 'already_sold', 'voided'] as const satisfies readonly RefusedReason[];
type UnlistedRefusal = Exclude<RefusedReason, (typeof IMPORT_REFUSED_REASONS)[number]>;
export const everyRefusalListed: UnlistedRefusal extends never ? true : UnlistedRefusal = true;

/**
 * A supplier connection's failed calls (suppliers/call-failures.ts): the refusal codes adapters
 * use, and `unavailable`; text at cf.connections.failure.<code> (a code a protocol invents is
 * worded by cf.connections.failure.other, naming it). Operations at cf.connections.operation.<op>.
 */
export const SUPPLIER_FAILURE_CODES = ['unavailable', ...SUPPLIER_REFUSAL_CODES, 'other'] as const;

/** Why a dujiao-next shop did not take a callback (interop/dujiao-next/callbacks.ts); text at cf.connections.callback_failure.<code>. */
export const CALLBACK_FAILURE_CODES = ['http_status', 'timeout', 'unreachable', 'redirected', 'too_large', 'target_not_allowed', 'other'] as const satisfies readonly (
  OutboundFailureKind | 'http_status' | 'other'
)[];
type UnlistedCallbackFailure = Exclude<OutboundFailureKind, (typeof CALLBACK_FAILURE_CODES)[number]>;
export const everyCallbackFailureListed: UnlistedCallbackFailure extends never ? true : UnlistedCallbackFailure = true;

/** How a storefront's prepaid balance moves (storefronts/prepaid-balance.ts); text at cf.connections.balance_kinds.<kind>. */
export const PREPAID_ENTRY_KINDS = ['storefront_top_up', 'storefront_draw', 'storefront_return'] as const;

/** The console key of every text a server code needs, in both languages. */
export function requiredTextKeys(): string[] {
  return [
    ...ERROR_CODES.map((c) => `cf.errors.${c}`),
    // why one field of a request was refused (lib/field-codes.ts), beside the field in a form
    ...FIELD_CODES.map((c) => `cf.field_errors.${c}`),
    ...ATTENTION_CODES.map((c) => `cf.attention.codes.${c}`),
    ...ALERT_KINDS.flatMap((k) => [`cf.alerts.kinds.${k}`, `cf.alerts.messages.${k}`]),
    ...AUDIT_ACTIONS.map((a) => `cf.audit.actions.${a}`),
    ...ORDER_EVENT_TYPES.map((t) => `cf.events.${t}`),
    ...ORDER_STATUSES.map((s) => `cf.status.${s}`),
    ...WORKFLOW_STEPS.map((s) => `cf.workflow.step.${s}`),
    ...WEBHOOK_STATES.map((s) => `cf.workflow.webhook.${s}`),
    ...RULE_KINDS.map((k) => `cf.risk.kinds.${k}`),
    ...BAD_LINE_REASONS.map((r) => `cf.stock.bad_line.${r}`),
    ...IMPORT_REFUSED_REASONS.map((r) => `cf.stock.refused.${r}`),
    // why an order was cancelled or failed (orders/reasons.ts), and why risk control flagged it
    ...ORDER_REASON_CODES.map((c) => `cf.reasons.order.${c}`),
    ...RISK_REASON_CODES.map((c) => `cf.reasons.risk.${c}`),
    // why the system voided a code (stock/void-reasons.ts)
    ...VOID_REASON_CODES.map((c) => `cf.reasons.void.${c}`),
    // each connection's errors and balance (issue 18)
    ...SUPPLIER_FAILURE_CODES.map((c) => `cf.connections.failure.${c}`),
    ...OPERATIONS.map((o) => `cf.connections.operation.${o}`),
    ...CALLBACK_FAILURE_CODES.map((c) => `cf.connections.callback_failure.${c}`),
    ...PREPAID_ENTRY_KINDS.map((k) => `cf.connections.balance_kinds.${k}`),
    // built-in rules' names, what the anomaly model found unusual, what a supplier said
    ...BUILT_IN_RULE_NAMES.map((c) => `cf.risk.rule_names.${c}`),
    ...MODEL_FEATURE_NAMES.map((f) => `cf.risk.model_features.${f}`),
    ...SUPPLIER_OUTCOME_CODES.map((c) => `cf.suppliers.outcomes.${c}`),
    ...HEADLINE_GAPS.map((c) => `cf.dashboard.converted.why_not.${c}`),
    ...SEND_ERROR_CODES.map((c) => `cf.notify.errors.${c}`),
  ];
}
