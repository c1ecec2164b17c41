import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import express, { type ErrorRequestHandler, type Request } from 'express';
import { z } from 'zod';
import { toDecimal } from '../../interop/dujiao-next/money';
import { ERROR_STATUS, PROTOCOL_VERSION, failure, stockStatus, type DujiaoErrorCode } from '../../interop/dujiao-next/protocol';
import { HEADER_API_KEY, headerOf, signedHeaders, verifyDujiao } from '../../interop/dujiao-next/signing';

// A dujiao-next site B as its public document describes it (docs/en/api/integration-open-api.md
// in dujiao-next/document): /api/v1/upstream/* signed with HMAC-SHA256, a wallet per API key,
// orders idempotent on downstream_order_no, delivery by signed callback to callback_url and by
// GET /orders/:id. Written from the document, not from dujiao-next's code. Faults make it
// misbehave the way a real site does, so Cardflow's adapter is tested over real HTTP.
// Unauthenticated control endpoints under /_sim are for tests only.

export interface DujiaoSimSku {
  productId: number;
  skuId: number;
  title: string;
  /** Minor units of the site currency. */
  price: number;
  /** null: unlimited. */
  stock: number | null;
  active?: boolean;
}

export interface DujiaoSimKey {
  apiKey: string;
  secret: string;
  /** Wallet balance, minor units. */
  balance: number;
}

const FAULT_KINDS = ['timeout', 'error_after_commit', 'html_502', 'drop_callback', 'duplicate_callback', 'price_change_at_order'] as const;
const FaultRequest = z.strictObject({
  kind: z.enum(FAULT_KINDS),
  times: z.number().int().min(1).optional(),
  /** price_change_at_order: the SKU's new price (minor units), set as the order is placed. */
  price: z.number().int().min(0).optional(),
  /** timeout: how long the request hangs before the connection is dropped. */
  ms: z.number().int().min(0).max(600_000).optional(),
});
type Fault = z.infer<typeof FaultRequest> & { id: number };

interface SimOrder {
  id: number;
  orderNo: string;
  apiKey: string;
  downstreamOrderNo: string | null;
  sku: DujiaoSimSku;
  quantity: number;
  unitPrice: number;
  status: 'paid' | 'delivered' | 'canceled';
  payload: string | null;
  deliveredAt: string | null;
  callbackUrl: string | null;
}

export interface DujiaoSim {
  url: string;
  stop(): Promise<void>;
  /** Charges per downstream_order_no (wallet debits minus refunds), as the site's books say. */
  charges(): Record<string, number>;
  /** Callbacks sent, by order id (duplicates included). */
  callbacksSent(): Record<number, number>;
  setSku(skuId: number, change: Partial<Pick<DujiaoSimSku, 'price' | 'stock' | 'active'>>): void;
  addFault(f: z.input<typeof FaultRequest>): void;
  /** Faults not yet triggered. */
  faultsLeft(): number;
  clearFaults(): void;
}

