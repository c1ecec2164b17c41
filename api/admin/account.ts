import crypto from 'node:crypto';
import express, { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import { recordAudit, userActor } from '../../lib/audit';
import { AppError, notFound } from '../../lib/errors';
import { fieldProblem } from '../../lib/field-codes';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, verifyPassword } from '../../lib/passwords';
import { canAccess } from '../../lib/permissions';
import { endSessionsOf } from '../../lib/sessions';
import { issueToken } from '../../lib/tokens';
import { parseOrThrow } from '../errors';
import { jsonBody } from '../well-formed';
import { allow } from './auth';
import { iso, parseListQuery, sendList } from './list-query';
import type { SignInBackoff } from './sign-in-backoff';

// What every user does for themselves: change their own password (knowing the current one;
// their other sessions end), and make, list and revoke their admin tokens for scripts. A token
// acts with its user's role, expires (at most a year after it is made) and is shown once. The
// owner sees and may revoke every token of the merchant (users.edit).

export const TOKEN_MAX_DAYS = 365;
const uuid = z.uuid();

export const ChangePassword = z
  .object({
    currentPassword: z.string().min(1).max(1000),
    newPassword: z.string().min(PASSWORD_MIN_LENGTH, `At least ${PASSWORD_MIN_LENGTH} characters`).max(PASSWORD_MAX_LENGTH),
  })
  .strict();
export const NewToken = z
  .object({
    name: z.string().trim().min(1, 'Name the token after what uses it').max(100),
    expiresInDays: z.number().int().min(1).max(TOKEN_MAX_DAYS).default(90),
  })
  .strict();
const TokenFilter = z.object({ active: z.boolean().optional() }).strict();

const tokenJson = (t: {
  id: string;
  name: string | null;
  prefix: string;
  user_id: string;
  email: string;
  created_at: Date;
  expires_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}) => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  userId: t.user_id,
  userEmail: t.email,
  createdAt: iso(t.created_at),
  expiresAt: iso(t.expires_at),
  lastUsedAt: iso(t.last_used_at),
  revokedAt: iso(t.revoked_at),
});

export function adminAccountRouter(deps: { db: Db; maxBodyBytes: number; backoff: SignInBackoff }) {
  const { db, backoff } = deps;
  const router = Router();
  const json = jsonBody(deps.maxBodyBytes);

  router.post('/account/password', json, async (req, res) => {
    const admin = req.admin!;
    const body = parseOrThrow(ChangePassword, req.body ?? {});
    // Guessing the current password from a borrowed session is slowed like guessing at sign-in.
    const address = req.ip ?? 'unknown';
    await backoff.check(admin.email, address, res);
    const user = await db('users').where({ id: admin.userId }).first('password_hash');
    if (!(await verifyPassword(user?.password_hash, body.currentPassword))) {
      await backoff.failed(admin.email, address);
      throw new AppError('invalid_input', 'wrong_current_password', 'The current password is not right', {
        fields: [{ path: 'currentPassword', ...fieldProblem('wrong_password', 'Not your current password') }],
      });
    }
    await backoff.succeeded(admin.email, address);
    const hash = await hashPassword(body.newPassword);
    await db.transaction(async (trx) => {
      await trx('users').where({ id: admin.userId }).update({ password_hash: hash });
      await endSessionsOf(trx, admin.userId, { except: admin.sessionId });
      await recordAudit(trx, { merchantId: admin.merchantId, actor: userActor(admin.email), action: 'user.password_changed', target: `user:${admin.email}` });
    });
    res.status(204).end();
  });

  const tokens = (req: express.Request) => {
    const admin = req.admin!;
    const q = db('admin_tokens as t').join('users as u', 'u.id', 't.user_id').where('u.merchant_id', admin.merchantId).select('t.*', 'u.email');
    if (!canAccess(admin.role, { resource: 'users', action: 'edit' })) q.where('t.user_id', admin.userId);
    return q;
  };

  router.get('/admin-tokens', allow('admin-tokens', 'list'), async (req, res) => {
    const params = parseListQuery(req.query, {
      sortable: { createdAt: 't.created_at', expiresAt: 't.expires_at', lastUsedAt: 't.last_used_at' },
      defaultSort: ['createdAt', 'DESC'],
      filter: TokenFilter,
    });
    const q = tokens(req);
    if (params.filter.active === true) q.whereNull('t.revoked_at').where('t.expires_at', '>', db.fn.now());
    if (params.filter.active === false) q.where((w) => w.whereNotNull('t.revoked_at').orWhere('t.expires_at', '<=', db.fn.now()));
    await sendList(res, db, 'admin-tokens', q, params, tokenJson, 't.id');
  });

  router.post('/admin-tokens', allow('admin-tokens', 'create'), json, async (req, res) => {
    const admin = req.admin!;
    const body = parseOrThrow(NewToken, req.body ?? {});
    const issued = issueToken('pat');
    const id = crypto.randomUUID();
    await db.transaction(async (trx) => {
      await trx('admin_tokens').insert({
        id,
        user_id: admin.userId,
        name: body.name,
        prefix: issued.prefix,
        token_hash: issued.hash,
        expires_at: trx.raw(`now() + make_interval(days => ?)`, [body.expiresInDays]),
      });
      await recordAudit(trx, {
        merchantId: admin.merchantId,
        actor: userActor(admin.email),
        action: 'admin_token.created',
        target: `admin_token:${id}`,
        detail: { name: body.name, prefix: issued.prefix, expiresInDays: body.expiresInDays },
      });
    });
    // The token itself is in this answer only; the database keeps its hash.
    res.status(201).json({ ...tokenJson(await tokens(req).where('t.id', id).first()), token: issued.token });
  });

  router.delete('/admin-tokens/:id', allow('admin-tokens', 'delete'), async (req, res) => {
    const admin = req.admin!;
    const parsed = uuid.safeParse(req.params.id);
    const token = parsed.success ? await tokens(req).where('t.id', parsed.data).first() : undefined;
    if (!token) throw notFound('Admin token');
    if (!token.revoked_at) {
      await db.transaction(async (trx) => {
        await trx('admin_tokens').where({ id: token.id }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
        await recordAudit(trx, {
          merchantId: admin.merchantId,
          actor: userActor(admin.email),
          action: 'admin_token.revoked',
          target: `admin_token:${token.id}`,
          detail: { name: token.name, prefix: token.prefix, of: token.email },
        });
      });
    }
    res.json(tokenJson(await tokens(req).where('t.id', token.id).first()));
  });

  return router;
}

/** A user's tokens stop working (their password was reset by the owner). */
export async function revokeTokensOf(db: Db, userId: string): Promise<void> {
  await db('admin_tokens').where({ user_id: userId }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
}
