import { currencyDigits } from '../../interop/dujiao-next/money';
import { OutboundFailure, type OutboundAnswer } from '../../lib/outbound-http';
import { SupplierRefused, SupplierUnavailable, type AdapterFactory, type PurchaseOutcome, type SupplierAdapter, type SupplierCard } from '../adapter';

// Reloadly (gift cards and mobile top-ups), from its public API reference (Reloadly/
// reloadly-api-documentation, see docs/INTEROP.md for the version): OAuth2 client credentials at
// auth.reloadly.com, one token per product ("audience"), JSON bodies with decimal amounts in the
// account's currency. The supplier row's base URL is the gift card API
// (https://giftcards.reloadly.com, or giftcards-sandbox); credentials: { clientId, clientSecret }
// and, only where they are not Reloadly's own hosts, { authUrl, topupsUrl }.
//
// A route's supplier product is
//   giftcard:<productId>:<recipient denomination>   e.g. giftcard:10:25.00
//   topup:<operatorId>:<country ISO>:<amount>       e.g. topup:535:GB:5.00 (account = phone number)
//
// Our reference is Reloadly's customIdentifier (unique per order on their side). Reloadly takes no
// maximum price, so the price is read first and an order above the route's maximum is not placed.
// Look-up by reference: the transaction reports filtered by customIdentifier. Webhooks carry
// nothing we check the goods against: a genuine-looking one only makes the order ask Reloadly.

interface ReloadlyError {
  errorCode?: unknown;
  message?: unknown;
}
interface GiftcardProduct {
  productId?: number;
  senderCurrencyCode?: string;
  senderFee?: number;
  denominationType?: string;
  fixedRecipientToSenderDenominationsMap?: Record<string, number> | Record<string, number>[];
  minRecipientDenomination?: number | null;
  maxRecipientDenomination?: number | null;
  fxRate?: number;
  status?: string;
}
interface GiftcardTransaction {
  transactionId?: number;
  amount?: number;
  fee?: number;
  discount?: number;
  currencyCode?: string;
  customIdentifier?: string;
  status?: string;
}
interface TopupTransaction {
  transactionId?: number;
  status?: string;
  customIdentifier?: string;
  recipientPhone?: string | number;
  operatorTransactionId?: string | null;
  requestedAmount?: number;
  requestedAmountCurrencyCode?: string;
  discount?: number;
}

/** A scalar the supplier sent, as text ('' for anything else: an object is never stringified). */
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : '');

/** Reloadly's refusals in routing's words; anything not listed is "refused" (nothing charged) or, for a purchase, unknown. */
const REFUSALS: Record<string, string> = {
  INSUFFICIENT_BALANCE: 'insufficient_balance',
  INSUFFICIENT_FUNDS: 'insufficient_balance',
  PRODUCT_NOT_AVAILABLE: 'invalid_denomination',
  PRODUCT_NOT_FOUND: 'invalid_denomination',
  INVALID_PRODUCT: 'invalid_denomination',
  INVALID_AMOUNT: 'invalid_denomination',
  INVALID_PRICE: 'invalid_denomination',
  OUT_OF_STOCK: 'out_of_stock',
  INVALID_RECIPIENT_PHONE: 'invalid_account',
  INVALID_PHONE_NUMBER: 'invalid_account',
  PHONE_RECENTLY_RECHARGED: 'invalid_account',
  COUNTRY_NOT_SUPPORTED: 'invalid_denomination',
  OPERATOR_NOT_FOUND: 'invalid_denomination',
};
/** Answers to an order that mean "an order under this customIdentifier may already exist": ask, never buy elsewhere. */
const MAYBE_PLACED = /DUPLICATE|CUSTOM_IDENTIFIER|ALREADY/;

type Product = { kind: 'giftcard'; productId: number; denomination: string } | { kind: 'topup'; operatorId: number; country: string; amount: string };

