import { fromDecimal } from '../../interop/dujiao-next/money';
import { UPSTREAM_PREFIX, cardOfLine } from '../../interop/dujiao-next/protocol';
import { HEADER_API_KEY, headerOf, signedHeaders, verifyDujiao } from '../../interop/dujiao-next/signing';
import { OutboundFailure, type OutboundAnswer } from '../../lib/outbound-http';
import { SupplierRefused, SupplierUnavailable, type AdapterFactory, type CatalogueItem, type KnownPurchase, type PurchaseOutcome, type SupplierAdapter } from '../adapter';

// Buying from a dujiao-next site (its "site integration" protocol, interop/dujiao-next/). The
// base URL is the site's root; credentials: { apiKey, apiSecret } from its "API Permissions"
// (the console's supplier form calls them partner id and secret, which are taken too).
// A route's supplier product is "<product id>:<sku id>" (the console's import writes it).
//
// The protocol differs from Cardflow's own supplier protocol in three ways this adapter bridges:
// - no maximum price on an order: the price is read first and an order above the route's
//   maximum is not placed (a change in between is caught after, as "charged above max");
// - no look-up by our reference: an order is found by the site's order id once we know it, and
//   before that by placing it again under the same downstream_order_no, which the site answers
//   with the order it already has (§4.5 idempotency) instead of a second one;
// - callbacks carry no price: a genuine one only makes the order ask the site (GET /orders/:id).

/** A site's answer as far as this adapter reads it (§4 of the protocol); each field is checked where it is used. */
interface SiteSku {
  id?: number;
  is_active?: boolean;
  stock_quantity?: unknown;
  price_amount?: unknown;
  spec_values?: Record<string, string>;
}
interface SiteProduct {
  id?: number;
  slug?: string;
  is_active?: boolean;
  title?: Record<string, string>;
  skus?: SiteSku[];
}
interface SiteAnswer {
  ok?: boolean;
  error_code?: unknown;
  error_message?: unknown;
  product?: SiteProduct;
  items?: SiteProduct[];
  total?: unknown;
  order_id?: unknown;
  status?: string;
  amount?: unknown;
  fulfillment?: { payload?: string };
  currency?: unknown;
  balance?: unknown;
}

