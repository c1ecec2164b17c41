import type { Db } from '../db';
import { raiseAlert, resolveAlert } from '../lib/alerts';
import type { Logger } from '../lib/logger';
import { SupplierRefused, SupplierUnavailable } from './adapter';
import type { SupplierRegistry } from './registry';

// A supplier's catalogue, imported and kept in step: what it sells (for mapping its products to
// our SKUs) and whether its prices and stock still fit the routes that use them. Drift (a price
// above a route's maximum, a routed product gone, inactive or sold out) raises one alert per
// supplier, resolved by the first sync that finds none. Only suppliers whose adapter lists a
// catalogue (dujiao-next) are synced.

/** The adapters whose protocol lists what the supplier sells (SupplierAdapter.catalogue); the others are priced by a quote on each purchase. */
export const LISTING_ADAPTERS = ['dujiao-next'];

export interface Drift {
  product: string;
  sku: string;
  problem: 'gone' | 'inactive' | 'out_of_stock' | 'above_max';
  unitPrice?: number;
  maxUnitCost?: number;
}

export async function syncSupplierCatalogue(db: Db, registry: SupplierRegistry, supplierId: string): Promise<{ items: number; drift: Drift[] }> {
  const { supplier, adapter } = await registry.adapterFor(supplierId);
  if (!adapter.catalogue) return { items: 0, drift: [] };
  let items;
  try {
    items = await adapter.catalogue();
  } catch (err) {
    if (!(err instanceof SupplierRefused || err instanceof SupplierUnavailable)) throw err;
    await db('suppliers')
      .where({ id: supplierId })
      .update({ catalogue_sync_error: err.message.slice(0, 300) });
    return { items: 0, drift: [] };
  }
  const now = new Date();
  await db.transaction(async (trx) => {
    await trx('supplier_catalogue_items').where({ supplier_id: supplierId }).delete();
    for (let i = 0; i < items.length; i += 500) {
      await trx('supplier_catalogue_items').insert(
        items.slice(i, i + 500).map((it) => ({
          supplier_id: supplierId,
          product: it.product,
          title: it.title,
          unit_price: it.unitPrice,
          currency: it.currency,
          stock: it.stock,
          active: it.active,
          synced_at: now,
        })),
      );
    }
    await trx('suppliers').where({ id: supplierId }).update({ catalogue_synced_at: now, catalogue_sync_error: null });
  });

  const byProduct = new Map(items.map((it) => [it.product, it]));
  const routes = await db('sku_supplier_routes as r')
    .join('skus as s', 's.id', 'r.sku_id')
    .where({ 'r.supplier_id': supplierId, 'r.active': true })
    .select('r.supplier_product', 'r.max_unit_cost', 's.code');
  const drift: Drift[] = routes.flatMap((r): Drift[] => {
    const it = byProduct.get(r.supplier_product);
    const base = { product: r.supplier_product, sku: r.code };
    if (!it) return [{ ...base, problem: 'gone' }];
    if (!it.active) return [{ ...base, problem: 'inactive' }];
    if (it.stock === 0) return [{ ...base, problem: 'out_of_stock' }];
    if (it.unitPrice > Number(r.max_unit_cost)) return [{ ...base, problem: 'above_max', unitPrice: it.unitPrice, maxUnitCost: Number(r.max_unit_cost) }];
    return [];
  });
  if (drift.length) {
    await raiseAlert(db, {
      merchantId: supplier.merchant_id,
      kind: 'supplier_catalogue_drift',
      subjectId: supplierId,
      message: `${supplier.name}: ${drift.map((d) => `${d.sku} (${d.product}) ${d.problem}`).join('; ')}`.slice(0, 1000),
      detail: { drift },
    });
  } else {
    await resolveAlert(db, supplier.merchant_id, 'supplier_catalogue_drift', supplierId);
  }
  return { items: items.length, drift };
}

/** The worker's periodic sync of every active supplier with a catalogue; answers a function that stops it. */
export function startCatalogueSync(opts: { db: Db; registry: SupplierRegistry; log: Logger; intervalMs?: number }): () => void {
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      const ids = await opts.db('suppliers').where({ kind: 'api', active: true }).whereIn('adapter', LISTING_ADAPTERS).pluck('id');
      for (const id of ids) {
        await syncSupplierCatalogue(opts.db, opts.registry, id).catch((err) => opts.log.warn({ supplierId: id, err: (err as Error).message }, 'catalogue sync failed'));
      }
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), opts.intervalMs ?? 10 * 60_000);
  void sweep();
  return () => clearInterval(timer);
}
