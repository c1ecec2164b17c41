import type { RequestHandler } from 'express';
import type { Db } from '../../db';
import { AppError } from '../../lib/errors';
import { canAccess, rolesFor, type Role } from '../../lib/permissions';
import { hashToken } from '../../lib/tokens';
import { findSession, readSessionCookie } from '../../lib/sessions';

export type { Role } from '../../lib/permissions';

export interface AdminPrincipal {
  userId: string;
  email: string;
  merchantId: string;
  role: Role;
  /** A console session (cookie) or a personal access token (scripts). */
  via: 'session' | 'token';
  /** The session's id, when signed in through the console. */
  sessionId?: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    admin?: AdminPrincipal;
  }
}

/**
 * `Authorization: Bearer <personal access token>` of a merchant's user (until it expires or is
 * revoked), or the console's session cookie (until it ends or sits idle `sessionIdleMinutes`).
 */
export function adminAuth(db: Db, opts: { sessionIdleMinutes: number }): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw new AppError('unauthorized', 'unauthorized', 'Send an admin token as "Authorization: Bearer <token>"');
      const row = await db('admin_tokens as t')
        .join('users as u', 'u.id', 't.user_id')
        .where({ 't.token_hash': hashToken(match[1]) })
        .whereNull('t.revoked_at')
        .where('t.expires_at', '>', db.fn.now())
        .whereNull('u.disabled_at')
        .first('t.id as token_id', 'u.id', 'u.email', 'u.merchant_id', 'u.role');
      if (!row) throw new AppError('unauthorized', 'unauthorized', 'The admin token is unknown, expired or revoked');
      // When a token was last used tells its owner which ones are still needed (one write a minute at most).
      await db('admin_tokens')
        .where({ id: row.token_id })
        .where((w) => w.whereNull('last_used_at').orWhere('last_used_at', '<', db.raw(`now() - interval '1 minute'`)))
        .update({ last_used_at: db.fn.now() });
      req.admin = { userId: row.id, email: row.email, merchantId: row.merchant_id, role: row.role, via: 'token' };
      return next();
    }
    const token = readSessionCookie(req.get('cookie'));
    const session = token ? await findSession(db, token, opts.sessionIdleMinutes) : undefined;
    if (!session) throw new AppError('unauthorized', 'unauthorized', 'Sign in to the console, or send an admin token as "Authorization: Bearer <token>"');
    req.admin = { userId: session.userId, email: session.email, merchantId: session.merchantId, role: session.role, via: 'session', sessionId: session.sessionId };
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

/** The console's access rules (lib/permissions.ts), enforced here where it counts. */
export function allow(resource: string, action: string): RequestHandler {
  return (req, _res, next) => {
    if (!canAccess(req.admin?.role, { resource, action })) {
      throw new AppError('forbidden', 'forbidden', `Your role may not ${action} ${resource}; this needs one of: ${rolesFor(resource, action).join(', ')}`);
    }
    next();
  };
}
