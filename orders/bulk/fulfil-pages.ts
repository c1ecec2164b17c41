import type { Db } from '../../db';
import { InvariantBroken } from '../../lib/errors';
import { checkPurchase, NoSupplierAvailableNow, PurchaseOutcomeUnknown, purchaseUnit, type PurchaseDeps } from '../../suppliers/purchase-unit';
import type { SupplierOutcome } from '../../suppliers/outcome-codes';
import { closeOrderIn } from '../close-order';
import { releaseReservations } from '../../stock/reservations';
import { returnBalance } from '../../storefronts/prepaid-balance';
import { appendEvent } from '../events';
import { codedReason } from '../reasons';
import { restockOrderCodes } from '../unit-goods';

// The steps of a bulk order's workflow (workflows/bulk-order.ts). Pages are ranges of the
// order's unit sequence; every step is idempotent, so a page run twice (a retry, a replayed
// child) changes nothing the first run did. Only counts go back to the workflow, never a code.

export interface BulkPlan {
  pages: number;
  source: 'stock' | 'supplier';
  partialAllowed: boolean;
}

export interface PageResult {
  done: number;
  failed: number;
  inDoubt: number;
}

/** The workflow has started: the order is processing, and here is how it is paged. */
export async function beginBulkOrder(db: Db, orderId: string): Promise<BulkPlan> {
  const bulk = await db('bulk_orders').where({ order_id: orderId }).first();
  if (!bulk) throw new InvariantBroken('order_missing', { orderId });
  const updated = await db('orders').where({ id: orderId, status: 'accepted' }).update({ status: 'processing', updated_at: db.fn.now() });
  if (updated)
    await appendEvent(db, orderId, 'risk_checked', {
      decision: 'allow',
      reasons: ['bulk order: no per-order risk check'],
      explained: [{ code: 'bulk_order_unchecked', params: {} }],
    });
  const unit = await db('order_units').where({ order_id: orderId }).first('source');
  return { pages: Math.ceil(bulk.quantity / bulk.page_size), source: unit!.source as BulkPlan['source'], partialAllowed: bulk.partial_allowed };
}

function pageRange(pageSize: number, page: number) {
  return { from: (page - 1) * pageSize + 1, to: page * pageSize };
}

/**
 * Gives each pending stock unit of the page one available code, in one statement. Codes are
 * locked SKIP LOCKED (pages of one order, and other orders, take different codes) and
 * codes.unit_id is UNIQUE, so no code reaches two units. The order's reservation shrinks by what
 * was taken, in the same statement: stock is counted once. A unit left without a code (its
 * reserved code expired or was voided since) is recorded as failed.
 */
export async function allocateBulkPage(db: Db, orderId: string, page: number): Promise<PageResult> {
  return db.transaction(async (trx) => {
    const bulk = await trx('bulk_orders').where({ order_id: orderId }).first('page_size', 'sku_id');
    if (!bulk) throw new InvariantBroken('order_missing', { orderId });
    const { from, to } = pageRange(bulk.page_size, page);
    await trx.raw(
      `WITH pending AS (SELECT id FROM order_units WHERE order_id = :orderId AND seq BETWEEN :from AND :to AND status = 'pending' AND source = 'stock' FOR UPDATE),
            picked AS (SELECT id FROM codes WHERE sku_id = :skuId AND status = 'available' AND (expires_at IS NULL OR expires_at > now())
                        ORDER BY expires_at ASC NULLS LAST, id ASC LIMIT (SELECT count(*) FROM pending) FOR UPDATE SKIP LOCKED),
            pairs AS (SELECT c.id AS code_id, u.id AS unit_id
                        FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM picked) c
                        JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM pending) u USING (n)),
            coded AS (UPDATE codes SET status = 'allocated', unit_id = pairs.unit_id, allocated_at = now() FROM pairs WHERE codes.id = pairs.code_id RETURNING codes.unit_id),
            units AS (UPDATE order_units SET status = 'allocated' WHERE id IN (SELECT unit_id FROM coded) RETURNING 1),
            held AS (UPDATE reservations SET quantity = quantity - (SELECT count(*) FROM coded),
                            status = CASE WHEN quantity = (SELECT count(*) FROM coded) THEN 'consumed' ELSE status END, updated_at = now()
                      WHERE order_id = :orderId AND status = 'held' AND EXISTS (SELECT 1 FROM coded) RETURNING 1),
            short AS (INSERT INTO bulk_unit_failures (unit_id, order_id, reason)
                      SELECT id, :orderId, 'no_code_left' FROM pending WHERE id NOT IN (SELECT unit_id FROM pairs)
                      ON CONFLICT (unit_id) DO NOTHING RETURNING 1)
       SELECT (SELECT count(*) FROM units)::int AS allocated, (SELECT count(*) FROM held)::int AS held, (SELECT count(*) FROM short)::int AS short`,
      { orderId, from, to, skuId: bulk.sku_id },
    );
    return pageCounts(trx, orderId, from, to);
  });
}

