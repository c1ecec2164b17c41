import express, { Router, type Request } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import type { OrderRow } from '../../db/tables';
import type { Attention } from '../../orders/needs-attention';
import { userActor } from '../../lib/audit';
import { AppError, notFound } from '../../lib/errors';
import type { FulfilmentClient } from '../../orders/fulfilment-client';
import { ATTENTION_ACTIONS, type AttentionAction, type AttentionResolution } from '../../workflows/messages';
import { parseOrThrow } from '../errors';
import { allow } from './auth';
import { iso, parseListQuery, sendDescribedList } from './list-query';

// The "Needs attention" queue: orders whose workflow stopped for a person (a broken invariant,
// a step out of retries), oldest first, with the step, what broke and the supplier involved;
// and the support actions on them, one order or many at once (after an outage).

/** Which order permission each action needs: the same as the order's own buttons. */
export const ACTION_PERMISSION: Record<AttentionAction, string> = { retry: 'retry', fulfil_manually: 'fulfil', refund: 'refund' };

const Filter = z.object({ step: z.string().max(32).optional(), code: z.string().max(64).optional(), supplierId: z.uuid().optional() }).strict();
export const Bulk = z
  .object({
    action: z.enum(ATTENTION_ACTIONS),
    ids: z.array(z.uuid()).min(1).max(100),
    note: z.string().trim().min(3, 'Say why, in a few words').max(500),
  })
  .strict();

export function adminAttentionRouter(deps: { db: Db; fulfilment: FulfilmentClient; maxBodyBytes: number }) {
  const { db, fulfilment } = deps;
  const router = Router();
  const json = express.json({ limit: deps.maxBodyBytes });

  router.get('/needs-attention', allow('needs-attention', 'list'), async (req, res) => {
    const params = parseListQuery(req.query, {
      sortable: { since: 'o.updated_at', step: `o.attention->>'step'`, externalRef: 'o.external_ref' },
      defaultSort: ['since', 'ASC'],
      filter: Filter,
    });
    const q = db('orders as o')
      .where({ 'o.merchant_id': req.admin!.merchantId, 'o.status': 'needs_attention' })
      .select('o.id', 'o.external_ref', 'o.currency', 'o.total_amount', 'o.attention', 'o.updated_at', db.raw(`o.attention->>'step' as step`));
    if (params.filter.step) q.whereRaw(`o.attention->>'step' = ?`, [params.filter.step]);
    if (params.filter.code) q.whereRaw(`o.attention->>'code' = ?`, [params.filter.code]);
    if (params.filter.supplierId) q.whereRaw(`o.attention->'supplierIds' \\? ?`, [params.filter.supplierId]);
    await sendDescribedList(
      res,
      db,
      'needs-attention',
      q,
      params,
      async (rows: (Pick<OrderRow, 'id' | 'external_ref' | 'currency' | 'total_amount' | 'updated_at'> & { attention: Attention | null })[]) => {
        const supplierIds = [...new Set(rows.flatMap((o) => o.attention?.supplierIds ?? []))];
        const suppliers = supplierIds.length ? await db('suppliers').where({ merchant_id: req.admin!.merchantId }).whereIn('id', supplierIds).select('id', 'name') : [];
        const nameOf = new Map(suppliers.map((s) => [s.id, s.name]));
        return rows.map((o) => ({
          id: o.id,
          externalRef: o.external_ref,
          currency: o.currency,
          totalAmount: o.total_amount,
          step: o.attention?.step ?? null,
          code: o.attention?.code ?? null,
          params: o.attention?.params ?? {},
          since: o.attention?.since ?? iso(o.updated_at),
          suppliers: (o.attention?.supplierIds ?? []).filter((id: string) => nameOf.has(id)).map((id: string) => ({ id, name: nameOf.get(id) })),
        }));
      },
      'o.id',
    );
  });

  // Many orders at once, each on its own: one refused does not stop the others, and the answer says what happened to each.
  router.post('/needs-attention/bulk', json, async (req, res) => {
    const { action, ids, note } = parseOrThrow(Bulk, req.body ?? {});
    allow('orders', ACTION_PERMISSION[action])(req, res, () => undefined);
    const results = [];
    for (const id of ids) {
      try {
        await resolveOne(req, id, action, note);
        results.push({ id, ok: true });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        results.push({ id, ok: false, error: { code: err.code, message: err.message } });
      }
    }
    res.json({ action, results });
  });

  async function resolveOne(req: Request, orderId: string, action: AttentionAction, note: string) {
    const order = await db('orders').where({ id: orderId, merchant_id: req.admin!.merchantId }).first('id');
    if (!order) throw notFound('Order');
    await resolveAttention(fulfilment, order.id, { action, actor: userActor(req.admin!.email), note });
  }

  return router;
}

/** A support action on a stopped order, done by its workflow; a refund queues its own `order.refunded` webhook (orders/refund-order.ts). */
export async function resolveAttention(fulfilment: FulfilmentClient, orderId: string, resolution: AttentionResolution): Promise<void> {
  await fulfilment.resolveAttention(orderId, resolution);
}
