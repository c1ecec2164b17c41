import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { OutboundHttp } from '../lib/outbound-http';
import { startReloadlySim, type ReloadlySim } from '../supplier-sim/reloadly/server';
import type { SupplierAdapter } from '../suppliers/adapter';
import { reloadlyAdapter } from '../suppliers/adapters/reloadly';
import { extraFields, shapeGaps, type ShapeRules } from './doc-shape';

// The Reloadly contract, from the examples of Reloadly's public API reference
// (test/fixtures/reloadly, see SOURCE.md there). Two directions, so that neither side can drift
// into agreeing with the other instead of with the document:
// - the simulator answers in the shape the reference shows, and the adapter's requests carry
//   the reference's fields with the reference's types;
// - the adapter, talking to a server that replays the reference's own examples verbatim, reads
//   them to the amounts and codes they say.

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures/reloadly', `${name}.json`), 'utf8'));
const RULES: ShapeRules = {
  // The product map is keyed by denomination; the texts are free.
  freeForm: new Set(['fixedRecipientToSenderDenominationsMap', 'redeemInstruction', 'suggestedAmountsMap']),
  nullable: new Set(['pinDetail', 'balanceInfo', 'operatorTransactionId', 'minRecipientDenomination', 'maxrecipientDenomination']),
  // The reference's example codes are digits; real codes have letters.
  numberOrText: new Set(['cardNumber', 'pinCode']),
};
const outbound = new OutboundHttp({ allowPlainHttp: true, allowPrivateAddresses: true });
const credentials = { clientId: 'qwcLzefigu34894393jfdwj23', clientSecret: '7kscVxQZ32-fjgvee2842393bfdd383' };

test('positive control: an answer missing a field or with a wrong type is caught', () => {
  const good = fixture('orders.response');
  expect(shapeGaps(good, good, RULES)).toEqual([]);
  expect(shapeGaps(good, { ...good, transactionId: '1' }, RULES)).toEqual(['$.transactionId: string, the document shows number']);
  const { customIdentifier: _dropped, ...short } = good;
  expect(shapeGaps(good, short, RULES)).toEqual(['$.customIdentifier: missing']);
});

