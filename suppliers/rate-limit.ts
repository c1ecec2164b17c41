import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Db } from '../db';

// Our own budget of calls per second to each supplier, shared by all workers through Postgres,
// so a burst for one SKU stays under the supplier's limit and leaves room for the others.
export class SupplierRateLimits {
  private readonly limiters = new Map<number, RateLimiterPostgres>();

  constructor(private readonly db: Db) {}

  /** true when a call may go now; false means take another route or try again shortly. */
  async take(supplierId: string, perSecond: number | null): Promise<boolean> {
    if (!perSecond) return true;
    let limiter = this.limiters.get(perSecond);
    if (!limiter) {
      limiter = new RateLimiterPostgres({
        storeClient: this.db,
        storeType: 'knex',
        tableName: 'rate_limits',
        tableCreated: true,
        keyPrefix: 'supplier',
        points: perSecond,
        duration: 1,
      });
      this.limiters.set(perSecond, limiter);
    }
    try {
      await limiter.consume(supplierId);
      return true;
    } catch (err) {
      if (err instanceof RateLimiterRes) return false;
      throw err;
    }
  }
}
