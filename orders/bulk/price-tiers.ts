import crypto from 'node:crypto';
import type { Db } from '../../db';
import { invalidInput } from '../../lib/errors';
import { recordAudit } from '../../lib/audit';
import type { PriceTiers } from './validators';

// Wholesale price tiers (阶梯价): a bulk customer (a storefront) pays, per unit, the price of the
// highest quantity break its order reaches; below the first break, the SKU's own price.
// The price guard: no tier may sell below what a unit can cost us (the SKU's cost, or the most
// a supplier route may charge for it), so a bulk discount never becomes a loss.

/** The unit price of `quantity` units of the SKU for this storefront. */
export async function bulkUnitPrice(db: Db, storefrontId: string, sku: { id: string; price: number | string }, quantity: number): Promise<number> {
  const tier = await db('bulk_price_tiers')
    .where({ storefront_id: storefrontId, sku_id: sku.id })
    .andWhere('min_quantity', '<=', quantity)
    .orderBy('min_quantity', 'desc')
    .first('unit_price');
  return Number(tier?.unit_price ?? sku.price);
}

/** The least a unit may be sold for: its cost, or the most a route may pay for it. */
async function floorPrice(db: Db, sku: { id: string; cost: number | string }): Promise<number> {
  const [{ max }] = await db('sku_supplier_routes').where({ sku_id: sku.id, active: true }).max<{ max: string | null }[]>('max_unit_cost as max');
  return Math.max(Number(sku.cost), Number(max ?? 0));
}

/** Replaces a storefront's tiers for one SKU (audited); refuses any tier below the price guard. */
export async function setPriceTiers(db: Db, merchantId: string, actor: string, request: PriceTiers) {
  const sku = await db('skus').where({ merchant_id: merchantId, code: request.sku }).first('id', 'code', 'cost');
  if (!sku) throw invalidInput('unknown_sku', `Unknown SKU: ${request.sku}`, { skus: [request.sku] });
  const storefront = await db('storefronts').where({ id: request.storefrontId, merchant_id: merchantId }).first('id');
  if (!storefront) throw invalidInput('unknown_storefront', 'Unknown storefront', { storefrontId: request.storefrontId });
  const floor = await floorPrice(db, sku);
  const low = request.tiers.find((t) => t.unitPrice < floor);
  if (low) throw invalidInput('price_below_cost', `A tier of ${low.unitPrice} is below the unit cost of ${floor}`, { sku: sku.code, unitPrice: low.unitPrice, cost: floor });
  await db.transaction(async (trx) => {
    await trx('bulk_price_tiers').where({ storefront_id: storefront.id, sku_id: sku.id }).delete();
    if (request.tiers.length) {
      await trx('bulk_price_tiers').insert(
        request.tiers.map((t) => ({
          id: crypto.randomUUID(),
          merchant_id: merchantId,
          storefront_id: storefront.id,
          sku_id: sku.id,
          min_quantity: t.minQuantity,
          unit_price: t.unitPrice,
        })),
      );
    }
    await recordAudit(trx, { merchantId, actor, action: 'bulk_order.price_tiers_set', target: `sku:${sku.code}`, detail: { storefrontId: storefront.id, tiers: request.tiers } });
  });
  return listPriceTiers(db, merchantId, { storefrontId: storefront.id, skuId: sku.id });
}

export async function listPriceTiers(db: Db, merchantId: string, filter: { storefrontId?: string; skuId?: string } = {}) {
  const rows = await db('bulk_price_tiers as t')
    .join('skus as s', 's.id', 't.sku_id')
    .where('t.merchant_id', merchantId)
    .modify((q) => {
      if (filter.storefrontId) q.where('t.storefront_id', filter.storefrontId);
      if (filter.skuId) q.where('t.sku_id', filter.skuId);
    })
    .orderBy(['t.storefront_id', 's.code', 't.min_quantity'])
    .select('t.storefront_id', 's.code', 't.min_quantity', 't.unit_price');
  return rows.map((r: { storefront_id: string; code: string; min_quantity: number; unit_price: string }) => ({
    storefrontId: r.storefront_id,
    sku: r.code,
    minQuantity: r.min_quantity,
    unitPrice: Number(r.unit_price),
  }));
}
