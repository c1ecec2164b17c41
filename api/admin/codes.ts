import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import { recordAudit, userActor } from '../../lib/audit';
import type { CodeVault } from '../../lib/code-vault';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import { AppError, notFound } from '../../lib/errors';
import { codesMatching } from '../../orders/order-search';
import { openCode } from '../../stock/code-secret';
import { voidCodes } from '../../stock/void-codes';
import { voidReason } from '../../stock/void-reasons';
import { parseOrThrow } from '../errors';
import { consumeOrRefuse } from '../rate-limit';
import { jsonBody } from '../well-formed';
import { allow } from './auth';
import { escapeLike, IdList, iso, parseListQuery, sendList } from './list-query';
import type { CodeRow, SkuRow, StockBatchRow } from '../../db/tables';

// Stock as the console sees it: per-SKU counts, batches, and codes — always masked. Revealing a
// code is its own request, allowed to few roles and written to the audit log. Voiding is
// stock/void-codes.ts's rule, for chosen codes or a whole batch; a lookup finds a code's order.

const uuid = z.uuid();
const CODE_STATUSES = ['available', 'allocated', 'voided'] as const;

const StockFilter = z.object({ id: IdList.optional(), q: z.string().trim().max(100).optional(), low: z.boolean().optional() }).strict();
const BatchFilter = z.object({ id: IdList.optional(), sku: z.string().max(64).optional() }).strict();
export const CodeFilter = z
  .object({
    // Codes that went to a buyer (delivered, or voided by a refund after it).
    sold: z.boolean().optional(),
    id: IdList.optional(),
    sku: z.string().max(64).optional(),
    batchId: uuid.optional(),
    status: z.enum(CODE_STATUSES).optional(),
    expired: z.boolean().optional(),
  })
  .strict();
export const Lookup = z.object({ code: z.string().trim().min(4, 'Type or paste the whole code').max(512) }).strict();
export const VoidBatch = z.object({ reason: z.string().trim().min(3, 'Say why, in a few words').max(500) }).strict();
export const Void = z.object({ ids: z.array(uuid).min(1, 'Choose at least one code').max(500), reason: z.string().trim().min(3, 'Say why, in a few words').max(500) }).strict();

