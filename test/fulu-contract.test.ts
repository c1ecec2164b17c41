import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { OutboundHttp } from '../lib/outbound-http';
import { startFuluSim, type FuluSim } from '../supplier-sim/fulu/server';
import type { SupplierAdapter } from '../suppliers/adapter';
import { fuluAdapter } from '../suppliers/adapters/fulu';
import { decryptCardField, encryptCardField, envelope, signEnvelope, verifySigned } from '../suppliers/adapters/fulu-protocol';
import { extraFields, shapeGaps } from './doc-shape';

// The Fulu contract, from what public sources quote of Fulu's document (test/fixtures/fulu, see
// SOURCE.md there): the signature rule and the card cipher are checked against the document's
// own examples and an independent reading of the SDKs; the simulator's answers and notifications
// and the adapter's requests against the document's envelopes and field tables.

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures/fulu', `${name}.json`), 'utf8'));
const outbound = new OutboundHttp({ allowPlainHttp: true, allowPrivateAddresses: true });

/** The SDKs' signing, written again from their text: JSON, characters sorted, secret appended, MD5, lower case. */
function sdkSign(params: Record<string, unknown>, secret: string): string {
  const chars = [...JSON.stringify(params)];
  chars.sort();
  return crypto
    .createHash('md5')
    .update(`${chars.join('')}${secret}`)
    .digest('hex')
    .toLowerCase();
}

test("the signing module is the document's: the real notification example verifies under it, a changed one does not, and it agrees with the SDKs' rule", () => {
  const { secret, body } = fixture('notification');
  expect(verifySigned(body, secret)).toBe(true);
  expect(verifySigned({ ...body, price: '0.0100' }, secret)).toBe(false);
  expect(verifySigned(body, 'e017b189ab704546b8cad3ba916592f4')).toBe(false);
  for (let i = 0; i < 30; i++) {
    const params = { ...fixture('request-envelope'), biz_content: JSON.stringify({ product_id: i, customer_order_no: crypto.randomBytes(6).toString('hex'), note: '充值' }) };
    delete params.sign;
    const secret = crypto.randomBytes(16).toString('hex');
    expect(signEnvelope(params, secret)).toBe(sdkSign(params, secret));
  }
});

test("the card cipher is the document's: its test card decrypts with its AppSecret, and encrypting gives back the document's exact ciphertext", () => {
  const doc = fixture('cipher-example');
  const number = decryptCardField(doc.AppSecret, doc.TestCardnumber);
  const password = decryptCardField(doc.AppSecret, doc.TestCardpasswrod);
  expect([number, password]).toEqual([expect.stringMatching(/^CD\d{25}$/), expect.stringMatching(/^CP\d{25}$/)]);
  expect(encryptCardField(doc.AppSecret, number)).toBe(doc.TestCardnumber);
  expect(encryptCardField(doc.AppSecret, password)).toBe(doc.TestCardpasswrod);
  expect(() => decryptCardField('ffffffffffffffffffffffffffffffff', doc.TestCardnumber)).toThrow();
});

test('positive control: an answer missing a field or with a wrong type is caught', () => {
  const good = fixture('order-result');
  expect(shapeGaps(good, good)).toEqual([]);
  expect(shapeGaps(good, { ...good, order_id: 1 })).toEqual(['$.order_id: number, the document shows string']);
});

