import express, { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import type { CodeVault } from '../../lib/code-vault';
import type { OutboundHttp } from '../../lib/outbound-http';
import { recordAudit, userActor, type AuditTarget } from '../../lib/audit';
import { AppError, notFound } from '../../lib/errors';
import { fieldPattern } from '../../lib/field-codes';
import { refreshBalance } from '../../suppliers/balances';
import { ADAPTERS, type SupplierRegistry } from '../../suppliers/registry';
import { supplierBooks } from '../../suppliers/books';
import { createSupplier, setRoutes, updateSupplier } from '../../suppliers/supplier-config';
import { paySupplier, setSupplierTerms } from '../../suppliers/terms';
import { checkOutboundTarget, parseOrThrow } from '../errors';
import { jsonBody } from '../well-formed';
import { allow } from './auth';
import { Money } from './money';
import { escapeLike, IdList, parseListQuery, sendList, wholeListUnlessRanged } from './list-query';
import type { SupplierRow } from '../../db/tables';

// Suppliers, a SKU's supplier routes, and supplier balances. Credentials are write-only: they
// are accepted here and never returned (only whether they are set).

export const SupplierBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    kind: z.enum(['api', 'manual']),
    adapter: z.string().trim().min(1).max(50).optional(),
    baseUrl: z.url().max(2000).optional(),
    currency: z
      .string()
      .regex(fieldPattern('currency_code', /^[A-Z]{3}$/), 'an ISO 4217 code such as USD')
      .optional(),
    credentials: z.record(z.string().min(1).max(100), z.string().min(1).max(4096)).optional(),
    active: z.boolean().optional(),
    timeoutMs: z.number().int().min(100).max(120_000).optional(),
    rateLimitPerSecond: z.number().int().min(1).max(10_000).nullable().optional(),
    lowBalanceThreshold: Money.nullable().optional(),
    circuitFailureThreshold: z.number().int().min(1).max(1000).optional(),
    circuitCooldownSeconds: z.number().int().min(1).max(86_400).optional(),
  })
  .strict();

export const RoutesBody = z
  .object({
    routes: z
      .array(
        z
          .object({
            supplierId: z.uuid(),
            supplierProduct: z.string().trim().min(1).max(100),
            maxUnitCost: Money.min(1),
            active: z.boolean().optional(),
          })
          .strict(),
      )
      .max(20),
  })
  .strict();

export const TermsBody = z
  .discriminatedUnion('terms', [
    z.object({ terms: z.literal('prepaid') }).strict(),
    z.object({ terms: z.literal('credit'), creditDays: z.number().int().min(0).max(365), statementPeriod: z.enum(['week', 'month']) }).strict(),
  ])
  .meta({ id: 'SupplierTerms' });

export const PaymentBody = z.object({ amount: Money.min(1), reference: z.string().trim().min(1).max(200).optional() }).strict();

const SupplierFilter = z
  .object({ id: IdList.optional(), q: z.string().trim().max(100).optional(), kind: z.enum(['api', 'manual']).optional(), active: z.boolean().optional() })
  .strict();

export function supplierView(row: SupplierRow) {
  const now = Date.now();
  const openUntil = row.circuit_open_until && row.circuit_open_until.getTime() > now ? row.circuit_open_until : null;
  const open = openUntil !== null;
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
    terms: row.terms,
    creditDays: row.credit_days,
    statementPeriod: row.statement_period,
    // Flat as well, so the console's form sends them back as PUT takes them.
    circuitFailureThreshold: row.circuit_failure_threshold,
    circuitCooldownSeconds: row.circuit_cooldown_seconds,
    circuit: {
      state: open ? 'open' : row.circuit_open_until ? 'half_open' : 'closed',
      consecutiveFailures: row.consecutive_failures,
      openUntil: openUntil?.toISOString() ?? null,
      failureThreshold: row.circuit_failure_threshold,
      cooldownSeconds: row.circuit_cooldown_seconds,
    },
    createdAt: row.created_at.toISOString(),
  };
}