export function adminCodesRouter(deps: { db: Db; vault: CodeVault; maxBodyBytes: number; revealsPerHour: number }) {
  const { db, vault } = deps;
  const router = Router();
  // Revealing is limited per user on its own, far below the general request limit: a borrowed
  // session or token cannot read out the stock one code at a time.
  const reveals = new RateLimiterPostgres({
    storeClient: db,
    storeType: 'knex',
    tableName: 'rate_limits',
    tableCreated: true,
    keyPrefix: 'reveal',
    points: deps.revealsPerHour,
    duration: 3600,
  });
  const json = jsonBody(deps.maxBodyBytes);

  function stockQuery(merchantId: string) {
    const counts = db('codes')
      .where({ merchant_id: merchantId })
      .groupBy('sku_id')
      .select(
        'sku_id',
        db.raw(`count(*) FILTER (WHERE status = 'available' AND (expires_at IS NULL OR expires_at > now()))::int AS usable`),
        db.raw(`count(*) FILTER (WHERE status = 'available' AND expires_at <= now())::int AS expired`),
        db.raw(`count(*) FILTER (WHERE status = 'allocated')::int AS allocated`),
        db.raw(`count(*) FILTER (WHERE status = 'voided')::int AS voided`),
      )
      .as('c');
    const promised = db('reservations').where({ status: 'held' }).groupBy('sku_id').select('sku_id', db.raw('sum(quantity)::int AS promised')).as('r');
    return db('skus as s')
      .leftJoin(counts, 'c.sku_id', 's.id')
      .leftJoin(promised, 'r.sku_id', 's.id')
      .where({ 's.merchant_id': merchantId, 's.fulfilment_mode': 'stock' })
      .select(
        's.code',
        's.name',
        's.currency',
        's.stock_available',
        's.low_stock_threshold',
        's.active',
        's.cost',
        's.codes_case_sensitive',
        db.raw('coalesce(c.usable, 0) AS usable'),
        db.raw('coalesce(c.expired, 0) AS expired'),
        db.raw('coalesce(c.allocated, 0) AS allocated'),
        db.raw('coalesce(c.voided, 0) AS voided'),
        db.raw('coalesce(r.promised, 0) AS promised'),
      );
  }
  const stockJson = (s: StockLine) => ({
    id: s.code,
    sku: s.code,
    name: s.name,
    currency: s.currency.trim(),
    active: s.active,
    defaultUnitCost: s.cost,
    codesCaseSensitive: s.codes_case_sensitive,
    stockAvailable: s.stock_available,
    lowStockThreshold: s.low_stock_threshold,
    low: s.low_stock_threshold !== null && s.stock_available <= s.low_stock_threshold,
    codes: { available: s.usable, expired: s.expired, allocated: s.allocated, voided: s.voided },
    promised: s.promised,
  });

  router.get('/stock', allow('stock', 'list'), async (req, res) => {
    const params = parseListQuery(req.query, {
      sortable: { id: 's.code', sku: 's.code', name: 's.name', stockAvailable: 's.stock_available' },
      defaultSort: ['sku', 'ASC'],
      filter: StockFilter,
    });
    const f = params.filter;
    const q = stockQuery(req.admin!.merchantId);
    if (f.id) q.whereIn('s.code', f.id);
    if (f.q) q.where((w) => w.where('s.code', 'ilike', `%${escapeLike(f.q!)}%`).orWhere('s.name', 'ilike', `%${escapeLike(f.q!)}%`));
    if (f.low) q.whereNotNull('s.low_stock_threshold').whereRaw('s.stock_available <= s.low_stock_threshold');
    await sendList(res, db, 'stock', q, params, stockJson, 's.id');
  });

  router.get('/stock/:sku', allow('stock', 'show'), async (req, res) => {
    const row = await stockQuery(req.admin!.merchantId).where('s.code', req.params.sku).first();
    if (!row) throw notFound('SKU');
    res.json(stockJson(row));
  });

  const batchesQuery = (merchantId: string) =>
    db('stock_batches as b')
      .join('skus as s', 's.id', 'b.sku_id')
      .where('b.merchant_id', merchantId)
      .select(
        'b.*',
        's.code as sku',
        db.raw(`(SELECT json_build_object(
            'available', count(*) FILTER (WHERE c.status = 'available' AND (c.expires_at IS NULL OR c.expires_at > now())),
            'expired', count(*) FILTER (WHERE c.status = 'available' AND c.expires_at <= now()),
            'allocated', count(*) FILTER (WHERE c.status = 'allocated'),
            'voided', count(*) FILTER (WHERE c.status = 'voided'))
          FROM codes c WHERE c.batch_id = b.id) AS counts`),
      );
  const batchJson = (b: BatchLine) => ({
    id: b.id,
    sku: b.sku,
    source: b.source,
    unitCost: b.unit_cost,
    currency: b.currency.trim(),
    importedCount: b.imported_count,
    duplicateCount: b.duplicate_count,
    importedBy: b.imported_by,
    createdAt: iso(b.created_at),
    counts: b.counts,
  });

  router.get('/batches', allow('batches', 'list'), async (req, res) => {
    const params = parseListQuery(req.query, {
      sortable: { createdAt: 'b.created_at', importedCount: 'b.imported_count' },
      defaultSort: ['createdAt', 'DESC'],
      filter: BatchFilter,
    });
    const f = params.filter;
    const q = batchesQuery(req.admin!.merchantId);
    if (f.id)
      q.whereIn(
        'b.id',
        f.id.filter((id) => uuid.safeParse(id).success),
      );
    if (f.sku) q.where('s.code', f.sku);
    await sendList(res, db, 'batches', q, params, batchJson, 'b.id');
  });

  router.get('/codes', allow('codes', 'list'), async (req, res) => {
    const params = parseListQuery(req.query, {
      sortable: { createdAt: 'c.created_at', expiresAt: 'c.expires_at', status: 'c.status', allocatedAt: 'c.allocated_at' },
      defaultSort: ['createdAt', 'DESC'],
      filter: CodeFilter,
    });
    const q = listedCodes(db, req.admin!.merchantId, params.filter);
    await sendList(
      res,
      db,
      'codes',
      q,
      params,
      (
        c: Pick<CodeRow, 'id' | 'mask' | 'status' | 'expires_at' | 'created_at' | 'allocated_at' | 'voided_at' | 'void_reason' | 'batch_id'> & {
          sku: string;
          order_id: string | null;
        },
      ) => ({
        id: c.id,
        sku: c.sku,
        batchId: c.batch_id,
        mask: c.mask,
        status: c.status,
        orderId: c.order_id,
        expiresAt: iso(c.expires_at),
        createdAt: iso(c.created_at),
        allocatedAt: iso(c.allocated_at),
        voidedAt: iso(c.voided_at),
        voidReason: c.void_reason,
        voidReasonCode: voidReason(c.void_reason),
      }),
      'c.id',
    );
  });

  router.post('/codes/:id/reveal', allow('codes', 'reveal'), async (req, res) => {
    await consumeOrRefuse(
      reveals,
      req.admin!.userId,
      res,
      (seconds) =>
        new AppError('rate_limited', 'reveal_limit', `You have revealed ${deps.revealsPerHour} codes within the hour; try again in ${Math.ceil(seconds / 60)} min`, {
          retryAfterSeconds: seconds,
          perHour: deps.revealsPerHour,
        }),
    );
    const id = uuid.safeParse(req.params.id);
    const row = id.success
      ? await db('codes as c')
          .join('skus as s', 's.id', 'c.sku_id')
          .where({ 'c.id': id.data, 'c.merchant_id': req.admin!.merchantId })
          .first('c.id', 'c.key_id', 'c.secret', 'c.expires_at', 'c.mask', 'c.status', 's.code as sku')
      : undefined;
    if (!row) throw notFound('Code');
    const secret = openCode(vault, row);
    // The audit row is written before the code leaves the building.
    await recordAudit(db, {
      merchantId: req.admin!.merchantId,
      actor: userActor(req.admin!.email),
      action: 'code.revealed',
      target: `code:${row.id}`,
      detail: { sku: row.sku, mask: row.mask, status: row.status },
    });
    res.json({ id: row.id, ...secret, expiresAt: iso(row.expires_at) });
  });

  router.post('/codes/void', allow('codes', 'void'), json, async (req, res) => {
    const { ids, reason } = parseOrThrow(Void, req.body ?? {});
    res.json(await voidCodes(db, { merchantId: req.admin!.merchantId, actor: userActor(req.admin!.email), reason, ids }));
  });

  // "Who bought code X?" The code is given in the body (never in a URL), fingerprinted, and
  // matched: no code is decrypted to answer, and the answer shows only masks.
  router.post('/codes/lookup', allow('codes', 'list'), json, async (req, res) => {
    const { code } = parseOrThrow(Lookup, req.body ?? {});
    const matches = await codesMatching(db, vault, req.admin!.merchantId, code);
    if (!matches.length) return void res.json({ codes: [] });
    const rows = await db('codes as c')
      .join('skus as s', 's.id', 'c.sku_id')
      .leftJoin('order_units as u', 'u.id', 'c.unit_id')
      .leftJoin('orders as o', 'o.id', 'u.order_id')
      .leftJoin('deliveries as d', 'd.code_id', 'c.id')
      .whereIn(
        'c.id',
        matches.map((m) => m.id),
      )
      .where('c.merchant_id', req.admin!.merchantId)
      .orderBy('c.created_at')
      .select(
        'c.id',
        'c.mask',
        'c.status',
        'c.source',
        'c.batch_id',
        'c.created_at',
        'c.allocated_at',
        'c.voided_at',
        'c.void_reason',
        's.code as sku',
        'o.id as order_id',
        'o.external_ref',
        'o.status as order_status',
        'o.buyer',
        'o.created_at as ordered_at',
        'd.delivered_at',
      );
    res.json({
      codes: rows.map((r) => ({
        id: r.id,
        sku: r.sku,
        mask: r.mask,
        status: r.status,
        source: r.source,
        batchId: r.batch_id,
        createdAt: iso(r.created_at),
        allocatedAt: iso(r.allocated_at),
        voidedAt: iso(r.voided_at),
        voidReason: r.void_reason,
        voidReasonCode: voidReason(r.void_reason),
        order: r.order_id
          ? { id: r.order_id, externalRef: r.external_ref, status: r.order_status, buyer: r.buyer, orderedAt: iso(r.ordered_at), deliveredAt: iso(r.delivered_at) }
          : null,
      })),
    });
  });

  router.get('/batches/:id', allow('batches', 'show'), async (req, res) => {
    const id = uuid.safeParse(req.params.id);
    const row = id.success ? await batchesQuery(req.admin!.merchantId).where('b.id', id.data).first() : undefined;
    if (!row) throw notFound('Batch');
    res.json(batchJson(row));
  });

  // A supplier recalls a whole batch: every code of it still in stock is voided.
  router.post('/batches/:id/void', allow('codes', 'void'), json, async (req, res) => {
    const id = uuid.safeParse(req.params.id);
    const batch = id.success ? await db('stock_batches').where({ id: id.data, merchant_id: req.admin!.merchantId }).first('id') : undefined;
    if (!batch) throw notFound('Batch');
    const { reason } = parseOrThrow(VoidBatch, req.body ?? {});
    res.json(await voidCodes(db, { merchantId: req.admin!.merchantId, actor: userActor(req.admin!.email), reason, batchId: batch.id }));
  });

  return router;
}

