import crypto from 'node:crypto';
import type { Db } from '../../db';
import type { SkuRow } from '../../db/tables';
import { conflict, invalidInput } from '../../lib/errors';
import { reserveLine } from '../../stock/reservations';
import { rollUpAccepted } from '../daily-rollup';
import { appendEvent } from '../events';
import { hashRequest } from '../idempotency';
import { findPrevious, isUniqueViolation, payAtAcceptance, type StorefrontIdentity } from '../accept-order';
import { bulkUnitPrice } from './price-tiers';
import type { BulkOrderRequest } from './validators';

// A bulk order is accepted here, in one transaction: the order, its one line, one unit row per
// unit (made by Postgres, not sent over the wire), its recipients, and, for a stock SKU, every
// unit's stock reserved in the one guarded statement ordinary orders use. Sold out or bad input
// writes nothing. Only then is its workflow started (workflows/bulk-order.ts).
//
// A bulk order is an ordinary order underneath, so codes, purchases, delivery, settlement and
// refunds keep their one owner; it is paged only in how it is fulfilled.

/** Units per child workflow: each page's history stays a few dozen events. */
export const BULK_PAGE_SIZE = { stock: 1000, supplier: 500 } as const;

export async function acceptBulkOrder(
  db: Db,
  storefront: StorefrontIdentity,
  request: BulkOrderRequest,
  startFulfilment: (orderId: string) => void | Promise<void>,
): Promise<{ orderId: string; created: boolean }> {
  const requestHash = hashRequest(request);
  const previous = await findPrevious(db, storefront, request.externalRef, requestHash);
  if (previous) {
    if (previous.status === 'accepted') await startFulfilment(previous.id);
    return { orderId: previous.id, created: false };
  }
  const sku = await db('skus').where({ merchant_id: storefront.merchantId, code: request.sku }).first();
  if (!sku) throw invalidInput('unknown_sku', `Unknown SKU: ${request.sku}`, { skus: [request.sku] });
  if (!sku.active) throw invalidInput('sku_unavailable', `SKU ${sku.code} is not on sale`, { sku: sku.code });
  const source = sourceOf(sku);
  const quantity = request.recipients?.length ?? request.quantity!;
  if (source === 'supplier') {
    const route = await db('sku_supplier_routes as r')
      .join('suppliers as p', 'p.id', 'r.supplier_id')
      .where({ 'r.sku_id': sku.id, 'r.active': true, 'p.active': true })
      .first('r.id');
    if (!route) throw conflict('sold_out', `SKU ${sku.code} has no supplier to buy from right now`, { sku: sku.code, requested: quantity, available: 0 });
  } else if (sku.stock_available < quantity) {
    // Answered from one read, like a flash sale's late buyers; the statement below decides for real.
    throw conflict('sold_out', `SKU ${sku.code} is sold out`, { sku: sku.code, requested: quantity, available: sku.stock_available });
  }
  const unitPrice = await bulkUnitPrice(db, storefront.id, sku, quantity);

  const orderId = crypto.randomUUID();
  const itemId = crypto.randomUUID();
  try {
    await db.transaction(async (trx) => {
      // Paid for as any order is, first.
      await payAtAcceptance(trx, storefront, { id: orderId, amount: unitPrice * quantity, currency: sku.currency });
      await trx('orders').insert({
        id: orderId,
        merchant_id: storefront.merchantId,
        storefront_id: storefront.id,
        external_ref: request.externalRef,
        request_hash: requestHash,
        status: 'accepted',
        currency: sku.currency,
        total_amount: unitPrice * quantity,
        buyer: JSON.stringify({}),
      });
      await trx('order_items').insert({ id: itemId, order_id: orderId, sku_id: sku.id, quantity, unit_price: unitPrice });
      await trx.raw(
        `INSERT INTO order_units (id, order_id, order_item_id, sku_id, seq, status, source)
         SELECT gen_random_uuid(), :orderId, :itemId, :skuId, seq, 'pending', :source FROM generate_series(1, :quantity::int) AS seq`,
        { orderId, itemId, skuId: sku.id, source, quantity },
      );
      await trx('bulk_orders').insert({
        order_id: orderId,
        merchant_id: storefront.merchantId,
        sku_id: sku.id,
        quantity,
        page_size: BULK_PAGE_SIZE[source],
        partial_allowed: request.partialAllowed,
      });
      if (request.recipients) {
        await trx.raw(
          `INSERT INTO bulk_order_recipients (order_id, seq, recipient)
           SELECT :orderId, r.seq, r.recipient FROM unnest(:recipients::text[]) WITH ORDINALITY AS r(recipient, seq)`,
          { orderId, recipients: request.recipients },
        );
      }
      await appendEvent(trx, orderId, 'accepted', { items: [{ sku: sku.code, quantity }], totalAmount: unitPrice * quantity, bulk: true });
      // Counted before the stock is reserved, as every acceptance is (orders/daily-rollup.ts).
      await rollUpAccepted(trx, orderId);
      // Stock last, so the SKU row stays locked only for the reservation and the commit.
      if (source === 'stock') await reserveLine(trx, sku, { orderId, orderItemId: itemId, quantity }, 'all');
    });
  } catch (err) {
    // Two submissions of one externalRef raced; the loser answers like a resubmission.
    if (isUniqueViolation(err, 'orders_storefront_id_external_ref_unique')) {
      const winner = await findPrevious(db, storefront, request.externalRef, requestHash);
      if (winner) return { orderId: winner.id, created: false };
    }
    throw err;
  }
  await startFulfilment(orderId);
  return { orderId, created: true };
}

/** Bulk orders are of codes: from stock (all of it reserved at once) or bought from suppliers. */
function sourceOf(sku: SkuRow): 'stock' | 'supplier' {
  if (sku.fulfilment_mode === 'stock' && !sku.supplier_fallback) return 'stock';
  if (sku.fulfilment_mode === 'supplier') return 'supplier';
  throw invalidInput('bulk_mode_unsupported', `SKU ${sku.code} is fulfilled by ${sku.fulfilment_mode}; bulk orders take stock or supplier SKUs`, {
    sku: sku.code,
    mode: sku.fulfilment_mode,
  });
}