export function parseReloadlyProduct(product: string): Product {
  let m = /^giftcard:(\d{1,12}):(\d{1,9}(?:\.\d{1,2})?)$/.exec(product);
  if (m) return { kind: 'giftcard', productId: Number(m[1]), denomination: m[2] };
  m = /^topup:(\d{1,12}):([A-Z]{2}):(\d{1,9}(?:\.\d{1,2})?)$/.exec(product);
  if (m) return { kind: 'topup', operatorId: Number(m[1]), country: m[2], amount: m[3] };
  throw new SupplierRefused('invalid_denomination', `"${product}" is not a Reloadly product (giftcard:<id>:<value> or topup:<operator>:<country>:<amount>)`);
}

/** Reloadly's production and sandbox hosts, by product. */
function hostsFor(baseUrl: string, credentials: Record<string, string>) {
  const giftcards = baseUrl.replace(/\/+$/, '');
  const host = new URL(giftcards).hostname;
  const sandbox = host === 'giftcards-sandbox.reloadly.com';
  const own = host === 'giftcards.reloadly.com' || sandbox;
  return {
    giftcards,
    topups: (credentials.topupsUrl || (own ? `https://topups${sandbox ? '-sandbox' : ''}.reloadly.com` : giftcards)).replace(/\/+$/, ''),
    auth: (credentials.authUrl || (own ? 'https://auth.reloadly.com' : giftcards)).replace(/\/+$/, ''),
  };
}