export async function startDujiaoSim(opts: {
  siteName?: string;
  currency?: string;
  keys: DujiaoSimKey[];
  catalogue: DujiaoSimSku[];
  /** How long after an order its goods are ready (then the callback goes out). */
  deliveryDelayMs?: number;
  port?: number;
}): Promise<DujiaoSim> {
  const currency = opts.currency ?? 'CNY';
  const keys = new Map(opts.keys.map((k) => [k.apiKey, { ...k }]));
  const skus = new Map(opts.catalogue.map((s) => [s.skuId, { active: true, ...s }]));
  const orders = new Map<number, SimOrder>();
  const charges: Record<string, number> = {};
  const callbacks: Record<number, number> = {};
  let faults: Fault[] = [];
  let nextFault = 1;
  let nextOrder = 101;
  let nextCard = 1;
  const stopping = new AbortController();

  const takeFault = (kind: Fault['kind']): Fault | undefined => {
    const f = faults.find((x) => x.kind === kind);
    if (!f) return undefined;
    if (f.times !== undefined && --f.times <= 0) faults = faults.filter((x) => x !== f);
    return f;
  };

  class Refusal extends Error {
    constructor(
      readonly code: DujiaoErrorCode,
      message: string,
    ) {
      super(message);
    }
  }

  const app = express();
  app.use(express.raw({ type: () => true, limit: '64kb' }));

  // Control endpoints for tests.
  app.get('/_sim/charges', (_req, res) => void res.json({ charges }));
  app.post('/_sim/faults', (req, res) => {
    const f = FaultRequest.parse(JSON.parse(String(req.body)));
    faults.push({ ...f, id: nextFault++ });
    res.status(201).json({ ok: true });
  });
  app.delete('/_sim/faults', (_req, res) => void ((faults = []), res.json({ ok: true })));

  const upstream = express.Router();
  upstream.use((req, _res, next) => {
    const key = keys.get(headerOf(req.headers, HEADER_API_KEY) ?? '');
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const problem = verifyDujiao(req.headers, key?.secret ?? '', req.method, req.originalUrl.split('?')[0], body);
    if (problem === 'missing_auth_headers' || problem === 'invalid_timestamp' || problem === 'timestamp_expired') throw new Refusal(problem, problem);
    if (!key) throw new Refusal('invalid_api_key', 'API Key is invalid or disabled');
    if (problem) throw new Refusal(problem, 'signature verification failed');
    (req as Request & { key: DujiaoSimKey }).key = key;
    next();
  });
  const keyOf = (req: Request) => (req as Request & { key: DujiaoSimKey }).key;
  // The order request's fields; the route checks each before using it (sku_id and quantity are integers).
  const json = (req: Request): { sku_id: number; quantity: number; downstream_order_no?: unknown; callback_url?: unknown } => {
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    try {
      return (raw ? JSON.parse(raw) : {}) as { sku_id: number; quantity: number; downstream_order_no?: unknown; callback_url?: unknown };
    } catch {
      throw new Refusal('bad_request', 'invalid json');
    }
  };

  const skuView = (s: DujiaoSimSku & { active: boolean }) => ({
    id: s.skuId,
    sku_code: `SKU${s.skuId}`,
    spec_values: {},
    price_amount: toDecimal(s.price, currency),
    stock_status: stockStatus(s.stock ?? -1),
    stock_quantity: s.stock ?? -1,
    is_active: s.active,
  });
  const productView = (productId: number) => {
    const its = [...skus.values()].filter((s) => s.productId === productId);
    const first = its[0];
    return {
      id: productId,
      slug: `product-${productId}`,
      title: { 'zh-CN': first.title, en: first.title },
      description: {},
      content: {},
      seo_meta: {},
      images: [],
      tags: [],
      price_amount: toDecimal(Math.min(...its.map((s) => s.price)), currency),
      fulfillment_type: 'auto',
      manual_form_schema: null,
      is_active: its.some((s) => s.active),
      category_id: 1,
      skus: its.map(skuView),
      created_at: '2026-03-01T12:00:00Z',
      updated_at: '2026-03-01T12:00:00Z',
    };
  };
  const orderView = (o: SimOrder) => ({
    ok: true,
    order_id: o.id,
    order_no: o.orderNo,
    status: o.status,
    amount: toDecimal(o.unitPrice * o.quantity, currency),
    currency,
    items: [
      {
        product_id: o.sku.productId,
        sku_id: o.sku.skuId,
        title: { 'zh-CN': o.sku.title },
        quantity: o.quantity,
        unit_price: toDecimal(o.unitPrice, currency),
        total_price: toDecimal(o.unitPrice * o.quantity, currency),
        fulfillment_type: 'auto',
      },
    ],
    ...(o.status === 'delivered' ? { fulfillment: fulfillmentOf(o) } : {}),
  });
  const fulfillmentOf = (o: SimOrder) => ({ type: 'auto', status: 'delivered', payload: o.payload, delivery_data: null, delivered_at: o.deliveredAt });
  const creationView = (o: SimOrder) => ({ ok: true, order_id: o.id, order_no: o.orderNo, status: o.status, amount: toDecimal(o.unitPrice * o.quantity, currency), currency });

  async function callBack(o: SimOrder) {
    if (!o.callbackUrl || takeFault('drop_callback')) return;
    const copies = takeFault('duplicate_callback') ? 2 : 1;
    const key = keys.get(o.apiKey)!;
    for (let i = 0; i < copies; i++) {
      const body = JSON.stringify({
        event: 'order.status_changed',
        order_id: o.id,
        order_no: o.orderNo,
        downstream_order_no: o.downstreamOrderNo ?? '',
        status: o.status,
        ...(o.status === 'delivered' ? { fulfillment: fulfillmentOf(o) } : {}),
        timestamp: Math.floor(Date.now() / 1000),
      });
      const url = new URL(o.callbackUrl);
      callbacks[o.id] = (callbacks[o.id] ?? 0) + 1;
      await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...signedHeaders(key.apiKey, key.secret, 'POST', url.pathname, body) },
        body,
        signal: stopping.signal,
      })
        .then((r) => r.arrayBuffer())
        .catch(() => undefined);
    }
  }

  function deliverLater(o: SimOrder) {
    void (async () => {
      await sleep(opts.deliveryDelayMs ?? 50, undefined, { signal: stopping.signal }).catch(() => undefined);
      if (stopping.signal.aborted || o.status !== 'paid') return;
      o.status = 'delivered';
      o.payload = Array.from({ length: o.quantity }, () => `DJSIM-${o.id}-${nextCard++} PIN${o.id}`).join('\n');
      o.deliveredAt = new Date().toISOString();
      await callBack(o);
    })();
  }

  upstream.post('/ping', (req, res) => {
    const key = keyOf(req);
    res.json({
      ok: true,
      site_name: opts.siteName ?? 'dujiao-next simulator',
      protocol_version: PROTOCOL_VERSION,
      user_id: 42,
      balance: toDecimal(key.balance, currency),
      currency,
      member_level: null,
    });
  });
  upstream.get('/categories', (_req, res) => {
    res.json({ ok: true, categories: [{ id: 1, parent_id: 0, slug: 'cards', name: { 'zh-CN': '卡密', en: 'Cards' }, icon: '', sort_order: 10 }] });
  });
  upstream.get('/products', (req, res) => {
    const page = Math.max(1, Number(req.query.page ?? 1) || 1);
    const pageSize = Math.min(100, Math.max(1, Number(req.query.page_size ?? 20) || 20));
    const ids = [...new Set([...skus.values()].filter((s) => s.active).map((s) => s.productId))].sort((a, b) => a - b);
    res.json({ ok: true, items: ids.slice((page - 1) * pageSize, page * pageSize).map(productView), total: ids.length, page, page_size: pageSize });
  });
  upstream.get('/products/:id', (req, res) => {
    const id = Number(req.params.id);
    const its = [...skus.values()].filter((s) => s.productId === id);
    if (its.length === 0) throw new Refusal('product_not_found', 'product not found');
    if (!its.some((s) => s.active)) throw new Refusal('product_unavailable', 'product is inactive');
    res.json({ ok: true, product: productView(id) });
  });
  upstream.post('/orders', async (req, res) => {
    const key = keyOf(req);
    const body = json(req);
    if (!Number.isInteger(body.sku_id) || !Number.isInteger(body.quantity) || body.quantity < 1) throw new Refusal('bad_request', 'sku_id and quantity are required');
    const downstream = typeof body.downstream_order_no === 'string' && body.downstream_order_no ? body.downstream_order_no : null;
    const existing = downstream ? [...orders.values()].find((o) => o.apiKey === key.apiKey && o.downstreamOrderNo === downstream) : undefined;
    if (existing) return void res.json(creationView(existing));
    if (html502()) return void res.status(502).type('html').send('<html><body>502 Bad Gateway</body></html>');
    const sku = skus.get(body.sku_id);
    if (!sku || !sku.active) throw new Refusal('sku_unavailable', 'sku not found or inactive');
    const priceChange = takeFault('price_change_at_order');
    if (priceChange?.price !== undefined) sku.price = priceChange.price;
    if (sku.stock !== null && sku.stock < body.quantity) throw new Refusal('insufficient_stock', 'insufficient stock');
    const amount = sku.price * body.quantity;
    const o: SimOrder = {
      id: nextOrder++,
      orderNo: `DJ${Date.now()}${nextOrder}`,
      apiKey: key.apiKey,
      downstreamOrderNo: downstream,
      sku,
      quantity: body.quantity,
      unitPrice: sku.price,
      status: 'paid',
      payload: null,
      deliveredAt: null,
      callbackUrl: typeof body.callback_url === 'string' && body.callback_url ? body.callback_url : null,
    };
    if (key.balance < amount) {
      // §4.5: the order is made, its wallet payment fails, and it is canceled.
      o.status = 'canceled';
      orders.set(o.id, o);
      return void res.json(failure('payment_failed', 'wallet payment failed: insufficient balance', { order_id: o.id, order_no: o.orderNo, status: 'canceled' }));
    }
    key.balance -= amount;
    if (sku.stock !== null) sku.stock -= body.quantity;
    orders.set(o.id, o);
    if (downstream) charges[downstream] = (charges[downstream] ?? 0) + 1;
    deliverLater(o);
    const timeout = takeFault('timeout');
    if (timeout) {
      await sleep(timeout.ms ?? 30_000, undefined, { signal: stopping.signal }).catch(() => undefined);
      return void req.socket.destroy();
    }
    if (takeFault('error_after_commit')) throw new Refusal('internal_error', 'internal server error');
    res.json(creationView(o));
  });
  const html502 = () => Boolean(takeFault('html_502'));
  upstream.get('/orders/:id', (req, res) => {
    const o = orders.get(Number(req.params.id));
    if (!o || o.apiKey !== keyOf(req).apiKey) throw new Refusal('order_not_found', 'order not found');
    res.json(orderView(o));
  });
  upstream.post('/orders/:id/cancel', (req, res) => {
    const o = orders.get(Number(req.params.id));
    if (!o || o.apiKey !== keyOf(req).apiKey) throw new Refusal('order_not_found', 'order not found');
    if (o.status !== 'paid') throw new Refusal('cancel_not_allowed', 'order cannot be canceled');
    o.status = 'canceled';
    keys.get(o.apiKey)!.balance += o.unitPrice * o.quantity;
    if (o.downstreamOrderNo) charges[o.downstreamOrderNo] -= 1;
    void callBack(o);
    res.json({ ok: true, order_id: o.id, order_no: o.orderNo, status: 'canceled' });
  });
  app.use('/api/v1/upstream', upstream);
  const errors: ErrorRequestHandler = (err, _req, res, _next) => {
    if (err instanceof Refusal) return void res.status(ERROR_STATUS[err.code]).json(failure(err.code, err.message));
    if (err instanceof z.ZodError || err instanceof SyntaxError) return void res.status(400).json(failure('bad_request', 'bad control request'));
    res.status(500).json(failure('internal_error', 'internal server error'));
  };
  app.use(errors);

  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async stop() {
      stopping.abort();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
    charges: () => ({ ...charges }),
    callbacksSent: () => ({ ...callbacks }),
    setSku(skuId, change) {
      Object.assign(skus.get(skuId)!, change);
    },
    addFault(f) {
      faults.push({ ...FaultRequest.parse(f), id: nextFault++ });
    },
    clearFaults() {
      faults = [];
    },
    faultsLeft: () => faults.length,
  };
}
