import { payingStorefront } from '../../orders/accept-order';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import type { CodeVault } from '../../lib/code-vault';
import { invalidInput, notFound } from '../../lib/errors';
import type { FulfilmentClient } from '../../orders/fulfilment-client';
import { acceptBulkOrder } from '../../orders/bulk/accept-bulk-order';
import { downloadBulkFile } from '../../orders/bulk/bulk-file';
import { bulkOrderView } from '../../orders/bulk/bulk-view';
import { listPriceTiers, setPriceTiers } from '../../orders/bulk/price-tiers';
import { BulkOrderRequestSchema, PriceTiersSchema } from '../../orders/bulk/validators';
import { userActor } from '../../lib/audit';
import { parseOrThrow } from '../errors';
import { jsonBody } from '../well-formed';
import { allow } from './auth';
import { iso, parseListQuery, sendList } from './list-query';

// Bulk orders in the console (issue 15): placed for a bulk customer (one of the merchant's
// storefronts), followed by their progress, and their encrypted file downloaded once, with its
// password shown once. Wholesale price tiers per customer and SKU.

export const CreateBody = z.intersection(BulkOrderRequestSchema, z.object({ storefrontId: z.uuid() }));
const Filter = z.object({ status: z.enum(['running', 'delivered', 'partially_delivered', 'failed']).optional() }).strict();

export function adminBulkOrdersRouter(deps: { db: Db; vault: CodeVault; fulfilment: FulfilmentClient; maxImportBytes: number }) {
  const { db, vault, fulfilment } = deps;
  const router = Router();
  // A CSV of up to 50,000 recipients is bigger than an ordinary request body.
  const json = jsonBody(deps.maxImportBytes);

  router.get('/bulk-orders', allow('bulk-orders', 'list'), async (req, res) => {
    const params = parseListQuery(req.query, { sortable: { createdAt: 'b.created_at', id: 'b.order_id' }, defaultSort: ['createdAt', 'DESC'], filter: Filter });
    const q = db('bulk_orders as b')
      .join('orders as o', 'o.id', 'b.order_id')
      .join('skus as s', 's.id', 'b.sku_id')
      .where('b.merchant_id', req.admin!.merchantId)
      .select('b.order_id', 'o.external_ref', 's.code as sku', 'b.quantity', 'b.status', 'b.units_delivered', 'b.created_at', 'o.total_amount', 'o.currency');
    if (params.filter.status) q.where('b.status', params.filter.status);
    await sendList(
      res,
      db,
      'bulk-orders',
      q,
      params,
      (r: {
        order_id: string;
        external_ref: string;
        sku: string;
        quantity: number;
        status: string;
        units_delivered: number;
        total_amount: string;
        currency: string;
        created_at: Date;
      }) => ({
        id: r.order_id,
        externalRef: r.external_ref,
        sku: r.sku,
        quantity: r.quantity,
        status: r.status,
        unitsDelivered: r.units_delivered,
        totalAmount: Number(r.total_amount),
        currency: String(r.currency).trim(),
        createdAt: iso(r.created_at),
      }),
      'b.order_id',
    );
  });

  router.get('/bulk-orders/:id', allow('bulk-orders', 'show'), async (req, res) => {
    const id = z.uuid().safeParse(req.params.id);
    const view = id.success ? await bulkOrderView(db, req.admin!.merchantId, id.data) : undefined;
    if (!view) throw notFound('Bulk order');
    res.json(view);
  });

  router.post('/bulk-orders', allow('bulk-orders', 'create'), json, async (req, res) => {
    const body = parseOrThrow(CreateBody, req.body ?? {});
    const { storefrontId, ...request } = body;
    const storefront = await db('storefronts').where({ id: storefrontId, merchant_id: req.admin!.merchantId }).first('id', 'merchant_id', 'credit_limit', 'prepaid_currency');
    if (!storefront) throw invalidInput('unknown_storefront', 'Unknown storefront', { storefrontId });
    // Placed for the storefront, paid as its own orders are: its credit held, its prepaid balance drawn.
    const { orderId, created } = await acceptBulkOrder(db, payingStorefront(storefront), request, (oid) => fulfilment.startBulk(oid, req.requestId));
    res.status(created ? 201 : 200).json(await bulkOrderView(db, req.admin!.merchantId, orderId));
  });

  // The one download: the file (base64) and its password together, then both are erased.
  router.post('/bulk-orders/:id/file', allow('bulk-orders', 'download'), async (req, res) => {
    const id = z.uuid().safeParse(req.params.id);
    if (!id.success) throw notFound('Bulk order');
    const file = await downloadBulkFile(db, vault, req.admin!.merchantId, id.data, { id: req.admin!.userId, email: req.admin!.email });
    res.json({ fileName: `bulk-${id.data}.xlsx`, rows: file.rows, password: file.password, content: file.content.toString('base64') });
  });

  router.get('/bulk-price-tiers', allow('bulk-orders', 'list'), async (req, res) => {
    res.json({ data: await listPriceTiers(db, req.admin!.merchantId) });
  });

  router.put('/bulk-price-tiers', allow('bulk-orders', 'tiers'), json, async (req, res) => {
    const body = parseOrThrow(PriceTiersSchema, req.body ?? {});
    res.json({ data: await setPriceTiers(db, req.admin!.merchantId, userActor(req.admin!.email), body) });
  });
  return router;
}
