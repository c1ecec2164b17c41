import type { Knex } from 'knex';

// The order timeline: append-only (a trigger refuses changes). Details never hold a code.
export type OrderEventType =
  | 'accepted'
  | 'risk_checked'
  | 'risk_reviewed'
  | 'codes_allocated'
  | 'delivered'
  | 'settled'
  | 'webhook_delivered'
  | 'webhook_failed'
  | 'cancelled'
  | 'failed'
  | 'stock_short_using_supplier'
  | 'supplier_processing'
  | 'supplier_purchased'
  | 'supplier_purchase_failed'
  | 'awaiting_manual_fulfilment'
  | 'manual_fulfilment_escalated'
  | 'manual_fulfilled'
  // a step stopped for a person, and what they chose
  | 'needs_attention'
  | 'attention_resolved'
  | 'handed_to_manual'
  // a failing bundle's parts given back (orders/bundle-undo.ts)
  | 'bundle_undone'
  // from the console
  | 'retried'
  | 'refunded'
  | 'webhook_resent'
  // buyer delivery (orders/buyer-delivery.ts, delivery-lookup.ts, gifts.ts)
  | 'delivery_link_issued'
  | 'code_revealed'
  | 'lookup_code_sent'
  | 'gift_scheduled'
  | 'gift_sent'
  | 'gift_bounced'
  | 'gift_opened'
  // enterprise bulk orders (orders/bulk-orders.ts)
  | 'bulk_finished'
  | 'bulk_file_written'
  | 'bulk_file_downloaded';

export async function appendEvent(db: Knex | Knex.Transaction, orderId: string, type: OrderEventType, detail: Record<string, unknown> = {}): Promise<void> {
  await db('order_events').insert({ order_id: orderId, type, detail: JSON.stringify(detail) });
}

/**
 * An event's detail as appendEvent wrote it: an object (jsonb comes back typed unknown, so the
 * readers that spread it into a timeline take it through here; anything else reads as empty).
 */
export function eventDetail(detail: unknown): Record<string, unknown> {
  return typeof detail === 'object' && detail !== null && !Array.isArray(detail) ? Object.fromEntries(Object.entries(detail)) : {};
}
