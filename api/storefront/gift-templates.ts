import { Router } from 'express';
import type { Db } from '../../db';

// The merchant's gift designs a buyer may choose from (active ones only).
export function storefrontGiftTemplatesRouter(db: Db) {
  const router = Router();
  router.get('/', async (req, res) => {
    const rows = await db('gift_templates').where({ merchant_id: req.storefront!.merchantId, active: true }).orderBy('created_at');
    res.json({ data: rows.map((t) => ({ id: t.id, name: t.name, imageUrl: t.image_url })) });
  });
  return router;
}
