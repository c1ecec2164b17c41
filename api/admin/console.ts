import { Router } from 'express';
import type { Db } from '../../db';
import type { CodeVault } from '../../lib/code-vault';
import { notFound } from '../../lib/errors';
import type { OutboundHttp } from '../../lib/outbound-http';
import type { FulfilmentClient } from '../../orders/fulfilment-client';
import { adminAuditRouter } from './audit';
import { adminCodesRouter } from './codes';
import { adminDashboardRouter } from './dashboard';
import { adminExportsRouter } from './exports';
import { adminOrdersRouter, type TemporalUi } from './orders';
import { adminAttentionRouter } from './attention';
import { adminNotificationsRouter } from './notifications';
import { adminProductsRouter } from './products';
import { adminGiftTemplatesRouter } from './gift-templates';
import { adminStorefrontsRouter } from './storefronts';
import { adminUsersRouter } from './users';

// Everything the console asks of the admin API once signed in (mounted after adminAuth).
export function adminConsoleRouter(deps: {
  db: Db;
  vault: CodeVault;
  fulfilment: FulfilmentClient;
  temporalUi?: TemporalUi;
  maxBodyBytes: number;
  revealsPerHour: number;
  outbound: OutboundHttp;
}) {
  const { db } = deps;
  const router = Router();

  // Who is signed in: the console's identity and permissions come from here.
  router.get('/session', async (req, res) => {
    const merchant = await db('merchants').where({ id: req.admin!.merchantId }).first('id', 'name', 'currency');
    if (!merchant) throw notFound('Merchant');
    res.json({ id: req.admin!.userId, email: req.admin!.email, role: req.admin!.role, merchant: { ...merchant, currency: merchant.currency.trim() } });
  });

  router.use(adminDashboardRouter({ db }));
  router.use(adminOrdersRouter(deps));
  router.use(adminAttentionRouter(deps));
  router.use(adminProductsRouter(deps));
  router.use(adminGiftTemplatesRouter(deps));
  router.use(adminCodesRouter(deps));
  router.use(adminStorefrontsRouter(deps));
  router.use(adminUsersRouter(deps));
  router.use(adminAuditRouter({ db }));
  router.use(adminExportsRouter(deps));
  router.use(adminNotificationsRouter(deps));
  return router;
}
