import { Router } from 'express';
import type { Db } from '../../db';
import type { Product } from '../openapi/answers';
import { promisableUnits } from '../../stock/availability';

// The catalogue a storefront can sell, with how many units can still be promised (null for
// products bought when sold: from a supplier, by hand, top-ups and links).
export function storefrontProductsRouter(db: Db) {
  const router = Router();
  router.get('/', async (req, res) => {
    const rows = await db('skus').where({ merchant_id: req.storefront!.merchantId, active: true }).orderBy('code');
    res.json({
      data: rows.map((s): Product => ({
        sku: s.code,
        name: s.name,
        currency: s.currency,
        faceValue: s.face_value,
        price: s.price,
        fulfilmentMode: s.fulfilment_mode,
        maxPerOrder: s.max_per_order,
        available: promisableUnits(s.fulfilment_mode, s.stock_available),
      })),
    });
  });
  return router;
}