/**
 * Buys the page's pending supplier units through the one purchase path (suppliers/purchase-unit.ts):
 * the unit id is the supplier's idempotency key, and an attempt whose answer was lost is asked
 * about before anything else is bought, so running this again never buys a unit twice. Units
 * whose purchase is processing or unknown are counted in doubt; the workflow runs the page again later.
 */
export async function buyBulkPage(deps: PurchaseDeps, orderId: string, page: number, heartbeat: () => void = () => {}): Promise<PageResult> {
  const { db } = deps;
  const bulk = await db('bulk_orders').where({ order_id: orderId }).first('page_size');
  if (!bulk) throw new InvariantBroken('order_missing', { orderId });
  const { from, to } = pageRange(bulk.page_size, page);
  const units = await db('order_units as u')
    .where({ 'u.order_id': orderId, 'u.status': 'pending', 'u.source': 'supplier' })
    .whereBetween('u.seq', [from, to])
    .whereNotExists(db('bulk_unit_failures as f').whereRaw('f.unit_id = u.id'))
    .orderBy('u.seq')
    .pluck('u.id');
  const queue = [...units];
  const buyer = async () => {
    for (let unitId = queue.shift(); unitId; unitId = queue.shift()) {
      heartbeat();
      try {
        const outcome = await purchaseUnit(deps, unitId);
        if (outcome.status === 'processing') await checkPurchase(deps, outcome.purchaseId);
        else if (outcome.status === 'failed') {
          await db('bulk_unit_failures')
            .insert({ unit_id: unitId, order_id: orderId, reason: unitFailure(outcome) })
            .onConflict('unit_id')
            .ignore();
        }
      } catch (err) {
        // In doubt: asked about on the next run of the page, never bought again blind.
        if (!(err instanceof PurchaseOutcomeUnknown || err instanceof NoSupplierAvailableNow)) throw err;
      }
    }
  };
  // A few at a time: a bulk order must not take the whole supplier (PURCHASE_CONCURRENCY in workflows/purchasing.ts is per order too).
  await Promise.all(Array.from({ length: 8 }, buyer));
  return pageCounts(db, orderId, from, to);
}

/**
 * Why a unit could not be bought, as an order's reason is kept (orders/reasons.ts): the console
 * words it from its code and what each supplier said. A result without either (recorded before
 * they were kept) is read as a supplier failure in its English, as the order workflow reads it.
 */
function unitFailure(outcome: { reason: string; coded?: string; outcomes?: SupplierOutcome[] }): string {
  if (outcome.coded) return outcome.coded;
  return outcome.outcomes ? codedReason('supplier_failed', {}, outcome.outcomes) : `supplier_failed: ${outcome.reason.slice(0, 500)}`;
}

async function pageCounts(db: Db, orderId: string, from: number, to: number): Promise<PageResult> {
  const { rows } = await db.raw(
    `SELECT count(*) FILTER (WHERE u.status IN ('allocated', 'delivered'))::int AS done,
            count(*) FILTER (WHERE u.status = 'pending' AND f.unit_id IS NOT NULL)::int AS failed,
            count(*) FILTER (WHERE u.status = 'pending' AND f.unit_id IS NULL)::int AS in_doubt
       FROM order_units u LEFT JOIN bulk_unit_failures f ON f.unit_id = u.id
      WHERE u.order_id = ? AND u.seq BETWEEN ? AND ?`,
    [orderId, from, to],
  );
  return { done: rows[0].done, failed: rows[0].failed, inDoubt: rows[0].in_doubt };
}

export type BulkOutcome = { status: 'delivered' | 'partially_delivered' | 'failed'; delivered: number; failed: number };

/**
 * Every page has run: deliver what was had, or give it back. All units had: delivered. Some, and
 * the order allows a partial delivery: those are delivered and charged for (the order's total is
 * cut to them), the rest released. Otherwise the order fails and takes nothing: codes from stock
 * and bought codes alike go back to stock (nothing paid for is lost), reservations are released.
 * Idempotent: a finished order answers what it became.
 */
