import { Router } from 'express';
import type { Db } from '../../../db';
import type { FulfilmentClient } from '../../../orders/fulfilment-client';
import { adminRiskListsRouter } from './lists';
import { adminRiskReviewsRouter } from './reviews';
import { adminRiskRulesRouter } from './rules';

/** Everything under /admin/risk: rules and settings, lists, the review queue, assessments. */
export function adminRiskRouter(deps: { db: Db; fulfilment: FulfilmentClient }) {
  const router = Router();
  router.use(adminRiskRulesRouter(deps), adminRiskListsRouter(deps), adminRiskReviewsRouter(deps));
  return router;
}