export function adminSuppliersRouter(deps: { db: Db; vault: CodeVault; suppliers: SupplierRegistry; outbound: OutboundHttp }) {
  const { db, vault } = deps;
  const router = Router();
  const json = jsonBody('1mb');
  const audit = (req: express.Request, action: string, target: AuditTarget, detail: Record<string, unknown> = {}) =>
    recordAudit(db, { merchantId: req.admin!.merchantId, actor: userActor(req.admin!.email), action, target, detail });
  const supplierId = (req: express.Request) => {
    const parsed = z.uuid().safeParse(req.params.id);
    if (!parsed.success) throw notFound('Supplier');
    return parsed.data;
  };
  const load = async (req: express.Request) => {
    const row = await db('suppliers')
      .where({ id: supplierId(req), merchant_id: req.admin!.merchantId })
      .first();
    if (!row) throw notFound('Supplier');
    return row;
  };

  router.get('/suppliers', allow('suppliers', 'list'), async (req, res) => {
    const params = parseListQuery(wholeListUnlessRanged(req.query), {
      sortable: { name: 'name', kind: 'kind', currency: 'currency', balance: 'balance', createdAt: 'created_at', active: 'active' },
      defaultSort: ['name', 'ASC'],
      filter: SupplierFilter,
    });
    const f = params.filter;
    const q = db('suppliers').where({ merchant_id: req.admin!.merchantId }).select('*');
    if (f.id)
      q.whereIn(
        'id',
        f.id.filter((id) => z.uuid().safeParse(id).success),
      );
    if (f.q) q.where('name', 'ilike', `%${escapeLike(f.q)}%`);
    if (f.kind) q.where('kind', f.kind);
    if (f.active !== undefined) q.where('active', f.active);
    await sendList(res, db, 'suppliers', q, params, supplierView);
  });

  // The protocols Cardflow can speak, for the console's supplier form.
  router.get('/supplier-adapters', allow('suppliers', 'list'), (_req, res) => void res.json({ adapters: Object.keys(ADAPTERS) }));

  router.get('/suppliers/:id', allow('suppliers', 'show'), async (req, res) => void res.json(supplierView(await load(req))));

  router.post('/suppliers', allow('suppliers', 'create'), json, async (req, res) => {
    const body = parseOrThrow(SupplierBody, req.body);
    await checkOutboundTarget(deps.outbound, 'baseUrl', body.baseUrl);
    const id = await createSupplier(db, vault, req.admin!.merchantId, body);
    await audit(req, 'supplier.create', `supplier:${id}`, { name: body.name, credentialsSet: !!body.credentials });
    const created = await db('suppliers').where({ id }).first();
    if (!created) throw notFound('Supplier');
    res.status(201).json(supplierView(created));
  });

  router.put('/suppliers/:id', allow('suppliers', 'edit'), json, async (req, res) => {
    // react-admin sends the whole record back: read-only fields are dropped, the rest checked.
    // Terms have their own call (PUT /suppliers/:id/terms): they are the books', not the connection's.
    const {
      id: _id,
      hasCredentials: _h,
      balance: _b,
      balanceCheckedAt: _bc,
      circuit: _c,
      createdAt: _ca,
      terms: _t,
      creditDays: _cd,
      statementPeriod: _sp,
      ...rest
    } = (req.body ?? {}) as Record<string, unknown>;
    // A manual supplier's record comes back with these as null: that is "not set", not a change.
    for (const unset of ['adapter', 'baseUrl', 'currency'] as const) if (rest[unset] === null) delete rest[unset];
    const body = parseOrThrow(SupplierBody.partial(), rest);
    await checkOutboundTarget(deps.outbound, 'baseUrl', body.baseUrl);
    await updateSupplier(db, vault, req.admin!.merchantId, supplierId(req), body);
    await audit(req, 'supplier.update', `supplier:${supplierId(req)}`, { fields: Object.keys(body), credentialsChanged: !!body.credentials });
    res.json(supplierView(await load(req)));
  });

  router.post('/suppliers/:id/balance/refresh', allow('suppliers', 'refresh'), async (req, res) => {
    const row = await load(req);
    if (row.kind !== 'api') throw new AppError('conflict', 'no_api', `${row.name} has no API to ask`);
    try {
      await refreshBalance(db, deps.suppliers, row.id);
    } catch (err) {
      throw new AppError('unavailable', 'supplier_unavailable', `${row.name} did not report its balance: ${(err as Error).message}`);
    }
    res.json(supplierView(await load(req)));
  });

  router.put('/suppliers/:id/terms', allow('suppliers', 'terms'), json, async (req, res) => {
    const body = parseOrThrow(TermsBody, req.body);
    await setSupplierTerms(db, req.admin!.merchantId, supplierId(req), body, userActor(req.admin!.email));
    res.json(supplierView(await load(req)));
  });

  router.post('/suppliers/:id/payments', allow('suppliers', 'pay'), json, async (req, res) => {
    const body = parseOrThrow(PaymentBody, req.body);
    const paid = await paySupplier(db, {
      merchantId: req.admin!.merchantId,
      supplierId: supplierId(req),
      amount: body.amount,
      reference: body.reference,
      actor: userActor(req.admin!.email),
    });
    res.status(201).json({ ...paid, supplier: supplierView(await load(req)) });
  });

  // Balance or amount owed, spend this period, failure rate, average cost per SKU: from the ledger.
  router.get('/suppliers/:id/books', allow('suppliers', 'show'), async (req, res) => {
    const books = await supplierBooks(db, req.admin!.merchantId, supplierId(req));
    if (!books) throw notFound('Supplier');
    res.json(books);
  });

  router.get('/skus/:sku/routes', allow('skus', 'show'), async (req, res) => {
    const sku = await db('skus')
      .where({ merchant_id: req.admin!.merchantId, code: String(req.params.sku) })
      .first('id');
    if (!sku) throw notFound('SKU');
    const routes = await db('sku_supplier_routes as r')
      .join('suppliers as s', 's.id', 'r.supplier_id')
      .where('r.sku_id', sku.id)
      .orderBy('r.priority')
      .select('r.id', 'r.priority', 'r.supplier_id', 's.name', 'r.supplier_product', 'r.max_unit_cost', 'r.active');
    res.json({
      routes: routes.map((r) => ({
        id: r.id,
        priority: r.priority,
        supplierId: r.supplier_id,
        supplierName: r.name,
        supplierProduct: r.supplier_product,
        maxUnitCost: r.max_unit_cost,
        active: r.active,
      })),
    });
  });

  router.put('/skus/:sku/routes', allow('skus', 'edit'), json, async (req, res) => {
    const body = parseOrThrow(RoutesBody, req.body);
    await setRoutes(db, req.admin!.merchantId, String(req.params.sku), body.routes);
    await audit(req, 'sku.routes', `sku:${String(req.params.sku)}`, { routes: body.routes.length });
    res.json({ routes: body.routes.map((r, i) => ({ priority: i + 1, ...r })) });
  });

  return router;
}
