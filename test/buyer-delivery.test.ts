import crypto from 'node:crypto';
import express from 'express';
import pino from 'pino';
import { requestLog } from '../api/request-log';
import { createMerchant } from '../db/seed';
import { SimulatedSms } from '../mail/sms';
import { createGift, GiftRequestSchema } from '../orders/gifts';
import { reconcileOnce } from '../worker/reconciler';
import { eventually } from './eventually';
import { startTestSystem, type TestSystem } from './harness';
import { startSmtpSink, type SmtpSink } from './smtp-sink';

// The buyer's delivery page over HTTP (api/delivery/routes.ts): a link from the storefront API,
// the lookup (查单) by order reference + email or phone + one-time code, its lockout, the link's
// expiry, and that a code is shown only on a POST by the link's holder, each time recorded.

let sys: TestSystem;
let sink: SmtpSink;
const sms = new SimulatedSms();

beforeAll(async () => {
  sink = await startSmtpSink();
  sys = await startTestSystem({ smtpUrl: sink.url, sms, deliveryLimits: { lookupsPerIp: 1000, wrongCodes: 5, revealsPerLink: 60 } });
  await sys.addSku('VIDEO-30', { codes: 12, price: 3000 });
  await sys
    .db('skus')
    .where({ code: 'VIDEO-30' })
    .update({ usage_instructions: JSON.stringify({ en: 'Open the app, tap Redeem.', zh: '打开应用，点击“兑换”。' }) });
}, 60_000);

afterAll(async () => {
  await sys?.stop();
  await sink?.stop();
});

async function deliveredOrder(buyer: Record<string, string> = {}) {
  const ref = `buyer-${crypto.randomBytes(4).toString('hex')}`;
  const res = await sys.api('POST', '/v1/orders', { body: { externalRef: ref, items: [{ sku: 'VIDEO-30', quantity: 1 }], buyer } });
  expect(res.status).toBeLessThan(300);
  const order = await sys.waitForOrder(res.body.id, ['delivered']);
  return { id: order.id as string, ref, unitId: order.items[0].units[0].id as string, number: order.items[0].units[0].code.number as string };
}

const page = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(`${sys.baseUrl}${path}`, { redirect: 'manual', ...init });
  return { status: res.status, html: await res.text(), headers: res.headers };
};
const postForm = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  page(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() });

async function linkFor(orderId: string, body: Record<string, unknown> = {}) {
  const res = await sys.api('POST', `/v1/orders/${orderId}/delivery-link`, { body });
  expect(res.status).toBe(201);
  return { path: new URL(res.body.url).pathname, url: res.body.url as string, expiresAt: res.body.expiresAt as string };
}

const reveals = (orderId: string) => sys.db('order_events').where({ order_id: orderId, type: 'code_revealed' });

