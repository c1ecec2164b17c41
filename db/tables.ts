// Row types of the main tables, as the migrations in db/migrations/ leave them (one interface per
// table, columns in snake_case as Postgres has them). Declaring them to knex types every
// `db('orders')`-style query end to end: its filters, its inserts and the rows it returns. A
// query on an aliased table (`db('orders as o')`) or a join is typed by what it selects, not here.
//
// Column types as the pg driver returns them: bigint as number (db/index.ts parses INT8), numeric
// as string, timestamptz as Date, bytea as Buffer, jsonb as unknown (each reader checks its shape).
import type { Knex } from 'knex';
import type { Tables } from 'knex/types/tables';
import type { AccountKind } from '../ledger/accounts';
import type { AlertKind } from '../lib/alert-kinds';
import type { OrderEventType } from '../orders/events';
import type { OrderStatus } from '../orders/lifecycle';
import type { ManualTaskStatus } from '../orders/manual-fulfilment';
import type { AnomalyModel } from '../risk/model/anomaly-model';
import type { Rule, RiskSettings } from '../risk/rules';
import type { LISTS, ListKind, REVIEW_STATUSES } from '../risk/vocabulary';
import type { PurchaseStatus } from '../suppliers/purchase-results';

export interface MerchantRow {
  id: string;
  name: string;
  currency: string;
  risk_max_order_amount: number | null;
  risk_max_order_quantity: number | null;
  created_at: Date;
  /** The merchant's days for the dashboard's rollups (migration 018); UTC when unset. */
  time_zone: string | null;
  /** The currency reports convert into, with the merchant's own rates (migration 027); none when unset. */
  reporting_currency: string | null;
}

export interface StorefrontRow {
  id: string;
  merchant_id: string;
  name: string;
  webhook_url: string | null;
  webhook_secret_key_id: string | null;
  webhook_secret: Buffer | null;
  created_at: Date;
  previous_webhook_secret_key_id: string | null;
  previous_webhook_secret: Buffer | null;
  previous_webhook_secret_until: Date | null;
  /** Credit a storefront may run up (migration 021, storefronts/credit.ts); both null when unlimited. */
  credit_limit: number | null;
  credit_currency: string | null;
  /** Set by its first prepaid top-up (migration 028, storefronts/prepaid-balance.ts); null when not prepaid. */
  prepaid_currency: string | null;
}

export interface SupplierRow {
  id: string;
  merchant_id: string;
  name: string;
  kind: 'manual' | 'api';
  created_at: Date;
  adapter: string | null;
  base_url: string | null;
  credentials_key_id: string | null;
  credentials: Buffer | null;
  currency: string | null;
  active: boolean;
  timeout_ms: number;
  rate_limit_per_second: number | null;
  balance: number | null;
  balance_checked_at: Date | null;
  low_balance_threshold: number | null;
  circuit_failure_threshold: number;
  circuit_cooldown_seconds: number;
  consecutive_failures: number;
  circuit_open_until: Date | null;
  updated_at: Date;
  /** Supplier terms (migration 020, docs/MONEY.md): prepaid draws a balance, credit owes for net N days. */
  terms: 'prepaid' | 'credit';
  credit_days: number | null;
  statement_period: 'week' | 'month' | null;
  /** A dujiao-next supplier's catalogue sync (migration 021, suppliers/catalogue-sync.ts). */
  catalogue_synced_at: Date | null;
  catalogue_sync_error: string | null;
}

export interface SkuRow {
  id: string;
  merchant_id: string;
  code: string;
  name: string;
  currency: string;
  face_value: number;
  price: number;
  cost: number;
  /** `bundle`: made of other SKUs (bundle_components), never stocked or bought itself (migration 029). */
  fulfilment_mode: 'stock' | 'supplier' | 'topup' | 'link' | 'manual' | 'bundle';
  active: boolean;
  max_per_order: number | null;
  low_stock_threshold: number | null;
  stock_available: number;
  created_at: Date;
  supplier_fallback: boolean;
  manual_escalate_after_seconds: number;
  manual_cancel_after_seconds: number;
  codes_case_sensitive: boolean;
  /** The number a dujiao-next shop knows the SKU by (migration 021). */
  public_no: number;
  /** A bundle's answer to a component that cannot be had (migration 029); null for other SKUs. */
  bundle_policy: 'wait' | 'undo' | null;
  /** Custom face value (migration 029): the amounts a buyer may choose, and price and cost as rates of the amount in basis points. */
  custom_amount_min: number | null;
  custom_amount_max: number | null;
  custom_amount_step: number | null;
  price_rate_bp: number | null;
  cost_rate_bp: number | null;
  /** How to use the code, per language (`{ en, zh }`), shown beside it on the delivery page (migration 031). */
  usage_instructions: unknown;
  /** Whether the delivery email carries the code itself, not only the link (migration 031). */
  code_in_email: boolean;
}

