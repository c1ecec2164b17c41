import express, { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import type { CodeVault } from '../../lib/code-vault';
import { userActor } from '../../lib/audit';
import { notFound } from '../../lib/errors';
import { fulfilManually, pendingManualUnits } from '../../orders/manual-fulfilment';
import { parseOrThrow } from '../errors';
import { allow } from './auth';
import { Money } from './money';
import { IdList, parseListQuery, sendDescribedList, wholeListUnlessRanged } from './list-query';

// Manual fulfilment: the tasks waiting on a person, and the codes or receipts they enter.

export const ManualBody = z
  .object({
    codes: z
      .array(
        z
          .object({
            number: z.string().trim().min(1).max(512),
            pin: z.string().trim().min(1).max(512).optional(),
            url: z.url().max(2048).optional(),
            expiresAt: z.iso.datetime({ offset: true }).optional(),
          })
          .strict(),
      )
      .max(1000)
      .optional(),
    receipts: z.array(z.string().trim().min(1).max(200)).max(1000).optional(),
    unitCost: Money.optional(),
  })
  .strict();

const TaskFilter = z.object({ id: IdList.optional(), status: z.enum(['open', 'escalated']).optional() }).strict();

export function adminManualTasksRouter(deps: { db: Db; vault: CodeVault; wake: (orderId: string) => Promise<unknown> }) {
  const { db, vault } = deps;
  const router = Router();
  const json = express.json({ limit: '1mb' });

  // Orders waiting on a person to fulfil them by hand, with the units to fill in the order
  // POST /orders/:id/manual-fulfilment matches codes and receipts to them.
  const taskQuery = (merchantId: string) =>
    db('manual_tasks as t')
      .join('orders as o', 'o.id', 't.order_id')
      .where({ 't.merchant_id': merchantId })
      .select(
        't.order_id as id',
        't.status',
        't.escalate_at',
        't.cancel_at',
        't.created_at',
        't.done_by',
        'o.external_ref',
        'o.currency',
        'o.total_amount',
        'o.status as order_status',
      );
  const describeTasks = async (
    tasks: {
      id: string;
      status: string;
      escalate_at: Date;
      cancel_at: Date;
      created_at: Date;
      done_by: string | null;
      external_ref: string;
      currency: string;
      total_amount: number;
      order_status: string;
    }[],
  ) => {
    const units = await pendingManualUnits(
      db,
      tasks.map((t) => t.id),
    );
    return tasks.map((t) => ({
      id: t.id,
      orderId: t.id,
      externalRef: t.external_ref,
      status: t.status,
      orderStatus: t.order_status,
      currency: t.currency.trim(),
      totalAmount: t.total_amount,
      escalateAt: t.escalate_at.toISOString(),
      cancelAt: t.cancel_at.toISOString(),
      createdAt: t.created_at.toISOString(),
      doneBy: t.done_by,
      units: units.filter((u) => u.order_id === t.id).map((u) => ({ id: u.id, sku: u.sku, account: u.account, needs: u.account ? 'receipt' : 'code' })),
    }));
  };

  router.get('/manual-tasks', allow('manual-tasks', 'list'), async (req, res) => {
    const params = parseListQuery(wholeListUnlessRanged(req.query), {
      sortable: { createdAt: 't.created_at', escalateAt: 't.escalate_at', cancelAt: 't.cancel_at', status: 't.status' },
      defaultSort: ['createdAt', 'ASC'],
      filter: TaskFilter,
    });
    const f = params.filter;
    const q = taskQuery(req.admin!.merchantId).whereIn('t.status', f.status ? [f.status] : ['open', 'escalated']);
    if (f.id)
      q.whereIn(
        't.order_id',
        f.id.filter((id) => z.uuid().safeParse(id).success),
      );
    await sendDescribedList(res, db, 'manual-tasks', q, params, describeTasks, 't.order_id');
  });

  // One order's task, whatever its state (the console's fulfil form reads the units from here).
  router.get('/manual-tasks/:id', allow('manual-tasks', 'show'), async (req, res) => {
    const parsed = z.uuid().safeParse(req.params.id);
    const task = parsed.success ? await taskQuery(req.admin!.merchantId).where('t.order_id', parsed.data).first() : undefined;
    if (!task) throw notFound('Manual task');
    res.json((await describeTasks([task]))[0]);
  });

  router.post('/orders/:id/manual-fulfilment', allow('orders', 'fulfil'), json, async (req, res) => {
    const parsed = z.uuid().safeParse(req.params.id);
    if (!parsed.success) throw notFound('Order');
    const body = parseOrThrow(ManualBody, req.body);
    const result = await fulfilManually(db, vault, { merchantId: req.admin!.merchantId, orderId: parsed.data, actor: userActor(req.admin!.email), ...body });
    await deps.wake(parsed.data);
    res.json({ orderId: parsed.data, unitsFulfilled: result.units });
  });

  return router;
}
