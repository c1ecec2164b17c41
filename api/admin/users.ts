import crypto from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import { recordAudit, userActor } from '../../lib/audit';
import { AppError, conflict, notFound } from '../../lib/errors';
import { fieldProblem } from '../../lib/field-codes';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../lib/passwords';
import { ROLES } from '../../lib/permissions';
import { endSessionsOf } from '../../lib/sessions';
import { parseOrThrow } from '../errors';
import { jsonBody } from '../well-formed';
import { revokeTokensOf } from './account';
import { allow } from './auth';
import { escapeLike, IdList, iso, parseListQuery, sendList } from './list-query';

// The owner manages the merchant's users: invite with a first password, change roles, disable,
// reset a password. Disabling or resetting ends the user's sessions at once; resetting also
// revokes their admin tokens (whoever knew the old password may have made some). A merchant always
// keeps at least one active owner, so nobody can lock the business out of its own console.

const uuid = z.uuid();
const password = z.string().min(PASSWORD_MIN_LENGTH, `At least ${PASSWORD_MIN_LENGTH} characters`).max(PASSWORD_MAX_LENGTH);
export const Create = z.object({ email: z.string().trim().toLowerCase().email('An email address').max(254), role: z.enum(ROLES), password }).strict();
export const Update = z.object({ role: z.enum(ROLES), disabled: z.boolean() });
const Filter = z.object({ id: IdList.optional(), q: z.string().trim().max(100).optional(), role: z.enum(ROLES).optional() }).strict();

const userJson = (u: { id: string; email: string; role: string; disabled_at: Date | null; password_hash: string | null; last_sign_in_at: Date | null; created_at: Date }) => ({
  id: u.id,
  email: u.email,
  role: u.role,
  disabled: !!u.disabled_at,
  hasPassword: !!u.password_hash,
  lastSignInAt: iso(u.last_sign_in_at),
  createdAt: iso(u.created_at),
});

export function adminUsersRouter(deps: { db: Db; maxBodyBytes: number }) {
  const { db } = deps;
  const router = Router();
  const json = jsonBody(deps.maxBodyBytes);

  async function findUser(merchantId: string, id: unknown) {
    const parsed = uuid.safeParse(id);
    const row = parsed.success ? await db('users').where({ id: parsed.data, merchant_id: merchantId }).first() : undefined;
    if (!row) throw notFound('User');
    return row;
  }

  router.get('/users', allow('users', 'list'), async (req, res) => {
    const params = parseListQuery(req.query, {
      sortable: { email: 'email', role: 'role', createdAt: 'created_at', lastSignInAt: 'last_sign_in_at' },
      defaultSort: ['email', 'ASC'],
      filter: Filter,
    });
    const f = params.filter;
    const q = db('users').where({ merchant_id: req.admin!.merchantId }).select('*');
    if (f.id)
      q.whereIn(
        'id',
        f.id.filter((id) => uuid.safeParse(id).success),
      );
    if (f.q) q.where('email', 'ilike', `%${escapeLike(f.q)}%`);
    if (f.role) q.where('role', f.role);
    await sendList(res, db, 'users', q, params, userJson);
  });

  router.get('/users/:id', allow('users', 'show'), async (req, res) => {
    res.json(userJson(await findUser(req.admin!.merchantId, req.params.id)));
  });

  router.post('/users', allow('users', 'create'), json, async (req, res) => {
    const body = parseOrThrow(Create, req.body ?? {});
    const id = crypto.randomUUID();
    const hash = await hashPassword(body.password);
    try {
      await db.transaction(async (trx) => {
        await trx('users').insert({ id, merchant_id: req.admin!.merchantId, email: body.email, role: body.role, password_hash: hash });
        await recordAudit(trx, {
          merchantId: req.admin!.merchantId,
          actor: userActor(req.admin!.email),
          action: 'user.created',
          target: `user:${body.email}`,
          detail: { role: body.role },
        });
      });
    } catch (err) {
      // Emails are unique within a merchant only: whether another merchant uses one is not ours to tell.
      if ((err as { constraint?: string }).constraint === 'users_merchant_email_unique') {
        throw new AppError('conflict', 'email_taken', 'This email already has an account here', {
          fields: [{ path: 'email', ...fieldProblem('email_taken', 'This email already has an account here') }],
        });
      }
      throw err;
    }
    const created = await db('users').where({ id }).first();
    if (!created) throw notFound('User');
    res.status(201).json(userJson(created));
  });

  router.put('/users/:id', allow('users', 'edit'), json, async (req, res) => {
    const user = await findUser(req.admin!.merchantId, req.params.id);
    const body = parseOrThrow(Update, req.body ?? {});
    const updated = await db.transaction(async (trx) => {
      // Lock the merchant's owners so two owners demoting each other at once cannot both win.
      const owners = await trx('users').where({ merchant_id: req.admin!.merchantId, role: 'owner' }).whereNull('disabled_at').forUpdate().select('id');
      const staysOwner = body.role === 'owner' && !body.disabled;
      if (user.role === 'owner' && !user.disabled_at && !staysOwner && owners.length <= 1) {
        throw conflict('last_owner', 'A merchant needs at least one active owner; make someone else owner first', {
          fields: [{ path: 'role', ...fieldProblem('last_owner', 'The last active owner') }],
        });
      }
      const [row] = await trx('users')
        .where({ id: user.id })
        .update({ role: body.role, disabled_at: body.disabled ? (user.disabled_at ?? trx.fn.now()) : null })
        .returning('*');
      if (body.disabled && !user.disabled_at) await endSessionsOf(trx, user.id);
      await recordAudit(trx, {
        merchantId: req.admin!.merchantId,
        actor: userActor(req.admin!.email),
        action: 'user.updated',
        target: `user:${user.email}`,
        detail: { role: body.role, previousRole: user.role, disabled: body.disabled, wasDisabled: !!user.disabled_at },
      });
      return row;
    });
    res.json(userJson(updated));
  });

  router.post('/users/:id/password', allow('users', 'edit'), json, async (req, res) => {
    const user = await findUser(req.admin!.merchantId, req.params.id);
    const body = parseOrThrow(z.object({ password }).strict(), req.body ?? {});
    const hash = await hashPassword(body.password);
    await db.transaction(async (trx) => {
      await trx('users').where({ id: user.id }).update({ password_hash: hash });
      await endSessionsOf(trx, user.id);
      await revokeTokensOf(trx, user.id);
      await recordAudit(trx, { merchantId: req.admin!.merchantId, actor: userActor(req.admin!.email), action: 'user.password_reset', target: `user:${user.email}` });
    });
    const updated = await db('users').where({ id: user.id }).first();
    if (!updated) throw notFound('User');
    res.json(userJson(updated));
  });

  return router;
}
