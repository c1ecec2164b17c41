import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import express, { type Request } from 'express';
import { z } from 'zod';
import { toDecimal } from '../../interop/dujiao-next/money';
import { FULU_CODES, FULU_METHODS, encryptCardField, fuluSignText, fuluTimestamp, verifySigned, type FuluEnvelope } from '../../suppliers/adapters/fulu-protocol';

// The Fulu (福禄) open platform gateway as its document and published SDKs describe it (see
// docs/INTEROP.md): one POST endpoint taking a signed envelope whose biz_content is a JSON string,
// answering { code, message, result, sign } with result a signed JSON string; orders keyed by
// customer_order_no, always asynchronous (untreated → processing → success/failed), card codes
// only from the order query and AES-encrypted with the app secret; a signed notification to the
// merchant's callback address. Faults make it misbehave the way a real gateway does.

export interface FuluSimProduct {
  productId: string;
  name: string;
  kind: 'card' | 'direct';
  /** purchase_price, minor units (fen). */
  price: number;
  onSale?: boolean;
  inStock?: boolean;
  /** direct: the accounts that exist (anything else is refused as an invalid account). */
  accounts?: string[];
}

const FAULT_KINDS = ['timeout', 'error_after_commit', 'busy_after_commit', 'html_502', 'drop_callback', 'duplicate_callback', 'price_change_at_order'] as const;
const FaultRequest = z.strictObject({
  kind: z.enum(FAULT_KINDS),
  times: z.number().int().min(1).optional(),
  price: z.number().int().min(0).optional(),
  ms: z.number().int().min(0).max(600_000).optional(),
});
type Fault = z.infer<typeof FaultRequest>;

interface SimOrder {
  orderId: string;
  customerOrderNo: string;
  product: FuluSimProduct;
  price: number;
  state: 'untreated' | 'processing' | 'success' | 'failed';
  account: string | null;
  cards: { card_number: string; card_pwd: string; card_deadline: string }[];
  createTime: string;
  finishTime: string | null;
  serial: string | null;
}

export interface FuluSim {
  url: string;
  stop(): Promise<void>;
  charges(): Record<string, number>;
  callbacksSent(): Record<string, number>;
  setCallbackUrl(url: string): void;
  setProduct(productId: string, change: Partial<Pick<FuluSimProduct, 'price' | 'onSale' | 'inStock'>>): void;
  setBalance(balance: number): void;
  addFault(f: z.input<typeof FaultRequest>): void;
  faultsLeft(): number;
  clearFaults(): void;
  received(): FuluEnvelope[];
}

const MESSAGES: Record<number, string> = {
  [FULU_CODES.badSign]: '签名错误',
  [FULU_CODES.orderNotFound]: '订单不存在',
  [FULU_CODES.duplicateOrderNo]: '外部订单号重复',
  [FULU_CODES.productNotFound]: '商品不存在',
  [FULU_CODES.productOffSale]: '商品已下架',
  [FULU_CODES.outOfStock]: '库存不足',
  [FULU_CODES.insufficientBalance]: '余额不足',
  [FULU_CODES.invalidAccount]: '充值账号错误',
  [FULU_CODES.systemBusy]: '系统繁忙',
};

