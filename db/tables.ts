// Row types of the main tables, as the migrations in db/migrations/ leave them (one interface per
// table, columns in snake_case as Postgres has them). Declaring them to knex types every
// `db('orders')`-style query end to end: its filters, its inserts and the rows it returns. A
// query on an aliased table (`db('orders as o')`) or a join is typed by what it selects, not here.
//
// Column types as the pg driver returns them: bigint as number (db/index.ts parses INT8), numeric
// as string, timestamptz as Date, bytea as Buffer, jsonb as unknown (each reader checks its shape).
import type { OrderStatus } from '../orders/lifecycle';

export interface MerchantRow {
  id: string;
  name: string;
  currency: string;
  risk_max_order_amount: number | null;
  risk_max_order_quantity: number | null;
  created_at: Date;
  /** The merchant's days for the dashboard's rollups (migration 018); UTC when unset. */
  time_zone: string | null;
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
  fulfilment_mode: 'stock' | 'supplier' | 'topup' | 'link' | 'manual';
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
}

export interface OrderItemRow {
  id: string;
  order_id: string;
  sku_id: string;
  quantity: number;
  unit_price: number;
  account: string | null;
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
  created_at: Date;
  finished_at: Date | null;
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
// risk_velocity_events, sku_supplier_routes, supplier_purchases.
declare module 'knex/types/tables' {
  interface Tables {
    merchants: MerchantRow;
    storefronts: StorefrontRow;
    suppliers: SupplierRow;
    skus: SkuRow;
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
  }
}
