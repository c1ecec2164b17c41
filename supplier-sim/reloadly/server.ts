import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import express, { type ErrorRequestHandler, type Request } from 'express';
import { z } from 'zod';

// Reloadly as its public API reference describes it (Reloadly/reloadly-api-documentation, see
// docs/INTEROP.md): the auth, gift card and top-up APIs on one loopback address (a token's
// audience names which product it is for), decimal amounts in the account currency, gift card
// orders keyed by customIdentifier, asynchronous top-ups with a status endpoint, and webhooks
// naming a transaction. Written from the reference, not from any Reloadly code. Faults make it
// misbehave the way a real API does, so Cardflow's adapter is tested over real HTTP.
// Control endpoints under /_sim are for tests only.

export interface ReloadlySimGiftcard {
  productId: number;
  name: string;
  /** Recipient denomination (e.g. 25) → what it costs the account, in minor units of the account currency. */
  denominations: Record<string, number>;
  /** Sender fee per card, minor units. */
  fee?: number;
  /** How long the order stays PENDING before it is SUCCESSFUL (0: SUCCESSFUL at once). */
  pendingMs?: number;
  active?: boolean;
}

export interface ReloadlySimOperator {
  operatorId: number;
  name: string;
  country: string;
  /** Phone numbers (digits) this operator serves; anything else is not one of its numbers. */
  phones: string[];
}

const FAULT_KINDS = ['timeout', 'error_after_commit', 'html_502', 'drop_callback', 'duplicate_callback', 'price_change_at_order'] as const;
const FaultRequest = z.strictObject({
  kind: z.enum(FAULT_KINDS),
  times: z.number().int().min(1).optional(),
  /** price_change_at_order: the new cost of every denomination of the product ordered (minor units). */
  price: z.number().int().min(0).optional(),
  ms: z.number().int().min(0).max(600_000).optional(),
});
type Fault = z.infer<typeof FaultRequest>;

interface Txn {
  transactionId: number;
  kind: 'giftcard' | 'topup';
  customIdentifier: string;
  status: 'PENDING' | 'PROCESSING' | 'SUCCESSFUL' | 'FAILED' | 'REFUNDED';
  amount: number;
  fee: number;
  product?: ReloadlySimGiftcard;
  denomination?: number;
  operator?: ReloadlySimOperator;
  phone?: string;
  cards: { cardNumber: string; pinCode: string }[];
  createdAt: string;
}

export interface ReloadlySim {
  url: string;
  stop(): Promise<void>;
  /** Charges per customIdentifier, as the account's books say (refunds subtract). */
  charges(): Record<string, number>;
  callbacksSent(): Record<number, number>;
  /** Where webhooks go from now on (Reloadly's dashboard setting). */
  setWebhookUrl(url: string): void;
  setPrice(productId: number, denomination: string, cost: number): void;
  setBalance(balance: number): void;
  /** A top-up still processing is failed and refunded by the operator. */
  failTopup(customIdentifier: string): void;
  addFault(f: z.input<typeof FaultRequest>): void;
  faultsLeft(): number;
  clearFaults(): void;
  /** Requests as received (path, body), for contract tests. */
  received(): { method: string; path: string; headers: Record<string, unknown>; body: unknown }[];
}

const digits = 2;
const dec = (minor: number) => Number((minor / 10 ** digits).toFixed(digits));
const now = () => new Date().toISOString().replace('T', ' ').slice(0, 19);

