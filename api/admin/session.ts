import { Router, type Request } from 'express';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import { z } from 'zod';
import type { Db } from '../../db';
import { recordAudit, userActor } from '../../lib/audit';
import { AppError } from '../../lib/errors';
import { verifyPassword } from '../../lib/passwords';
import { endSession, readSessionCookie, SESSION_COOKIE, startSession } from '../../lib/sessions';
import { parseOrThrow } from '../errors';
import { consumeOrRefuse } from '../rate-limit';
import { jsonBody } from '../well-formed';
import { DEFAULT_SIGN_IN_LIMITS, SignInBackoff, tooManyAttempts, type SignInLimits } from './sign-in-backoff';

export type { SignInLimits } from './sign-in-backoff';

// Signing in and out of the console. Attempts are limited in Postgres (shared by every api
// process): per client address for every attempt, so one address cannot spray many accounts, and
// per account and address for failures (sign-in-backoff.ts), so nobody can lock anyone else out.

export const SignIn = z.object({
  email: z.string().trim().toLowerCase().email().max(254),
  password: z.string().min(1).max(1000),
});

export function adminSessionRouter(deps: { db: Db; maxBodyBytes: number; limits?: SignInLimits; cookieSecure: boolean | 'auto' }) {
  const { db } = deps;
  const limits = deps.limits ?? DEFAULT_SIGN_IN_LIMITS;
  const perAddress = new RateLimiterPostgres({
    storeClient: db,
    storeType: 'knex',
    tableName: 'rate_limits',
    tableCreated: true,
    keyPrefix: 'signin_addr',
    points: limits.attemptsPerAddress,
    duration: limits.windowSeconds,
  });
  const backoff = new SignInBackoff(db, limits);
  const router = Router();

  router.post('/session', jsonBody(deps.maxBodyBytes), async (req, res) => {
    const address = req.ip ?? 'unknown';
    await consumeOrRefuse(perAddress, address, res, tooManyAttempts);
    const { email, password } = parseOrThrow(SignIn, req.body ?? {});
    await backoff.check(email, address, res);

    // An email is unique within a merchant, so it may name users of several merchants: the
    // password picks one (the most recently used first).
    const candidates = await db('users as u')
      .join('merchants as m', 'm.id', 'u.merchant_id')
      .where('u.email', email)
      .whereNull('u.disabled_at')
      .orderByRaw('u.last_sign_in_at DESC NULLS LAST, u.created_at')
      .select('u.id', 'u.email', 'u.role', 'u.password_hash', 'u.merchant_id', 'm.name as merchant_name', 'm.currency');
    let user: (typeof candidates)[number] | undefined;
    for (const candidate of candidates.length ? candidates : [undefined]) {
      if (await verifyPassword(candidate?.password_hash, password)) {
        user = candidate;
        break;
      }
    }
    if (!user) {
      await backoff.failed(email, address);
      for (const c of candidates) await recordAudit(db, { merchantId: c.merchant_id, actor: userActor(email), action: 'session.sign_in_failed', detail: { ip: address } });
      throw new AppError('unauthorized', 'invalid_credentials', 'The email or password is not right');
    }
    await backoff.succeeded(email, address);

    const session = await startSession(db, user.id, { ip: address, userAgent: req.get('user-agent') });
    await db('users').where({ id: user.id }).update({ last_sign_in_at: db.fn.now() });
    await recordAudit(db, { merchantId: user.merchant_id, actor: userActor(user.email), action: 'session.signed_in', detail: { ip: address } });
    res.cookie(SESSION_COOKIE, session.token, cookieOptions(req, deps.cookieSecure, session.expiresAt));
    res.json({
      id: user.id,
      email: user.email,
      role: user.role,
      merchant: { id: user.merchant_id, name: user.merchant_name, currency: user.currency },
      expiresAt: session.expiresAt.toISOString(),
    });
  });

  router.delete('/session', async (req, res) => {
    // Signing out always clears the cookie, even a malformed one.
    let token: string | undefined;
    try {
      token = readSessionCookie(req.get('cookie'));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
    }
    if (token) {
      const userId = await endSession(db, token);
      const user = userId && (await db('users').where({ id: userId }).first('email', 'merchant_id'));
      if (user) await recordAudit(db, { merchantId: user.merchant_id, actor: userActor(user.email), action: 'session.signed_out' });
    }
    res.clearCookie(SESSION_COOKIE, { ...cookieOptions(req, deps.cookieSecure), expires: undefined });
    res.status(204).end();
  });

  return router;
}

/** The session cookie; `secure` from configuration (lib/config.ts sessionCookieSecure), or per request. */
function cookieOptions(req: Request, secure: boolean | 'auto', expires?: Date) {
  return { httpOnly: true, sameSite: 'strict' as const, secure: secure === 'auto' ? req.secure : secure, path: '/admin', expires };
}
