import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import { allow } from './auth';
import { escapeLike, iso, parseListQuery, sendList } from './list-query';

// The audit log, newest first: sign-ins, reveals, refunds, key and product changes, imports.
export const AuditFilter = z
  .object({
    action: z.string().max(64).optional(),
    actor: z.string().max(300).optional(),
    target: z.string().max(300).optional(),
    createdFrom: z.union([z.iso.date(), z.iso.datetime({ offset: true })]).optional(),
    createdTo: z.union([z.iso.date(), z.iso.datetime({ offset: true })]).optional(),
  })
  .strict();

export function adminAuditRouter(deps: { db: Db }) {
  const { db } = deps;
  const router = Router();
  router.get('/audit-log', allow('audit-log', 'list'), async (req, res) => {
    const params = parseListQuery(req.query, { sortable: { createdAt: 'id', id: 'id' }, defaultSort: ['createdAt', 'DESC'], filter: AuditFilter });
    const q = listedAudit(db, req.admin!.merchantId, params.filter);
    await sendList(res, db, 'audit-log', q, params, (a: { id: string; actor: string; action: string; target: string | null; detail: unknown; created_at: Date }) => ({
      id: a.id,
      actor: a.actor,
      action: a.action,
      target: a.target,
      detail: a.detail,
      createdAt: iso(a.created_at),
    }));
  });
  return router;
}

/** The audit rows the list shows for this filter: the list pages it, the export streams it. */
export function listedAudit(db: Db, merchantId: string, f: z.infer<typeof AuditFilter>) {
  const q = db('audit_log').where({ merchant_id: merchantId }).select('*');
  if (f.action) q.where('action', 'like', `${escapeLike(f.action)}%`);
  if (f.actor) q.where('actor', 'ilike', `%${escapeLike(f.actor)}%`);
  if (f.target) q.where('target', 'ilike', `%${escapeLike(f.target)}%`);
  if (f.createdFrom) q.where('created_at', '>=', f.createdFrom.length === 10 ? `${f.createdFrom}T00:00:00Z` : f.createdFrom);
  if (f.createdTo)
    q.where(
      'created_at',
      f.createdTo.length === 10 ? '<' : '<=',
      f.createdTo.length === 10 ? db.raw(`?::timestamptz + interval '1 day'`, [`${f.createdTo}T00:00:00Z`]) : f.createdTo,
    );
  return q;
}
