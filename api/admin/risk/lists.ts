import crypto from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../../db';
import { recordAudit, userActor } from '../../../lib/audit';
import { conflict, notFound } from '../../../lib/errors';
import { ListEntryInputSchema, normaliseEntryValue } from '../../../risk/lists';
import { LIST_KINDS, LISTS } from '../../../risk/vocabulary';
import { parseOrThrow } from '../../errors';
import { allow } from '../auth';
import { escapeLike, IdList, parseListQuery, sendList } from '../list-query';

// /admin/risk/lists: block- and allow-list entries. Entries are data, not rules: they take
// effect for the next order checked, and every change is in the audit log.

const SORTABLE = { id: 'id', list: 'list', kind: 'kind', value: 'value', createdAt: 'created_at' } as const;
const Filter = z.object({ id: IdList.optional(), list: z.enum(LISTS).optional(), kind: z.enum(LIST_KINDS).optional(), q: z.string().max(254).optional() }).strict();

type ListEntry = { id: string; list: string; kind: string; value: string; reason: string | null; created_by: string | null; created_at: Date };
const view = (r: ListEntry) => ({ id: r.id, list: r.list, kind: r.kind, value: r.value, reason: r.reason, createdBy: r.created_by, createdAt: r.created_at.toISOString() });
const uuid = z.uuid();

export function adminRiskListsRouter({ db }: { db: Db }) {
  const router = Router();
  router.get('/lists', allow('risk-lists', 'list'), async (req, res) => {
    const q = parseListQuery(req.query, { sortable: SORTABLE, defaultSort: ['createdAt', 'DESC'], filter: Filter });
    const base = db('risk_list_entries').where({ merchant_id: req.admin!.merchantId });
    if (q.filter.id)
      base.whereIn(
        'id',
        q.filter.id.filter((id) => uuid.safeParse(id).success),
      );
    if (q.filter.list) base.andWhere({ list: q.filter.list });
    if (q.filter.kind) base.andWhere({ kind: q.filter.kind });
    if (q.filter.q) base.andWhere('value', 'ilike', `%${escapeLike(q.filter.q)}%`);
    await sendList(res, db, 'lists', base.select('*'), q, view);
  });

  router.get('/lists/:id', allow('risk-lists', 'show'), async (req, res) => {
    const id = uuid.safeParse(req.params.id);
    const row = id.success ? await db('risk_list_entries').where({ id: id.data, merchant_id: req.admin!.merchantId }).first() : undefined;
    if (!row) throw notFound('List entry');
    res.json(view(row));
  });

  router.post('/lists', allow('risk-lists', 'create'), async (req, res) => {
    const entry = parseOrThrow(ListEntryInputSchema, req.body);
    const row = await db.transaction(async (trx) => {
      const [inserted] = await trx('risk_list_entries')
        .insert({
          id: crypto.randomUUID(),
          merchant_id: req.admin!.merchantId,
          list: entry.list,
          kind: entry.kind,
          value: normaliseEntryValue(entry.kind, entry.value),
          reason: entry.reason ?? null,
          created_by: `user:${req.admin!.email}`,
        })
        .onConflict(['merchant_id', 'kind', 'value', 'list'])
        .ignore()
        .returning('*');
      if (!inserted) throw conflict('list_entry_exists', `${entry.kind} ${entry.value} is already on the ${entry.list} list`);
      await audit(trx, req.admin!, 'risk.list.added', inserted);
      return inserted;
    });
    res.status(201).location(`/admin/risk/lists/${row.id}`).json(view(row));
  });

  router.put('/lists/:id', allow('risk-lists', 'edit'), async (req, res) => {
    const { id: _id, createdAt: _c, createdBy: _b, ...body } = (req.body ?? {}) as Record<string, unknown>;
    const entry = parseOrThrow(ListEntryInputSchema, { ...body, reason: body.reason ?? undefined });
    const row = await db.transaction(async (trx) => {
      const id = uuid.safeParse(req.params.id);
      const existing = id.success ? await trx('risk_list_entries').where({ id: id.data, merchant_id: req.admin!.merchantId }).forUpdate().first() : undefined;
      if (!existing) throw notFound('List entry');
      const value = normaliseEntryValue(entry.kind, entry.value);
      const clash = await trx('risk_list_entries')
        .where({ merchant_id: req.admin!.merchantId, list: entry.list, kind: entry.kind, value })
        .whereNot({ id: existing.id })
        .first('id');
      if (clash) throw conflict('list_entry_exists', `${entry.kind} ${entry.value} is already on the ${entry.list} list`);
      const [updated] = await trx('risk_list_entries')
        .where({ id: existing.id })
        .update({ list: entry.list, kind: entry.kind, value, reason: entry.reason ?? null })
        .returning('*');
      await audit(trx, req.admin!, 'risk.list.changed', updated, { before: view(existing) });
      return updated;
    });
    res.json(view(row));
  });

  router.delete('/lists/:id', allow('risk-lists', 'delete'), async (req, res) => {
    const row = await db.transaction(async (trx) => {
      const id = uuid.safeParse(req.params.id);
      const [deleted] = id.success ? await trx('risk_list_entries').where({ id: id.data, merchant_id: req.admin!.merchantId }).delete().returning('*') : [];
      if (!deleted) throw notFound('List entry');
      await audit(trx, req.admin!, 'risk.list.removed', deleted);
      return deleted;
    });
    res.json(view(row));
  });

  return router;
}

async function audit(trx: Db, admin: { merchantId: string; email: string }, action: string, entry: ListEntry, extra: Record<string, unknown> = {}) {
  await recordAudit(trx, {
    merchantId: admin.merchantId,
    actor: userActor(admin.email),
    action,
    target: `risk_list_entry:${entry.id}`,
    detail: { list: entry.list, kind: entry.kind, value: entry.value, reason: entry.reason, ...extra },
  });
}
