import { Router } from 'express';
import type { Db } from '../../db';
import type { Product } from '../openapi/answers';
import { promisableUnits } from '../../stock/availability';
import { loadComponents } from '../../orders/bundle-lines';
import { customAmountRule } from '../../orders/custom-amount';

// The catalogue a storefront can sell, with how many units can still be promised (null for
// products bought when sold: from a supplier, by hand, top-ups and links).
export function storefrontProductsRouter(db: Db) {
  const router = Router();
  router.get('/', async (req, res) => {
    const rows = await db('skus').where({ merchant_id: req.storefront!.merchantId, active: true }).orderBy('code');
    const parts = await loadComponents(
      db,
      rows.filter((s) => s.fulfilment_mode === 'bundle').map((s) => s.id),
    );
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
        customAmount: customRange(s),
        parts: parts.get(s.id)?.map((c) => ({ sku: c.sku.code, name: c.sku.name, quantity: c.quantity })) ?? null,
      })),
    });
  });
  return router;
}

function customRange(sku: Parameters<typeof customAmountRule>[0]) {
  const rule = customAmountRule(sku);
  return rule ? { min: rule.min, max: rule.max, step: rule.step } : null;
}
