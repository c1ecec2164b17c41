import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { sendCallback } from './callbacks';
import { demoCatalogue } from './demo-catalogue';
import { parseOr400, SimError } from './errors';
import { checkFaultProduct, DEFAULT_LATENCY_MS, DEFAULT_TIMEOUT_MS, FaultRequest, type FaultSite } from './faults';
import { accountProblem, completeOrder, findProduct, orderView, partnerView, placeOrder, PlaceOrderRequest, ValidateAccountRequest } from './orders';
import { signatureProblem } from './signing';
import { StatementQuery, statementOf } from './statement';
import { DEFAULT_ASYNC_DELAY_MS, SimConfig, SimWorld, type SimOrder, type SimPartner, type SimProduct } from './state';

// The simulator's HTTP face: the signed /v1 protocol a wholesaler offers its partners, and the
// unauthenticated /_sim control endpoints tests and demos use. PROTOCOL.md is the contract.

export type { SimOrder, SimPartner, SimProduct } from './state';

export interface SupplierSimOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Default: the demo catalogue (demo-catalogue.ts). */
  catalogue?: SimProduct[];
  /** Default: the demo partner (demo-catalogue.ts). */
  /** Its partners and their secrets (demoPartners(secret) for the demo one). */
  partners: SimPartner[];
  /** Unix ms; for signature freshness and order times. Async delays use real time. */
  clock?: () => number;
}

export interface SupplierSim {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** The simulator's in-memory world, for tests that need to look inside. */
  state: SimWorld;
}

