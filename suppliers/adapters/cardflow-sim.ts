import { decryptCardField, signRequest, verifySignature } from './cardflow-sim-signing';
import { OutboundFailure, type OutboundAnswer } from '../../lib/outbound-http';
import { SupplierRefused, SupplierUnavailable, type AdapterFactory, type PurchaseOutcome, type SupplierAdapter, type SupplierStatementLine } from '../adapter';

// The adapter for the protocol in supplier-sim/PROTOCOL.md: HMAC-signed JSON, one unit per
// order, the caller's reference as idempotency key. Credentials: { partnerId, secret }.

interface SimOrder {
  reference: string;
  orderId: string;
  status: 'processing' | 'success' | 'failed';
  unitPrice: number;
  card: null | { code: string; pin?: string | null; url?: string | null; expiresAt?: string | null; encrypted?: boolean };
  topup: null | { account: string; receipt: string };
  failure: null | { code: string; message: string };
}

// A JSON answer as supplier-sim/PROTOCOL.md describes it; each operation reads its own fields
// (not checked: a supplier that breaks the protocol fails where a missing field is used).
interface SimAnswer {
  products: { product: string; unitPrice: number; currency: string; stock: number }[];
  order: SimOrder;
  valid?: boolean;
  accountName?: string;
  currency: string;
  balance: number;
  error?: { code?: string; reason?: unknown; unitPrice?: unknown; balance?: unknown };
  lines: { reference: string; orderId: string | null; kind: 'charge' | 'refund'; amount: number; at: string }[];
}

// Answers that mean "the supplier looked and said no": nothing was committed.
const REFUSALS = new Set([
  'out_of_stock',
  'insufficient_balance',
  'price_changed',
  'invalid_denomination',
  'invalid_account',
  'reference_conflict',
  'invalid_request',
  'rate_limited',
  'bad_signature',
]);

