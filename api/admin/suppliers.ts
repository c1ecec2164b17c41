import express, { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import type { CodeVault } from '../../lib/code-vault';
import { AppError, notFound } from '../../lib/errors';
import { fulfilManually } from '../../orders/manual-fulfilment';
import { refreshBalance } from '../../suppliers/balances';
import type { SupplierRegistry } from '../../suppliers/registry';
import { createSupplier, setRoutes, updateSupplier } from '../../suppliers/supplier-config';
import { parseOrThrow } from '../errors';
import { requireRole } from './auth';

// Suppliers, a SKU's supplier routes, and supplier balances. Credentials are write-only: they
// are accepted here and never returned (only whether they are set).

const money = z.number().int().min(0).max(1e13);
const SupplierBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    kind: z.enum(['api', 'manual']),
    adapter: z.string().trim().min(1).max(50).optional(),
    baseUrl: z.url().optional(),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD').optional(),
    credentials: z.record(z.string().min(1).max(100), z.string().min(1).max(4096)).optional(),
    active: z.boolean().optional(),
    timeoutMs: z.number().int().min(100).max(120_000).optional(),
    rateLimitPerSecond: z.number().int().min(1).max(10_000).nullable().optional(),
    lowBalanceThreshold: money.nullable().optional(),
    circuitFailureThreshold: z.number().int().min(1).max(1000).optional(),
    circuitCooldownSeconds: z.number().int().min(1).max(86_400).optional(),
  })
  .strict();

const RoutesBody = z
  .object({
    routes: z
      .array(
        z
          .object({
            supplierId: z.uuid(),
            supplierProduct: z.string().trim().min(1).max(100),
            maxUnitCost: money.min(1),
            active: z.boolean().optional(),
          })
          .strict(),
      )
      .max(20),
  })
  .strict();

const ManualBody = z
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
    unitCost: money.optional(),
  })
  .strict();

export function supplierView(row: any) {
  const now = Date.now();
  const open = row.circuit_open_until && row.circuit_open_until.getTime() > now;
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    adapter: row.adapter,
    baseUrl: row.base_url,
    currency: row.currency,
    active: row.active,
    hasCredentials: row.credentials != null,
    timeoutMs: row.timeout_ms,
    rateLimitPerSecond: row.rate_limit_per_second,
    balance: row.balance,
    balanceCheckedAt: row.balance_checked_at?.toISOString() ?? null,
    lowBalanceThreshold: row.low_balance_threshold,
    circuit: {
      state: open ? 'open' : row.circuit_open_until ? 'half_open' : 'closed',
      consecutiveFailures: row.consecutive_failures,
      openUntil: open ? row.circuit_open_until.toISOString() : null,
      failureThreshold: row.circuit_failure_threshold,
      cooldownSeconds: row.circuit_cooldown_seconds,
    },
    createdAt: row.created_at.toISOString(),
  };
}

