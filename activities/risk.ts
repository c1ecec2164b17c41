import type { Db } from '../db';
import { assessOrder } from '../risk/assess-order';
import { trainAllMerchants } from '../risk/model/train';
import { recordReviewOutcome, type ReviewOutcome } from '../risk/review';
import { MAX_WINDOW_SECONDS } from '../risk/rules';
import { pruneVelocity } from '../risk/velocity';

// The risk control's activities: the check itself, the end of a review, and the scheduled
// upkeep (retraining the anomaly models, forgetting velocity events no window can reach).
export function createRiskActivities({ db }: { db: Db }) {
  return {
    checkRisk: (orderId: string) => assessOrder(db, orderId),
    recordRiskReview: (orderId: string, outcome: ReviewOutcome) => recordReviewOutcome(db, orderId, outcome),
    trainRiskModels: async () => {
      const results = await trainAllMerchants(db);
      return { merchants: results.length, trained: results.filter((r) => r.trained).length };
    },
    pruneRiskVelocity: async () => ({ deleted: await pruneVelocity(db, MAX_WINDOW_SECONDS + 3600) }),
  };
}