export async function startFuluSim(opts: {
  appKey: string;
  appSecret: string;
  balance: number;
  products: FuluSimProduct[];
  /** How long an order takes to become final. */
  deliveryDelayMs?: number;
  callbackUrl?: string;
  port?: number;
}): Promise<FuluSim> {
  let balance = opts.balance;
  let callbackUrl = opts.callbackUrl;
  const products = new Map(opts.products.map((p) => [p.productId, { onSale: true, inStock: true, ...p }]));
  const orders = new Map<string, SimOrder>();
  const charges: Record<string, number> = {};
  const callbacks: Record<string, number> = {};
  const log: FuluEnvelope[] = [];
  let faults: Fault[] = [];
  let nextOrder = 21052527311827520000n;
  let nextCard = 1;
  const stopping = new AbortController();

  const takeFault = (kind: Fault['kind']) => {
    const f = faults.find((x) => x.kind === kind);
    if (!f) return undefined;
    if (f.times !== undefined && --f.times <= 0) faults = faults.filter((x) => x !== f);
    return f;
  };
  const fail = (code: number) => ({ code, message: MESSAGES[code] ?? '错误', result: '', sign: '' });
  const ok = (result: unknown) => {
    const text = JSON.stringify(result);
    return { code: FULU_CODES.ok, message: '接口调用成功', result: text, sign: fuluSignText(text, opts.appSecret) };
  };
  const yuan = (fen: number) => Number(toDecimal(fen, 'CNY'));

  const orderView = (o: SimOrder) => ({
    order_id: o.orderId,
    customer_order_no: o.customerOrderNo,
    product_id: Number(o.product.productId),
    product_name: o.product.name,
    charge_account: o.account ?? '',
    buy_num: 1,
    order_type: o.product.kind === 'card' ? 3 : 4,
    order_price: yuan(o.price),
    order_state: o.state,
    create_time: o.createTime,
    finish_time: o.finishTime ?? '',
    area: '',
    server: '',
    type: '',
    operator_serial_number: o.serial ?? '',
    cards: o.state === 'success' ? o.cards : [],
  });

  async function notify(o: SimOrder) {
    if (!callbackUrl || takeFault('drop_callback')) return;
    const copies = takeFault('duplicate_callback') ? 2 : 1;
    const params = {
      order_id: o.orderId,
      charge_finish_time: o.finishTime ?? '',
      customer_order_no: o.customerOrderNo,
      order_status: o.state,
      recharge_description: o.state === 'success' ? '充值成功' : '充值失败',
      product_id: o.product.productId,
      price: (o.price / 100).toFixed(4),
      buy_num: '1',
      operator_serial_number: o.serial ?? '',
    };
    const body = JSON.stringify({ ...params, sign: fuluSignText(JSON.stringify(params), opts.appSecret) });
    for (let i = 0; i < copies; i++) {
      callbacks[o.customerOrderNo] = (callbacks[o.customerOrderNo] ?? 0) + 1;
      await fetch(callbackUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: stopping.signal })
        .then((r) => r.arrayBuffer())
        .catch(() => undefined);
    }
  }

  function finishLater(o: SimOrder) {
    void (async () => {
      await sleep(opts.deliveryDelayMs ?? 50, undefined, { signal: stopping.signal }).catch(() => undefined);
      if (stopping.signal.aborted || o.state === 'success' || o.state === 'failed') return;
      o.state = 'success';
      o.finishTime = fuluTimestamp();
      if (o.product.kind === 'card') {
        const n = nextCard++;
        o.cards = [
          { card_number: encryptCardField(opts.appSecret, `FLSIM${o.orderId}${n}`), card_pwd: encryptCardField(opts.appSecret, `PW${n}`), card_deadline: '2099-12-31 23:59:59' },
        ];
      } else o.serial = `SN${o.orderId}`;
      await notify(o);
    })();
  }

  async function order(req: Request, res: express.Response, biz: Record<string, unknown>, kind: 'card' | 'direct') {
    const no = biz.customer_order_no;
    if (typeof no !== 'string' || !no || biz.buy_num !== 1) return void res.json(fail(FULU_CODES.productNotFound));
    if (orders.has(no)) return void res.json(fail(FULU_CODES.duplicateOrderNo));
    if (takeFault('html_502')) return void res.status(502).type('html').send('<html><body>502 Bad Gateway</body></html>');
    const p = products.get(String(biz.product_id));
    if (!p || p.kind !== kind) return void res.json(fail(FULU_CODES.productNotFound));
    if (!p.onSale) return void res.json(fail(FULU_CODES.productOffSale));
    if (!p.inStock) return void res.json(fail(FULU_CODES.outOfStock));
    if (kind === 'direct' && !(p.accounts ?? []).includes(typeof biz.charge_account === 'string' ? biz.charge_account : '')) return void res.json(fail(FULU_CODES.invalidAccount));
    const change = takeFault('price_change_at_order');
    if (change?.price !== undefined) p.price = change.price;
    if (balance < p.price) return void res.json(fail(FULU_CODES.insufficientBalance));
    balance -= p.price;
    const o: SimOrder = {
      orderId: String(nextOrder++),
      customerOrderNo: no,
      product: p,
      price: p.price,
      state: 'processing',
      account: kind === 'direct' && typeof biz.charge_account === 'string' ? biz.charge_account : null,
      cards: [],
      createTime: fuluTimestamp(),
      finishTime: null,
      serial: null,
    };
    orders.set(no, o);
    charges[no] = (charges[no] ?? 0) + 1;
    finishLater(o);
    const timeout = takeFault('timeout');
    if (timeout) {
      await sleep(timeout.ms ?? 30_000, undefined, { signal: stopping.signal }).catch(() => undefined);
      return void req.socket.destroy();
    }
    if (takeFault('error_after_commit')) return void res.status(500).json(fail(FULU_CODES.systemBusy));
    if (takeFault('busy_after_commit')) return void res.json(fail(FULU_CODES.systemBusy));
    res.json(ok(orderView(o)));
  }

  const app = express();
  app.use(express.json({ type: () => true, limit: '64kb' }));
  app.get('/_sim/charges', (_req, res) => void res.json({ charges }));
  app.post('/{*path}', async (req, res) => {
    const body = req.body as FuluEnvelope;
    log.push(body);
    if (body?.app_key !== opts.appKey || !verifySigned(body as unknown as Record<string, unknown>, opts.appSecret)) return void res.json(fail(FULU_CODES.badSign));
    let biz: Record<string, unknown>;
    try {
      biz = JSON.parse(body.biz_content) as Record<string, unknown>;
    } catch {
      return void res.json(fail(FULU_CODES.productNotFound));
    }
    switch (body.method) {
      case FULU_METHODS.goodsInfo: {
        const p = products.get(String(biz.product_id));
        if (!p) return void res.json(fail(FULU_CODES.productNotFound));
        return void res.json(
          ok({
            product_id: Number(p.productId),
            product_name: p.name,
            product_type: p.kind === 'card' ? '卡密' : '直充',
            face_value: yuan(p.price),
            purchase_price: yuan(p.price),
            template_id: '',
            stock_status: p.inStock ? '充足' : '断货',
            sales_status: p.onSale ? '上架' : '下架',
            details: '',
          }),
        );
      }
      case FULU_METHODS.cardOrder:
        return order(req, res, biz, 'card');
      case FULU_METHODS.directOrder:
        return order(req, res, biz, 'direct');
      case FULU_METHODS.orderInfo: {
        const o = orders.get(String(biz.customer_order_no));
        return void res.json(o ? ok(orderView(o)) : fail(FULU_CODES.orderNotFound));
      }
      case FULU_METHODS.userInfo:
        return void res.json(ok({ balance: yuan(balance), is_open: 1, name: 'cardflow', user_id: '10000001' }));
      default:
        return void res.json(fail(FULU_CODES.productNotFound));
    }
  });

  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/getway`;
  return {
    url,
    async stop() {
      stopping.abort();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
    charges: () => ({ ...charges }),
    callbacksSent: () => ({ ...callbacks }),
    setCallbackUrl(u) {
      callbackUrl = u;
    },
    setProduct(productId, change) {
      Object.assign(products.get(productId)!, change);
    },
    setBalance(b) {
      balance = b;
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
