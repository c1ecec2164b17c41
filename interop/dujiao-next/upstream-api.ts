import crypto from 'node:crypto';
import type { SkuRow } from '../../db/tables';
import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import type { CodeVault } from '../../lib/code-vault';
import { AppError, InvariantBroken } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { OutboundHttp } from '../../lib/outbound-http';
import { rateLimitPerKey } from '../../api/rate-limit';
import { acceptOrder, payingStorefront } from '../../orders/accept-order';
import type { FulfilmentClient } from '../../orders/fulfilment-client';
import { MAX_UNITS_PER_ITEM } from '../../orders/validators';
import { requireAllowed } from '../../orders/order-facts';
import { availableCredit } from '../../storefronts/credit';
import { prepaidBalance } from '../../storefronts/prepaid-balance';
import { findLiveKey, type DujiaoKey } from './keys';
import { toDecimal } from './money';
import type { DujiaoOrderRow } from '../../db/tables';
import { dujiaoOrderDetail, dujiaoStatus } from './order-answer';
import { ERROR_STATUS, PROTOCOL_VERSION, failure, stockStatus, type DujiaoErrorCode } from './protocol';
import { HEADER_API_KEY, headerOf, verifyDujiao } from './signing';

// Cardflow as a dujiao-next upstream (site B): /api/v1/upstream/*, as the public document
// describes it. A dujiao-next shop adds Cardflow as a site connection with a key issued in the
// console, and buys the storefront's SKUs without writing code. Orders are accepted exactly as
// /v1/orders accepts them (orders/accept-order.ts); this file only speaks the protocol.

class DujiaoError extends Error {
  constructor(
    readonly code: DujiaoErrorCode | 'rate_limited',
    message: string,
  ) {
    super(message);
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    dujiaoKey?: DujiaoKey;
  }
}

/** Which SKUs a dujiao-next shop can buy: those that deliver a code. Top-ups and manual SKUs need buyer input the protocol's auto products do not carry. */
const SELLABLE_MODES = ['stock', 'link', 'supplier'];
/** Each sellable fulfilment mode is one leaf category (Cardflow has no categories of its own). */
const CATEGORIES = [
  { id: 1, mode: 'stock', slug: 'codes-in-stock', name: { 'zh-CN': '库存卡密', en: 'Codes in stock' } },
  { id: 2, mode: 'link', slug: 'redemption-links', name: { 'zh-CN': '兑换链接', en: 'Redemption links' } },
  { id: 3, mode: 'supplier', slug: 'bought-on-demand', name: { 'zh-CN': '实时采购', en: 'Bought on demand' } },
];

const OrderBody = z.object({
  sku_id: z.number().int().min(1),
  quantity: z.number().int().min(1).max(MAX_UNITS_PER_ITEM),
  manual_form_data: z.record(z.string(), z.unknown()).nullish(),
  downstream_order_no: z.string().trim().min(1).max(120).nullish(),
  trace_id: z.string().max(128).nullish(),
  callback_url: z.string().max(2000).nullish(),
});

const PageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
});

const numericId = (raw: string) => (/^\d{1,15}$/.test(raw) ? Number(raw) : undefined);