export const dujiaoNextAdapter: AdapterFactory = ({ baseUrl, credentials, timeoutMs, http }) => {
  const apiKey = credentials.apiKey ?? credentials.partnerId;
  const apiSecret = credentials.apiSecret ?? credentials.secret;
  if (!apiKey || !apiSecret) throw new Error('dujiao-next credentials need apiKey and apiSecret');
  let currency = credentials.currency || 'CNY';

  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: SiteAnswer }> {
    const url = new URL(`${UPSTREAM_PREFIX}${path}`, baseUrl);
    const text = body === undefined ? '' : JSON.stringify(body);
    let res: OutboundAnswer;
    try {
      res = await http.request(url.toString(), {
        method,
        headers: { 'content-type': 'application/json', ...signedHeaders(apiKey, apiSecret, method, url.pathname, text) },
        body: body === undefined ? undefined : text,
        timeoutMs,
      });
    } catch (err) {
      if (err instanceof OutboundFailure) throw new SupplierUnavailable(err.message);
      throw err;
    }
    let json: SiteAnswer;
    try {
      json = JSON.parse(res.body.toString('utf8')) as SiteAnswer;
    } catch {
      throw new SupplierUnavailable('the answer was not JSON');
    }
    if (res.status >= 500) throw new SupplierUnavailable('the site reported a server error');
    if (res.status === 429) throw new SupplierRefused('rate_limited', 'rate limited', { retryAfterSeconds: 1 });
    return { status: res.status, json };
  }

  const amount = (v: unknown): number => {
    const n = fromDecimal(v, currency);
    if (n === undefined) throw new SupplierUnavailable('the site gave an amount that is not one');
    return n;
  };

  /** The site's refusals (§7.2) in routing's words; nothing was charged for any of them. */
  function refuse(json: SiteAnswer | undefined, status: number): never {
    const code = typeof json?.error_code === 'string' ? json.error_code : '';
    const ours: Record<string, string> = {
      insufficient_balance: 'insufficient_balance',
      payment_failed: 'insufficient_balance',
      insufficient_stock: 'out_of_stock',
      sku_unavailable: 'invalid_denomination',
      product_unavailable: 'invalid_denomination',
      product_not_found: 'invalid_denomination',
    };
    if (ours[code]) throw new SupplierRefused(ours[code], `the site refused the order (${code})`);
    if (status >= 400 && status < 500) throw new SupplierRefused(/^[a-z_]{1,40}$/.test(code) ? code : 'refused', `the site refused the request (${code || status})`);
    throw new SupplierUnavailable('the site gave an answer that is not part of its protocol');
  }

  function parseProduct(product: string): { productId: number; skuId: number } {
    const m = /^(\d{1,15}):(\d{1,15})$/.exec(product);
    if (!m) throw new SupplierRefused('invalid_denomination', `"${product}" is not a dujiao-next product:sku`);
    return { productId: Number(m[1]), skuId: Number(m[2]) };
  }

  async function quote(product: string) {
    const { productId, skuId } = parseProduct(product);
    const { status, json } = await call('GET', `/products/${productId}`);
    if (status !== 200 || json?.ok !== true) refuse(json, status);
    const sku = json.product?.skus?.find((s) => s.id === skuId);
    if (!sku || sku.is_active === false) throw new SupplierRefused('invalid_denomination', `the site has no active SKU ${skuId}`);
    const stock = Number(sku.stock_quantity);
    return { unitPrice: amount(sku.price_amount), currency, stock: stock < 0 ? null : stock };
  }

  /** Places (or, under the same reference, finds again) the order for one unit. */
  async function place(reference: string, product: string, maxUnitPrice: number, callbackUrl?: string): Promise<PurchaseOutcome> {
    const price = await quote(product);
    if (price.unitPrice > maxUnitPrice) throw new SupplierRefused('price_changed', `price ${price.unitPrice} is above our maximum`, { unitPrice: price.unitPrice });
    if (price.stock === 0) throw new SupplierRefused('out_of_stock', 'out of stock');
    const { skuId } = parseProduct(product);
    const { status, json } = await call('POST', '/orders', { sku_id: skuId, quantity: 1, downstream_order_no: reference, ...(callbackUrl ? { callback_url: callbackUrl } : {}) });
    if (status !== 200 || json?.ok !== true) refuse(json, status);
    const orderId = String(json.order_id);
    if (json.status === 'canceled') return { status: 'failed', supplierOrderId: orderId, code: 'canceled', message: 'the site canceled the order' };
    if (json.status === 'delivered' || json.status === 'completed')
      return (await lookUp(orderId)) ?? { status: 'processing', supplierOrderId: orderId, unitPrice: amount(json.amount) };
    return { status: 'processing', supplierOrderId: orderId, unitPrice: amount(json.amount) };
  }

  /** GET /orders/:id in our words; undefined when the site does not know it. */
  async function lookUp(orderId: string): Promise<PurchaseOutcome | undefined> {
    const { status, json } = await call('GET', `/orders/${encodeURIComponent(orderId)}`);
    if (status === 404 && json?.error_code === 'order_not_found') return undefined;
    if (status !== 200 || json?.ok !== true) throw new SupplierUnavailable(`asking about order ${orderId} gave HTTP ${status}`);
    const unitPrice = amount(json.amount);
    if (json.status === 'canceled') return { status: 'failed', supplierOrderId: orderId, code: 'canceled', message: 'the site canceled the order' };
    if ((json.status === 'delivered' || json.status === 'completed') && json.fulfillment) {
      const card = cardOfLine(String(json.fulfillment.payload ?? '').split('\n')[0] ?? '');
      if (!card) throw new SupplierUnavailable(`order ${orderId} is delivered without goods`);
      return { status: 'succeeded', supplierOrderId: orderId, unitPrice, card };
    }
    return { status: 'processing', supplierOrderId: orderId, unitPrice };
  }

  const adapter: SupplierAdapter = {
    quote,

    purchase: (req) => place(req.reference, req.product, req.maxUnitPrice, req.callbackUrl),

    async getPurchase(reference, known?: KnownPurchase) {
      if (known?.supplierOrderId) {
        const found = await lookUp(known.supplierOrderId);
        if (!found) throw new SupplierUnavailable(`the site no longer knows order ${known.supplierOrderId}`);
        return found;
      }
      if (!known) throw new SupplierUnavailable('a dujiao-next order cannot be looked up by reference alone');
      // The answer to our order was lost: placing it again under the same reference returns the
      // order the site already has, or places it now (still one order, one charge). Refused by
      // the price guard or stock, it may still exist: ask again later, never buy elsewhere.
      try {
        return await place(reference, known.product, known.maxUnitPrice);
      } catch (err) {
        if (err instanceof SupplierRefused && (err.code === 'price_changed' || err.code === 'out_of_stock')) {
          throw new SupplierUnavailable(`cannot ask about ${reference} without re-ordering above the price or stock limit`);
        }
        if (err instanceof SupplierRefused && err.code === 'insufficient_balance') return 'not_found';
        throw err;
      }
    },

    async catalogue() {
      const items: CatalogueItem[] = [];
      for (let page = 1; page <= 100; page++) {
        const { status, json } = await call('GET', `/products?page=${page}&page_size=100`);
        if (status !== 200 || json?.ok !== true) refuse(json, status);
        for (const p of json.items ?? []) {
          for (const s of p.skus ?? []) {
            const stock = Number(s.stock_quantity);
            const title = [p.title?.['zh-CN'] ?? p.title?.en ?? p.slug, ...Object.values(s.spec_values ?? {})].join(' ');
            items.push({
              product: `${p.id}:${s.id}`,
              title: String(title).slice(0, 200),
              unitPrice: amount(s.price_amount),
              currency,
              stock: stock < 0 ? null : stock,
              active: p.is_active !== false && s.is_active !== false,
            });
          }
        }
        if (page * 100 >= Number(json.total) || (json.items ?? []).length === 0) break;
      }
      return items;
    },

    async validateAccount() {
      return { valid: false, reason: 'not_supported' };
    },

    async balance() {
      const { status, json } = await call('POST', '/ping');
      if (status !== 200 || json?.ok !== true) refuse(json, status);
      if (typeof json.currency === 'string' && /^[A-Z]{3}$/.test(json.currency)) currency = json.currency;
      return { currency, balance: amount(json.balance) };
    },

    readCallback(headers, path, rawBody) {
      // Bound to this connection: its key, signed with its secret, fresh (±60 s).
      if (headerOf(headers, HEADER_API_KEY) !== apiKey) return undefined;
      if (verifyDujiao(headers, apiSecret, 'POST', path.split('?')[0], rawBody) !== undefined) return undefined;
      const body = JSON.parse(rawBody.toString('utf8'));
      if (typeof body.downstream_order_no !== 'string' || !body.downstream_order_no || body.order_id === undefined) return undefined;
      return { reference: body.downstream_order_no, supplierOrderId: String(body.order_id), askSupplier: true, ack: { ok: true, message: 'received' } };
    },
  };
  return adapter;
};
