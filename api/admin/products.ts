import crypto from 'node:crypto';
import express, { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import { recordAudit, userActor } from '../../lib/audit';
import { AppError, notFound } from '../../lib/errors';
import { parseOrThrow } from '../errors';
import { allow } from './auth';
import { escapeLike, IdList, iso, parseListQuery, sendList } from './list-query';

// Products (SKUs). A SKU's code is its id in the console and in the storefront API, so it is
// fixed once created; so is its currency, which its orders and stock batches are priced in.

const MODES = ['stock', 'supplier', 'topup', 'link', 'manual'] as const;
const money = z.number({ error: 'Enter an amount' }).int('Amounts are whole minor units').min(0, 'Cannot be negative').max(1e12);

const Editable = z.object({
  name: z.string().trim().min(1, 'Give the product a name').max(200),
  faceValue: money,
  price: money,
  cost: money,
  fulfilmentMode: z.enum(MODES),
  active: z.boolean().default(true),
  maxPerOrder: z.number().int().min(1).max(1000).nullable().default(null),
  lowStockThreshold: z.number().int().min(0).max(1_000_000).nullable().default(null),
});
const Create = Editable.extend({
  code: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'Letters, digits, dot, dash or underscore; up to 64'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'A three-letter currency code such as CNY').optional(),
});

const Filter = z
  .object({ id: IdList.optional(), q: z.string().trim().max(100).optional(), fulfilmentMode: z.enum(MODES).optional(), active: z.boolean().optional() })
  .strict();

export function skuJson(s: any) {
  return {
    id: s.code,
    code: s.code,
    name: s.name,
    currency: s.currency.trim(),
    faceValue: s.face_value,
    price: s.price,
    cost: s.cost,
    fulfilmentMode: s.fulfilment_mode,
    active: s.active,
    maxPerOrder: s.max_per_order,
    lowStockThreshold: s.low_stock_threshold,
    stockAvailable: s.stock_available,
    createdAt: iso(s.created_at),
  };
}

export function adminProductsRouter(deps: { db: Db; maxBodyBytes: number }) {
  const { db } = deps;
  const router = Router();
  const json = express.json({ limit: deps.maxBodyBytes });

  router.get('/skus', allow('skus', 'list'), async (req, res) => {
    const params = parseListQuery(req.query, {
      sortable: { code: 'code', id: 'code', name: 'name', price: 'price', cost: 'cost', stockAvailable: 'stock_available', createdAt: 'created_at', fulfilmentMode: 'fulfilment_mode' },
      defaultSort: ['code', 'ASC'],
      filter: Filter,
    });
    const f = params.filter;
    const q = db('skus').where({ merchant_id: req.admin!.merchantId }).select('*');
    if (f.id) q.whereIn('code', f.id);
    if (f.q) q.where((w) => w.where('code', 'ilike', `%${escapeLike(f.q!)}%`).orWhere('name', 'ilike', `%${escapeLike(f.q!)}%`));
    if (f.fulfilmentMode) q.where('fulfilment_mode', f.fulfilmentMode);
    if (f.active !== undefined) q.where('active', f.active);
    await sendList(res, db, 'skus', q, params, skuJson);
  });

  router.get('/skus/:sku', allow('skus', 'show'), async (req, res) => {
    const sku = await db('skus').where({ merchant_id: req.admin!.merchantId, code: req.params.sku }).first();
    if (!sku) throw notFound('SKU');
    res.json(skuJson(sku));
  });

  router.post('/skus', allow('skus', 'create'), json, async (req, res) => {
    const body = parseOrThrow(Create, req.body ?? {});
    const merchant = await db('merchants').where({ id: req.admin!.merchantId }).first('currency');
    const id = crypto.randomUUID();
    try {
      await db.transaction(async (trx) => {
        await trx('skus').insert({
          id,
          merchant_id: req.admin!.merchantId,
          code: body.code,
          name: body.name,
          currency: body.currency ?? merchant.currency,
          face_value: body.faceValue,
          price: body.price,
          cost: body.cost,
          fulfilment_mode: body.fulfilmentMode,
          active: body.active,
          max_per_order: body.maxPerOrder,
          low_stock_threshold: body.lowStockThreshold,
        });
        await recordAudit(trx, { merchantId: req.admin!.merchantId, actor: userActor(req.admin!.email), action: 'sku.created', target: `sku:${body.code}`, detail: { ...body } });
      });
    } catch (err) {
      if ((err as { constraint?: string }).constraint === 'skus_merchant_id_code_unique') {
        throw new AppError('conflict', 'sku_exists', `A product with code ${body.code} already exists`, { fields: [{ path: 'code', message: 'This code is already taken' }] });
      }
      throw err;
    }
    res.status(201).json(skuJson(await db('skus').where({ id }).first()));
  });

  // react-admin sends the whole record; the fields that cannot change are ignored.
  router.put('/skus/:sku', allow('skus', 'edit'), json, async (req, res) => {
    const body = parseOrThrow(Editable, req.body ?? {});
    const updated = await db.transaction(async (trx) => {
      const [row] = await trx('skus')
        .where({ merchant_id: req.admin!.merchantId, code: req.params.sku })
        .update({
          name: body.name,
          face_value: body.faceValue,
          price: body.price,
          cost: body.cost,
          fulfilment_mode: body.fulfilmentMode,
          active: body.active,
          max_per_order: body.maxPerOrder,
          low_stock_threshold: body.lowStockThreshold,
        })
        .returning('*');
      if (!row) throw notFound('SKU');
      await recordAudit(trx, { merchantId: req.admin!.merchantId, actor: userActor(req.admin!.email), action: 'sku.updated', target: `sku:${row.code}`, detail: { ...body } });
      return row;
    });
    res.json(skuJson(updated));
  });

  return router;
}
