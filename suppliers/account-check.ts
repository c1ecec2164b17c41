import type { Db } from '../db';
import { invalidInput } from '../lib/errors';
import type { OrderRequest } from '../orders/validators';
import type { SupplierRegistry } from './registry';

// A top-up goes into the buyer's own game or video account, so a mistyped account is caught
// while the buyer is still at the checkout: the SKU's first available supplier checks it.
// If no supplier can answer quickly the order is accepted anyway; the top-up itself will
// refuse a bad account and the order then fails with that reason.

const ANSWER_WITHIN_MS = 3000;

export function topupAccountCheck(db: Db, registry: SupplierRegistry) {
  return async (merchantId: string, items: OrderRequest['items']): Promise<void> => {
    for (const item of items.filter((i) => i.account)) {
      const route = await db('sku_supplier_routes as r')
        .join('skus as s', 's.id', 'r.sku_id')
        .join('suppliers as p', 'p.id', 'r.supplier_id')
        .where({ 's.merchant_id': merchantId, 's.code': item.sku, 's.fulfilment_mode': 'topup', 'r.active': true, 'p.active': true, 'p.kind': 'api' })
        .andWhere((q) => q.whereNull('p.circuit_open_until').orWhere('p.circuit_open_until', '<=', db.fn.now()))
        .orderBy('r.priority')
        .first('r.supplier_id', 'r.supplier_product');
      if (!route) continue;
      const verdict = await withDeadline(async () => (await registry.adapterFor(route.supplier_id)).adapter.validateAccount(route.supplier_product, item.account!));
      if (verdict && !verdict.valid) {
        throw invalidInput('invalid_account', `The account for ${item.sku} was rejected: ${verdict.reason}`, { sku: item.sku });
      }
    }
  };
}

async function withDeadline<T>(work: () => Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work(), new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ANSWER_WITHIN_MS)))]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
