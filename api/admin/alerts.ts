import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import { ALERT_KINDS } from '../../lib/alert-kinds';
import { parseOrThrow } from '../errors';
import { allow } from './auth';
import { describeAlerts, type AlertRow } from './alert-subjects';
import { IdList, parseListQuery, sendDescribedList, wholeListUnlessRanged } from './list-query';

// Alerts for people: open ones first, filtered by kind; each described with its subject.

const AlertFilter = z.object({ id: IdList.optional(), open: z.boolean().optional(), kind: z.enum(ALERT_KINDS).optional() }).strict();

export function adminAlertsRouter(deps: { db: Db }) {
  const { db } = deps;
  const router = Router();

  router.get('/alerts', allow('alerts', 'list'), async (req, res) => {
    // `?open=true` for scripts, or react-admin's filter={"open":true}.
    const { open, ...rest } = req.query as Record<string, unknown>;
    const openParam = parseOrThrow(z.object({ open: z.enum(['true', 'false']).optional() }), { open }, 'query').open;
    const params = parseListQuery(wholeListUnlessRanged(rest), {
      sortable: { createdAt: 'created_at', kind: 'kind', resolvedAt: 'resolved_at' },
      defaultSort: ['createdAt', 'DESC'],
      filter: AlertFilter,
    });
    const f = params.filter;
    const onlyOpen = f.open ?? (openParam === undefined ? undefined : openParam === 'true');
    const q = db('alerts').where({ merchant_id: req.admin!.merchantId }).select('*');
    if (onlyOpen === true) q.whereNull('resolved_at');
    if (onlyOpen === false) q.whereNotNull('resolved_at');
    if (f.kind) q.where('kind', f.kind);
    if (f.id)
      q.whereIn(
        'id',
        f.id.filter((id) => z.uuid().safeParse(id).success),
      );
    await sendDescribedList(res, db, 'alerts', q, params, (rows: AlertRow[]) => describeAlerts(db, req.admin!.merchantId, rows));
  });

  return router;
}