/** A line of the stock screen: the SKU and its codes counted by state. */
type StockLine = Pick<SkuRow, 'code' | 'name' | 'currency' | 'stock_available' | 'low_stock_threshold' | 'active' | 'cost' | 'codes_case_sensitive'> &
  Record<'usable' | 'expired' | 'allocated' | 'voided' | 'promised', number>;
/** A batch as its query selects it: the batch, its SKU's code, and its codes counted by state. */
type BatchLine = StockBatchRow & { sku: string; counts: Record<'available' | 'expired' | 'allocated' | 'voided', number> };
/** The codes the list shows for this filter, walled to the merchant: the list pages it, exports stream it. */
export function listedCodes(db: Db, merchantId: string, f: z.infer<typeof CodeFilter>) {
  const q = db('codes as c')
    .join('skus as s', 's.id', 'c.sku_id')
    .leftJoin('order_units as u', 'u.id', 'c.unit_id')
    .where('c.merchant_id', merchantId)
    .select('c.id', 'c.mask', 'c.status', 'c.expires_at', 'c.created_at', 'c.allocated_at', 'c.voided_at', 'c.void_reason', 'c.batch_id', 's.code as sku', 'u.order_id');
  if (f.id)
    q.whereIn(
      'c.id',
      f.id.filter((id) => uuid.safeParse(id).success),
    );
  if (f.sku) q.where('s.code', f.sku);
  if (f.batchId) q.where('c.batch_id', f.batchId);
  if (f.status) q.where('c.status', f.status);
  if (f.sold === true) q.whereNotNull('c.unit_id');
  if (f.sold === false) q.whereNull('c.unit_id');
  if (f.expired === true) q.where('c.expires_at', '<=', db.fn.now());
  if (f.expired === false) q.where((w) => w.whereNull('c.expires_at').orWhere('c.expires_at', '>', db.fn.now()));
  return q;
}