export interface BundleComponentRow {
  bundle_sku_id: string;
  component_sku_id: string;
  position: number;
  quantity: number;
  /** Revenue per component unit: the bundle price's split. */
  price_share: number;
}

export interface StockBatchRow {
  id: string;
  merchant_id: string;
  sku_id: string;
  supplier_id: string | null;
  unit_cost: number;
  currency: string;
  source: string | null;
  imported_count: number;
  duplicate_count: number;
  imported_by: string;
  created_at: Date;
}

export interface OrderRow {
  id: string;
  merchant_id: string;
  storefront_id: string;
  external_ref: string;
  request_hash: string;
  status: OrderStatus;
  currency: string;
  total_amount: number;
  buyer: unknown;
  risk: unknown | null;
  reason: string | null;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
  retried_at: Date | null;
  attention: unknown | null;
  // Never null: migration 010 numbered the older rows and every new one takes the sequence's default.
  accept_seq: number;
  /** Where the storefront says the order came from (migration 027, reports by channel and campaign). */
  channel: string | null;
  campaign: string | null;
}

export interface OrderItemRow {
  id: string;
  order_id: string;
  sku_id: string;
  quantity: number;
  unit_price: number;
  account: string | null;
  /** The bundle this component line came from, its quantity, and its policy when accepted (migration 029). */
  bundle_sku_id: string | null;
  bundle_quantity: number | null;
  bundle_policy: 'wait' | 'undo' | null;
  /** A custom face value and the cost computed for it (migration 029). */
  face_value: number | null;
  unit_cost: number | null;
}

export interface OrderUnitRow {
  id: string;
  order_id: string;
  order_item_id: string;
  sku_id: string;
  seq: number;
  status: string;
  source: string;
  receipt: unknown | null;
}

export interface CodeRow {
  id: string;
  merchant_id: string;
  sku_id: string;
  batch_id: string | null;
  fingerprint: string;
  key_id: string;
  secret: Buffer;
  mask: string;
  expires_at: Date | null;
  status: string;
  unit_id: string | null;
  allocated_at: Date | null;
  created_at: Date;
  source: string;
  unit_cost: number | null;
  voided_at: Date | null;
  void_reason: string | null;
  fingerprint_version: number;
  duplicate_of: string | null;
}

export interface ReservationRow {
  id: string;
  order_id: string;
  order_item_id: string;
  sku_id: string;
  quantity: number;
  status: string;
  created_at: Date;
  updated_at: Date;
}

export interface UserRow {
  id: string;
  merchant_id: string;
  email: string;
  password_hash: string | null;
  role: 'owner' | 'operator' | 'support' | 'finance' | 'viewer';
  created_at: Date;
  disabled_at: Date | null;
  last_sign_in_at: Date | null;
}

export interface AdminTokenRow {
  id: string;
  user_id: string;
  prefix: string;
  token_hash: string;
  created_at: Date;
  revoked_at: Date | null;
  /** Expiry and last use (migration 008). */
  name: string | null;
  expires_at: Date;
  last_used_at: Date | null;
}

export interface SessionRow {
  id: string;
  user_id: string;
  token_hash: string;
  ip: string | null;
  user_agent: string | null;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  /** For the idle timeout (migration 008). */
  last_seen_at: Date;
}

export interface SignInFailureRow {
  email: string;
  address: string;
  failures: number;
  last_failure_at: Date;
}

export interface StorefrontApiKeyRow {
  id: string;
  storefront_id: string;
  prefix: string;
  key_hash: string;
  created_at: Date;
  revoked_at: Date | null;
}

export interface RateLimitRow {
  key: string;
  points: number;
  expire: number | null;
}

