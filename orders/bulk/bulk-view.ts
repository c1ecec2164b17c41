import type { Db } from '../../db';
import { orderReason } from '../reasons';
import { bulkProgress } from './fulfil-pages';

// A bulk order as the storefront API and the console show it: terms, money, progress counts and
// whether its file is waiting. Never a code. Why units were not had comes as codes with
// parameters (orders/reasons.ts), the order's and each kind of unit failure's, so the console
// words them in the reader's language.

// Unit failures are told apart by what was said; a supplier's own message may differ from one
// unit to the next, so the answer keeps the most frequent kinds (progress counts every failed unit).
const FAILURE_KINDS = 20;

export async function bulkOrderView(db: Db, merchantId: string, orderId: string, scope: { storefrontId?: string } = {}) {
  const row = await db('bulk_orders as b')
    .join('orders as o', 'o.id', 'b.order_id')
    .join('order_items as i', 'i.order_id', 'o.id')
    .join('skus as s', 's.id', 'b.sku_id')
    .leftJoin('bulk_order_files as f', 'f.order_id', 'b.order_id')
    .where({ 'b.order_id': orderId, 'b.merchant_id': merchantId })
    .modify((q) => void (scope.storefrontId && q.where('o.storefront_id', scope.storefrontId)))
    .first(
      'b.order_id',
      'b.quantity',
      'b.partial_allowed',
      'b.status',
      'b.reason',
      'b.created_at',
      'b.finished_at',
      'o.external_ref',
      'o.storefront_id',
      'o.status as order_status',
      'o.currency',
      'o.total_amount',
      'i.unit_price',
      's.code as sku',
      'f.rows as file_rows',
      'f.created_at as file_written_at',
      'f.downloaded_at',
    );
  if (!row) return undefined;
  const recipients = await db('bulk_order_recipients').where({ order_id: orderId }).count<{ n: string }[]>('* as n');
  // Only the merchant's console sees what each supplier said; the bulk customer sees the order's reason.
  const failures = scope.storefrontId
    ? undefined
    : await db('bulk_unit_failures')
        .where({ order_id: orderId })
        .groupBy('reason')
        .orderByRaw('count(*) DESC, reason')
        .limit(FAILURE_KINDS)
        .select<{ reason: string; units: number }[]>('reason', db.raw('count(*)::int AS units'));
  return {
    id: row.order_id,
    externalRef: row.external_ref,
    storefrontId: row.storefront_id,
    sku: row.sku,
    quantity: row.quantity,
    recipients: Number(recipients[0].n),
    partialAllowed: row.partial_allowed,
    status: row.status,
    orderStatus: row.order_status,
    reason: row.reason,
    reasonCode: orderReason(row.reason, null),
    /** The console's: the most frequent reasons units were not had, each with how many units it took. */
    ...(failures ? { unitFailures: failures.map((f) => ({ reason: f.reason, reasonCode: orderReason(f.reason, null), units: f.units })) } : {}),
    currency: row.currency.trim(),
    unitPrice: Number(row.unit_price),
    totalAmount: Number(row.total_amount),
    progress: await bulkProgress(db, orderId),
    file: {
      ready: row.file_rows != null,
      rows: row.file_rows ?? null,
      writtenAt: row.file_written_at ? new Date(row.file_written_at).toISOString() : null,
      downloadedAt: row.downloaded_at ? new Date(row.downloaded_at).toISOString() : null,
    },
    createdAt: new Date(row.created_at).toISOString(),
    finishedAt: row.finished_at ? new Date(row.finished_at).toISOString() : null,
  };
}
