import crypto from 'node:crypto';
import type { Db } from '../db';
import { invalidInput } from './errors';
import { hashToken } from './tokens';
import type { Role } from './permissions';

// Console sessions: a random token in an httpOnly cookie; the database keeps only its SHA-256,
// so a copy of the sessions table signs nobody in. Sessions end at a fixed time, after a while
// without a request (the idle timeout), on sign-out, and when the user is disabled or their
// password is changed or reset.

export const SESSION_COOKIE = 'cardflow_session';
export const SESSION_HOURS = 12;

export interface SessionUser {
  sessionId: string;
  userId: string;
  email: string;
  merchantId: string;
  role: Role;
}

export async function startSession(db: Db, userId: string, seen: { ip?: string; userAgent?: string }): Promise<{ token: string; expiresAt: Date }> {
  const token = crypto.randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_HOURS * 3600_000);
  // Ended sessions are kept a while for the record, then dropped as their user signs in again.
  await db('sessions').where({ user_id: userId }).where('expires_at', '<', db.raw(`now() - interval '30 days'`)).delete();
  await db('sessions').insert({
    id: crypto.randomUUID(),
    user_id: userId,
    token_hash: hashToken(token),
    ip: seen.ip ?? null,
    user_agent: seen.userAgent?.slice(0, 300) ?? null,
    expires_at: expiresAt,
  });
  return { token, expiresAt };
}

/** The session a cookie names, if still open and used within the last `idleMinutes`; using it keeps it open. */
export async function findSession(db: Db, token: string, idleMinutes: number): Promise<SessionUser | undefined> {
  const row = await db('sessions as s')
    .join('users as u', 'u.id', 's.user_id')
    .where('s.token_hash', hashToken(token))
    .whereNull('s.revoked_at')
    .where('s.expires_at', '>', db.fn.now())
    .where('s.last_seen_at', '>', db.raw(`now() - make_interval(mins => ?)`, [idleMinutes]))
    .whereNull('u.disabled_at')
    .first('s.id as session_id', 'u.id', 'u.email', 'u.merchant_id', 'u.role');
  if (!row) return undefined;
  // At most one write a minute per session, not one per request.
  await db('sessions').where({ id: row.session_id }).where('last_seen_at', '<', db.raw(`now() - interval '1 minute'`)).update({ last_seen_at: db.fn.now() });
  return { sessionId: row.session_id, userId: row.id, email: row.email, merchantId: row.merchant_id, role: row.role };
}

export async function endSession(db: Db, token: string): Promise<string | undefined> {
  const [row] = await db('sessions')
    .where({ token_hash: hashToken(token) })
    .whereNull('revoked_at')
    .update({ revoked_at: db.fn.now() })
    .returning('user_id');
  return row?.user_id;
}

/** Ends a user's sessions, all or all but the one they are using. */
export async function endSessionsOf(db: Db, userId: string, opts: { except?: string } = {}): Promise<void> {
  const q = db('sessions').where({ user_id: userId }).whereNull('revoked_at');
  if (opts.except) q.whereNot({ id: opts.except });
  await q.update({ revoked_at: db.fn.now() });
}

/**
 * The session token from a Cookie header (no dependency needed for one cookie). Tokens are
 * base64url, never percent-encoded, so the value is taken as it is; anything else in the
 * session cookie is bad input (400), not a server error.
 */
export function readSessionCookie(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      if (!/^[A-Za-z0-9_-]{1,200}$/.test(value)) throw invalidInput('malformed_session_cookie', 'The session cookie is malformed; sign in again');
      return value;
    }
  }
  return undefined;
}