export const cardflowSimAdapter: AdapterFactory = ({ baseUrl, credentials, timeoutMs, http }) => {
  const { partnerId, secret } = credentials;
  if (!partnerId || !secret) throw new Error('cardflow-sim credentials need partnerId and secret');

  // Errors say what kind of answer it was in our words: nothing the remote end sent (a body, a
  // status line, a content type) is echoed, since the base URL is whatever the merchant typed.
  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: SimAnswer }> {
    const text = body === undefined ? '' : JSON.stringify(body);
    const timestamp = String(Date.now());
    let res: OutboundAnswer;
    try {
      res = await http.request(new URL(path, baseUrl).toString(), {
        method,
        headers: {
          'content-type': 'application/json',
          'x-partner-id': partnerId,
          'x-timestamp': timestamp,
          'x-signature': signRequest(secret, method, path, timestamp, text),
        },
        body: body === undefined ? undefined : text,
        timeoutMs,
      });
    } catch (err) {
      if (err instanceof OutboundFailure) throw new SupplierUnavailable(err.message);
      throw err;
    }
    let json: SimAnswer;
    try {
      json = JSON.parse(res.body.toString('utf8')) as SimAnswer;
    } catch {
      throw new SupplierUnavailable('the answer was not JSON'); // a gateway's HTML page, or not a supplier at all
    }
    if (res.status >= 500) throw new SupplierUnavailable('the supplier reported a server error');
    if (res.status === 429) {
      const retryAfterSeconds = Math.min(Math.max(Number(res.headers['retry-after'] ?? 1) || 1, 1), 3600);
      throw new SupplierRefused('rate_limited', `rate limited; retry after ${retryAfterSeconds} s`, { retryAfterSeconds });
    }
    return { status: res.status, json };
  }

  function refusal(json: SimAnswer | null, status: number): never {
    const known = REFUSALS.has(json?.error?.code ?? '');
    const code = (known && json?.error?.code) || 'refused';
    if (known || (status >= 400 && status < 500)) {
      const amount = (v: unknown) => (Number.isSafeInteger(v) ? (v as number) : undefined);
      throw new SupplierRefused(code, `the supplier refused the request (${code})`, { unitPrice: amount(json?.error?.unitPrice), balance: amount(json?.error?.balance) });
    }
    throw new SupplierUnavailable('the supplier gave an answer that is not part of its protocol');
  }

  function outcome(order: SimOrder): PurchaseOutcome {
    if (order.status === 'processing') return { status: 'processing', supplierOrderId: order.orderId, unitPrice: order.unitPrice };
    if (order.status === 'failed') {
      return { status: 'failed', supplierOrderId: order.orderId, code: order.failure?.code ?? 'failed', message: order.failure?.message ?? 'the supplier failed the order' };
    }
    const c = order.card;
    const open = (v: string | null | undefined) => (v == null ? undefined : c?.encrypted ? decryptCardField(secret, v) : v);
    return {
      status: 'succeeded',
      supplierOrderId: order.orderId,
      unitPrice: order.unitPrice,
      card: c ? { number: open(c.code) ?? '', pin: open(c.pin), url: c.url ?? undefined, expiresAt: c.expiresAt ?? undefined } : undefined,
      topup: order.topup ?? undefined,
    };
  }

  const adapter: SupplierAdapter = {
    async quote(product) {
      const { status, json } = await call('GET', '/v1/products');
      if (status !== 200) refusal(json, status);
      const p = json.products.find((x) => x.product === product);
      if (!p) throw new SupplierRefused('invalid_denomination', `the supplier has no product ${product}`);
      return { unitPrice: p.unitPrice, currency: p.currency, stock: p.stock };
    },

    async purchase(req) {
      const { status, json } = await call('POST', '/v1/orders', {
        reference: req.reference,
        product: req.product,
        maxUnitPrice: req.maxUnitPrice,
        ...(req.account ? { account: req.account } : {}),
        ...(req.faceValue !== undefined ? { faceValue: req.faceValue } : {}),
        ...(req.callbackUrl ? { callbackUrl: req.callbackUrl } : {}),
      });
      if (status !== 200 && status !== 201) refusal(json, status);
      return outcome(json.order);
    },

    async getPurchase(reference) {
      const { status, json } = await call('GET', `/v1/orders/${encodeURIComponent(reference)}`);
      if (status === 404 && json?.error?.code === 'order_not_found') return 'not_found';
      if (status !== 200) {
        // Asking must not be mistaken for an answer: anything but the order or a clean 404 is unknown.
        throw new SupplierUnavailable(`asking about ${reference} gave HTTP ${status} ${json?.error?.code ?? ''}`.trim());
      }
      return outcome(json.order);
    },

    async validateAccount(product, account) {
      const { status, json } = await call('POST', '/v1/accounts/validate', { product, account });
      if (status === 200 && json.valid) return { valid: true, accountName: json.accountName };
      if (status === 422) {
        // The protocol's reason code (e.g. not_found) reaches the buyer; anything else is not echoed.
        const reason = json?.error?.reason;
        return { valid: false, reason: typeof reason === 'string' && /^[a-z_]{1,40}$/.test(reason) ? reason : 'account_rejected' };
      }
      refusal(json, status);
    },

    async balance() {
      const { status, json } = await call('GET', '/v1/balance');
      if (status !== 200) refusal(json, status);
      return { currency: json.currency, balance: json.balance };
    },

    async statement(period) {
      const { status, json } = await call('GET', `/v1/statement?from=${encodeURIComponent(period.from)}&to=${encodeURIComponent(period.to)}`);
      if (status !== 200) refusal(json, status);
      if (typeof json.currency !== 'string' || !Array.isArray(json.lines)) throw new SupplierUnavailable('the statement is not part of the protocol');
      const lines: SupplierStatementLine[] = json.lines.map((l) => {
        if (typeof l.reference !== 'string' || (l.kind !== 'charge' && l.kind !== 'refund') || !Number.isSafeInteger(l.amount) || l.amount < 0 || Number.isNaN(Date.parse(l.at))) {
          throw new SupplierUnavailable('a statement line is not part of the protocol');
        }
        return { reference: l.reference, supplierOrderId: l.orderId ?? undefined, kind: l.kind, amount: l.amount, at: new Date(l.at).toISOString() };
      });
      return { currency: json.currency, lines };
    },

    readCallback(headers, path, rawBody) {
      const header = (name: string) => {
        const v = headers[name];
        return Array.isArray(v) ? v[0] : v;
      };
      if (header('x-partner-id') !== partnerId) return undefined;
      const ok = verifySignature(secret, 'POST', path, header('x-timestamp') ?? '', rawBody.toString('utf8'), header('x-signature') ?? '');
      if (!ok) return undefined;
      const body = JSON.parse(rawBody.toString('utf8'));
      return { reference: body.order.reference, outcome: outcome(body.order) };
    },
  };
  return adapter;
};
