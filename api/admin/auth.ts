import type { RequestHandler } from 'express';
import type { Db } from '../../db';
import { AppError } from '../../lib/errors';
import { hashToken } from '../../lib/tokens';

export type Role = 'owner' | 'operator' | 'support' | 'finance' | 'viewer';

export interface AdminPrincipal {
  userId: string;
  email: string;
  merchantId: string;
  role: Role;
}

declare module 'express-serve-static-core' {
  interface Request {
    admin?: AdminPrincipal;
  }
}

/** `Authorization: Bearer <personal access token>` of a merchant's user. */
export function adminAuth(db: Db): RequestHandler {
  return async (req, _res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!match) throw new AppError('unauthorized', 'unauthorized', 'Send an admin token as "Authorization: Bearer <token>"');
    const row = await db('admin_tokens as t')
      .join('users as u', 'u.id', 't.user_id')
      .where({ 't.token_hash': hashToken(match[1]) })
      .whereNull('t.revoked_at')
      .whereNull('u.disabled_at')
      .first('u.id', 'u.email', 'u.merchant_id', 'u.role');
    if (!row) throw new AppError('unauthorized', 'unauthorized', 'The admin token is unknown or revoked');
    req.admin = { userId: row.id, email: row.email, merchantId: row.merchant_id, role: row.role };
    next();
  };
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.admin || !roles.includes(req.admin.role)) {
      throw new AppError('forbidden', 'forbidden', `This action needs one of the roles: ${roles.join(', ')}`);
    }
    next();
  };
}