export function adminSuppliersRouter(deps: { db: Db; vault: CodeVault; suppliers: SupplierRegistry; wake: (orderId: string) => Promise<unknown> }) {
  const { db, vault } = deps;
  const router = Router();
  const json = express.json({ limit: '1mb' });
  const writers = requireRole('owner', 'operator');
  const audit = (req: express.Request, action: string, target: string, detail: Record<string, unknown> = {}) =>
    db('audit_log').insert({ merchant_id: req.admin!.merchantId, actor: `user:${req.admin!.email}`, action, target, detail: JSON.stringify(detail) });
  const supplierId = (req: express.Request) => {
    const parsed = z.uuid().safeParse(req.params.id);
    if (!parsed.success) throw notFound('Supplier');
    return parsed.data;
  };
  const load = async (req: express.Request) => {
    const row = await db('suppliers').where({ id: supplierId(req), merchant_id: req.admin!.merchantId }).first();
    if (!row) throw notFound('Supplier');
    return row;
  };

  router.get('/suppliers', async (req, res) => {
    const rows = await db('suppliers').where({ merchant_id: req.admin!.merchantId }).orderBy('name');
    res.set('Content-Range', `suppliers 0-${Math.max(rows.length - 1, 0)}/${rows.length}`).json(rows.map(supplierView));
  });

  router.get('/suppliers/:id', async (req, res) => void res.json(supplierView(await load(req))));

  router.post('/suppliers', writers, json, async (req, res) => {
    const body = parseOrThrow(SupplierBody, req.body);
    const id = await createSupplier(db, vault, req.admin!.merchantId, body);
    await audit(req, 'supplier.create', id, { name: body.name, credentialsSet: !!body.credentials });
    res.status(201).json(supplierView(await db('suppliers').where({ id }).first()));
  });

  router.put('/suppliers/:id', writers, json, async (req, res) => {
    // react-admin sends the whole record back: read-only fields are dropped, the rest checked.
    const { id: _id, hasCredentials: _h, balance: _b, balanceCheckedAt: _bc, circuit: _c, createdAt: _ca, ...rest } = (req.body ?? {}) as Record<string, unknown>;
    const body = parseOrThrow(SupplierBody.partial(), rest);
    await updateSupplier(db, vault, req.admin!.merchantId, supplierId(req), body);
    await audit(req, 'supplier.update', supplierId(req), { fields: Object.keys(body), credentialsChanged: !!body.credentials });
    res.json(supplierView(await load(req)));
  });

  router.post('/suppliers/:id/balance/refresh', writers, async (req, res) => {
    const row = await load(req);
    if (row.kind !== 'api') throw new AppError('conflict', 'no_api', `${row.name} has no API to ask`);
    try {
      await refreshBalance(db, deps.suppliers, row.id);
    } catch (err) {
      throw new AppError('unavailable', 'supplier_unavailable', `${row.name} did not report its balance: ${(err as Error).message}`);
    }
    res.json(supplierView(await load(req)));
  });

  router.get('/skus/:sku/routes', async (req, res) => {
    const sku = await db('skus').where({ merchant_id: req.admin!.merchantId, code: String(req.params.sku) }).first('id');
    if (!sku) throw notFound('SKU');
    const routes = await db('sku_supplier_routes as r')
      .join('suppliers as s', 's.id', 'r.supplier_id')
      .where('r.sku_id', sku.id)
      .orderBy('r.priority')
      .select('r.id', 'r.priority', 'r.supplier_id', 's.name', 'r.supplier_product', 'r.max_unit_cost', 'r.active');
    res.json({
      routes: routes.map((r) => ({ id: r.id, priority: r.priority, supplierId: r.supplier_id, supplierName: r.name, supplierProduct: r.supplier_product, maxUnitCost: r.max_unit_cost, active: r.active })),
    });
  });

  router.put('/skus/:sku/routes', writers, json, async (req, res) => {
    const body = parseOrThrow(RoutesBody, req.body);
    await setRoutes(db, req.admin!.merchantId, String(req.params.sku), body.routes);
    await audit(req, 'sku.routes', String(req.params.sku), { routes: body.routes.length });
    res.json({ routes: body.routes.map((r, i) => ({ priority: i + 1, ...r })) });
  });

  router.get('/alerts', async (req, res) => {
    const q = parseOrThrow(z.object({ open: z.enum(['true', 'false']).optional() }).strict(), req.query, 'query');
    const rows = await db('alerts')
      .where({ merchant_id: req.admin!.merchantId })
      .modify((b) => {
        if (q.open === 'true') b.whereNull('resolved_at');
        if (q.open === 'false') b.whereNotNull('resolved_at');
      })
      .orderBy('created_at', 'desc')
      .limit(500);
    const list = rows.map((a: any) => ({ id: a.id, kind: a.kind, subjectId: a.subject_id, message: a.message, detail: a.detail, createdAt: a.created_at.toISOString(), resolvedAt: a.resolved_at?.toISOString() ?? null }));
    res.set('Content-Range', `alerts 0-${Math.max(list.length - 1, 0)}/${list.length}`).json(list);
  });

  router.get('/manual-tasks', async (req, res) => {
    const tasks = await db('manual_tasks as t')
      .join('orders as o', 'o.id', 't.order_id')
      .where({ 't.merchant_id': req.admin!.merchantId })
      .whereIn('t.status', ['open', 'escalated'])
      .orderBy('t.created_at')
      .select('t.order_id', 't.status', 't.escalate_at', 't.cancel_at', 't.created_at', 'o.external_ref');
    const units = tasks.length
      ? await db('order_units as u')
          .join('order_items as i', 'i.id', 'u.order_item_id')
          .join('skus as s', 's.id', 'u.sku_id')
          .whereIn('u.order_id', tasks.map((t) => t.order_id))
          .where({ 'u.source': 'manual', 'u.status': 'pending' })
          .orderBy(['u.order_item_id', 'u.seq'])
          .select('u.id', 'u.order_id', 's.code', 'i.account')
      : [];
    const list = tasks.map((t) => ({
      id: t.order_id,
      orderId: t.order_id,
      externalRef: t.external_ref,
      status: t.status,
      escalateAt: t.escalate_at.toISOString(),
      cancelAt: t.cancel_at.toISOString(),
      createdAt: t.created_at.toISOString(),
      units: units.filter((u) => u.order_id === t.order_id).map((u) => ({ id: u.id, sku: u.code, account: u.account, needs: u.account ? 'receipt' : 'code' })),
    }));
    res.set('Content-Range', `manual-tasks 0-${Math.max(list.length - 1, 0)}/${list.length}`).json(list);
  });

  router.post('/orders/:id/manual-fulfilment', requireRole('owner', 'operator', 'support'), json, async (req, res) => {
    const parsed = z.uuid().safeParse(req.params.id);
    if (!parsed.success) throw notFound('Order');
    const body = parseOrThrow(ManualBody, req.body);
    const result = await fulfilManually(db, vault, { merchantId: req.admin!.merchantId, orderId: parsed.data, actor: `user:${req.admin!.email}`, ...body });
    await deps.wake(parsed.data);
    res.json({ orderId: parsed.data, unitsFulfilled: result.units });
  });

  return router;
}