export interface DeliveryRow {
  id: string;
  order_id: string;
  unit_id: string;
  /** Null for a unit delivered without a stored code (migration 002: a supplier's or a manual delivery). */
  code_id: string | null;
  delivered_at: Date;
}

export interface WebhookOutboxRow {
  id: number;
  message_id: string;
  order_id: string;
  event_type: 'order.delivered' | 'order.refunded';
  refund_id: string | null;
  status: 'pending' | 'sent' | 'no_endpoint' | 'gave_up';
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

export interface WebhookAttemptRow {
  /** A time-ordered UUID (migration 008). */
  id: string;
  storefront_id: string;
  order_id: string;
  message_id: string;
  event_type: string;
  url: string;
  outcome: 'succeeded' | 'failed';
  http_status: number | null;
  error: string | null;
  duration_ms: number;
  created_at: Date;
}

export interface StorefrontIdempotencyKeyRow {
  storefront_id: string;
  key: string;
  request_hash: string;
  created_at: Date;
}

export interface SettlementRow {
  id: string;
  order_id: string;
  merchant_id: string;
  currency: string;
  revenue: number;
  cost: number;
  gross_profit: number;
  created_at: Date;
}

export interface SupplierCatalogueItemRow {
  supplier_id: string;
  product: string;
  title: string;
  unit_price: number;
  currency: string;
  stock: number | null;
  active: boolean;
  synced_at: Date;
}

export interface SupplierPaymentRow {
  id: string;
  merchant_id: string;
  supplier_id: string;
  kind: 'top_up' | 'payment';
  currency: string;
  amount: number;
  reference: string | null;
  paid_by: string;
  created_at: Date;
}

export interface RefundRow {
  id: string;
  order_id: string;
  merchant_id: string;
  currency: string;
  amount: number;
  revenue_reversed: number;
  cost_reversed: number;
  units_released: number;
  codes_voided: number;
  reason: string;
  refunded_by: string;
  created_at: Date;
}

export interface RefundUnitRow {
  refund_id: string;
  unit_id: string;
  order_id: string;
  goods: 'restocked' | 'voided' | 'kept' | 'none';
  price: number;
}

export interface GoodsLossRow {
  id: string;
  merchant_id: string;
  order_id: string;
  unit_id: string;
  code_id: string | null;
  refund_id: string;
  currency: string;
  amount: number;
  reason: string;
  created_at: Date;
}

/** A merchant's notification targets and choices (migration 023, notifications/settings.ts). */
export interface NotificationSettingsRow {
  merchant_id: string;
  emails: string[];
  webhook_kind: 'generic' | 'wecom' | 'dingtalk' | 'telegram' | null;
  webhook_url_key_id: string | null;
  /** Sealed (lib/code-vault.ts), bound to `notifications:<merchant id>`: the URL holds the bot's token. */
  webhook_url: Buffer | null;
  webhook_host: string | null;
  telegram_chat_id: string | null;
  /** { <alert kind>: 'immediate' | 'digest' } */
  kinds: unknown;
  digest_every: 'hourly' | 'daily';
  language: 'en' | 'zh';
  updated_at: Date;
}

/** One alert owed to one target (023). */
export interface NotificationRow {
  id: number;
  merchant_id: string;
  alert_id: string;
  /** 'email:<address>' or 'webhook' */
  target: string;
  digest: boolean;
  due_at: Date;
  message_id: number | null;
  created_at: Date;
}

/** One email or webhook post carrying one notification or a digest of several (023). */
export interface NotificationMessageRow {
  id: number;
  merchant_id: string;
  target: string;
  digest: boolean;
  status: 'pending' | 'sent' | 'bounced' | 'gave_up' | 'dropped';
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  /** The same as a code with params (notifications/send-errors.ts, migration 036); null on rows written before. */
  last_error_code: string | null;
  last_error_params: Record<string, string | number> | null;
  created_at: Date;
  finished_at: Date | null;
}

/** A supplier's statement as it came (migration 026, reconciliation/): imported CSV or fetched through its adapter. */
export interface SupplierStatementRow {
  id: string;
  merchant_id: string;
  supplier_id: string;
  /** UTC days, both included (pg returns `date` as a local-midnight Date; TZ=UTC). */
  period_from: Date;
  period_to: Date;
  source: 'import' | 'adapter';
  currency: string;
  received_by: string;
  created_at: Date;
}

export interface SupplierStatementLineRow {
  statement_id: string;
  line_no: number;
  reference: string;
  supplier_order_id: string | null;
  kind: 'charge' | 'refund';
  amount: number;
  at: Date;
}

export interface ReconciliationRunRow {
  id: string;
  merchant_id: string;
  supplier_id: string;
  statement_id: string;
  period_from: Date;
  period_to: Date;
  trigger: 'schedule' | 'on_demand';
  started_by: string;
  purchases: number;
  statement_lines: number;
  differences: number;
  created_at: Date;
}

export type DifferenceKind = 'charged_not_delivered' | 'delivered_not_charged' | 'price_differs' | 'charged_twice' | 'refund_missing';

export interface ReconciliationDifferenceRow {
  id: string;
  merchant_id: string;
  supplier_id: string;
  period_from: Date;
  period_to: Date;
  kind: DifferenceKind;
  reference: string;
  purchase_id: string | null;
  order_id: string | null;
  currency: string;
  ours: number;
  theirs: number;
  evidence: unknown;
  first_run_id: string;
  last_run_id: string;
  status: 'open' | 'resolved';
  resolution_reason: string | null;
  adjustment_key: string | null;
  resolved_by: string | null;
  resolved_at: Date | null;
  created_at: Date;
}

/** A rate the merchant entered (migration 027): one `from_currency` is `rate` `to_currency` on `day`. */
export interface ReportingRateRow {
  id: string;
  merchant_id: string;
  day: string;
  from_currency: string;
  to_currency: string;
  /** numeric: pg answers a decimal string, kept exact. */
  rate: string;
  entered_by: string;
  created_at: Date;
}

/** The rate a report used for one day's amounts, kept so it is never worked out again (migration 027). */
export interface ReportingRateUsedRow {
  merchant_id: string;
  day: string;
  from_currency: string;
  to_currency: string;
  rate: string;
  rate_id: string;
  used_at: Date;
}

export interface GiftTemplateRow {
  id: string;
  merchant_id: string;
  name: string;
  image_url: string;
  active: boolean;
  created_at: Date;
}

export interface GiftRow {
  id: string;
  merchant_id: string;
  order_id: string;
  template_id: string;
  language: string;
  sender_name: string;
  sender_email: string | null;
  message: string;
  recipient_name: string;
  recipient_email: string | null;
  recipient_phone: string | null;
  deliver_at: Date;
  status: 'scheduled' | 'sent' | 'bounced';
  sent_at: Date | null;
  bounce: string | null;
  opened_at: Date | null;
  sender_told_at: Date | null;
  /** Null until its workflow's start is confirmed; the reconciler starts those left null (migration 035). */
  workflow_started_at: Date | null;
  created_at: Date;
}

/** An enterprise bulk order's terms (migration 032); the order itself is an ordinary order. */
export interface BulkOrderRow {
  order_id: string;
  merchant_id: string;
  sku_id: string;
  quantity: number;
  page_size: number;
  partial_allowed: boolean;
  status: 'running' | 'delivered' | 'partially_delivered' | 'failed';
  units_delivered: number;
  reason: string | null;
  created_at: Date;
  finished_at: Date | null;
}

export interface BulkOrderRecipientRow {
  order_id: string;
  seq: number;
  recipient: string;
}

export interface BulkUnitFailureRow {
  unit_id: string;
  order_id: string;
  reason: string;
  created_at: Date;
}

/** The encrypted hand-over file; content and sealed password are erased at the one download. */
export interface BulkOrderFileRow {
  order_id: string;
  content: Buffer | null;
  password_key_id: string | null;
  password_sealed: Buffer | null;
  rows: number;
  created_at: Date;
  downloaded_at: Date | null;
  downloaded_by: string | null;
}

export interface BulkPriceTierRow {
  id: string;
  merchant_id: string;
  storefront_id: string;
  sku_id: string;
  min_quantity: number;
  unit_price: number;
  created_at: Date;
}

export interface DeliveryLinkRow {
  id: string;
  merchant_id: string;
  order_id: string;
  token_hash: string;
  issued_for: 'storefront' | 'lookup' | 'gift';
  gift_id: string | null;
  expires_at: Date;
  created_at: Date;
}

export interface DeliveryLookupCodeRow {
  id: string;
  order_id: string;
  channel: 'email' | 'sms';
  code_hash: string;
  failed_attempts: number;
  expires_at: Date;
  used_at: Date | null;
  created_at: Date;
}

// Registered with knex: every table with a row type above, so that `db('orders')`, its filters,
// inserts and the rows it returns are typed, and `.first()` answers `Row | undefined` (the caller
// says what a missing row means). Every new table gets its row type here: an interface above,
// with the columns as its migrations leave them, and a line below; a migration that adds columns
// to a listed table adds them to its interface. Older tables not listed yet still answer untyped
// rows; their readers name the columns they read: alerts, audit_log, daily_order_totals,
// daily_sku_sales, dujiao_api_keys, dujiao_orders, ledger_accounts, ledger_entries,
// ledger_lines, ledger_period_closes, manual_tasks, order_events,
// risk_list_entries (003 renamed risk_blocklist), risk_models, risk_reviews, risk_rule_sets,
// risk_velocity_events, sku_supplier_routes, supplier_purchases, and the report rollups
// (report_channel_days, report_hours, report_sku_days, report_refund_reasons, report_sold_out: reports/rollup.ts).
export interface RequestRateLimitRow {
  /** rate-limiter-flexible's table for the api's request limits (migration 008). */
  key: string;
  points: number;
  expire: number | null;
}

export interface AlertRow {
  id: string;
  merchant_id: string;
  kind: AlertKind;
  /** The supplier, order, purchase or SKU the alert is about (lib/alert-kinds.ts says which). */
  subject_id: string;
  message: string;
  detail: unknown;
  created_at: Date;
  resolved_at: Date | null;
}

export interface AuditLogRow {
  /** A time-ordered UUID (migration 018). */
  id: string;
  merchant_id: string;
  actor: string;
  action: string;
  target: string | null;
  detail: unknown;
  created_at: Date;
}

export interface DailyOrderTotalsRow {
  merchant_id: string;
  /** The merchant's calendar day (a date column: midnight of that day, the process runs in UTC). */
  day: Date;
  currency: string;
  /** Which of the row's slots this is; readers add them up (orders/rollup-slots.ts). */
  slot: number;
  orders_accepted: number;
  orders_delivered: number;
  orders_failed: number;
  orders_cancelled: number;
  orders_refunded: number;
  revenue: number;
  cost: number;
  revenue_reversed: number;
  cost_reversed: number;
}

export interface DailySkuSalesRow {
  merchant_id: string;
  day: Date;
  currency: string;
  /** Which of the row's slots this is; readers add them up (orders/rollup-slots.ts). */
  slot: number;
  sku_id: string;
  fulfilment_mode: SkuRow['fulfilment_mode'];
  units_ordered: number;
  units_delivered: number;
  revenue: number;
  cost: number;
  units_refunded: number;
  revenue_reversed: number;
}

export interface DujiaoApiKeyRow {
  id: string;
  /** The user number a dujiao-next shop signs with (migration 021). */
  user_no: number;
  merchant_id: string;
  storefront_id: string;
  api_key: string;
  secret_key_id: string;
  secret: Buffer;
  created_at: Date;
  revoked_at: Date | null;
}

export interface DujiaoOrderRow {
  /** The numeric order id a dujiao-next shop knows the order by (bigserial). */
  id: number;
  order_id: string;
  storefront_id: string;
  api_key_id: string;
  downstream_order_no: string | null;
  trace_id: string | null;
  callback_url: string | null;
  callback_status: string | null;
  created_at: Date;
}

export interface SupplierCallFailureRow {
  id: number;
  supplier_id: string;
  /** The adapter operation that failed: quote, purchase, getPurchase, validateAccount, balance, statement, catalogue. */
  operation: string;
  outcome: 'refused' | 'unavailable';
  /** The refusal's code (SupplierRefused.code), or 'unavailable' (migration 033). */
  code: string;
  /** The adapter's own short wording of what failed; never the supplier's body. */
  detail: string | null;
  created_at: Date;
}

export interface DujiaoCallbackFailureRow {
  id: number;
  storefront_id: string;
  dujiao_order_id: number;
  /** 'http_status' (the shop answered, not 2xx) or the outbound failure's kind (timeout, unreachable, …). */
  code: string;
  http_status: number | null;
  created_at: Date;
}

export interface LedgerAccountRow {
  id: string;
  merchant_id: string;
  kind: AccountKind;
  /** The supplier or storefront owning the account; null for the merchant's own accounts. */
  owner_id: string | null;
  currency: string;
  created_at: Date;
}

export interface LedgerEntryRow {
  id: string;
  merchant_id: string;
  /** What the entry is for, once: posting the same key again changes nothing (ledger/post.ts). */
  key: string;
  kind: string;
  posted_on: Date;
  created_at: Date;
  order_id: string | null;
  unit_id: string | null;
  sku_id: string | null;
  supplier_id: string | null;
  storefront_id: string | null;
  memo: unknown | null;
}

export interface LedgerLineRow {
  id: number;
  entry_id: string;
  account_id: string;
  currency: string;
  amount: number;
}

export interface LedgerPeriodCloseRow {
  merchant_id: string;
  /** The first day of the closed month; written as text (YYYY-MM-01), a date column reads back as local midnight. */
  month: Date;
  closed_at: Date;
  closed_by: string;
}

export interface ManualTaskRow {
  id: string;
  merchant_id: string;
  order_id: string;
  status: ManualTaskStatus;
  escalate_at: Date;
  cancel_at: Date;
  done_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface OrderEventRow {
  id: number;
  order_id: string;
  type: OrderEventType;
  detail: unknown;
  created_at: Date;
}

export interface RiskListEntryRow {
  id: string;
  merchant_id: string;
  kind: ListKind;
  value: string;
  reason: string | null;
  created_at: Date;
  list: (typeof LISTS)[number];
  created_by: string | null;
}

export interface RiskModelRow {
  id: number;
  merchant_id: string;
  trained_at: Date;
  history_from: Date;
  history_to: Date;
  order_count: number;
  /** Written only by risk/model/train.ts, from fitModel. */
  params: AnomalyModel;
}

export interface RiskReviewRow {
  order_id: string;
  merchant_id: string;
  status: (typeof REVIEW_STATUSES)[number];
  score: number;
  reasons: unknown;
  opened_at: Date;
  deadline_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  note: string | null;
}

export interface RiskRuleSetRow {
  merchant_id: string;
  version: number;
  /** Written only by risk/rule-sets.ts, after RuleInputSchema and RiskSettingsSchema checked them. */
  rules: Rule[];
  settings: RiskSettings;
  change: string;
  created_by: string;
  created_at: Date;
}

export interface RiskVelocityEventRow {
  merchant_id: string;
  subject: string;
  at: Date;
  amount: number;
  buyer_key: string | null;
  order_id: string;
  seq: number | null;
  payment: string | null;
  card_bin: string | null;
}

export interface SkuSupplierRouteRow {
  id: string;
  sku_id: string;
  supplier_id: string;
  priority: number;
  supplier_product: string;
  max_unit_cost: number;
  active: boolean;
}

export interface SupplierPurchaseRow {
  id: string;
  merchant_id: string;
  order_id: string;
  unit_id: string;
  supplier_id: string;
  route_id: string | null;
  supplier_product: string;
  /** The idempotency reference sent to the supplier: unit id and attempt. */
  reference: string;
  attempt: number;
  max_unit_cost: number;
  unit_cost: number | null;
  supplier_order_id: string | null;
  status: PurchaseStatus;
  failure_code: string | null;
  failure_message: string | null;
  /** Its goods were given back (a bundle's undo voided the code) and the unit was fetched again: no longer the unit's live purchase. */
  given_back_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * A table whose jsonb columns K hold a shape one writer puts there: read back as that shape,
 * written as JSON text (pg would send an array as a Postgres array, not JSON).
 */
type JsonWritten<Row, K extends keyof Row> = Knex.CompositeTableType<Row, Partial<Omit<Row, K> & Record<K, string>>, Partial<Omit<Row, K> & Record<K, string>>>;

/** The reports' rollups (migration 027, reports/rollup.ts): per placement day and storefront, channel, campaign. */
export interface ReportChannelDayRow {
  merchant_id: string;
  day: Date;
  currency: string;
  /** Which of the row's slots this is; readers add them up (orders/rollup-slots.ts). */
  slot: number;
  storefront_id: string;
  channel: string;
  campaign: string;
  orders_accepted: number;
  orders_held: number;
  orders_rejected: number;
  orders_delivered: number;
  orders_failed: number;
  orders_cancelled: number;
  orders_refunded: number;
  units_delivered: number;
  revenue: number;
  cost: number;
  revenue_reversed: number;
  cost_reversed: number;
}

/** Per placement day and hour (027). */
export interface ReportHourRow {
  merchant_id: string;
  day: Date;
  hour: number;
  currency: string;
  /** Which of the row's slots this is; readers add them up (orders/rollup-slots.ts). */
  slot: number;
  orders_accepted: number;
  orders_held: number;
  orders_rejected: number;
  orders_delivered: number;
  orders_failed: number;
  orders_cancelled: number;
  orders_refunded: number;
  units_delivered: number;
  revenue: number;
  cost: number;
  revenue_reversed: number;
  cost_reversed: number;
}

/** Per day, SKU and supplier (027); supplier null for goods not bought. */
export interface ReportSkuDayRow {
  merchant_id: string;
  day: Date;
  currency: string;
  /** Which of the row's slots this is; readers add them up (orders/rollup-slots.ts). */
  slot: number;
  sku_id: string;
  supplier_id: string | null;
  units_delivered: number;
  revenue: number;
  cost: number;
  units_refunded: number;
  revenue_reversed: number;
}

/** Refunds per day and reason (027). */
export interface ReportRefundReasonRow {
  merchant_id: string;
  day: Date;
  currency: string;
  reason: string;
  refunds: number;
  amount: number;
}

/** Sold-out answers (not orders) per day, hour, storefront, channel and campaign (027, reports/sold-out-tally.ts). */
export interface ReportSoldOutRow {
  merchant_id: string;
  day: Date;
  hour: number;
  storefront_id: string;
  channel: string;
  campaign: string;
  answers: number;
  units: number;
}

// Registered with knex: every table the migrations make has a row type above and a line below
// (test/registered-tables.test.ts migrates a database and fails on a table missing here), so
// that `db('orders')`, its filters, inserts and the rows it returns are typed, and `.first()`
// answers `Row | undefined` (the caller says what a missing row means). A new table gets an
// interface above, with the columns as its migrations leave them, a line in the module
// augmentation and its name in REGISTERED_TABLES; a migration that adds columns to a table adds
// them to its interface. knex's own bookkeeping tables are the only ones left out.
declare module 'knex/types/tables' {
  interface Tables {
    merchants: MerchantRow;
    storefronts: StorefrontRow;
    suppliers: SupplierRow;
    skus: SkuRow;
    bundle_components: BundleComponentRow;
    stock_batches: StockBatchRow;
    orders: OrderRow;
    order_items: OrderItemRow;
    order_units: OrderUnitRow;
    codes: CodeRow;
    reservations: ReservationRow;
    users: UserRow;
    admin_tokens: AdminTokenRow;
    sessions: SessionRow;
    sign_in_failures: SignInFailureRow;
    storefront_api_keys: StorefrontApiKeyRow;
    rate_limits: RateLimitRow;
    request_rate_limits: RequestRateLimitRow;
    deliveries: DeliveryRow;
    webhook_outbox: WebhookOutboxRow;
    webhook_attempts: WebhookAttemptRow;
    storefront_idempotency_keys: StorefrontIdempotencyKeyRow;
    settlements: SettlementRow;
    supplier_catalogue_items: SupplierCatalogueItemRow;
    supplier_payments: SupplierPaymentRow;
    refunds: RefundRow;
    refund_units: RefundUnitRow;
    goods_losses: GoodsLossRow;
    notification_settings: NotificationSettingsRow;
    notifications: NotificationRow;
    notification_messages: NotificationMessageRow;
    supplier_statements: SupplierStatementRow;
    supplier_statement_lines: SupplierStatementLineRow;
    reconciliation_runs: ReconciliationRunRow;
    reconciliation_differences: ReconciliationDifferenceRow;
    reporting_rates: ReportingRateRow;
    reporting_rates_used: ReportingRateUsedRow;
    gift_templates: GiftTemplateRow;
    gifts: GiftRow;
    delivery_links: DeliveryLinkRow;
    bulk_orders: BulkOrderRow;
    bulk_order_recipients: BulkOrderRecipientRow;
    bulk_unit_failures: BulkUnitFailureRow;
    bulk_order_files: BulkOrderFileRow;
    bulk_price_tiers: BulkPriceTierRow;
    delivery_lookup_codes: DeliveryLookupCodeRow;
    alerts: AlertRow;
    audit_log: AuditLogRow;
    daily_order_totals: DailyOrderTotalsRow;
    daily_sku_sales: DailySkuSalesRow;
    dujiao_api_keys: DujiaoApiKeyRow;
    dujiao_orders: DujiaoOrderRow;
    dujiao_callback_failures: DujiaoCallbackFailureRow;
    supplier_call_failures: SupplierCallFailureRow;
    ledger_accounts: LedgerAccountRow;
    // posted_on is a date: written as text (YYYY-MM-DD) or by ledger_first_open_day().
    ledger_entries: Knex.CompositeTableType<LedgerEntryRow, Partial<Omit<LedgerEntryRow, 'posted_on'>> & { posted_on: string | Knex.Raw }>;
    ledger_lines: LedgerLineRow;
    ledger_period_closes: Knex.CompositeTableType<LedgerPeriodCloseRow, Partial<Omit<LedgerPeriodCloseRow, 'month'>> & { month: string }>;
    manual_tasks: ManualTaskRow;
    order_events: OrderEventRow;
    risk_list_entries: RiskListEntryRow;
    risk_models: JsonWritten<RiskModelRow, 'params'>;
    risk_reviews: RiskReviewRow;
    risk_rule_sets: JsonWritten<RiskRuleSetRow, 'rules' | 'settings'>;
    risk_velocity_events: RiskVelocityEventRow;
    sku_supplier_routes: SkuSupplierRouteRow;
    supplier_purchases: SupplierPurchaseRow;
    report_channel_days: ReportChannelDayRow;
    report_hours: ReportHourRow;
    report_sku_days: ReportSkuDayRow;
    report_refund_reasons: ReportRefundReasonRow;
    report_sold_out: ReportSoldOutRow;
  }
}

// The registered names as a value, for the test that compares them with the migrated database.
// `satisfies` keeps this list and the augmentation above in step: a name here that is not a
// registered table fails to compile, and the record's keys must be every registered table.
const registered = {
  merchants: true,
  storefronts: true,
  suppliers: true,
  skus: true,
  stock_batches: true,
  orders: true,
  order_items: true,
  order_units: true,
  codes: true,
  reservations: true,
  users: true,
  admin_tokens: true,
  sessions: true,
  sign_in_failures: true,
  storefront_api_keys: true,
  rate_limits: true,
  request_rate_limits: true,
  deliveries: true,
  webhook_outbox: true,
  webhook_attempts: true,
  storefront_idempotency_keys: true,
  settlements: true,
  supplier_catalogue_items: true,
  supplier_payments: true,
  refunds: true,
  refund_units: true,
  goods_losses: true,
  alerts: true,
  audit_log: true,
  daily_order_totals: true,
  daily_sku_sales: true,
  dujiao_api_keys: true,
  dujiao_orders: true,
  dujiao_callback_failures: true,
  supplier_call_failures: true,
  ledger_accounts: true,
  ledger_entries: true,
  ledger_lines: true,
  ledger_period_closes: true,
  manual_tasks: true,
  order_events: true,
  risk_list_entries: true,
  risk_models: true,
  risk_reviews: true,
  risk_rule_sets: true,
  risk_velocity_events: true,
  sku_supplier_routes: true,
  supplier_purchases: true,
  bundle_components: true,
  notification_settings: true,
  notifications: true,
  notification_messages: true,
  supplier_statements: true,
  supplier_statement_lines: true,
  reconciliation_runs: true,
  reconciliation_differences: true,
  reporting_rates: true,
  reporting_rates_used: true,
  gift_templates: true,
  gifts: true,
  delivery_links: true,
  bulk_orders: true,
  bulk_order_recipients: true,
  bulk_unit_failures: true,
  bulk_order_files: true,
  bulk_price_tiers: true,
  delivery_lookup_codes: true,
  report_channel_days: true,
  report_hours: true,
  report_sku_days: true,
  report_refund_reasons: true,
  report_sold_out: true,
} as const satisfies Record<keyof Tables, true>;

export const REGISTERED_TABLES = Object.keys(registered) as (keyof Tables)[];
