import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { conflict } from '../lib/errors';

// Stock is reserved here. skus.stock_available counts units that can still be promised
// (available codes minus held reservations); a CHECK keeps it >= 0, so two orders can never
// both take the last code, whatever the concurrency. The row lock is held only until the
// accepting transaction commits.

export async function reserveStock(trx: Knex.Transaction, sku: { id: string; code: string }, quantity: number): Promise<void> {
  const taken = await trx('skus').where({ id: sku.id }).andWhere('stock_available', '>=', quantity).decrement('stock_available', quantity);
  if (taken === 0) {
    const row = await trx('skus').where({ id: sku.id }).first('stock_available');
    throw soldOut(sku, quantity, row?.stock_available ?? 0);
  }
}

export function soldOut(sku: { code: string }, requested: number, available: number) {
  return conflict('sold_out', `SKU ${sku.code} is sold out`, { sku: sku.code, requested, available });
}

/**
 * The statement that takes `:quantity` units of SKU `:skuId`'s stock and returns `take`, the
 * units taken (no row: none could be). For a data-modifying WITH, so a caller can reserve and
 * write in the same statement. 'all': every unit or none; 'up_to': as many as there are.
 * `after` names a CTE of the same statement that must run before the SKU row is locked.
 */
export function takeStockSql(mode: 'all' | 'up_to', after?: string): string {
  // `after` is a CTE with a column n. Reading n (EXISTS would not: Postgres drops an EXISTS
  // subquery's columns unread) makes its writes run before the SKU row is taken and locked.
  const first = after ? ` AND (SELECT n FROM ${after}) IS NOT NULL` : '';
  // FOR NO KEY UPDATE, like the UPDATE itself: the order's rows, inserted just before in the
  // same transaction, hold KEY SHARE on the SKU row (their foreign keys), and FOR UPDATE would
  // wait for every other buyer's KEY SHARE while they wait for ours: a deadlock.
  return mode === 'all'
    ? `UPDATE skus SET stock_available = stock_available - :quantity
        WHERE id = :skuId AND stock_available >= :quantity${first} RETURNING :quantity::int AS take`
    : `UPDATE skus s SET stock_available = s.stock_available - t.take
         FROM (SELECT id, LEAST(stock_available, :quantity) AS take FROM skus WHERE id = :skuId${first} FOR NO KEY UPDATE) t
        WHERE s.id = t.id RETURNING t.take`;
}

/**
 * Takes stock for one order line and records its reservation, in one statement, so the hot SKU
 * row stays locked only until the commit right after it: in a flash sale every buyer queues on
 * that row. 'all': every unit or sold out. 'up_to': as many as there are (supplier fallback
 * buys the rest). Returns the units taken.
 */
export async function reserveLine(
  trx: Knex.Transaction,
  sku: { id: string; code: string },
  line: { orderId: string; orderItemId: string; quantity: number },
  mode: 'all' | 'up_to',
): Promise<number> {
  const { rows } = await trx.raw(
    `WITH taken AS (${takeStockSql(mode)}),
          held AS (INSERT INTO reservations (id, order_id, order_item_id, sku_id, quantity, status)
                   SELECT :id, :orderId, :orderItemId, :skuId, take, 'held' FROM taken WHERE take > 0)
     SELECT take FROM taken`,
    { id: crypto.randomUUID(), orderId: line.orderId, orderItemId: line.orderItemId, skuId: sku.id, quantity: line.quantity },
  );
  if (rows.length === 0) {
    const row = await trx('skus').where({ id: sku.id }).first('stock_available');
    throw soldOut(sku, line.quantity, row?.stock_available ?? 0);
  }
  return Number(rows[0].take);
}

/**
 * Gives back whatever an order still holds (idempotent: a second call finds nothing held).
 * Returns the number of units released.
 */
export async function releaseReservations(trx: Knex.Transaction, orderId: string): Promise<number> {
  const held = await trx('reservations').where({ order_id: orderId, status: 'held' }).forUpdate().select('id', 'sku_id', 'quantity');
  // Lock SKU rows in a fixed order, as acceptance does, so the two never deadlock.
  held.sort((a, b) => (a.sku_id < b.sku_id ? -1 : 1));
  let released = 0;
  for (const r of held) {
    await trx('skus').where({ id: r.sku_id }).increment('stock_available', r.quantity);
    await trx('reservations').where({ id: r.id }).update({ status: 'released', updated_at: trx.fn.now() });
    released += r.quantity;
  }
  await trx('order_units').where({ order_id: orderId, status: 'pending' }).update({ status: 'released' });
  return released;
}