export function dujiaoUpstreamRouter(deps: {
  db: Db;
  vault: CodeVault;
  fulfilment: FulfilmentClient;
  outbound: OutboundHttp;
  log: Logger;
  maxBodyBytes: number;
  ratePerMinute: number;
}) {
  const { db, vault, fulfilment } = deps;
  const router = Router();
  router.use((_req, res, next) => void (res.set('Cache-Control', 'no-store'), next()));
  // The signature covers the body's bytes, so the body is read raw and parsed here.
  router.use(express.raw({ type: () => true, limit: deps.maxBodyBytes }));
  router.use(authenticate(db, vault));
  router.use(rateLimitPerKey(db, deps.ratePerMinute, (req) => req.dujiaoKey && `dujiao:${req.dujiaoKey.id}`));

  const storefrontOf = (req: express.Request) => req.dujiaoKey!.storefrontId;
  const skuRows = (req: express.Request) => db('skus').where({ merchant_id: req.dujiaoKey!.merchantId }).whereIn('fulfilment_mode', SELLABLE_MODES).orderBy('public_no');

  router.post('/ping', async (req, res) => {
    const key = req.dujiaoKey!;
    const sf = await db('storefronts as s')
      .join('merchants as m', 'm.id', 's.merchant_id')
      .where('s.id', key.storefrontId)
      .first('s.credit_limit', 's.credit_currency', 's.prepaid_currency', 'm.name');
    // A prepaid storefront's balance is its wallet; otherwise the credit it has left.
    const prepaid = (sf.prepaid_currency as string | null)?.trim();
    const credit = sf.credit_limit === null ? undefined : { limit: Number(sf.credit_limit), currency: sf.credit_currency as string };
    const currency = prepaid ?? credit?.currency ?? 'CNY';
    const balance = prepaid ? await prepaidBalance(db, key.storefrontId, prepaid) : credit ? await availableCredit(db, key.storefrontId, credit) : 0;
    res.json({
      ok: true,
      site_name: sf.name,
      protocol_version: PROTOCOL_VERSION,
      user_id: key.userNo,
      balance: toDecimal(Math.max(balance, 0), currency),
      currency,
      member_level: null,
    });
  });

  router.get('/categories', (_req, res) => {
    res.json({ ok: true, categories: CATEGORIES.map((c) => ({ id: c.id, parent_id: 0, slug: c.slug, name: c.name, icon: '', sort_order: 0 })) });
  });

  router.get('/products', async (req, res) => {
    const parsed = PageQuery.safeParse(req.query);
    if (!parsed.success) throw new DujiaoError('bad_request', 'page must be ≥ 1 and page_size 1–100');
    const { page, page_size } = parsed.data;
    const base = skuRows(req).where({ active: true });
    const [{ n }] = await base.clone().clearOrder().count<{ n: string }[]>('* as n');
    const rows = await base.offset((page - 1) * page_size).limit(page_size);
    res.json({ ok: true, items: rows.map(productOf), total: Number(n), page, page_size });
  });

  router.get('/products/:id', async (req, res) => {
    const id = numericId(String(req.params.id));
    const row = id && (await skuRows(req).where({ public_no: id }).first());
    if (!row) throw new DujiaoError('product_not_found', 'Product not found');
    if (!row.active) throw new DujiaoError('product_unavailable', 'Product is inactive');
    res.json({ ok: true, product: productOf(row) });
  });

  router.post('/orders', async (req, res) => {
    const key = req.dujiaoKey!;
    const parsed = OrderBody.safeParse(jsonOf(req));
    if (!parsed.success) throw new DujiaoError('bad_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const body = parsed.data;
    const callbackUrl = body.callback_url || null;
    if (callbackUrl && !/^https?:\/\//i.test(callbackUrl)) throw new DujiaoError('invalid_callback_url', 'callback_url must be an http(s) address');
    if (callbackUrl && (await deps.outbound.refusalOf(callbackUrl))) throw new DujiaoError('invalid_callback_url', 'callback_url must be a public address');

    // §4.5: the same key and downstream_order_no return the order made the first time.
    const downstreamNo = body.downstream_order_no || null;
    if (downstreamNo) {
      const first = await db('dujiao_orders').where({ storefront_id: key.storefrontId, downstream_order_no: downstreamNo }).first();
      if (first) return void res.json(await creationAnswer(first));
    }

    const sku = await skuRows(req).where({ public_no: body.sku_id }).first('code', 'active');
    if (!sku || !sku.active) throw new DujiaoError('sku_unavailable', 'SKU not found or inactive');
    const sf = await db('storefronts').where({ id: key.storefrontId }).first('id', 'merchant_id', 'credit_limit', 'prepaid_currency');
    if (!sf) throw new InvariantBroken('storefront_missing', { storefrontId: key.storefrontId });
    const externalRef = downstreamNo ? `dujiao:${downstreamNo}` : `dujiao:${crypto.randomUUID()}`;
    let orderId: string;
    try {
      ({ orderId } = await acceptOrder(db, payingStorefront(sf), { externalRef, items: [{ sku: sku.code, quantity: body.quantity }], buyer: {} }, (id) =>
        fulfilment.startSoon(id, req.requestId),
      ));
    } catch (err) {
      // Two first submissions raced with different bodies: the first one's order stands.
      const winner =
        err instanceof AppError && err.code === 'idempotency_conflict' && (await db('orders').where({ storefront_id: key.storefrontId, external_ref: externalRef }).first('id'));
      if (!winner) throw protocolError(err);
      orderId = winner.id;
    }
    await db('dujiao_orders')
      .insert({
        order_id: orderId,
        storefront_id: key.storefrontId,
        api_key_id: key.id,
        downstream_order_no: downstreamNo,
        trace_id: body.trace_id ?? null,
        callback_url: callbackUrl,
      })
      .onConflict('order_id')
      .ignore();
    // Inserted just above, or by the racing first submission whose order this is.
    const made = await db('dujiao_orders').where({ order_id: orderId }).first();
    if (!made) throw new InvariantBroken('dujiao_order_missing', { orderId });
    res.json(await creationAnswer(made));
  });

  router.get('/orders/:id', async (req, res) => {
    const detail = await dujiaoOrderDetail(db, vault, await orderRow(req));
    if (!detail) throw new DujiaoError('order_not_found', 'Order not found');
    res.json(detail);
  });

  router.post('/orders/:id/cancel', async (req, res) => {
    const row = await orderRow(req);
    const order = await db('orders')
      .where({ id: row.order_id, storefront_id: storefrontOf(req) })
      .first('id', 'status', 'storefront_id');
    if (!order) throw new DujiaoError('order_not_found', 'order not found');
    try {
      // The same rule as the storefront API, the console and the workflow (orders/lifecycle.ts).
      await requireAllowed(db, 'cancel', order);
      await fulfilment.cancel(order.id, 'cancelled by the dujiao-next shop');
    } catch (err) {
      if (err instanceof AppError && (err.kind === 'conflict' || err.kind === 'invalid_input')) throw new DujiaoError('cancel_not_allowed', err.message);
      throw err;
    }
    res.json({ ok: true, order_id: row.id, order_no: row.order_id, status: 'canceled' });
  });

  async function orderRow(req: express.Request): Promise<DujiaoOrderRow> {
    const id = numericId(String(req.params.id));
    const row =
      id &&
      (await db('dujiao_orders')
        .where({ id, storefront_id: storefrontOf(req) })
        .first());
    if (!row) throw new DujiaoError('order_not_found', 'Order not found');
    return row;
  }

  async function creationAnswer(row: DujiaoOrderRow) {
    const order = await db('orders').where({ id: row.order_id }).first('status', 'total_amount', 'currency');
    if (!order) throw new DujiaoError('order_not_found', 'Order not found');
    const status = dujiaoStatus(order.status === 'needs_attention' ? 'processing' : order.status);
    return { ok: true, order_id: row.id, order_no: row.order_id, status, amount: toDecimal(order.total_amount, order.currency), currency: order.currency };
  }

  router.use((_req, _res, next) => next(new DujiaoError('bad_request', 'No such endpoint')));
  router.use(envelopeErrors(deps.log));
  return router;
}

/** One SKU as the protocol's product with a single SKU (both carry the SKU's public number). */
function productOf(s: SkuRow) {
  const quantity = s.fulfilment_mode === 'supplier' || s.supplier_fallback ? -1 : Number(s.stock_available);
  const price = toDecimal(s.price, s.currency);
  const title = { 'zh-CN': s.name, en: s.name };
  const at = new Date(s.created_at).toISOString();
  return {
    id: Number(s.public_no),
    slug: s.code,
    title,
    description: {},
    content: {},
    seo_meta: {},
    images: [],
    tags: [],
    price_amount: price,
    fulfillment_type: 'auto',
    manual_form_schema: null,
    is_active: s.active,
    category_id: CATEGORIES.find((c) => c.mode === s.fulfilment_mode)!.id,
    skus: [{ id: Number(s.public_no), sku_code: s.code, spec_values: {}, price_amount: price, stock_status: stockStatus(quantity), stock_quantity: quantity, is_active: s.active }],
    created_at: at,
    updated_at: at,
  };
}

function jsonOf(req: express.Request): unknown {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new DujiaoError('bad_request', 'The body is not JSON');
  }
}

/** §2: the key names the storefront; the signature over method, path, timestamp and body MD5 proves it. */
function authenticate(db: Db, vault: CodeVault): RequestHandler {
  return async (req, _res, next) => {
    const apiKey = headerOf(req.headers, HEADER_API_KEY);
    const key = apiKey && apiKey.length <= 100 ? await findLiveKey(db, vault, apiKey) : undefined;
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const problem = verifyDujiao(req.headers, key?.secret ?? '', req.method, req.originalUrl.split('?')[0], body);
    // Missing headers and a stale timestamp are said as such; an unknown key only once the rest is well formed.
    if (problem === 'missing_auth_headers' || problem === 'invalid_timestamp' || problem === 'timestamp_expired') throw new DujiaoError(problem, describe[problem]);
    if (!key) throw new DujiaoError('invalid_api_key', describe.invalid_api_key);
    if (problem) throw new DujiaoError(problem, describe[problem]);
    req.dujiaoKey = key;
    next();
  };
}

const describe = {
  missing_auth_headers: 'Send Dujiao-Next-Api-Key, Dujiao-Next-Timestamp and Dujiao-Next-Signature',
  invalid_timestamp: 'Dujiao-Next-Timestamp must be Unix seconds',
  timestamp_expired: 'Dujiao-Next-Timestamp is more than 60 seconds from our clock',
  invalid_signature: 'The signature does not verify',
  invalid_api_key: 'The API key is unknown or revoked',
};

/** Cardflow's refusals of an order in the protocol's codes (§4.5). */
function protocolError(err: unknown): unknown {
  if (!(err instanceof AppError)) return err;
  switch (err.code) {
    case 'sold_out':
      return new DujiaoError('insufficient_stock', 'Insufficient stock');
    case 'insufficient_credit':
    case 'balance_insufficient':
      return new DujiaoError('insufficient_balance', 'Insufficient balance');
    case 'unknown_sku':
    case 'sku_unavailable':
      return new DujiaoError('sku_unavailable', 'SKU not found or inactive');
    default:
      return err.kind === 'invalid_input' || err.kind === 'conflict' ? new DujiaoError('bad_request', err.message) : err;
  }
}

/** §1.2: every failure as `{ ok: false, error_code, error_message }` with the document's HTTP status. */
function envelopeErrors(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let e: DujiaoError;
    if (err instanceof DujiaoError) e = err;
    else if (err instanceof AppError && err.kind === 'rate_limited') e = new DujiaoError('rate_limited', err.message);
    else if (err?.type === 'entity.too.large') e = new DujiaoError('bad_request', 'The body is too large');
    else {
      log.error({ err, method: req.method, path: req.path }, 'unhandled error in the dujiao-next upstream API');
      e = new DujiaoError('internal_error', 'Internal server error');
    }
    res.status(e.code === 'rate_limited' ? 429 : ERROR_STATUS[e.code]).json(failure(e.code as DujiaoErrorCode, e.message));
  };
}