export async function startSupplierSim(opts: SupplierSimOptions): Promise<SupplierSim> {
  const host = opts.host ?? '127.0.0.1';
  const clock = opts.clock ?? Date.now;
  const parsed = SimConfig.safeParse({ catalogue: opts.catalogue ?? demoCatalogue, partners: opts.partners });
  if (!parsed.success) {
    throw new Error(`supplier-sim configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const world = new SimWorld(parsed.data);
  const server = http.createServer(createSimApp(world, clock));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    state: world,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        world.shutdown();
        server.close(() => resolve());
        // Held requests (the timeout fault) and idle keep-alive sockets must not keep it open.
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

const ProductChange = z.strictObject({
  unitPrice: z.number().int().nonnegative().optional(),
  stock: z.number().int().nonnegative().nullable().optional(),
  async: z.boolean().optional(),
  asyncDelayMs: z.number().int().nonnegative().max(600_000).optional(),
});
const BalanceChange = z.strictObject({ balance: z.number().int().nonnegative() });

function createSimApp(world: SimWorld, clock: () => number) {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // Raw bytes for every content type: the signature covers the body exactly as sent.
  app.use(express.raw({ type: () => true, limit: '64kb' }));

  const v1 = express.Router();
  v1.use(requireSignature(world, clock));

  v1.get('/products', async (req, res) => {
    if (await faultsBefore(req, res, { call: 'other', product: null })) return;
    res.json({ products: [...world.products.values()].map(productView) });
  });

  v1.get('/balance', async (req, res) => {
    if (await faultsBefore(req, res, { call: 'other', product: null })) return;
    const partner = partnerOf(res);
    res.json({ currency: partner.currency, balance: partner.balance });
  });

  v1.post('/orders', async (req, res) => {
    const request = parseOr400(PlaceOrderRequest, jsonBody(req));
    const partner = partnerOf(res);
    const site: FaultSite = { call: 'order', product: request.product };
    if (await faultsBefore(req, res, site)) return;
    const { order, committed } = placeOrder(world, partner, request, clock());
    if (committed && order.status === 'processing') {
      scheduleCompletion(order, world.products.get(order.product)?.asyncDelayMs ?? DEFAULT_ASYNC_DELAY_MS);
    }
    // Only a fresh commit trips these: the point is a caller that cannot tell the order was taken.
    // A repeat of the reference then gets the order, which is how the caller finds out.
    if (committed && world.faults.take('error_after_commit', site)) {
      throw new SimError(500, 'internal_error', 'the order could not be confirmed; query it before retrying');
    }
    if (committed && world.faults.take('html_502', site)) return sendGatewayPage(res);
    res.json({ order: partnerView(order, partner) });
  });

  v1.get('/orders/:reference', async (req, res) => {
    const partner = partnerOf(res);
    const reference = String(req.params.reference);
    if (await faultsBefore(req, res, { call: 'other', product: world.findOrder(partner.id, reference)?.product ?? null })) return;
    const order = world.findOrder(partner.id, reference);
    if (!order) throw new SimError(404, 'order_not_found', `no order with reference "${reference}"`);
    res.json({ order: partnerView(order, partner) });
  });

  v1.get('/statement', async (req, res) => {
    const period = parseOr400(StatementQuery, req.query);
    if (await faultsBefore(req, res, { call: 'other', product: null })) return;
    res.json(statementOf(world, partnerOf(res), period));
  });

  v1.post('/accounts/validate', async (req, res) => {
    const request = parseOr400(ValidateAccountRequest, jsonBody(req));
    if (await faultsBefore(req, res, { call: 'other', product: request.product })) return;
    const product = findProduct(world, partnerOf(res), request.product);
    if (product.kind !== 'topup') throw new SimError(400, 'invalid_request', `product: "${product.product}" is not a top-up product`);
    const problem = accountProblem(request.account);
    if (problem) throw new SimError(422, 'invalid_account', problem.message, { reason: problem.reason });
    res.json({ valid: true, accountName: `Player-${request.account.slice(-4)}` });
  });

  app.use('/v1', v1);
  app.use('/_sim', controlRouter(world));
  app.use((req) => {
    throw new SimError(404, 'not_found', `no route for ${req.method} ${req.path}`);
  });
  app.use(errorHandler);
  return app;

  /** Faults that strike before the supplier does anything, so nothing is committed. True when one answered. */
  async function faultsBefore(req: Request, res: Response, site: FaultSite): Promise<boolean> {
    const latency = world.faults.take('latency', site);
    // unref: a slow answer must not keep a stopped simulator's process alive.
    if (latency) {
      const ms = latency.ms ?? DEFAULT_LATENCY_MS;
      await sleep(latency.maxMs === null ? ms : ms + Math.random() * (latency.maxMs - ms), undefined, { ref: false });
    }
    if (world.faults.take('rate_limit', site)) {
      res.set('Retry-After', '1');
      sendError(res, new SimError(429, 'rate_limited', 'too many requests; retry after 1 s'));
      return true;
    }
    const timeout = world.faults.take('timeout', site);
    if (timeout) {
      await sleep(timeout.ms ?? DEFAULT_TIMEOUT_MS, undefined, { ref: false });
      req.socket.destroy(); // the caller never hears back
      return true;
    }
    // For an order, html_502 strikes after the commit (above); elsewhere there is nothing to commit.
    if (site.call === 'other' && world.faults.take('html_502', site)) {
      sendGatewayPage(res);
      return true;
    }
    return false;
  }

  function scheduleCompletion(order: SimOrder, delayMs: number) {
    const signal = world.signal;
    sleep(delayMs, undefined, { signal })
      .then(() => {
        completeOrder(world, order, clock());
        return announce(order, signal);
      })
      .catch((err) => {
        if (!signal.aborted) console.error('[supplier-sim] completing an async order failed', err);
      });
  }

  /** The completion callback, with the callback faults applied. */
  async function announce(order: SimOrder, signal: AbortSignal) {
    const partner = world.partners.get(order.partnerId);
    if (!order.callbackUrl || !partner) return;
    const site: FaultSite = { call: 'order', product: order.product };
    if (world.faults.take('drop_callback', site)) return;
    const twice = world.faults.take('duplicate_callback', site) !== undefined;
    const send = () => sendCallback(order.callbackUrl!, partner, partnerView(order, partner), { signal, now: clock });
    const first = send();
    if (twice) {
      await sleep(100, undefined, { signal });
      await send();
    }
    await first;
  }
}

function requireSignature(world: SimWorld, clock: () => number): RequestHandler {
  return (req, res, next) => {
    const partnerId = req.get('X-Partner-Id');
    const partner = partnerId ? world.partners.get(partnerId) : undefined;
    if (!partner) throw new SimError(401, 'bad_signature', 'unknown partner in X-Partner-Id');
    // originalUrl: the request target as sent, query included, which is what the caller signed.
    const problem = signatureProblem(partner.secret, req.method, req.originalUrl, req.get('X-Timestamp'), rawBody(req), req.get('X-Signature'), clock());
    if (problem) throw new SimError(401, 'bad_signature', problem);
    res.locals.partner = partner;
    next();
  };
}

function controlRouter(world: SimWorld) {
  const sim = express.Router();

  sim.post('/reset', (_req, res) => {
    world.reset();
    res.json({ reset: true });
  });

  sim.put('/products/:product', (req, res) => {
    const product = world.products.get(String(req.params.product));
    if (!product) throw new SimError(404, 'product_not_found', `no product "${req.params.product}" in the catalogue`);
    Object.assign(product, parseOr400(ProductChange, jsonBody(req)));
    res.json({ product });
  });

  sim.put('/partners/:id/balance', (req, res) => {
    const partner = world.partners.get(String(req.params.id));
    if (!partner) throw new SimError(404, 'partner_not_found', `no partner "${req.params.id}"`);
    partner.balance = parseOr400(BalanceChange, jsonBody(req)).balance;
    res.json({ currency: partner.currency, balance: partner.balance });
  });

  sim.get('/faults', (_req, res) => void res.json({ faults: world.faults.list() }));

  sim.post('/faults', (req, res) => {
    const request = parseOr400(FaultRequest, jsonBody(req));
    checkFaultProduct(request, (id) => world.products.has(id));
    res.status(201).json({ fault: world.faults.add(request) });
  });

  sim.delete('/faults', (_req, res) => {
    world.faults.clear();
    res.json({ faults: [] });
  });

  sim.get('/charges', (req, res) => {
    const partner = typeof req.query.partner === 'string' ? req.query.partner : undefined;
    res.json(world.charges(partner));
  });

  // Plain card codes: this is the simulator's own view, for tests to compare against.
  sim.get('/orders', (_req, res) => {
    const orders = [...world.orders.values()].map((o) => ({ partnerId: o.partnerId, account: o.account, callbackUrl: o.callbackUrl, ...orderView(o) }));
    res.json({ orders });
  });

  return sim;
}

function productView(p: SimProduct) {
  return { product: p.product, name: p.name, kind: p.kind, currency: p.currency, faceValue: p.faceValue, unitPrice: p.unitPrice, stock: p.stock, async: p.async ?? false };
}

function partnerOf(res: Response): SimPartner {
  return res.locals.partner as SimPartner;
}

function rawBody(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

/** The parsed JSON body; undefined when there is none (the schema then says what is missing). */
function jsonBody(req: Request): unknown {
  const raw = rawBody(req);
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new SimError(400, 'invalid_request', 'the body is not valid JSON');
  }
}

function sendError(res: Response, e: SimError) {
  res.status(e.status).json({ error: { code: e.code, message: e.message, ...e.extra } });
}

// What an overloaded nginx in front of a real supplier answers.
const GATEWAY_PAGE =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

function sendGatewayPage(res: Response) {
  res.status(502).type('text/html').send(GATEWAY_PAGE);
}

const errorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
  if (err instanceof SimError) return sendError(res, err);
  // body-parser's own 4xx (body too large, bad encoding): the caller's input is at fault.
  if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
    return sendError(res, new SimError(400, 'invalid_request', err.type === 'entity.too.large' ? 'the body is larger than 64 kB' : String(err.message)));
  }
  console.error('[supplier-sim] unexpected error', err);
  sendError(res, new SimError(500, 'internal_error', 'unexpected simulator error'));
};
