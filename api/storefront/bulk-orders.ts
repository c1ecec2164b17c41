import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import { notFound } from '../../lib/errors';
import type { FulfilmentClient } from '../../orders/fulfilment-client';
import { acceptBulkOrder } from '../../orders/bulk/accept-bulk-order';
import { bulkOrderView } from '../../orders/bulk/bulk-view';
import { BulkOrderRequestSchema } from '../../orders/bulk/validators';
import { parseOrThrow } from '../errors';

// Storefront bulk orders (issue 15): accepted at once (202), fulfilled in pages; their progress
// is read here. The codes are handed over as an encrypted file in the console, never by this API.
export function storefrontBulkOrdersRouter(deps: { db: Db; fulfilment: FulfilmentClient }) {
  const { db, fulfilment } = deps;
  const router = Router();

  router.post('/', async (req, res) => {
    const body = parseOrThrow(BulkOrderRequestSchema, req.body ?? undefined);
    const storefront = req.storefront!;
    const { orderId, created } = await acceptBulkOrder(db, storefront, body, (id) => fulfilment.startBulk(id, req.requestId));
    res.status(created ? 202 : 200).json(await bulkOrderView(db, storefront.merchantId, orderId, { storefrontId: storefront.id }));
  });

  router.get('/:id', async (req, res) => {
    const id = z.uuid().safeParse(req.params.id);
    const view = id.success ? await bulkOrderView(db, req.storefront!.merchantId, id.data, { storefrontId: req.storefront!.id }) : undefined;
    if (!view) throw notFound('Bulk order');
    res.json(view);
  });
  return router;
}