export async function startReloadlySim(opts: {
  clientId: string;
  clientSecret: string;
  currency?: string;
  balance: number;
  giftcards: ReloadlySimGiftcard[];
  operators?: ReloadlySimOperator[];
  /** Where webhooks go (set in Reloadly's dashboard in real life). */
  webhookUrl?: string;
  /** How long a top-up is PROCESSING. */
  topupDelayMs?: number;
  port?: number;
}): Promise<ReloadlySim> {
  const currency = opts.currency ?? 'USD';
  let balance = opts.balance;
  const products = new Map(opts.giftcards.map((g) => [g.productId, { active: true, fee: 0, ...g, denominations: { ...g.denominations } }]));
  const operators = new Map((opts.operators ?? []).map((o) => [o.operatorId, o]));
  const tokens = new Map<string, string>();
  const txns: Txn[] = [];
  const charges: Record<string, number> = {};
  const callbacks: Record<number, number> = {};
  const log: { method: string; path: string; headers: Record<string, unknown>; body: unknown }[] = [];
  let faults: Fault[] = [];
  let nextTxn = 1001;
  let nextCard = 1;
  const stopping = new AbortController();
  let webhookUrl = opts.webhookUrl;

  const takeFault = (kind: Fault['kind']) => {
    const f = faults.find((x) => x.kind === kind);
    if (!f) return undefined;
    if (f.times !== undefined && --f.times <= 0) faults = faults.filter((x) => x !== f);
    return f;
  };

  class Problem extends Error {
    constructor(
      readonly status: number,
      readonly errorCode: string | null,
      message: string,
    ) {
      super(message);
    }
  }

  const app = express();
  app.use(express.json({ type: () => true, limit: '64kb' }));
  app.use((req, _res, next) => {
    if (!req.path.startsWith('/_sim')) log.push({ method: req.method, path: req.originalUrl, headers: { ...req.headers }, body: req.body });
    next();
  });
  app.get('/_sim/charges', (_req, res) => void res.json({ charges }));

  // §Authentication: POST /oauth/token with the client credentials and the product's audience.
  app.post('/oauth/token', (req, res) => {
    const b = req.body as Record<string, unknown>;
    if (b?.client_id !== opts.clientId || b?.client_secret !== opts.clientSecret || b?.grant_type !== 'client_credentials' || typeof b?.audience !== 'string') {
      throw new Problem(401, 'INVALID_CREDENTIALS', 'Access Denied');
    }
    const token = crypto.randomBytes(24).toString('base64url');
    tokens.set(token, b.audience);
    res.json({ access_token: token, scope: 'developer', expires_in: 5184000, token_type: 'Bearer' });
  });

  const api = express.Router();
  api.use((req, _res, next) => {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!m || !tokens.has(m[1])) throw new Problem(401, 'INVALID_TOKEN', 'Full authentication is required to access this resource');
    next();
  });

  const giftcardView = (t: Txn) => ({
    transactionId: t.transactionId,
    amount: dec(t.amount),
    discount: 0,
    currencyCode: currency,
    fee: dec(t.fee),
    recipientEmail: 'anyone@email.com',
    customIdentifier: t.customIdentifier,
    status: t.status,
    product: {
      productId: t.product!.productId,
      productName: t.product!.name,
      countryCode: 'US',
      quantity: 1,
      unitPrice: t.denomination!,
      totalPrice: t.denomination!,
      currencyCode: 'USD',
      brand: { brandId: t.product!.productId, brandName: t.product!.name },
    },
    smsFee: 0,
    recipientPhone: 0,
    transactionCreatedTime: t.createdAt,
  });
  const topupView = (t: Txn) => ({
    transactionId: t.transactionId,
    status: t.status,
    operatorTransactionId: t.status === 'SUCCESSFUL' ? `OP${t.transactionId}:OrderConfirmed` : null,
    customIdentifier: t.customIdentifier,
    recipientPhone: Number(t.phone),
    recipientEmail: null,
    senderPhone: 0,
    countryCode: t.operator!.country,
    operatorId: t.operator!.operatorId,
    operatorName: t.operator!.name,
    discount: 0,
    discountCurrencyCode: currency,
    requestedAmount: dec(t.amount),
    requestedAmountCurrencyCode: currency,
    deliveredAmount: dec(t.amount),
    deliveredAmountCurrencyCode: currency,
    transactionDate: t.createdAt,
    pinDetail: null,
    balanceInfo: null,
  });

  async function webhook(t: Txn) {
    if (!webhookUrl || takeFault('drop_callback')) return;
    const copies = takeFault('duplicate_callback') ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      callbacks[t.transactionId] = (callbacks[t.transactionId] ?? 0) + 1;
      const body = JSON.stringify({
        id: crypto.randomUUID(),
        type: t.kind === 'giftcard' ? 'giftcard_transaction.status' : 'airtime_transaction.status',
        data: { transactionId: t.transactionId, customIdentifier: t.customIdentifier, status: t.status },
      });
      await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: stopping.signal })
        .then((r) => r.arrayBuffer())
        .catch(() => undefined);
    }
  }

  function finishLater(t: Txn, ms: number) {
    void (async () => {
      await sleep(ms, undefined, { signal: stopping.signal }).catch(() => undefined);
      if (stopping.signal.aborted || (t.status !== 'PENDING' && t.status !== 'PROCESSING')) return;
      t.status = 'SUCCESSFUL';
      if (t.kind === 'giftcard') t.cards = [{ cardNumber: `RLSIM-${t.transactionId}-${nextCard++}`, pinCode: String(1000 + t.transactionId) }];
      await webhook(t);
    })();
  }

  /** Charges the account for a new transaction, or refuses it. Faults strike around the commit as on the real API. */
  async function commit(req: Request, res: express.Response, t: Txn, answer: () => unknown) {
    if (balance < t.amount) throw new Problem(400, 'INSUFFICIENT_BALANCE', 'Your balance is insufficient to complete this transaction');
    balance -= t.amount;
    txns.push(t);
    charges[t.customIdentifier] = (charges[t.customIdentifier] ?? 0) + 1;
    const timeout = takeFault('timeout');
    if (timeout) {
      await sleep(timeout.ms ?? 30_000, undefined, { signal: stopping.signal }).catch(() => undefined);
      return void req.socket.destroy();
    }
    if (takeFault('error_after_commit')) throw new Problem(500, null, 'Could not retrieve/update resources at the moment, please try again later');
    res.json(answer());
  }

  const duplicate = (customIdentifier: unknown) => typeof customIdentifier === 'string' && txns.some((t) => t.customIdentifier === customIdentifier);

  api.get('/accounts/balance', (_req, res) => {
    res.json({ balance: dec(balance), currencyCode: currency, currencyName: currency === 'USD' ? 'US Dollar' : currency, updatedAt: now() });
  });

  api.get('/products/:id', (req, res) => {
    const p = products.get(Number(req.params.id));
    if (!p) throw new Problem(400, null, 'The product was either not found or is no longer available, Please contact support');
    const keys = Object.keys(p.denominations);
    res.json({
      productId: p.productId,
      productName: p.name,
      global: false,
      senderFee: dec(p.fee),
      discountPercentage: 0,
      denominationType: 'FIXED',
      recipientCurrencyCode: 'USD',
      minRecipientDenomination: null,
      maxrecipientDenomination: null,
      senderCurrencyCode: currency,
      minSenderDenomination: null,
      maxSenderDenomination: null,
      fixedRecipientDenominations: keys.map(Number),
      fixedSenderDenominations: keys.map((k) => dec(p.denominations[k])),
      fixedRecipientToSenderDenominationsMap: keys.map((k) => ({ [Number(k).toFixed(2)]: dec(p.denominations[k]) })),
      logoUrls: [],
      brand: { brandId: p.productId, brandName: p.name },
      country: { isoName: 'US', name: 'United States', flagUrl: 'https://s3.amazonaws.com/rld-flags/us.svg' },
      redeemInstruction: { concise: 'Redeem online', verbose: 'Redeem online' },
      status: p.active ? 'ACTIVE' : 'INACTIVE',
    });
  });

  api.post('/orders', async (req, res) => {
    const b = req.body as { productId?: unknown; quantity?: unknown; unitPrice?: unknown; customIdentifier?: unknown; senderName?: unknown };
    if (!Number.isInteger(b?.productId) || b.quantity !== 1 || typeof b.unitPrice !== 'number' || typeof b.senderName !== 'string') {
      throw new Problem(400, null, 'Invalid request body');
    }
    // The reference says a customIdentifier must be unique; the code of this answer is not documented (docs/INTEROP.md).
    if (duplicate(b.customIdentifier)) throw new Problem(400, 'DUPLICATE_CUSTOM_IDENTIFIER', 'customIdentifier has already been used');
    if (takeFault('html_502')) return void res.status(502).type('html').send('<html><body>502 Bad Gateway</body></html>');
    const p = products.get(b.productId as number);
    if (!p || !p.active) throw new Problem(400, 'PRODUCT_NOT_AVAILABLE', 'The product was either not found or is no longer available, Please contact support');
    const key = Object.keys(p.denominations).find((k) => Number(k) === b.unitPrice);
    if (key === undefined) throw new Problem(400, null, 'Invalid price, please ensure you selected the right price.');
    const change = takeFault('price_change_at_order');
    if (change?.price !== undefined) for (const k of Object.keys(p.denominations)) p.denominations[k] = change.price;
    const t: Txn = {
      transactionId: nextTxn++,
      kind: 'giftcard',
      customIdentifier: typeof b.customIdentifier === 'string' ? b.customIdentifier : crypto.randomUUID(),
      status: p.pendingMs ? 'PENDING' : 'SUCCESSFUL',
      amount: p.denominations[key] + p.fee,
      fee: p.fee,
      product: p,
      denomination: Number(key),
      cards: [],
      createdAt: now(),
    };
    if (t.status === 'SUCCESSFUL') t.cards = [{ cardNumber: `RLSIM-${t.transactionId}-${nextCard++}`, pinCode: String(1000 + t.transactionId) }];
    else finishLater(t, p.pendingMs!);
    await commit(req, res, t, () => giftcardView(t));
  });

  api.get('/orders/transactions/:id/cards', (req, res) => {
    const t = txns.find((x) => x.kind === 'giftcard' && x.transactionId === Number(req.params.id));
    if (!t || t.status !== 'SUCCESSFUL') throw new Problem(404, null, 'Invalid transaction id');
    res.json(t.cards);
  });

  api.get('/reports/transactions', (req, res) => {
    const wanted = typeof req.query.customIdentifier === 'string' ? req.query.customIdentifier : undefined;
    // The reference's transaction report spells the phone field "receipientPhone" (the order answer does not).
    const reported = (t: Txn) => {
      const { recipientPhone, ...rest } = giftcardView(t);
      return { ...rest, receipientPhone: recipientPhone };
    };
    res.json(txns.filter((t) => t.kind === 'giftcard' && (!wanted || t.customIdentifier === wanted)).map(reported));
  });

  api.get('/operators/auto-detect/phone/:phone/countries/:iso', (req, res) => {
    const o = [...operators.values()].find((x) => x.country === req.params.iso && x.phones.includes(req.params.phone));
    if (!o) throw new Problem(404, 'COULD_NOT_AUTO_DETECT_OPERATOR', 'Could not auto detect operator for given phone number');
    res.json({
      id: o.operatorId,
      operatorId: o.operatorId,
      name: o.name,
      bundle: false,
      data: false,
      pin: false,
      supportsLocalAmounts: false,
      denominationType: 'RANGE',
      senderCurrencyCode: currency,
      senderCurrencySymbol: '$',
      destinationCurrencyCode: currency,
      destinationCurrencySymbol: '$',
      commission: 0,
      internationalDiscount: 0,
      localDiscount: 0,
      mostPopularAmount: null,
      minAmount: 1,
      maxAmount: 100,
      localMinAmount: null,
      localMaxAmount: null,
      country: { isoName: o.country, name: o.country },
      fx: { rate: 1, currencyCode: currency },
      logoUrls: [],
      fixedAmounts: [],
      fixedAmountsDescriptions: [],
      localFixedAmounts: [],
      localFixedAmountsDescriptions: [],
      suggestedAmounts: [],
      suggestedAmountsMap: {},
      promotions: [],
    });
  });

  api.post('/topups-async', async (req, res) => {
    const b = req.body as { operatorId?: unknown; amount?: unknown; customIdentifier?: unknown; recipientPhone?: { countryCode?: unknown; number?: unknown } };
    const o = operators.get(Number(b?.operatorId));
    const amount = Math.round(Number(b?.amount) * 10 ** digits);
    if (!o || !(amount > 0)) throw new Problem(400, null, 'Invalid request body');
    if (duplicate(b.customIdentifier)) throw new Problem(400, 'DUPLICATE_CUSTOM_IDENTIFIER', 'customIdentifier has already been used');
    if (takeFault('html_502')) return void res.status(502).type('html').send('<html><body>502 Bad Gateway</body></html>');
    const phone = typeof b.recipientPhone?.number === 'string' ? b.recipientPhone.number : '';
    if (b.recipientPhone?.countryCode !== o.country || !o.phones.includes(phone)) throw new Problem(400, 'INVALID_RECIPIENT_PHONE', 'Recipient phone number is not valid');
    const t: Txn = {
      transactionId: nextTxn++,
      kind: 'topup',
      customIdentifier: typeof b.customIdentifier === 'string' ? b.customIdentifier : crypto.randomUUID(),
      status: 'PROCESSING',
      amount,
      fee: 0,
      operator: o,
      phone,
      cards: [],
      createdAt: now(),
    };
    finishLater(t, opts.topupDelayMs ?? 50);
    await commit(req, res, t, () => ({ transactionId: t.transactionId }));
  });

  api.get('/topups/:id/status', (req, res) => {
    const t = txns.find((x) => x.kind === 'topup' && x.transactionId === Number(req.params.id));
    if (!t) throw new Problem(404, null, 'No message available');
    res.json(topupView(t));
  });

  api.get('/topups/reports/transactions', (req, res) => {
    const wanted = typeof req.query.customIdentifier === 'string' ? req.query.customIdentifier : undefined;
    res.json({ content: txns.filter((t) => t.kind === 'topup' && (!wanted || t.customIdentifier === wanted)).map(topupView) });
  });

  app.post('/_sim/faults', (req, res) => {
    faults.push(FaultRequest.parse(req.body));
    res.status(201).json({ ok: true });
  });
  app.use(api);
  const errors: ErrorRequestHandler = (err, req, res, _next) => {
    const path = req.path;
    if (err instanceof Problem) return void res.status(err.status).json({ timeStamp: now(), message: err.message, path, errorCode: err.errorCode, infoLink: null, details: [] });
    if (err instanceof z.ZodError || err instanceof SyntaxError)
      return void res.status(400).json({ timeStamp: now(), message: 'bad request', path, errorCode: null, infoLink: null, details: [] });
    res.status(500).json({ timeStamp: now(), message: 'internal error', path, errorCode: null, infoLink: null, details: [] });
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
    setWebhookUrl(u) {
      webhookUrl = u;
    },
    setPrice(productId, denomination, cost) {
      const p = products.get(productId)!;
      const key = Object.keys(p.denominations).find((k) => Number(k) === Number(denomination))!;
      p.denominations[key] = cost;
    },
    setBalance(b) {
      balance = b;
    },
    failTopup(customIdentifier) {
      const t = txns.find((x) => x.customIdentifier === customIdentifier && x.status === 'PROCESSING');
      if (!t) return;
      t.status = 'FAILED';
      balance += t.amount;
      charges[customIdentifier] -= 1;
      void webhook(t);
    },
    addFault(f) {
      faults.push(FaultRequest.parse(f));
    },
    clearFaults() {
      faults = [];
    },
    faultsLeft: () => faults.length,
    received: () => log.slice(),
  };
}
