import crypto from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTestSystem, type TestSystem } from './harness';
import { startSmtpSink, type SmtpSink } from './smtp-sink';
import { eventually } from './eventually';
import { startTimeSkipping } from './time-skipping';

// E-gift cards on Temporal's time-skipping test server (workflows/deliver-gift.ts): a gift due
// hours later waits on a durable timer and is mailed then, through a real SMTP server on
// loopback, with the link to the gift page and without the code, unless the merchant turned
// "code in email" on for the SKU (the positive control that the absence check can fail). The
// recipient opens the page and the sender hears of it; a refused recipient is a recorded bounce.

const HOUR = 3_600_000;

let env: TestWorkflowEnvironment;
let sys: TestSystem;
let sink: SmtpSink;
let templateId: string;

beforeAll(async () => {
  env = await startTimeSkipping();
  sink = await startSmtpSink();
  sys = await startTestSystem({ temporal: { client: env.client, nativeConnection: env.nativeConnection }, smtpUrl: sink.url });
  await sys.addSku('COFFEE-L', { codes: 5, price: 3500 });
  await sys.addSku('COFFEE-M', { codes: 5, price: 2800 });
  await sys.db('skus').where({ code: 'COFFEE-M' }).update({ code_in_email: true });
  templateId = crypto.randomUUID();
  await sys.db('gift_templates').insert({ id: templateId, merchant_id: sys.merchant.merchantId, name: 'Birthday', image_url: 'https://img.shop.test/birthday.png' });
}, 120_000);

afterAll(async () => {
  await sys?.stop();
  await sink?.stop();
  await env?.teardown();
});

async function deliveredOrder(sku: string) {
  const res = await sys.api('POST', '/v1/orders', { body: { externalRef: `gift-${crypto.randomBytes(4).toString('hex')}`, items: [{ sku, quantity: 1 }] } });
  expect(res.status).toBeLessThan(300);
  const order = await sys.waitForOrder(res.body.id, ['delivered']);
  const code = order.items[0].units[0].code as { number: string; pin?: string };
  return { id: order.id as string, number: code.number, pin: code.pin! };
}

const giftFor = (orderId: string, recipient: string, extra: Record<string, unknown> = {}) =>
  sys.api('POST', `/v1/orders/${orderId}/gift`, {
    body: {
      templateId,
      language: 'en',
      message: 'Happy birthday, have a coffee on me!',
      sender: { name: 'Li Lei', email: 'lilei@sender.test' },
      recipient: { name: 'Han Meimei', email: recipient },
      ...extra,
    },
  });

