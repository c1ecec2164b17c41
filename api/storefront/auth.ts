import { payingStorefront } from '../../orders/accept-order';
import type { RequestHandler } from 'express';
import type { Db } from '../../db';
import { AppError } from '../../lib/errors';
import { hashToken } from '../../lib/tokens';
import { perMinuteBudget } from '../rate-limit';

export interface StorefrontPrincipal {
  id: string;
  merchantId: string;
  keyId: string;
  /** It has a credit limit (storefronts/credit.ts). */
  creditLimited: boolean;
  /** It has a prepaid balance (storefronts/prepaid-balance.ts). */
  prepaid: boolean;
}

declare module 'express-serve-static-core' {
  interface Request {
    storefront?: StorefrontPrincipal;
  }
}

/**
 * `Authorization: Bearer <storefront API key>`; the key decides which storefront is asking, and
 * each key has a budget of requests per minute (api/rate-limit.ts).
 *
 * The key is looked up and a point of its budget taken at the same time: one round trip of
 * waiting instead of two, for every checkout of a flash sale, where each round trip waits for a
 * busy CPU. So the budget is named by the key's hash, which is known before the lookup (one key,
 * one hash, as with its id). An unknown or revoked key is answered 401 whatever its budget says.
 */
export function storefrontAuth(db: Db, ratePerMinute: number): RequestHandler {
  const takePoint = perMinuteBudget(db, ratePerMinute);
  return async (req, res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!match) throw new AppError('unauthorized', 'unauthorized', 'Send the storefront API key as "Authorization: Bearer <key>"');
    const keyHash = hashToken(match[1]);
    const [found, budget] = await Promise.allSettled([
      db('storefront_api_keys as k')
        .join('storefronts as s', 's.id', 'k.storefront_id')
        .where({ 'k.key_hash': keyHash })
        .whereNull('k.revoked_at')
        .first('k.id as key_id', 's.id', 's.merchant_id', 's.credit_limit', 's.prepaid_currency'),
      takePoint(`storefront-key:${keyHash}`, res),
    ]);
    if (found.status === 'rejected') throw found.reason;
    const row = found.value;
    if (!row) {
      for (const header of ['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining']) res.removeHeader(header);
      throw new AppError('unauthorized', 'unauthorized', 'The API key is unknown or revoked');
    }
    if (budget.status === 'rejected') throw budget.reason;
    req.storefront = { ...payingStorefront(row), keyId: row.key_id };
    next();
  };
}
