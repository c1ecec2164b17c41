import express, { Router, type Request, type Response } from 'express';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import type { Db } from '../../db';
import { recordAudit, userActor } from '../../lib/audit';
import { AppError } from '../../lib/errors';
import { verifyPassword } from '../../lib/passwords';
import { endSession, readCookie, SESSION_COOKIE, startSession } from '../../lib/sessions';
import { parseOrThrow } from '../errors';

// Signing in and out of the console. Attempts are limited in Postgres (shared by every api
// process): per client address for every attempt, and per account for failures, so guessing one
// account's password is slow from anywhere, and a flood from one address is cut off.

export interface SignInLimits {
  /** Failed attempts per email per window. */
  failuresPerAccount: number;
  /** Attempts per client address per window. */
  attemptsPerAddress: number;
  windowSeconds: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { failuresPerAccount: 10, attemptsPerAddress: 100, windowSeconds: 15 * 60 };

const SignIn = z.object({
  email: z.string().trim().toLowerCase().email().max(254),
  password: z.string().min(1).max(1000),
});

export function adminSessionRouter(deps: { db: Db; maxBodyBytes: number; limits?: SignInLimits }) {
  const { db } = deps;
  const limits = deps.limits ?? DEFAULT_SIGN_IN_LIMITS;
  const limiter = (keyPrefix: string, points: number) =>
    new RateLimiterPostgres({ storeClient: db, storeType: 'knex', tableName: 'rate_limits', tableCreated: true, keyPrefix, points, duration: limits.windowSeconds });
  const perAddress = limiter('signin_addr', limits.attemptsPerAddress);
  const perAccount = limiter('signin_acct', limits.failuresPerAccount);
  const router = Router();

  router.post('/session', express.json({ limit: deps.maxBodyBytes }), async (req, res) => {
    await take(perAddress, req.ip ?? 'unknown', res);
    const { email, password } = parseOrThrow(SignIn, req.body ?? {});
    const failures = await perAccount.get(email);
    if (failures && failures.consumedPoints >= limits.failuresPerAccount) tooMany(failures, res);

    const user = await db('users as u')
      .join('merchants as m', 'm.id', 'u.merchant_id')
      .where('u.email', email)
      .whereNull('u.disabled_at')
      .first('u.id', 'u.email', 'u.role', 'u.password_hash', 'u.merchant_id', 'm.name as merchant_name', 'm.currency');
    if (!(await verifyPassword(user?.password_hash, password))) {
      await take(perAccount, email, res, true);
      if (user) await recordAudit(db, { merchantId: user.merchant_id, actor: userActor(email), action: 'session.sign_in_failed', detail: { ip: req.ip } });
      throw new AppError('unauthorized', 'invalid_credentials', 'The email or password is not right');
    }
    await perAccount.delete(email);

    const session = await startSession(db, user.id, { ip: req.ip, userAgent: req.get('user-agent') });
    await db('users').where({ id: user.id }).update({ last_sign_in_at: db.fn.now() });
    await recordAudit(db, { merchantId: user.merchant_id, actor: userActor(user.email), action: 'session.signed_in', detail: { ip: req.ip } });
    res.cookie(SESSION_COOKIE, session.token, cookieOptions(req, session.expiresAt));
    res.json({ id: user.id, email: user.email, role: user.role, merchant: { id: user.merchant_id, name: user.merchant_name, currency: user.currency }, expiresAt: session.expiresAt.toISOString() });
  });

  router.delete('/session', async (req, res) => {
    const token = readCookie(req.get('cookie'), SESSION_COOKIE);
    if (token) {
      const userId = await endSession(db, token);
      const user = userId && (await db('users').where({ id: userId }).first('email', 'merchant_id'));
      if (user) await recordAudit(db, { merchantId: user.merchant_id, actor: userActor(user.email), action: 'session.signed_out' });
    }
    res.clearCookie(SESSION_COOKIE, { ...cookieOptions(req), expires: undefined });
    res.status(204).end();
  });

  return router;
}

function cookieOptions(req: Request, expires?: Date) {
  // Secure whenever the console is reached over HTTPS (directly or through a trusted proxy);
  // plain http://localhost must work too, so it is not forced.
  return { httpOnly: true, sameSite: 'strict' as const, secure: req.secure, path: '/admin', expires };
}

async function take(limiter: RateLimiterPostgres, key: string, res: Response, failure = false) {
  try {
    await limiter.consume(key);
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err;
    // The failure that reaches the limit still answers "wrong password"; the next one is refused.
    if (!failure) tooMany(err, res);
  }
}

function tooMany(r: RateLimiterRes, res: Response): never {
  const seconds = Math.max(1, Math.ceil(r.msBeforeNext / 1000));
  res.set('Retry-After', String(seconds));
  throw new AppError('rate_limited', 'rate_limited', `Too many sign-in attempts; try again in ${Math.ceil(seconds / 60)} min`, { retryAfterSeconds: seconds });
}
