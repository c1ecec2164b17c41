// Every kind of alert Cardflow raises, listed once, with what each is about (its subject id
// names a supplier, an order, a supplier purchase or a product). The API's filter, the alert
// subjects and the console's list and wording all read this.

export const ALERT_SUBJECTS = {
  supplier_low_balance: 'supplier',
  supplier_circuit_open: 'supplier',
  // raised and resolved by the database as a manual task opens and closes (db/migrations/023_notifications.ts)
  manual_fulfilment_waiting: 'order',
  manual_fulfilment_overdue: 'order',
  supplier_purchase_slow: 'purchase',
  supplier_price_above_max: 'purchase',
  order_needs_attention: 'order',
  // raised and resolved by the database as stock crosses zero (db/migrations/017_out_of_stock_alert.ts)
  sku_out_of_stock: 'sku',
  // likewise as stock crosses the product's low-stock threshold (023)
  sku_low_stock: 'sku',
  supplier_catalogue_drift: 'supplier',
  // a reconciliation run found differences between the supplier's statement and the books (reconciliation/run.ts)
  supplier_statement_differences: 'supplier',
} as const satisfies Record<string, 'supplier' | 'order' | 'purchase' | 'sku'>;

export type AlertKind = keyof typeof ALERT_SUBJECTS;
export type AlertSubject = (typeof ALERT_SUBJECTS)[AlertKind];

export const ALERT_KINDS = Object.keys(ALERT_SUBJECTS) as [AlertKind, ...AlertKind[]];

export const alertKindsAbout = (subject: AlertSubject): Set<string> => new Set(ALERT_KINDS.filter((k) => ALERT_SUBJECTS[k] === subject));
