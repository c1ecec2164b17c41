import type { RequestHandler, Response } from 'express';
import { RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Db } from '../db';
import { AppError } from '../lib/errors';

// Per API key, counted in Postgres so every api process shares one budget per key. The budgets
// live in an unlogged table (db/migrations/015_request_rate_limits.ts): a storefront's key is
// one row every one of its requests updates, and a logged row would hold each request for a
// WAL flush.
export function rateLimitPerKey(db: Db, pointsPerMinute: number, keyOf: (req: Parameters<RequestHandler>[0]) => string | undefined, counted = 'this API key'): RequestHandler {
  const takePoint = perMinuteBudget(db, pointsPerMinute, counted);
  return async (req, res, next) => {
    const key = keyOf(req);
    if (!key) return next();
    await takePoint(key, res);
    next();
  };
}

/**
 * A budget of `pointsPerMinute` requests per key: the returned function takes a point of `key`'s
 * budget and sets the RateLimit headers, or refuses with 429 rate_limited and Retry-After.
 * For a caller that must take the point beside other work (api/storefront/auth.ts).
 */
export function perMinuteBudget(db: Db, pointsPerMinute: number, counted = 'this API key'): (key: string, res: Response) => Promise<void> {
  const limiter = new RateLimiterPostgres({
    storeClient: db,
    storeType: 'knex',
    tableName: 'request_rate_limits',
    tableCreated: true, // created by the migrations
    points: pointsPerMinute,
    duration: 60,
    // Every key asked about leaves a row, made-up storefront keys and supplier ids included (both
    // are counted before they are known to exist): the library deletes rows expired an hour ago
    // every five minutes, so a storm of them leaves no lasting rows.
    clearExpiredByTimeout: true,
  });
  return async (key, res) => {
    const r = await consumeOrRefuse(
      limiter,
      key,
      res,
      (seconds) => new AppError('rate_limited', 'rate_limited', `Too many requests for ${counted}; retry after ${seconds} s`, { retryAfterSeconds: seconds }),
    );
    res.set('RateLimit-Limit', String(pointsPerMinute));
    res.set('RateLimit-Remaining', String(r.remainingPoints));
  };
}

/** Takes a point for `key`, or answers with Retry-After and the error `refusal` makes of the wait. */
export async function consumeOrRefuse(limiter: RateLimiterAbstract, key: string, res: Response, refusal: (retryAfterSeconds: number) => AppError): Promise<RateLimiterRes> {
  try {
    return await limiter.consume(key);
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err;
    const seconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
    res.set('Retry-After', String(seconds));
    throw refusal(seconds);
  }
}