describe('the Reloadly simulator against the reference', () => {
  let sim: ReloadlySim;
  let adapter: SupplierAdapter;
  const call = async (method: string, p: string, token: string, body?: unknown) => {
    const res = await fetch(`${sim.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  let token: string;

  beforeAll(async () => {
    sim = await startReloadlySim({
      ...credentials,
      balance: 100_000,
      giftcards: [{ productId: 10, name: 'Amazon US', denominations: { '25': 2450 }, fee: 50 }],
      operators: [{ operatorId: 535, name: 'EE PIN England', country: 'GB', phones: ['447951731337'] }],
      topupDelayMs: 10,
    });
    adapter = reloadlyAdapter({ baseUrl: sim.url, credentials, timeoutMs: 2000, http: outbound });
    const res = await fetch(`${sim.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fixture('token.request')) });
    const json = (await res.json()) as any;
    expect(shapeGaps(fixture('token.response'), json, RULES)).toEqual([]);
    token = json.access_token;
  });
  afterAll(() => sim.stop());

  test('then the token answer, and a refused one, have the reference shape', async () => {
    const res = await fetch(`${sim.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...fixture('token.request'), client_secret: 'wrong' }),
    });
    expect(res.status).toBe(401);
    const json = (await res.json()) as any;
    expect(shapeGaps(fixture('token.401'), json, RULES)).toEqual([]);
    expect(json.errorCode).toBe('INVALID_CREDENTIALS');
  });

  test("then the adapter's token and order requests carry the reference's fields with its types, and nothing else", async () => {
    const outcome = await adapter.purchase({ reference: 'contract-gc-1', product: 'giftcard:10:25', maxUnitPrice: 10_000 });
    expect(outcome.status).toBe('succeeded');
    const sent = sim.received();
    const tokenRequest = sent.find((r) => r.path === '/oauth/token' && (r.body as { client_id?: string }).client_id === credentials.clientId && r !== sent[0])!;
    expect(shapeGaps(fixture('token.request'), tokenRequest.body, RULES)).toEqual([]);
    expect(extraFields(fixture('token.request'), tokenRequest.body as Record<string, unknown>)).toEqual([]);
    const order = sent.find((r) => r.method === 'POST' && r.path === '/orders')!;
    const docOrder = fixture('orders.request');
    // recipientEmail is left out on purpose: the reference says the account's email is used
    // then, and a supplier must not mail our buyers' codes to anyone.
    expect(shapeGaps(docOrder, order.body, { optional: new Set(['countryCode', 'recipientEmail', 'recipientPhoneDetails']) })).toEqual([]);
    expect(extraFields(docOrder, order.body as Record<string, unknown>)).toEqual([]);
    expect(order.headers.accept).toBe('application/com.reloadly.giftcards-v1+json');
  });

  test('then the order, card, transaction, product and balance answers have the reference shape', async () => {
    const order = await call('POST', '/orders', token, { productId: 10, quantity: 1, unitPrice: 25, customIdentifier: 'contract-gc-2', senderName: 'John Doe' });
    expect(order.status).toBe(200);
    expect(shapeGaps(fixture('orders.response'), order.json, RULES)).toEqual([]);
    const cards = await call('GET', `/orders/transactions/${order.json.transactionId}/cards`, token);
    // The reference shows one card; the API answers a list, one per card ordered.
    expect(shapeGaps(fixture('cards.response'), cards.json[0], RULES)).toEqual([]);
    const txns = await call('GET', '/reports/transactions?customIdentifier=contract-gc-2', token);
    expect(shapeGaps(fixture('transactions.response'), txns.json, RULES)).toEqual([]);
    expect(txns.json.map((t: { customIdentifier: string }) => t.customIdentifier)).toEqual(['contract-gc-2']);
    expect(shapeGaps(fixture('product.response'), (await call('GET', '/products/10', token)).json, RULES)).toEqual([]);
    expect(shapeGaps(fixture('balance.response'), (await call('GET', '/accounts/balance', token)).json, RULES)).toEqual([]);
    const refused = await call('POST', '/orders', token, { productId: 10, quantity: 1, unitPrice: 26, customIdentifier: 'contract-gc-3', senderName: 'John Doe' });
    expect(refused.status).toBe(400);
    expect(shapeGaps(fixture('orders.400'), refused.json, RULES)).toEqual([]);
    const unauthorised = await call('POST', '/orders', 'not-a-token', {});
    expect([unauthorised.status, unauthorised.json.errorCode]).toEqual([401, 'INVALID_TOKEN']);
    expect(shapeGaps(fixture('orders.401'), unauthorised.json, RULES)).toEqual([]);
  });

  test('then the top-up requests and answers have the reference shape', async () => {
    const outcome = await adapter.purchase({ reference: 'contract-tu-1', product: 'topup:535:GB:5.00', maxUnitPrice: 10_000, account: '447951731337' });
    expect(outcome.status).toBe('processing');
    const sent = sim.received().find((r) => r.method === 'POST' && r.path === '/topups-async')!;
    expect(shapeGaps(fixture('topups-async.request'), sent.body, { optional: new Set(['recipientEmail', 'senderPhone']) })).toEqual([]);
    expect(extraFields(fixture('topups-async.request'), sent.body as Record<string, unknown>)).toEqual([]);
    const placed = await call('POST', '/topups-async', token, { ...fixture('topups-async.request'), useLocalAmount: false, customIdentifier: 'contract-tu-2' });
    expect(shapeGaps(fixture('topups-async.response'), placed.json, RULES)).toEqual([]);
    expect(shapeGaps(fixture('topups-status.response'), (await call('GET', `/topups/${placed.json.transactionId}/status`, token)).json, RULES)).toEqual([]);
    expect(shapeGaps(fixture('topups-transactions.response'), (await call('GET', '/topups/reports/transactions?customIdentifier=contract-tu-2', token)).json, RULES)).toEqual([]);
    const badPhone = await call('POST', '/topups-async', token, {
      ...fixture('topups-async.request'),
      customIdentifier: 'contract-tu-3',
      recipientPhone: { countryCode: 'GB', number: '1' },
    });
    expect([badPhone.status, badPhone.json.errorCode]).toEqual([400, 'INVALID_RECIPIENT_PHONE']);
    expect(shapeGaps(fixture('topups-async.400'), badPhone.json, RULES)).toEqual([]);
    expect(shapeGaps(fixture('auto-detect.response'), (await call('GET', '/operators/auto-detect/phone/447951731337/countries/GB', token)).json, RULES)).toEqual([]);
  });
});

describe("the Reloadly adapter against the reference's own examples, replayed verbatim", () => {
  let server: http.Server;
  let adapter: SupplierAdapter;
  const answers: Record<string, [number, unknown]> = {
    'POST /oauth/token': [200, fixture('token.response')],
    'GET /products/1': [200, fixture('product.response')],
    'POST /orders': [200, fixture('orders.response')],
    'GET /orders/transactions/1/cards': [200, fixture('cards.response')],
    'GET /accounts/balance': [200, fixture('balance.response')],
    'GET /reports/transactions': [200, fixture('transactions.response')],
    'POST /topups-async': [400, fixture('topups-async.400')],
    'GET /topups/4602843/status': [200, fixture('topups-status.response')],
  };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const answer = answers[`${req.method} ${req.url!.split('?')[0]}`] ?? [404, {}];
      res.writeHead(answer[0], { 'content-type': 'application/json' }).end(JSON.stringify(answer[1]));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    adapter = reloadlyAdapter({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, credentials, timeoutMs: 2000, http: outbound });
  });
  afterAll(() => new Promise((r) => server.close(r)));

  test('then the product example quotes the sender denomination plus the sender fee, in the sender currency', async () => {
    // 25.00 USD → 10264.50 NGN, plus a sender fee of 205.29 NGN.
    expect(await adapter.quote('giftcard:1:25.00')).toEqual({ unitPrice: 1026450 + 20529, currency: 'NGN', stock: null });
  });

  test("then the order example is a success charged its amount, with the redeem code example's card", async () => {
    expect(await adapter.purchase({ reference: 'obucks1dime0', product: 'giftcard:1:25.00', maxUnitPrice: 5_000_000 })).toEqual({
      status: 'succeeded',
      supplierOrderId: '1',
      unitPrice: 3453621,
      card: { number: '6120200345149064', pin: '5821' },
    });
  });

  test('then the transactions example is found by its customIdentifier, and another reference is not', async () => {
    expect(await adapter.getPurchase('obucks3', { supplierOrderId: null, product: 'giftcard:4:25', maxUnitPrice: 1 })).toMatchObject({
      status: 'succeeded',
      supplierOrderId: '1',
      unitPrice: 6055336,
    });
    expect(await adapter.getPurchase('never-sent', { supplierOrderId: null, product: 'giftcard:4:25', maxUnitPrice: 1 })).toBe('not_found');
  });

  test('then the balance example reads as minor units, the top-up status example as a success with its operator receipt, and its 400 as a refusal of the account', async () => {
    expect(await adapter.balance()).toEqual({ currency: 'USD', balance: 550000 });
    expect(await adapter.getPurchase('x', { supplierOrderId: '4602843', product: 'topup:535:GB:5.00', maxUnitPrice: 1 })).toEqual({
      status: 'succeeded',
      supplierOrderId: '4602843',
      unitPrice: 316840,
      topup: { receipt: '7297929551:OrderConfirmed', account: '447951631337' },
    });
    answers['GET /accounts/balance'] = [200, { ...fixture('balance.response'), currencyCode: 'NGN' }];
    await expect(adapter.purchase({ reference: 'tu', product: 'topup:535:GB:5.00', maxUnitPrice: 1_000_000, account: '1' })).rejects.toMatchObject({
      name: 'SupplierRefused',
      code: 'invalid_account',
    });
  });
});
