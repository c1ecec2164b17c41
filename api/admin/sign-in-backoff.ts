import type { Response } from 'express';
import type { Db } from '../../db';
import { AppError } from '../../lib/errors';

// Password guesses are slowed per account AND client address: after a few failures from one
// address, that address waits before its next try on that account, twice as long each time (up
// to a cap: 15 s, 30 s, 1 min, … 15 min). A stranger guessing the owner's password therefore slows only themselves; the owner,
// from their own address, signs in as usual. Failures are forgotten a window after the last one,
// and a right password from that address clears them. The per-address limit on all attempts
// (session.ts) stops one address spraying many accounts.

export interface SignInLimits {
  /** Failures from one address on one account before it must wait. */
  failuresBeforeBackoff: number;
  /** The longest wait, in seconds. */
  maxBackoffSeconds: number;
  /** Attempts per client address per window, on any accounts. */
  attemptsPerAddress: number;
  /** Failures older than this are forgotten; also the per-address window. */
  windowSeconds: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { failuresBeforeBackoff: 5, maxBackoffSeconds: 15 * 60, attemptsPerAddress: 100, windowSeconds: 15 * 60 };

const FIRST_WAIT_SECONDS = 15;

export class SignInBackoff {
  constructor(
    private readonly db: Db,
    private readonly limits: SignInLimits,
  ) {}

  /** Refuses (429 with Retry-After) while this address must wait before guessing this account again. */
  async check(email: string, address: string, res: Response): Promise<void> {
    const row = await this.db('sign_in_failures')
      .where({ email, address })
      .first<{ failures: number; seconds_since: number } | undefined>('failures', this.db.raw('extract(epoch FROM now() - last_failure_at)::float8 AS seconds_since'));
    if (!row || row.seconds_since > this.limits.windowSeconds) return;
    const wait = Math.ceil(this.waitAfter(row.failures) - row.seconds_since);
    if (wait > 0) {
      res.set('Retry-After', String(wait));
      throw tooManyAttempts(wait);
    }
  }

  async failed(email: string, address: string): Promise<void> {
    await this.db.raw(
      `INSERT INTO sign_in_failures (email, address, failures, last_failure_at) VALUES (?, ?, 1, now())
       ON CONFLICT (email, address) DO UPDATE SET
         failures = CASE WHEN sign_in_failures.last_failure_at < now() - make_interval(secs => ?) THEN 1 ELSE sign_in_failures.failures + 1 END,
         last_failure_at = now()`,
      [email, address, this.limits.windowSeconds],
    );
    // Forgotten failures (many are guesses at unknown emails) are dropped as new ones come in.
    await this.db('sign_in_failures')
      .where('last_failure_at', '<', this.db.raw(`now() - make_interval(secs => ?)`, [this.limits.windowSeconds]))
      .delete();
  }

  async succeeded(email: string, address: string): Promise<void> {
    await this.db('sign_in_failures').where({ email, address }).delete();
  }

  private waitAfter(failures: number): number {
    if (failures < this.limits.failuresBeforeBackoff) return 0;
    return Math.min(this.limits.maxBackoffSeconds, FIRST_WAIT_SECONDS * 2 ** (failures - this.limits.failuresBeforeBackoff));
  }
}

/** The refusal while an address must wait (Retry-After says how long). */
export function tooManyAttempts(seconds: number): AppError {
  return new AppError('rate_limited', 'rate_limited', `Too many sign-in attempts; try again in ${seconds} s`, { retryAfterSeconds: seconds });
}