describe('a delivery link from the storefront API', () => {
  test('when the buyer opens it, then the page lists the unit without its code, and only a POST reveals it, recorded', async () => {
    const order = await deliveredOrder();
    const link = await linkFor(order.id);
    expect(link.url.startsWith(sys.baseUrl)).toBe(true);
    expect(Date.parse(link.expiresAt)).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    // Stored only as a hash.
    const token = link.path.split('/')[2];
    expect(await sys.db('delivery_links').where({ order_id: order.id }).first()).toMatchObject({ token_hash: crypto.createHash('sha256').update(token).digest('hex') });
    expect(JSON.stringify(await sys.db('delivery_links').where({ order_id: order.id }))).not.toContain(token);

    const opened = await page(`${link.path}?lang=en`);
    expect(opened.status).toBe(200);
    expect(opened.headers.get('cache-control')).toBe('no-store');
    expect(opened.headers.get('referrer-policy')).toBe('no-referrer');
    expect(opened.html).toContain('Show code');
    expect(opened.html).toContain('Open the app, tap Redeem.');
    expect(opened.html).not.toContain(order.number);
    expect(await reveals(order.id)).toHaveLength(0);

    // A GET of the reveal address is no reveal.
    expect((await page(`${link.path}/reveal?unit=${order.unitId}`)).status).toBe(404);
    expect(await reveals(order.id)).toHaveLength(0);

    const shown = await postForm(`${link.path}/reveal`, { unit: order.unitId, lang: 'en' });
    expect(shown.status).toBe(200);
    expect(shown.html).toContain(order.number);
    expect(shown.html).toContain('Copy');
    expect(await reveals(order.id)).toEqual([expect.objectContaining({ detail: expect.objectContaining({ unitId: order.unitId, via: 'storefront' }) })]);
    expect(await sys.db('audit_log').where({ action: 'code.revealed_to_buyer', target: `order:${order.id}` })).toHaveLength(1);

    await postForm(`${link.path}/reveal`, { unit: order.unitId });
    expect(await reveals(order.id)).toHaveLength(2);
  });

  test('when a page on another origin posts the reveal, then it is refused and nothing is recorded', async () => {
    const order = await deliveredOrder();
    const link = await linkFor(order.id);
    const forged = await postForm(`${link.path}/reveal`, { unit: order.unitId }, { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' });
    expect(forged.status).toBe(403);
    expect(forged.html).not.toContain(order.number);
    expect(await reveals(order.id)).toHaveLength(0);
    // Positive control: the same post from the page itself goes through.
    expect((await postForm(`${link.path}/reveal`, { unit: order.unitId }, { 'sec-fetch-site': 'same-origin' })).html).toContain(order.number);
  });

  test("when the link's holder asks for a unit of another order, then nothing is revealed", async () => {
    const mine = await deliveredOrder();
    const theirs = await deliveredOrder();
    const link = await linkFor(mine.id);
    const res = await postForm(`${link.path}/reveal`, { unit: theirs.unitId });
    expect(res.status).toBe(409);
    expect(res.html).not.toContain(theirs.number);
    expect(await reveals(theirs.id)).toHaveLength(0);
  });

  test('when the link has expired, then the page says so and reveals nothing', async () => {
    const order = await deliveredOrder();
    const link = await linkFor(order.id, { expiresInMinutes: 5 });
    expect((await page(link.path)).status).toBe(200);
    await sys
      .db('delivery_links')
      .where({ order_id: order.id })
      .update({ expires_at: new Date(Date.now() - 1000) });
    const expired = await page(`${link.path}?lang=en`);
    expect(expired.status).toBe(404);
    expect(expired.html).toContain('expired');
    expect((await postForm(`${link.path}/reveal`, { unit: order.unitId })).status).toBe(404);
    expect(await reveals(order.id)).toHaveLength(0);
  });

  test('when a made-up token or another storefront asks, then there is no page and no link', async () => {
    expect((await page(`/d/${crypto.randomBytes(32).toString('base64url')}`)).status).toBe(404);
    const order = await deliveredOrder();
    const other = await createMerchant(sys.db, sys.vault, { name: 'Other shop', ownerEmail: `o-${crypto.randomBytes(4).toString('hex')}@example.com` });
    expect((await sys.api('POST', `/v1/orders/${order.id}/delivery-link`, { body: {}, key: other.apiKey })).status).toBe(404);
    expect(await sys.db('delivery_links').where({ order_id: order.id })).toHaveLength(0);
    expect((await sys.api('POST', `/v1/orders/${crypto.randomUUID()}/delivery-link`, { body: {} })).status).toBe(404);
    expect((await sys.api('POST', `/v1/orders/${order.id}/delivery-link`, { body: { expiresInMinutes: 999_999 } })).status).toBe(400);
  });
});

describe('the lookup (查单)', () => {
  const lookupPath = () => `/d/lookup/${sys.merchant.storefrontId}`;
  const challengeOf = (html: string) => /name="challenge" value="([0-9a-f-]{36})"/.exec(html)![1];
  const codeIn = (text: string) => /\b([0-9]{6})\b/.exec(text)![1];

  test('when the buyer gives the reference and email, then a one-time code by email opens their order, once', async () => {
    const email = `b-${crypto.randomBytes(3).toString('hex')}@buyer.test`;
    const order = await deliveredOrder({ email });
    expect((await page(lookupPath())).status).toBe(200);
    const asked = await postForm(lookupPath(), { reference: order.ref, contact: email.toUpperCase(), lang: 'zh' });
    expect(asked.status).toBe(200);
    const mail = await sink.waitFor(email);
    expect(mail.text).toContain('查单验证码');
    const otp = codeIn(mail.text);
    const challenge = challengeOf(asked.html);

    const wrong = await postForm(`${lookupPath()}/verify`, { challenge, code: otp === '000000' ? '000001' : '000000' });
    expect(wrong.status).toBe(400);
    const right = await postForm(`${lookupPath()}/verify`, { challenge, code: otp });
    expect(right.status).toBe(303);
    const location = right.headers.get('location')!;
    expect(location).toMatch(/^\/d\/[A-Za-z0-9_-]{43}\?lang=zh$/);
    const opened = await page(location);
    expect(opened.html).toContain('显示卡密');
    expect(opened.html).toContain('打开应用');
    const shown = await postForm(`${location.split('?')[0]}/reveal`, { unit: order.unitId });
    expect(shown.html).toContain(order.number);
    expect(await reveals(order.id)).toEqual([expect.objectContaining({ detail: expect.objectContaining({ via: 'lookup' }) })]);
    // Used up.
    expect((await postForm(`${lookupPath()}/verify`, { challenge, code: otp })).status).toBe(400);
  });

  test('when the phone matches, then the code goes by text message (the simulator)', async () => {
    const order = await deliveredOrder({ phone: '+86 138 0013 8000' });
    const asked = await postForm(lookupPath(), { reference: order.ref, contact: '+8613800138000', lang: 'en' });
    const text = sms.lastTo('+8613800138000')!;
    expect(text.text).toContain('lookup code');
    const right = await postForm(`${lookupPath()}/verify`, { challenge: challengeOf(asked.html), code: codeIn(text.text) });
    expect(right.status).toBe(303);
  });

  test('when the reference or contact does not match, then the answer looks the same and nothing is sent', async () => {
    const email = `c-${crypto.randomBytes(3).toString('hex')}@buyer.test`;
    const order = await deliveredOrder({ email });
    const before = sink.received.length;
    const wrongContact = await postForm(lookupPath(), { reference: order.ref, contact: 'someone-else@buyer.test', lang: 'en' });
    const wrongRef = await postForm(lookupPath(), { reference: 'no-such-order', contact: email, lang: 'en' });
    expect(wrongContact.status).toBe(200);
    expect(wrongRef.status).toBe(200);
    const comparable = (html: string) => html.replace(/value="[0-9a-f-]{36}"/, '').replace(/nonce="[^"]+"/g, '');
    expect(comparable(wrongContact.html)).toBe(comparable(wrongRef.html));
    expect(await sys.db('delivery_lookup_codes').where({ order_id: order.id })).toHaveLength(0);
    expect(sink.received.length).toBe(before);
    const bad = await postForm(lookupPath(), { reference: order.ref, contact: 'not a contact', lang: 'en' });
    expect(bad.status).toBe(400);
  });

  test('when wrong codes are tried five times, then the order is locked out, even for the right code', async () => {
    const email = `d-${crypto.randomBytes(3).toString('hex')}@buyer.test`;
    const order = await deliveredOrder({ email });
    const asked = await postForm(lookupPath(), { reference: order.ref, contact: email });
    const otp = codeIn((await sink.waitFor(email)).text);
    const challenge = challengeOf(asked.html);
    const wrong = otp === '111111' ? '222222' : '111111';
    for (let i = 0; i < 4; i++) expect((await postForm(`${lookupPath()}/verify`, { challenge, code: wrong })).status).toBe(400);
    const fifth = await postForm(`${lookupPath()}/verify`, { challenge, code: wrong, lang: 'en' });
    expect(fifth.status).toBe(429);
    expect(fifth.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(fifth.html).toContain('Too many attempts');
    const locked = await postForm(`${lookupPath()}/verify`, { challenge, code: otp });
    expect(locked.status).toBe(429);
    expect(locked.headers.get('location')).toBeNull();
    // A fresh code for the same order is locked out too.
    const again = await postForm(lookupPath(), { reference: order.ref, contact: email });
    const otp2 = codeIn(sink.received.filter((m) => m.to.includes(email)).at(-1)!.text);
    expect((await postForm(`${lookupPath()}/verify`, { challenge: challengeOf(again.html), code: otp2 })).status).toBe(429);
  });
});

describe('gift designs in the console API', () => {
  test('when a design points at a script or a foreign scheme, then it is refused; an https picture is kept', async () => {
    const owner = await sys.addUser('owner');
    const cookie = await sys.signIn(owner.email, owner.password);
    const bad = await sys.api('POST', '/admin/gift-templates', { cookie, body: { name: 'Evil', imageUrl: 'javascript:alert(1)' } });
    expect(bad.status).toBe(400);
    const svg = await sys.api('POST', '/admin/gift-templates', { cookie, body: { name: 'SVG', imageUrl: 'data:image/svg+xml;base64,PHN2Zz4=' } });
    expect(svg.status).toBe(400);
    expect(await sys.db('gift_templates')).toHaveLength(0);
    const ok = await sys.api('POST', '/admin/gift-templates', { cookie, body: { name: 'Birthday', imageUrl: 'https://img.shop.test/birthday.png' } });
    expect(ok.status).toBe(201);
    expect((await sys.api('GET', '/v1/gift-templates')).body.data).toEqual([{ id: ok.body.id, name: 'Birthday', imageUrl: 'https://img.shop.test/birthday.png' }]);
  });
});

describe('the request log', () => {
  test("when a delivery page is opened, then its line names the route, never the link's token", async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const app = express();
    app.use(requestLog(log));
    app.use((_req, res) => void res.status(404).end());
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const token = crypto.randomBytes(32).toString('base64url');
    try {
      const { port } = server.address() as { port: number };
      await fetch(`http://127.0.0.1:${port}/d/${token}/reveal`);
      await fetch(`http://127.0.0.1:${port}/v1/orders/abc`);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('"/d/:token/reveal"');
    expect(lines.join('\n')).not.toContain(token);
    // Positive control: other paths are logged as they are.
    expect(lines[1]).toContain('"/v1/orders/abc"');
  });
});

// After the gift designs' test, which starts from a merchant without designs.
describe('a gift whose workflow did not start', () => {
  test('when the api wrote the gift and died before starting its workflow, then the reconciler starts it, the gift is mailed once, and sweeping again starts nothing twice', async () => {
    const order = await deliveredOrder();
    const templateId = crypto.randomUUID();
    await sys.db('gift_templates').insert({ id: templateId, merchant_id: sys.merchant.merchantId, name: 'Thanks', image_url: 'https://img.shop.test/thanks.png' });
    const recipient = `swept-${crypto.randomBytes(3).toString('hex')}@recipient.test`;
    // What the storefront route writes before it starts the workflow; the start never happens.
    const row = await sys.db('orders').where({ id: order.id }).first('id', 'merchant_id', 'status');
    const { gift } = await createGift(
      sys.db,
      row!,
      GiftRequestSchema.parse({ templateId, language: 'en', sender: { name: 'Li Lei' }, recipient: { name: 'Han', email: recipient } }),
    );
    const runs = async () => {
      let n = 0;
      for await (const _ of sys.client.workflow.list({ query: `WorkflowId = 'gift-${gift.id}'` })) n++;
      return n;
    };
    const describeGift = () => sys.client.workflow.getHandle(`gift-${gift.id}`).describe();
    await expect(describeGift()).rejects.toThrow();

    expect(await reconcileOnce({ db: sys.db, fulfilment: sys.fulfilment, graceSeconds: 0 })).toMatchObject({ gifts: 1 });
    const mail = await sink.waitFor(recipient);
    expect(mail.text).toContain('/d/');
    // Marked sent once the mail server took the mail, so a moment after it arrives.
    await eventually('the gift marked sent', async () => (await sys.db('gifts').where({ id: gift.id }).first('status'))?.status === 'sent');

    // The next sweep finds nothing to start.
    expect(await reconcileOnce({ db: sys.db, fulfilment: sys.fulfilment, graceSeconds: 0 })).toMatchObject({ gifts: 0 });
    // A start whose confirmation was lost is made again, and Temporal keeps the one run (workflow id gift-<id>).
    await sys.db('gifts').where({ id: gift.id }).update({ workflow_started_at: null });
    expect(await reconcileOnce({ db: sys.db, fulfilment: sys.fulfilment, graceSeconds: 0 })).toMatchObject({ gifts: 1 });
    expect((await describeGift()).runId).toBeDefined();
    for (let i = 0; i < 50 && (await runs()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await runs()).toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(sink.received.filter((m) => m.to.includes(recipient))).toHaveLength(1);
    expect(await sys.db('order_events').where({ order_id: order.id, type: 'gift_sent' })).toHaveLength(1);
  }, 60_000);
});
