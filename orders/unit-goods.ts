import type { Knex } from 'knex';
import { unitCostSql } from './unit-cost';

// A unit's goods, taken and given back, for every fulfilment mode, in one place:
//
//   mode                 taken by                                   given back here
//   stock                holdStockCodes (allocation)                restocked (never delivered) or voided
//   supplier fallback    holdStockCodes, then a purchase            as stock, or as bought
//   supplier, link       suppliers/purchase-results storeBoughtCode  restocked (closing) or voided with a loss (refund)
//   manual               orders/manual-fulfilment                   as bought
//   top-up (any source)  a receipt on the unit                       kept: a top-up cannot be taken back
//
// Callers hold the order's row lock; rows here are locked too, so two give-backs never race.

/** What became of one unit's goods. */
export type GoodsOutcome = 'restocked' | 'voided' | 'kept' | 'none';

export interface GivenBack {
  unitId: string;
  goods: GoodsOutcome;
  codeId: string | null;
  /** What the goods had cost us (orders/unit-cost.ts). */
  cost: number;
}

/** Attaches available stock codes to pending units, pairwise: the forward step of restocking. */
export async function holdStockCodes(trx: Knex.Transaction, pairs: { codeId: string; unitId: string }[]): Promise<void> {
  if (pairs.length === 0) return;
  await trx.raw(
    `UPDATE codes SET status = 'allocated', unit_id = v.unit_id::uuid, allocated_at = now()
       FROM (VALUES ${pairs.map(() => '(?, ?)').join(', ')}) AS v(code_id, unit_id)
      WHERE codes.id = v.code_id::uuid`,
    pairs.flatMap((p) => [p.codeId, p.unitId]),
  );
  await trx('order_units')
    .whereIn(
      'id',
      pairs.map((p) => p.unitId),
    )
    .update({ status: 'allocated' });
}

/**
 * Gives back the goods of an order's units (all of them, or `unitIds`), and says per unit what
 * became of them. Codes the buyer never received go back on sale when they came from stock;
 * bought and hand-entered ones too when `bought` is 'restock' (closing: nothing paid for is
 * lost), or are voided when it is 'void' (a refund: the buyer may have seen them). Delivered
 * codes are always voided: they are spent and must never be sold again. Unit statuses are the
 * caller's to set.
 */
export async function giveBackGoods(trx: Knex.Transaction, orderId: string, opts: { unitIds?: string[]; bought: 'restock' | 'void'; voidReason: string }): Promise<GivenBack[]> {
  const units = await trx('order_units as u')
    .where('u.order_id', orderId)
    .modify((q) => void (opts.unitIds ? q.whereIn('u.id', opts.unitIds) : q))
    .whereIn('u.status', ['allocated', 'delivered', 'pending', 'released'])
    .orderBy('u.id')
    .forUpdate()
    .select<{ id: string; status: string; receipt: unknown; cost: number | string }[]>('u.id', 'u.status', 'u.receipt', trx.raw(`${unitCostSql('u')} AS cost`));
  const codes = units.length
    ? await trx('codes')
        .whereIn(
          'unit_id',
          units.map((u) => u.id),
        )
        .whereNot('status', 'voided')
        .orderBy('id')
        .forUpdate()
        .select('id', 'unit_id', 'sku_id', 'source', 'status')
    : [];
  const codeOf = new Map(codes.map((c) => [c.unit_id, c]));

  const restock: typeof codes = [];
  const voided: string[] = [];
  const result = units.map((u): GivenBack => {
    const code = codeOf.get(u.id);
    const cost = Number(u.cost);
    if (code) {
      const back = u.status !== 'delivered' && (code.source === 'import' || opts.bought === 'restock');
      if (back) restock.push(code);
      else voided.push(code.id);
      return { unitId: u.id, goods: back ? 'restocked' : 'voided', codeId: code.id, cost };
    }
    return { unitId: u.id, goods: u.receipt ? 'kept' : 'none', codeId: null, cost: u.receipt ? cost : 0 };
  });

  if (restock.length) {
    await trx('codes')
      .whereIn(
        'id',
        restock.map((c) => c.id),
      )
      .update({ status: 'available', unit_id: null, allocated_at: null });
    const perSku = new Map<string, number>();
    for (const c of restock) perSku.set(c.sku_id, (perSku.get(c.sku_id) ?? 0) + 1);
    // SKU rows in a fixed order, as acceptance locks them, so the two never deadlock.
    for (const [skuId, n] of [...perSku].sort(([a], [b]) => (a < b ? -1 : 1))) await trx('skus').where({ id: skuId }).increment('stock_available', n);
  }
  if (voided.length) await trx('codes').whereIn('id', voided).update({ status: 'voided', voided_at: trx.fn.now(), void_reason: opts.voidReason });
  return result;
}

/**
 * giveBackGoods for a whole order at once, in set statements, for orders too big to list unit by
 * unit (a bulk order of up to 50,000 units). The same rule as giveBackGoods with bought:
 * 'restock': codes no buyer received go back on sale, whether imported or bought (nothing paid
 * for is lost); their units are released. Returns the codes restocked.
 */
export async function restockOrderCodes(trx: Knex.Transaction, orderId: string): Promise<number> {
  const { rows } = await trx.raw(
    `WITH units AS (SELECT id FROM order_units WHERE order_id = ? AND status = 'allocated' ORDER BY id FOR UPDATE),
          back AS (UPDATE codes SET status = 'available', unit_id = NULL, allocated_at = NULL
                    WHERE unit_id IN (SELECT id FROM units) AND status = 'allocated' RETURNING sku_id),
          released AS (UPDATE order_units SET status = 'released' WHERE id IN (SELECT id FROM units) RETURNING 1)
     SELECT sku_id, count(*)::int AS n, (SELECT count(*) FROM released) AS released FROM back GROUP BY sku_id ORDER BY sku_id`,
    [orderId],
  );
  // SKU rows in a fixed order, as acceptance locks them, so the two never deadlock.
  for (const r of rows as { sku_id: string; n: number }[]) await trx('skus').where({ id: r.sku_id }).increment('stock_available', r.n);
  return (rows as { n: number }[]).reduce((sum, r) => sum + r.n, 0);
}
