import express, { Router } from 'express';
import type { Db } from '../db';
import type { CodeVault } from '../lib/code-vault';
import { AppError, conflict, notFound } from '../lib/errors';
import type { FulfilmentClient } from '../orders/fulfilment-client';
import { applyCallback } from '../suppliers/purchase-results';
import type { SupplierRegistry } from '../suppliers/registry';
import { rateLimitPerKey } from './rate-limit';

// POST /supplier-callbacks/:supplierId — an asynchronous supplier reports a finished purchase.
// The adapter checks the signature; the result (codes included) is stored encrypted here, and
// the order's workflow is only woken with the purchase id. Repeats are answered 200 and change
// nothing. The body is never logged: it may hold a code.
//
// Anyone can reach this endpoint, so: a budget of calls per supplier id (counted before anything
// is looked up), one answer for "no such supplier" and "signature does not verify" (the endpoint
// does not tell which supplier ids exist), and a callback is bound to the purchase it names
// (suppliers/purchase-results.ts applyCallback). A protocol whose callbacks carry nothing to check
// the goods against (dujiao-next) only wakes the order, which then asks the supplier itself.
export function supplierCallbacksRouter(deps: { db: Db; vault: CodeVault; suppliers: SupplierRegistry; fulfilment: FulfilmentClient; callsPerMinute: number }) {
  const router = Router();
  const notGenuine = () => new AppError('unauthorized', 'bad_signature', 'The callback signature does not verify');
  router.post(
    '/:supplierId',
    rateLimitPerKey(deps.db, deps.callsPerMinute, (req) => `supplier-callback:${String(req.params.supplierId).slice(0, 64)}`, 'this supplier'),
    express.raw({ type: () => true, limit: '256kb' }),
    async (req, res) => {
      const supplierId = String(req.params.supplierId);
      const supplier = /^[0-9a-f-]{36}$/i.test(supplierId) ? await deps.db('suppliers').where({ id: supplierId, kind: 'api' }).first('id') : undefined;
      if (!supplier) throw notGenuine();
      const { adapter } = await deps.suppliers.adapterFor(supplierId);
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let callback;
      try {
        callback = adapter.readCallback(req.headers, req.originalUrl, body);
      } catch {
        callback = undefined;
      }
      if (!callback) throw notGenuine();
      const purchase = await deps.db('supplier_purchases').where({ supplier_id: supplierId, reference: callback.reference }).first('id', 'order_id', 'status', 'supplier_order_id');
      if (!purchase) throw notFound('Purchase');
      if ('askSupplier' in callback) {
        // Bound to the order: a callback naming another supplier order than the one this purchase made changes nothing.
        if (purchase.supplier_order_id && purchase.supplier_order_id !== callback.supplierOrderId) {
          throw conflict('callback_order_mismatch', `The callback names another supplier order than purchase ${callback.reference} made`);
        }
        if (purchase.status === 'pending' || purchase.status === 'processing') await deps.fulfilment.wake(purchase.order_id, { purchaseId: purchase.id });
        return void res.json(callback.ack);
      }
      const result = await applyCallback(deps.db, deps.vault, purchase.id, callback.outcome);
      if ('refused' in result) throw conflict(result.refused, result.message);
      if ('askSupplier' in result || result.status !== 'processing') await deps.fulfilment.wake(purchase.order_id, { purchaseId: purchase.id });
      res.json({ received: true });
    },
  );
  return router;
}
