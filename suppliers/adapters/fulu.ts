import { fromDecimal } from '../../interop/dujiao-next/money';
import { OutboundFailure, type OutboundAnswer } from '../../lib/outbound-http';
import { SupplierRefused, SupplierUnavailable, type AdapterFactory, type PurchaseOutcome, type SupplierAdapter } from '../adapter';
import { FULU_CODES, FULU_METHODS, decryptCardField, envelope, fuluSignText, verifySigned, type FuluAnswer } from './fulu-protocol';

// Fulu (福禄开放平台): one gateway URL (the supplier row's base URL, e.g.
// https://openapi.fulu.com/api/getway, sandbox http://pre.openapi.fulu.com/api/getway),
// credentials { appKey, appSecret }, prices in CNY. Envelope, signature and card cipher:
// fulu-protocol.ts. A route's supplier product is "card:<product_id>" (卡密, codes) or
// "direct:<product_id>" (直充, a top-up into the buyer's account).
//
// Our reference is Fulu's customer_order_no. Fulu is always asynchronous and its document makes
// the order query mandatory: an order is placed, then asked about (fulu.order.info.get by
// customer_order_no) until it is final; codes come only from that query, encrypted, and are
// decrypted here straight into the outcome the vault seals. Fulu takes no maximum price, so the
// price is read first and an order above the route's maximum is not placed.

interface GoodsInfo {
  purchase_price?: unknown;
  sales_status?: unknown;
  stock_status?: unknown;
}
interface FuluOrder {
  order_id?: unknown;
  customer_order_no?: unknown;
  order_status?: unknown;
  order_state?: unknown;
  order_price?: unknown;
  charge_account?: unknown;
  operator_serial_number?: unknown;
  recharge_description?: unknown;
  cards?: { card_number?: unknown; card_pwd?: unknown; card_deadline?: unknown }[];
}

/** A scalar the supplier sent, as text ('' for anything else: an object is never stringified). */
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : '');

/** Fulu's refusals in routing's words: it looked and took nothing. */
const REFUSALS = new Map<number, string>([
  [FULU_CODES.productNotFound, 'invalid_denomination'],
  [FULU_CODES.productOffSale, 'invalid_denomination'],
  [FULU_CODES.outOfStock, 'out_of_stock'],
  [FULU_CODES.insufficientBalance, 'insufficient_balance'],
  [FULU_CODES.invalidAccount, 'invalid_account'],
]);

export function parseFuluProduct(product: string): { kind: 'card' | 'direct'; productId: string } {
  const m = /^(card|direct):(\d{1,15})$/.exec(product);
  if (!m) throw new SupplierRefused('invalid_denomination', `"${product}" is not a Fulu product (card:<product_id> or direct:<product_id>)`);
  return { kind: m[1] as 'card' | 'direct', productId: m[2] };
}

