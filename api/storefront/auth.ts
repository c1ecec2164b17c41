import { payingStorefront } from '../../orders/accept-order';
import type { RequestHandler } from 'express';
import type { Db } from '../../db';
import { AppError } from '../../lib/errors';
import { hashToken } from '../../lib/tokens';

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

/** `Authorization: Bearer <storefront API key>`; the key decides which storefront is asking. */
export function storefrontAuth(db: Db): RequestHandler {
  return async (req, _res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!match) throw new AppError('unauthorized', 'unauthorized', 'Send the storefront API key as "Authorization: Bearer <key>"');
    const row = await db('storefront_api_keys as k')
      .join('storefronts as s', 's.id', 'k.storefront_id')
      .where({ 'k.key_hash': hashToken(match[1]) })
      .whereNull('k.revoked_at')
      .first('k.id as key_id', 's.id', 's.merchant_id', 's.credit_limit', 's.prepaid_currency');
    if (!row) throw new AppError('unauthorized', 'unauthorized', 'The API key is unknown or revoked');
    req.storefront = { ...payingStorefront(row), keyId: row.key_id };
    next();
  };
}