export async function finishBulkOrder(db: Db, orderId: string): Promise<BulkOutcome> {
  return db.transaction(async (trx) => {
    const order = await trx('orders').where({ id: orderId }).forUpdate().first('status');
    const bulk = await trx('bulk_orders').where({ order_id: orderId }).first();
    if (!order || !bulk) throw new InvariantBroken('order_missing', { orderId });
    if (bulk.status !== 'running') return { status: bulk.status, delivered: bulk.units_delivered, failed: bulk.quantity - bulk.units_delivered };
    if (order.status !== 'processing') throw new InvariantBroken('order_not_deliverable', { status: order.status });
    const [{ had }] = await trx('order_units').where({ order_id: orderId, status: 'allocated' }).count<{ had: string }[]>('* as had');
    const delivered = Number(had);
    const failed = bulk.quantity - delivered;
    let status: BulkOutcome['status'];
    // The order's reason when it fails, and the bulk order's whenever units were not had.
    const reason = failed ? codedReason('bulk_units_failed', { failed, units: bulk.quantity }) : null;
    if (failed === 0 || (bulk.partial_allowed && delivered > 0)) {
      status = failed === 0 ? 'delivered' : 'partially_delivered';
      await trx.raw(
        `INSERT INTO deliveries (id, order_id, unit_id, code_id)
         SELECT gen_random_uuid(), u.order_id, u.id, c.id FROM order_units u JOIN codes c ON c.unit_id = u.id
          WHERE u.order_id = ? AND u.status = 'allocated' ON CONFLICT (unit_id) DO NOTHING`,
        [orderId],
      );
      await trx('order_units').where({ order_id: orderId, status: 'allocated' }).update({ status: 'delivered' });
      if (failed > 0) {
        // The units not had: their stock back and their reservation released (the one rule).
        await releaseReservations(trx, orderId);
        // The customer pays for what it got: a prepaid balance gets back what the rest drew (a
        // credit limit frees itself, it counts what open orders cost).
        const cut = await trx.raw(
          `UPDATE orders SET total_amount = i.unit_price * ? FROM order_items i WHERE i.order_id = orders.id AND orders.id = ? RETURNING orders.merchant_id, orders.storefront_id, i.unit_price`,
          [delivered, orderId],
        );
        const { merchant_id, storefront_id, unit_price } = cut.rows[0] as { merchant_id: string; storefront_id: string; unit_price: number };
        await returnBalance(trx, { id: orderId, merchant_id, storefront_id }, { key: `bulk-partial:${orderId}`, kind: 'order_closed', amount: Number(unit_price) * failed });
      }
      await trx('orders').where({ id: orderId }).update({ status: 'delivered', delivered_at: trx.fn.now(), updated_at: trx.fn.now() });
    } else {
      status = 'failed';
      const restocked = await restockOrderCodes(trx, orderId);
      await closeOrderIn(trx, orderId, 'failed', reason!);
      await appendEvent(trx, orderId, 'bulk_finished', { status, codesReturnedToStock: restocked });
    }
    await trx('bulk_orders')
      .where({ order_id: orderId })
      .update({ status, units_delivered: status === 'failed' ? 0 : delivered, finished_at: trx.fn.now(), reason });
    if (status !== 'failed') await appendEvent(trx, orderId, 'bulk_finished', { status, delivered, failed });
    return { status, delivered: status === 'failed' ? 0 : delivered, failed };
  });
}

/** Where a bulk order stands, for the API and the console: counts only. */
export async function bulkProgress(db: Db, orderId: string) {
  const { rows } = await db.raw(
    `SELECT count(*) FILTER (WHERE u.status IN ('allocated', 'delivered'))::int AS done,
            count(*) FILTER (WHERE f.unit_id IS NOT NULL OR u.status = 'released')::int AS failed,
            count(*) FILTER (WHERE u.status = 'pending' AND f.unit_id IS NULL AND EXISTS (
              SELECT 1 FROM supplier_purchases p WHERE p.unit_id = u.id AND p.status IN ('pending', 'processing')))::int AS in_doubt
       FROM order_units u LEFT JOIN bulk_unit_failures f ON f.unit_id = u.id
      WHERE u.order_id = ?`,
    [orderId],
  );
  return { done: rows[0].done as number, inDoubt: rows[0].in_doubt as number, failed: rows[0].failed as number };
}