export const fuluAdapter: AdapterFactory = ({ baseUrl, credentials, timeoutMs, http }) => {
  const appKey = credentials.appKey ?? credentials.partnerId;
  const appSecret = credentials.appSecret ?? credentials.secret;
  if (!appKey || !appSecret) throw new Error('Fulu credentials need appKey and appSecret');
  const currency = 'CNY';

  const amount = (v: unknown): number => {
    const n = fromDecimal(typeof v === 'number' ? v.toFixed(2) : v, currency);
    if (n === undefined) throw new SupplierUnavailable('Fulu gave an amount that is not one');
    return n;
  };

  /** One gateway call: the answer's code, and its result when the code is 0 (signature checked). */
  async function call<T>(method: string, biz: Record<string, unknown>): Promise<{ code: number; result?: T }> {
    let res: OutboundAnswer;
    try {
      res = await http.request(baseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(envelope(appKey, appSecret, method, biz)),
        timeoutMs,
      });
    } catch (err) {
      if (err instanceof OutboundFailure) throw new SupplierUnavailable(err.message);
      throw err;
    }
    if (res.status >= 500) throw new SupplierUnavailable('Fulu reported a server error');
    if (res.status === 429) throw new SupplierRefused('rate_limited', 'rate limited', { retryAfterSeconds: 1 });
    let answer: FuluAnswer;
    try {
      answer = JSON.parse(res.body.toString('utf8')) as FuluAnswer;
    } catch {
      throw new SupplierUnavailable('the answer was not JSON');
    }
    const code = Number(answer?.code);
    if (res.status !== 200 || !Number.isInteger(code)) throw new SupplierUnavailable(`Fulu answered HTTP ${res.status} without a code`);
    if (code !== FULU_CODES.ok) return { code };
    if (typeof answer.result !== 'string') throw new SupplierUnavailable('Fulu answered without a result');
    // A signed result must be signed with our secret; an unsigned one is taken as the SDKs do.
    if (typeof answer.sign === 'string' && answer.sign && fuluSignText(answer.result, appSecret) !== answer.sign) {
      throw new SupplierUnavailable('the answer is not signed with this connection');
    }
    try {
      return { code, result: JSON.parse(answer.result) as T };
    } catch {
      throw new SupplierUnavailable('Fulu gave a result that is not JSON');
    }
  }

  function outcomeOf(o: FuluOrder, kind: 'card' | 'direct'): PurchaseOutcome {
    const supplierOrderId = text(o.order_id);
    if (!supplierOrderId) throw new SupplierUnavailable('Fulu gave an order without an id');
    const status = text(o.order_status) || text(o.order_state);
    if (status === 'failed') return { status: 'failed', supplierOrderId, code: 'failed', message: 'Fulu failed the order' };
    const unitPrice = amount(o.order_price);
    if (status !== 'success') return { status: 'processing', supplierOrderId, unitPrice };
    if (kind === 'direct') {
      const receipt = text(o.operator_serial_number) || supplierOrderId;
      return { status: 'succeeded', supplierOrderId, unitPrice, topup: { receipt, account: text(o.charge_account) } };
    }
    const c = o.cards?.[0];
    if (!c || typeof c.card_number !== 'string') throw new SupplierUnavailable(`Fulu order ${supplierOrderId} succeeded without a card`);
    let number: string;
    let pin: string | undefined;
    try {
      number = decryptCardField(appSecret, c.card_number);
      pin = typeof c.card_pwd === 'string' && c.card_pwd ? decryptCardField(appSecret, c.card_pwd) : undefined;
    } catch {
      throw new SupplierUnavailable(`the card of Fulu order ${supplierOrderId} does not decrypt with this connection's secret`);
    }
    const expiresAt = typeof c.card_deadline === 'string' && c.card_deadline ? c.card_deadline : undefined;
    return { status: 'succeeded', supplierOrderId, unitPrice, card: { number, ...(pin ? { pin } : {}), ...(expiresAt ? { expiresAt } : {}) } };
  }

  /** The order Fulu holds under our reference: its outcome, 'not_found', or unknown (throws). */
  async function lookUp(reference: string, kind: 'card' | 'direct'): Promise<PurchaseOutcome | 'not_found'> {
    const { code, result } = await call<FuluOrder>(FULU_METHODS.orderInfo, { customer_order_no: reference });
    if (code === FULU_CODES.orderNotFound) return 'not_found';
    if (code !== FULU_CODES.ok || !result) throw new SupplierUnavailable(`asking Fulu about ${reference} gave code ${code}`);
    if (result.customer_order_no !== undefined && text(result.customer_order_no) !== reference)
      throw new SupplierUnavailable(`Fulu answered about another order than ${reference}`);
    return outcomeOf(result, kind);
  }

  async function quote(product: string) {
    const { productId } = parseFuluProduct(product);
    const { code, result } = await call<GoodsInfo>(FULU_METHODS.goodsInfo, { product_id: Number(productId) });
    if (code === FULU_CODES.productNotFound) throw new SupplierRefused('invalid_denomination', `Fulu has no product ${productId}`);
    if (code !== FULU_CODES.ok || !result) throw new SupplierUnavailable(`reading Fulu product ${productId} gave code ${code}`);
    const available = result.sales_status !== '下架' && result.stock_status !== '断货';
    return { unitPrice: amount(result.purchase_price), currency, stock: available ? null : 0 };
  }

  const adapter: SupplierAdapter = {
    quote,

    async purchase(req) {
      const { kind, productId } = parseFuluProduct(req.product);
      const price = await quote(req.product);
      if (price.unitPrice > req.maxUnitPrice) throw new SupplierRefused('price_changed', `price ${price.unitPrice} is above our maximum`, { unitPrice: price.unitPrice });
      if (price.stock === 0) throw new SupplierRefused('out_of_stock', 'Fulu has the product off sale or out of stock');
      const biz =
        kind === 'card'
          ? { product_id: Number(productId), buy_num: 1, customer_order_no: req.reference }
          : { product_id: Number(productId), buy_num: 1, customer_order_no: req.reference, charge_account: req.account ?? '' };
      const { code, result } = await call<FuluOrder>(kind === 'card' ? FULU_METHODS.cardOrder : FULU_METHODS.directOrder, biz);
      if (code === FULU_CODES.ok && result) {
        const placed = outcomeOf(result, kind);
        // Codes come only from the order query (the document: the order answer has none).
        return placed.status === 'succeeded' && kind === 'card' ? ((await lookUp(req.reference, kind)) as PurchaseOutcome) : placed;
      }
      const refusal = REFUSALS.get(code);
      if (refusal) throw new SupplierRefused(refusal, `Fulu refused order ${req.reference} (code ${code})`);
      // Any other answer: whether Fulu took the order is found out by our reference.
      const found = await lookUp(req.reference, kind);
      if (found === 'not_found') throw new SupplierRefused('refused', `Fulu refused order ${req.reference} (code ${code}) and has no order under it`);
      return found;
    },

    async getPurchase(reference, known) {
      return lookUp(reference, known ? parseFuluProduct(known.product).kind : 'card');
    },

    async validateAccount() {
      // Fulu offers no account check for direct top-ups in general: the order refuses a bad
      // account (invalid_account) and the unit then fails with that reason.
      return { valid: true };
    },

    async balance() {
      const { code, result } = await call<{ balance?: unknown }>(FULU_METHODS.userInfo, {});
      if (code !== FULU_CODES.ok || !result) throw new SupplierUnavailable(`reading the Fulu balance gave code ${code}`);
      return { currency, balance: amount(result.balance) };
    },

    readCallback(_headers, _path, rawBody) {
      // Fulu's notification is signed like a request (its parameters without sign, characters
      // sorted, the secret appended); it only makes the order ask Fulu, bound to the order id.
      const body = JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>;
      if (!body || typeof body !== 'object' || !verifySigned(body, appSecret)) return undefined;
      if (typeof body.customer_order_no !== 'string' || !body.customer_order_no || !text(body.order_id)) return undefined;
      return { reference: body.customer_order_no, supplierOrderId: text(body.order_id), askSupplier: true, ack: 'success' };
    },
  };
  return adapter;
};