describe('the Fulu simulator and adapter against the document', () => {
  let sim: FuluSim;
  let adapter: SupplierAdapter;
  const doc = fixture('cipher-example');
  const notifications: Record<string, unknown>[] = [];
  let receiver: http.Server;

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        notifications.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.end('success');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    sim = await startFuluSim({
      appKey: doc.AppKey,
      appSecret: doc.AppSecret,
      balance: 100_000,
      products: [
        { productId: '10000497', name: '腾讯Q币 10元', kind: 'card', price: 990 },
        { productId: '10015788', name: '游戏直充', kind: 'direct', price: 4990, accounts: ['player-1'] },
      ],
      deliveryDelayMs: 10,
      callbackUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`,
    });
    adapter = fuluAdapter({ baseUrl: sim.url, credentials: { appKey: doc.AppKey, appSecret: doc.AppSecret }, timeoutMs: 2000, http: outbound });
  });
  afterAll(async () => {
    await sim.stop();
    await new Promise((r) => receiver.close(r));
  });

  test("then the adapter's envelopes carry exactly the document's common parameters, and its business parameters are the document's", async () => {
    await adapter.purchase({ reference: 'contract-card-1', product: 'card:10000497', maxUnitPrice: 1000 });
    await adapter.purchase({ reference: 'contract-direct-1', product: 'direct:10015788', maxUnitPrice: 5000, account: 'player-1' });
    const sent = sim.received();
    const envelopeDoc = fixture('request-envelope');
    for (const e of sent) {
      expect(shapeGaps(envelopeDoc, e)).toEqual([]);
      expect(extraFields(envelopeDoc, e as unknown as Record<string, unknown>)).toEqual([]);
      expect(e.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expect([e.version, e.format, e.charset, e.sign_type, e.app_auth_token]).toEqual(['2.0', 'json', 'utf-8', 'md5', '']);
    }
    const card = JSON.parse(sent.find((e) => e.method === 'fulu.order.card.add')!.biz_content);
    expect(shapeGaps(fixture('card-order.biz'), card, { optional: new Set(['customer_price', 'shop_type', 'external_biz_id']) })).toEqual([]);
    expect(extraFields(fixture('card-order.biz'), card)).toEqual([]);
    const direct = JSON.parse(sent.find((e) => e.method === 'fulu.order.direct.add')!.biz_content);
    const optional = new Set(Object.keys(fixture('direct-order.biz')).filter((k) => !['product_id', 'customer_order_no', 'charge_account', 'buy_num'].includes(k)));
    expect(shapeGaps(fixture('direct-order.biz'), direct, { optional })).toEqual([]);
    expect(extraFields(fixture('direct-order.biz'), direct)).toEqual([]);
  });

  test('then the answers have the envelope and the order result of the document, and the codes decrypt with the app secret', async () => {
    const ask = async (method: string, biz: Record<string, unknown>) => {
      const res = await fetch(sim.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(envelope(doc.AppKey, doc.AppSecret, method, biz)) });
      return (await res.json()) as { code: number; result: string; sign: string };
    };
    let answer = await ask('fulu.order.info.get', { customer_order_no: 'contract-card-1' });
    for (let i = 0; i < 50 && JSON.parse(answer.result).order_state !== 'success'; i++) answer = await ask('fulu.order.info.get', { customer_order_no: 'contract-card-1' });
    expect(shapeGaps(fixture('answer-envelope'), answer)).toEqual([]);
    const result = JSON.parse(answer.result);
    expect(shapeGaps(fixture('order-result'), result)).toEqual([]);
    expect(decryptCardField(doc.AppSecret, result.cards[0].card_number)).toMatch(/^FLSIM\d+$/);
    const chars = [...answer.result].sort().join('');
    expect(
      crypto
        .createHash('md5')
        .update(chars + doc.AppSecret)
        .digest('hex'),
    ).toBe(answer.sign);
    const missing = await ask('fulu.order.info.get', { customer_order_no: 'never-placed' });
    expect(missing.code).not.toBe(0);
    expect(await adapter.getPurchase('never-placed', { supplierOrderId: null, product: 'card:10000497', maxUnitPrice: 1 })).toBe('not_found');
  });

  test("then the simulator's notifications have the real notification's fields and verify under the same rule", () => {
    const example = fixture('notification').body;
    expect(notifications.length).toBeGreaterThan(0);
    for (const body of notifications) {
      expect(shapeGaps(example, body)).toEqual([]);
      expect(extraFields(example, body)).toEqual([]);
      expect(verifySigned(body, doc.AppSecret)).toBe(true);
    }
  });

  test('then the adapter reads the real notification as a reason to ask Fulu about that order, and refuses it under another secret', () => {
    const { secret, body } = fixture('notification');
    const raw = Buffer.from(JSON.stringify(body));
    const own = fuluAdapter({ baseUrl: sim.url, credentials: { appKey: 'k', appSecret: secret }, timeoutMs: 1000, http: outbound });
    expect(own.readCallback({}, '/supplier-callbacks/x', raw)).toEqual({
      reference: 'CZH22113028634A00N1',
      supplierOrderId: '22113024595794711936',
      askSupplier: true,
      ack: 'success',
    });
    expect(adapter.readCallback({}, '/supplier-callbacks/x', raw)).toBeUndefined();
  });
});