// The review of long-paths.test.ts explains: the test server's clock may leap ahead once nothing
// waits, so the scheduled gift runs first and its time is read from that clock.
test('when a gift is scheduled three hours ahead, then it is mailed only then, with the link and without the code, and the sender hears when it is opened', async () => {
  const order = await deliveredOrder('COFFEE-L');
  const recipient = 'han.meimei@recipient.test';
  const deliverAt = new Date((await env.currentTimeMs()) + 3 * HOUR).toISOString();
  const res = await giftFor(order.id, recipient, { deliverAt });
  expect(res.status).toBe(201);
  const giftId: string = res.body.id;
  expect(res.body).toMatchObject({ status: 'scheduled', deliverAt });
  const handle = sys.client.workflow.getHandle(`gift-${giftId}`);

  // It waits on a durable timer of about three hours.
  const timer = await eventually('the timer', async () => (await handle.fetchHistory()).events?.find((e) => e.timerStartedEventAttributes)?.timerStartedEventAttributes);
  expect(Number(timer.startToFireTimeout?.seconds)).toBeGreaterThan(3 * 3600 - 120);

  await env.sleep('2 hours');
  expect((await sys.db('gifts').where({ id: giftId }).first())?.status).toBe('scheduled');
  expect(sink.received.filter((m) => m.to.includes(recipient))).toHaveLength(0);

  await env.sleep('61 minutes');
  const mail = await sink.waitFor(recipient);
  expect(mail.subject).toBe('A gift from Li Lei');
  expect(mail.text).toContain('Happy birthday, have a coffee on me!');
  const link = /(http:\/\/127\.0\.0\.1:\d+\/d\/[A-Za-z0-9_-]{43})/.exec(mail.text)?.[1];
  expect(link?.startsWith(`${sys.baseUrl}/d/`)).toBe(true);
  // The code is not in the email (the next test shows this check finds one that is).
  expect(mail.text).not.toContain(order.number);
  expect(mail.text).not.toContain(order.pin);
  expect(mail.html).not.toContain(order.number);
  // The gift is marked sent after the mail server took the mail: a moment after it arrives.
  await eventually('the gift marked sent', async () => (await sys.db('gifts').where({ id: giftId }).first())?.status === 'sent');

  // Nothing secret in the workflow's history: no code, no link.
  // Payloads are base64 in the history's JSON: read them as text.
  const history = JSON.stringify(await handle.fetchHistory(), (key, value: unknown) =>
    key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value,
  );
  expect(history).toContain(giftId); // positive control: the search sees the history's contents
  expect(history).not.toContain(order.number);
  expect(history).not.toContain(link!.split('/d/')[1]);

  // The recipient opens the gift page: the card, then the code on asking; the sender is told.
  const page = await fetch(`${link}?lang=en`);
  const html = await page.text();
  expect(html).toContain('https://img.shop.test/birthday.png');
  expect(html).toContain('For Han Meimei');
  expect(html).not.toContain(order.number);
  const told = await sink.waitFor('lilei@sender.test');
  expect(told.subject).toBe('Han Meimei opened your gift');
  expect(await handle.result()).toBe('opened');
  expect(await sys.db('order_events').where({ order_id: order.id }).whereIn('type', ['gift_scheduled', 'gift_sent', 'gift_opened']).orderBy('id').pluck('type')).toEqual([
    'gift_scheduled',
    'gift_sent',
    'gift_opened',
  ]);
});

test('positive control: when the merchant turned "code in email" on for the SKU, then the same check finds the code in the email', async () => {
  const order = await deliveredOrder('COFFEE-M');
  const recipient = 'code.please@recipient.test';
  const res = await giftFor(order.id, recipient);
  expect(res.status).toBe(201);
  const mail = await sink.waitFor(recipient);
  expect(mail.text).toContain(order.number);
  expect(mail.text).toContain(order.pin);
  // Recorded after the mail server took the mail, so a moment after it arrives.
  const sent = await eventually('the gift_sent event', () => sys.db('order_events').where({ order_id: order.id, type: 'gift_sent' }).first());
  expect(sent.detail).toMatchObject({ codesInEmail: 1 });
  await sys.client.workflow.getHandle(`gift-${res.body.id}`).terminate('test over: nobody opens this one');
});

test("when the recipient's mail server refuses the address, then the gift is recorded as bounced", async () => {
  const order = await deliveredOrder('COFFEE-L');
  sink.refuse('nobody@recipient.test');
  const res = await giftFor(order.id, 'nobody@recipient.test');
  expect(res.status).toBe(201);
  expect(await sys.client.workflow.getHandle(`gift-${res.body.id}`).result()).toBe('bounced');
  expect(await sys.db('gifts').where({ id: res.body.id }).first()).toMatchObject({ status: 'bounced', bounce: 'smtp_550' });
  expect(await sys.db('order_events').where({ order_id: order.id, type: 'gift_bounced' }).first()).toBeDefined();
  // Asking again for the same order answers the gift it has.
  const again = await giftFor(order.id, 'someone@recipient.test');
  expect(again.status).toBe(200);
  expect(again.body.id).toBe(res.body.id);
});

test('when a gift names no recipient address or an unknown design, then it is refused and nothing is kept', async () => {
  const order = await deliveredOrder('COFFEE-L');
  const noAddress = await sys.api('POST', `/v1/orders/${order.id}/gift`, { body: { templateId, sender: { name: 'A' }, recipient: { name: 'B' } } });
  expect(noAddress.status).toBe(400);
  const unknown = await giftFor(order.id, 'x@recipient.test', { templateId: crypto.randomUUID() });
  expect(unknown.status).toBe(400);
  expect(unknown.body.error.code).toBe('unknown_gift_template');
  expect(await sys.db('gifts').where({ order_id: order.id })).toHaveLength(0);
});
