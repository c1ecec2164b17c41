import express, { Router } from 'express';
import type { Db } from '../db';
import type { CodeVault } from '../lib/code-vault';
import { AppError, notFound } from '../lib/errors';
import type { FulfilmentClient } from '../orders/fulfilment-client';
import { applyOutcome } from '../suppliers/purchase-results';
import type { SupplierRegistry } from '../suppliers/registry';

// POST /supplier-callbacks/:supplierId — an asynchronous supplier reports a finished purchase.
// The adapter checks the signature; the result (codes included) is stored encrypted here, and
// the order's workflow is only woken with the purchase id. Repeats are answered 200 and change
// nothing. The body is never logged: it may hold a code.
export function supplierCallbacksRouter(deps: { db: Db; vault: CodeVault; suppliers: SupplierRegistry; fulfilment: FulfilmentClient }) {
  const router = Router();
  router.post('/:supplierId', express.raw({ type: () => true, limit: '256kb' }), async (req, res) => {
    const supplierId = String(req.params.supplierId);
    if (!/^[0-9a-f-]{36}$/i.test(supplierId)) throw notFound('Supplier');
    const supplier = await deps.db('suppliers').where({ id: supplierId, kind: 'api' }).first('id');
    if (!supplier) throw notFound('Supplier');
    const { adapter } = await deps.suppliers.adapterFor(supplierId);
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let callback;
    try {
      callback = adapter.readCallback(req.headers, req.originalUrl, body);
    } catch {
      callback = undefined;
    }
    if (!callback) throw new AppError('unauthorized', 'bad_signature', 'The callback signature does not verify');
    const purchase = await deps.db('supplier_purchases').where({ supplier_id: supplierId, reference: callback.reference }).first('id', 'order_id');
    if (!purchase) throw notFound('Purchase');
    const status = await applyOutcome(deps.db, deps.vault, purchase.id, callback.outcome);
    if (status !== 'processing') await deps.fulfilment.wake(purchase.order_id, { purchaseId: purchase.id });
    res.json({ received: true });
  });
  return router;
}