export const reloadlyAdapter: AdapterFactory = ({ baseUrl, credentials, timeoutMs, http }) => {
  const clientId = credentials.clientId ?? credentials.partnerId;
  const clientSecret = credentials.clientSecret ?? credentials.secret;
  if (!clientId || !clientSecret) throw new Error('Reloadly credentials need clientId and clientSecret');
  const hosts = hostsFor(baseUrl, credentials);
  const tokens = new Map<string, { token: string; until: number }>();

  /** Money as Reloadly writes it (a JSON number in the account currency) → minor units. */
  const minor = (v: unknown, currency: string): number => {
    const n = Number(v);
    if (typeof v !== 'number' || !Number.isFinite(n) || n < 0) throw new SupplierUnavailable('Reloadly gave an amount that is not one');
    return Math.round(n * 10 ** currencyDigits(currency));
  };

  async function send(url: string, method: 'GET' | 'POST', headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: unknown }> {
    let res: OutboundAnswer;
    try {
      res = await http.request(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), timeoutMs });
    } catch (err) {
      if (err instanceof OutboundFailure) throw new SupplierUnavailable(err.message);
      throw err;
    }
    if (res.status >= 500) throw new SupplierUnavailable('Reloadly reported a server error');
    if (res.status === 429) throw new SupplierRefused('rate_limited', 'rate limited', { retryAfterSeconds: 1 });
    try {
      return { status: res.status, json: res.body.length ? JSON.parse(res.body.toString('utf8')) : null };
    } catch {
      throw new SupplierUnavailable('the answer was not JSON'); // a gateway's page, or not Reloadly at all
    }
  }

  /** An access token for one product (the audience is that product's API URL). */
  async function token(audience: string, fresh = false): Promise<string> {
    const cached = tokens.get(audience);
    if (cached && !fresh && cached.until > Date.now()) return cached.token;
    const { status, json } = await send(
      `${hosts.auth}/oauth/token`,
      'POST',
      { 'content-type': 'application/json', accept: 'application/json' },
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_type: 'client_credentials',
        audience,
      },
    );
    const answer = json as { access_token?: unknown; expires_in?: unknown } | null;
    if (status !== 200 || typeof answer?.access_token !== 'string') throw new SupplierRefused('bad_credentials', 'Reloadly refused the client credentials');
    const seconds = Math.max(60, Math.min(Number(answer.expires_in) || 3600, 86400 * 60));
    tokens.set(audience, { token: answer.access_token, until: Date.now() + (seconds - 60) * 1000 });
    return answer.access_token;
  }

  /** One API call with a bearer token; an expired token is renewed once (a 401 changed nothing on their side). */
  async function call(api: 'giftcards' | 'topups', method: 'GET' | 'POST', path: string, body?: unknown) {
    const base = hosts[api];
    const accept = `application/com.reloadly.${api}-v1+json`;
    for (const fresh of [false, true]) {
      const headers = { authorization: `Bearer ${await token(base, fresh)}`, accept, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
      const answer = await send(`${base}${path}`, method, headers, body);
      if (answer.status === 401 && !fresh) continue;
      return answer;
    }
    throw new SupplierUnavailable('unreachable');
  }

  const errorCode = (json: unknown) => {
    const code = (json as ReloadlyError | null)?.errorCode;
    return typeof code === 'string' && /^[A-Z_]{1,60}$/.test(code) ? code : '';
  };

  /** A 4xx in routing's words; nothing was charged. */
  function refuse(json: unknown, status: number, what: string): never {
    const code = errorCode(json);
    if (status === 401 || status === 403) throw new SupplierRefused('bad_credentials', `Reloadly refused the credentials (${code || status})`);
    throw new SupplierRefused(REFUSALS[code] ?? 'refused', `Reloadly refused ${what} (${code || status})`);
  }

  async function giftcardProduct(productId: number): Promise<GiftcardProduct> {
    const { status, json } = await call('giftcards', 'GET', `/products/${productId}`);
    if (status === 200) return json as GiftcardProduct;
    if (status === 400 || status === 404) throw new SupplierRefused('invalid_denomination', `Reloadly has no gift card product ${productId}`);
    refuse(json, status, 'the product request');
  }

  /** What one card costs us (sender currency): the sender denomination plus the sender fee. */
  function giftcardPrice(p: GiftcardProduct, denomination: string): { unitPrice: number; currency: string } {
    const currency = p.senderCurrencyCode ?? '';
    if (!/^[A-Z]{3}$/.test(currency)) throw new SupplierUnavailable('Reloadly gave a product without a sender currency');
    const map = Array.isArray(p.fixedRecipientToSenderDenominationsMap)
      ? Object.assign({}, ...p.fixedRecipientToSenderDenominationsMap)
      : (p.fixedRecipientToSenderDenominationsMap ?? {});
    const wanted = Number(denomination);
    const key = Object.keys(map).find((k) => Number(k) === wanted);
    let sender: number | undefined = key === undefined ? undefined : Number(map[key]);
    if (sender === undefined && p.denominationType === 'RANGE') {
      const min = Number(p.minRecipientDenomination);
      const max = Number(p.maxRecipientDenomination);
      if (wanted >= min && wanted <= max && Number(p.fxRate) > 0) sender = wanted * Number(p.fxRate);
    }
    if (sender === undefined || !Number.isFinite(sender)) throw new SupplierRefused('invalid_denomination', `Reloadly product ${p.productId} has no ${denomination} card`);
    return { unitPrice: minor(sender, currency) + minor(p.senderFee ?? 0, currency), currency };
  }

  async function quote(product: string) {
    const p = parseReloadlyProduct(product);
    if (p.kind === 'giftcard') {
      const found = await giftcardProduct(p.productId);
      if (found.status && found.status !== 'ACTIVE') return { ...giftcardPrice(found, p.denomination), stock: 0 };
      return { ...giftcardPrice(found, p.denomination), stock: null };
    }
    // A top-up costs its amount in the account currency (useLocalAmount false); the balance says which.
    const { currency } = await balance();
    return { unitPrice: Math.round(Number(p.amount) * 10 ** currencyDigits(currency)), currency, stock: null };
  }

  async function balance() {
    const { status, json } = await call('giftcards', 'GET', '/accounts/balance');
    if (status !== 200) refuse(json, status, 'the balance request');
    const answer = json as { balance?: unknown; currencyCode?: unknown };
    const currency = typeof answer.currencyCode === 'string' && /^[A-Z]{3}$/.test(answer.currencyCode) ? answer.currencyCode : '';
    if (!currency) throw new SupplierUnavailable('Reloadly gave a balance without a currency');
    return { currency, balance: minor(answer.balance, currency) };
  }

  async function cardsOf(transactionId: number): Promise<SupplierCard | undefined> {
    const { status, json } = await call('giftcards', 'GET', `/orders/transactions/${transactionId}/cards`);
    if (status === 404) return undefined; // not ready yet
    if (status !== 200) throw new SupplierUnavailable(`asking for the cards of transaction ${transactionId} gave HTTP ${status}`);
    const first = (Array.isArray(json) ? json[0] : json) as { cardNumber?: unknown; pinCode?: unknown } | undefined;
    const number = text(first?.cardNumber);
    const pin = text(first?.pinCode);
    if (!number) return undefined;
    return { number, ...(pin ? { pin } : {}) };
  }

  async function giftcardOutcome(t: GiftcardTransaction): Promise<PurchaseOutcome> {
    const id = Number(t.transactionId);
    if (!Number.isSafeInteger(id)) throw new SupplierUnavailable('Reloadly gave a transaction without an id');
    const supplierOrderId = String(id);
    if (t.status === 'FAILED' || t.status === 'REFUNDED')
      return { status: 'failed', supplierOrderId, code: t.status.toLowerCase(), message: `Reloadly ${t.status.toLowerCase()} the order` };
    const unitPrice = minor(t.amount, t.currencyCode ?? 'USD');
    if (t.status !== 'SUCCESSFUL') return { status: 'processing', supplierOrderId, unitPrice };
    // Codes are read from Reloadly's redeem code endpoint and go to the vault with the outcome.
    const card = await cardsOf(id);
    return card ? { status: 'succeeded', supplierOrderId, unitPrice, card } : { status: 'processing', supplierOrderId, unitPrice };
  }

  function topupOutcome(t: TopupTransaction, account: string | undefined): PurchaseOutcome {
    const supplierOrderId = String(t.transactionId);
    if (t.status === 'FAILED' || t.status === 'REFUNDED')
      return { status: 'failed', supplierOrderId, code: t.status.toLowerCase(), message: `Reloadly ${t.status.toLowerCase()} the top-up` };
    // What the account was charged: the requested amount, in the account currency.
    const unitPrice = minor(t.requestedAmount, t.requestedAmountCurrencyCode ?? 'USD');
    if (t.status !== 'SUCCESSFUL') return { status: 'processing', supplierOrderId, unitPrice };
    const receipt = text(t.operatorTransactionId) || text(t.transactionId);
    return { status: 'succeeded', supplierOrderId, unitPrice, topup: { receipt, account: account ?? text(t.recipientPhone) } };
  }

  /** The transaction Reloadly holds under our customIdentifier, if any. */
  async function findByReference(api: 'giftcards' | 'topups', reference: string): Promise<GiftcardTransaction | TopupTransaction | undefined> {
    const path = api === 'giftcards' ? '/reports/transactions' : '/topups/reports/transactions';
    const { status, json } = await call(api, 'GET', `${path}?customIdentifier=${encodeURIComponent(reference)}&size=200&page=1`);
    if (status !== 200) throw new SupplierUnavailable(`asking about ${reference} gave HTTP ${status}`);
    const list = (Array.isArray(json) ? json : ((json as { content?: unknown[] } | null)?.content ?? [])) as (GiftcardTransaction & TopupTransaction)[];
    // Their filter is a convenience; the match is ours.
    return list.find((t) => t.customIdentifier === reference);
  }

  const adapter: SupplierAdapter = {
    quote,
    balance,

    async purchase(req) {
      const p = parseReloadlyProduct(req.product);
      const price = await quote(req.product);
      if (price.unitPrice > req.maxUnitPrice) throw new SupplierRefused('price_changed', `price ${price.unitPrice} is above our maximum`, { unitPrice: price.unitPrice });
      if (price.stock === 0) throw new SupplierRefused('out_of_stock', 'the product is not active');
      const api = p.kind === 'giftcard' ? 'giftcards' : 'topups';
      const { status, json } =
        p.kind === 'giftcard'
          ? await call('giftcards', 'POST', '/orders', {
              productId: p.productId,
              quantity: 1,
              unitPrice: Number(p.denomination),
              customIdentifier: req.reference,
              senderName: 'Cardflow',
            })
          : await call('topups', 'POST', '/topups-async', {
              operatorId: String(p.operatorId),
              amount: p.amount,
              useLocalAmount: false,
              customIdentifier: req.reference,
              recipientPhone: { countryCode: p.country, number: req.account ?? '' },
            });
      if (status >= 400) {
        if (MAYBE_PLACED.test(errorCode(json))) throw new SupplierUnavailable(`Reloadly says ${req.reference} may exist already`);
        refuse(json, status, `order ${req.reference}`);
      }
      if (status !== 200 && status !== 201) throw new SupplierUnavailable(`the order answered HTTP ${status}`);
      if (api === 'giftcards') return giftcardOutcome(json as GiftcardTransaction);
      // The asynchronous top-up answers only its transaction id; its status comes by webhook or poll.
      const id = Number((json as { transactionId?: unknown }).transactionId);
      if (!Number.isSafeInteger(id)) throw new SupplierUnavailable('Reloadly gave no transaction id for the top-up');
      return { status: 'processing', supplierOrderId: String(id), unitPrice: price.unitPrice };
    },

    async getPurchase(reference, known) {
      const kind = known ? parseReloadlyProduct(known.product).kind : 'giftcard';
      if (kind === 'giftcard') {
        const found = await findByReference('giftcards', reference);
        return found ? giftcardOutcome(found) : 'not_found';
      }
      if (known?.supplierOrderId) {
        const { status, json } = await call('topups', 'GET', `/topups/${encodeURIComponent(known.supplierOrderId)}/status`);
        if (status !== 200) throw new SupplierUnavailable(`asking about top-up ${known.supplierOrderId} gave HTTP ${status}`);
        const t = json as TopupTransaction & { transaction?: TopupTransaction };
        return topupOutcome({ ...(t.transaction ?? t), transactionId: Number(known.supplierOrderId), status: t.status ?? t.transaction?.status }, undefined);
      }
      const found = await findByReference('topups', reference);
      return found ? topupOutcome(found, undefined) : 'not_found';
    },

    async validateAccount(product, account) {
      const p = parseReloadlyProduct(product);
      if (p.kind !== 'topup') return { valid: false, reason: 'not_a_topup' };
      if (!/^\+?\d{5,16}$/.test(account)) return { valid: false, reason: 'not_a_phone_number' };
      const { status, json } = await call('topups', 'GET', `/operators/auto-detect/phone/${encodeURIComponent(account.replace(/^\+/, ''))}/countries/${p.country}`);
      if (status === 404 || status === 400) return { valid: false, reason: 'not_found' };
      if (status !== 200) refuse(json, status, 'the number check');
      const operatorId = Number((json as { operatorId?: unknown }).operatorId ?? (json as { id?: unknown }).id);
      return operatorId === p.operatorId ? { valid: true } : { valid: false, reason: 'other_operator' };
    },

    readCallback(_headers, _path, rawBody) {
      // Reloadly's webhook names a transaction; it is only a reason to ask Reloadly now, bound to
      // the transaction our purchase recorded (api/supplier-callbacks.ts).
      const body = JSON.parse(rawBody.toString('utf8')) as { data?: { transactionId?: unknown; customIdentifier?: unknown } };
      const id = Number(body?.data?.transactionId);
      const reference = body?.data?.customIdentifier;
      if (!Number.isSafeInteger(id) || typeof reference !== 'string' || !reference) return undefined;
      return { reference, supplierOrderId: String(id), askSupplier: true, ack: { received: true } };
    },
  };
  return adapter;
};
