import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { raiseAlert, resolveAlert } from '../lib/alerts';
import { createMailer, type Mailer } from '../mail/mailer';
import { startNotificationNotifier, type NotificationNotifierOptions } from '../notifications/notifier';
import { log, startTestSystem, type TestSystem } from './harness';
import { startSmtpSink, type SmtpSink } from './smtp-sink';
import { found } from './found';

// Notifications to people (notifications/, migration 023): an alert raised anywhere becomes a
// notification in the alert's own transaction, and the notifier sends it by email to a real SMTP
// server on loopback and to a chat-bot webhook (a real HTTP receiver on loopback), at once or in a
// digest. Real Postgres, real worker, real API; the notifier is started by the tests, as the
// worker process starts one.

interface Posted {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

describe('notifications to people', () => {
  let sys: TestSystem;
  let sink: SmtpSink;
  let mailer: Mailer;
  let owner: string;
  const posted: Posted[] = [];
  /** What the bot receiver answers, by path prefix. */
  const answers: Record<string, { status: number; body: unknown }> = {};
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      posted.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(body) });
      const answer = Object.entries(answers).find(([prefix]) => req.url?.startsWith(prefix))?.[1] ?? { status: 200, body: {} };
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  let receiverUrl: string;
  const running: { stop(): Promise<void> }[] = [];

  const notifier = (o: Partial<NotificationNotifierOptions> = {}) => {
    const n = startNotificationNotifier({ db: sys.db, vault: sys.vault, outbound: sys.outbound, mailer, log, pollMs: 60_000, ...o });
    running.push(n);
    return n;
  };
  const settings = (body: unknown) => sys.api('PUT', '/admin/notification-settings', { cookie: owner, body });
  const base = { emails: [], webhook: null, kinds: {}, digestEvery: 'hourly', language: 'en' };
  const place = async (sku: string) => {
    const res = await sys.api('POST', '/v1/orders', { body: { externalRef: `ntf-${crypto.randomBytes(6).toString('hex')}`, items: [{ sku, quantity: 1 }] } });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };
  const mailTo = (to: string) => sink.received.filter((m) => m.to.includes(to));
  const messagesOf = async (target: string) => sys.db('notification_messages').where({ merchant_id: sys.merchant.merchantId, target }).orderBy('id');

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    sink = await startSmtpSink();
    mailer = createMailer(sink.url, 'Cardflow <noreply@cardflow.test>');
    sys = await startTestSystem();
    const user = await sys.addUser('owner');
    owner = await sys.signIn(user.email, user.password);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((n) => n.stop()));
  });
  afterAll(async () => {
    mailer.close();
    await sys.stop();
    await sink.stop();
    await new Promise((r) => receiver.close(r));
  });

  test('when a product sells its last code, then one email reaches the address, once, even when two notifiers drain side by side and again', async () => {
    const to = 'stock-keeper@example.com';
    expect((await settings({ ...base, emails: [to], kinds: { sku_out_of_stock: 'immediate' } })).status).toBe(200);
    await sys.addSku('LASTONE', { codes: 1 });
    await place('LASTONE');
    // Written with the alert, in the order's acceptance transaction.
    const alert = found(await sys.db('alerts').where({ merchant_id: sys.merchant.merchantId, kind: 'sku_out_of_stock' }).first(), 'out-of-stock alert');
    expect(await sys.db('notifications').where({ alert_id: alert.id })).toEqual([expect.objectContaining({ target: `email:${to}`, digest: false })]);

    const [a, b] = [notifier(), notifier()];
    await Promise.all([a.drain(), b.drain()]);
    const mail = await sink.waitFor(to);
    await Promise.all([a.drain(), b.drain()]);
    expect(mailTo(to)).toHaveLength(1);
    expect(mail.subject).toBe('[Cardflow] Out of stock: LASTONE');
    expect(mail.text).toContain('Product LASTONE is out of stock');
    expect(await messagesOf(`email:${to}`)).toEqual([expect.objectContaining({ status: 'sent', attempts: 1 })]);
  });

  test('when the notifier dies after the mail server took the message and before it was marked sent, then it is sent again after the lease, with the same Message-ID (at least once, never lost)', async () => {
    const to = 'crash@example.com';
    await settings({ ...base, emails: [to], kinds: { order_needs_attention: 'immediate' } });
    await raiseAlert(sys.db, { merchantId: sys.merchant.merchantId, kind: 'order_needs_attention', subjectId: crypto.randomUUID(), message: 'Order X stopped at delivering' });
    // The first notifier hands the message to the server, then "dies": its send never returns.
    let revive!: () => void;
    const dead = new Promise<void>((resolve) => (revive = resolve));
    const dying: Mailer = { send: async (m) => (await mailer.send(m), await dead, { messageId: '' }), close: () => undefined };
    const first = notifier({ mailer: dying, leaseMs: 300 });
    void first.drain();
    await sink.waitFor(to);
    expect(await messagesOf(`email:${to}`)).toEqual([expect.objectContaining({ status: 'pending', attempts: 1 })]);
    // Another worker finds the row again once the lease is over.
    const second = notifier({ leaseMs: 300, pollMs: 100 });
    for (;;) {
      await second.drain();
      if ((await messagesOf(`email:${to}`))[0].status === 'sent') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const copies = mailTo(to);
    expect(copies).toHaveLength(2);
    expect(copies[0].messageId).toMatch(/^<notification-\d+\..+@cardflow>$/);
    expect(copies[1].messageId).toBe(copies[0].messageId);
    expect(await messagesOf(`email:${to}`)).toEqual([expect.objectContaining({ status: 'sent', attempts: 2 })]);
    revive();
  });

  test('when an order starts waiting for a person to fulfil it by hand, then an alert says so and its email goes out; fulfilling it resolves the alert', async () => {
    const to = 'hands@example.com';
    expect((await settings({ ...base, emails: [to], kinds: { manual_fulfilment_waiting: 'immediate' } })).status).toBe(200);
    // The change is in the audit log, as the settings were saved.
    expect(await sys.db('audit_log').where({ action: 'notifications.settings_changed' }).orderBy('id', 'desc').first()).toMatchObject({
      target: `merchant:${sys.merchant.merchantId}`,
      detail: expect.objectContaining({ emails: [to], kinds: { manual_fulfilment_waiting: 'immediate' } }),
    });
    await sys.addSku('BYHAND', { mode: 'manual' });
    const orderId = await place('BYHAND');
    // The order's workflow opens its manual task; the task's trigger raises the alert.
    const open = async () => sys.db('alerts').where({ kind: 'manual_fulfilment_waiting', subject_id: orderId }).first();
    for (let i = 0; !(await open()) && i < 300; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await open()).toMatchObject({ resolved_at: null });
    await notifier().drain();
    const mail = await sink.waitFor(to);
    const ref = (await sys.db('orders').where({ id: orderId }).first())!.external_ref;
    expect(mail.subject).toBe(`[Cardflow] Order waiting on a person: ${ref}`);

    const done = await sys.api('POST', `/admin/orders/${orderId}/manual-fulfilment`, { key: sys.merchant.adminToken, body: { codes: [{ number: 'HAND-1' }] } });
    expect(done.status).toBe(200);
    expect(await sys.db('alerts').where({ kind: 'manual_fulfilment_waiting', subject_id: orderId }).first()).toMatchObject({ resolved_at: expect.any(Date) });
  });

  test('when several alerts fall into a digest, then its hour brings one message with all of them', async () => {
    const to = 'digest@example.com';
    await settings({ ...base, emails: [to], kinds: { sku_out_of_stock: 'digest', sku_low_stock: 'digest' }, digestEvery: 'hourly' });
    await sys.addSku('DIGA', { codes: 1 });
    await sys.addSku('DIGB', { codes: 3 });
    await place('DIGA'); // out of stock
    await sys.db('skus').where({ merchant_id: sys.merchant.merchantId, code: 'DIGB' }).update({ low_stock_threshold: 2 }); // 3 left: not low
    await place('DIGB'); // 2 left: low
    await place('DIGB'); // still low: no second alert
    const owed = await sys.db('notifications').where({ target: `email:${to}` });
    expect(owed).toHaveLength(2);
    // Due at the next whole hour after it was raised, not before.
    owed.forEach((n) => expect(n.due_at.getTime()).toBe((Math.floor(n.created_at.getTime() / 3_600_000) + 1) * 3_600_000));
    const n = notifier();
    await n.drain();
    expect(mailTo(to)).toHaveLength(0);
    // The hour comes.
    await sys
      .db('notifications')
      .where({ target: `email:${to}` })
      .update({ due_at: sys.db.fn.now() });
    await n.drain();
    await sink.waitFor(to);
    await n.drain();
    const [digest, ...more] = mailTo(to);
    expect(more).toHaveLength(0);
    expect(digest.subject).toBe('[Cardflow] 2 notifications');
    expect(digest.text).toContain('Out of stock: DIGA');
    expect(digest.text).toContain('Low stock: DIGB');
    expect(await messagesOf(`email:${to}`)).toEqual([expect.objectContaining({ digest: true, status: 'sent' })]);
  });

  test('when a recipient is refused by the mail server, then that message is recorded as bounced, not retried, and the others are sent', async () => {
    const [gone, here] = ['gone@example.com', 'here@example.com'];
    sink.refuse(gone);
    await settings({ ...base, emails: [gone, here], kinds: { supplier_low_balance: 'immediate' }, language: 'zh' });
    await raiseAlert(sys.db, {
      merchantId: sys.merchant.merchantId,
      kind: 'supplier_low_balance',
      subjectId: crypto.randomUUID(),
      message: 'Supplier S balance 5 USD is below 10',
    });
    const n = notifier();
    await n.drain();
    const mail = await sink.waitFor(here);
    expect(mail.subject).toMatch(/^\[Cardflow\] 供应商余额不足: /);
    expect(await messagesOf(`email:${gone}`)).toEqual([expect.objectContaining({ status: 'bounced', attempts: 1, last_error: 'mail not sent (EENVELOPE 550)' })]);
    await n.drain();
    expect(await messagesOf(`email:${gone}`)).toEqual([expect.objectContaining({ status: 'bounced', attempts: 1 })]);
    const page = await sys.api('GET', '/admin/notification-settings', { cookie: owner });
    // The settings screen gets the refusal as a code with params, to word in the reader's language.
    expect(page.body.recent).toEqual(
      expect.arrayContaining([expect.objectContaining({ target: `email:${gone}`, status: 'bounced', lastErrorCode: { code: 'mail_refused', params: { responseCode: 550 } } })]),
    );
  });

  test.each([
    ['wecom', { errcode: 0, errmsg: 'ok' }],
    ['dingtalk', { errcode: 0, errmsg: 'ok' }],
    ['telegram', { ok: true, result: {} }],
    ['generic', {}],
  ] as const)('when the webhook target is a %s bot, then it receives its own shape of body, and its token is never shown', async (kind, answer) => {
    const token = `TOKEN-${kind}-${crypto.randomBytes(8).toString('hex')}`;
    answers[`/${kind}/`] = { status: 200, body: answer };
    const url = kind === 'telegram' ? `${receiverUrl}/${kind}/bot${token}/sendMessage` : `${receiverUrl}/${kind}/send?key=${token}`;
    const put = await settings({ ...base, webhook: { kind, url, ...(kind === 'telegram' ? { chatId: '-100123' } : {}) }, kinds: { order_needs_attention: 'immediate' } });
    expect(put.status).toBe(200);
    expect(put.body.webhook).toEqual({ kind, host: new URL(receiverUrl).host, chatId: kind === 'telegram' ? '-100123' : null });
    const subjectId = crypto.randomUUID();
    await raiseAlert(sys.db, { merchantId: sys.merchant.merchantId, kind: 'order_needs_attention', subjectId, message: 'Order R-1 stopped at delivering' });
    const before = posted.length;
    const n = notifier();
    await n.drain();
    const [post, ...more] = posted.slice(before);
    expect(more).toHaveLength(0);
    expect(post.headers['webhook-id']).toMatch(/^ntf_\d+$/);
    if (kind === 'wecom') expect(post.body).toEqual({ msgtype: 'markdown', markdown: { content: expect.stringContaining('**[Cardflow] Order needs attention: ') } });
    if (kind === 'dingtalk')
      expect(post.body).toEqual({
        msgtype: 'markdown',
        markdown: { title: expect.stringMatching(/^\[Cardflow\] Order needs attention/), text: expect.stringContaining('Order R-1 stopped') },
      });
    if (kind === 'telegram') expect(post.body).toEqual({ chat_id: '-100123', text: expect.stringContaining('Order R-1 stopped'), disable_web_page_preview: true });
    if (kind === 'generic') {
      expect(post.body).toMatchObject({
        id: post.headers['webhook-id'],
        type: 'cardflow.notification',
        digest: false,
        alerts: [{ kind: 'order_needs_attention', message: 'Order R-1 stopped at delivering' }],
      });
    }
    expect(await messagesOf('webhook')).toEqual(expect.arrayContaining([expect.objectContaining({ status: 'sent' })]));
    await resolveAlert(sys.db, sys.merchant.merchantId, 'order_needs_attention', subjectId);
    // Neither the settings nor the audit log give the token back.
    const page = await sys.api('GET', '/admin/notification-settings', { cookie: owner });
    expect(JSON.stringify(page.body)).not.toContain(token);
    expect(JSON.stringify(await sys.db('audit_log').where({ action: 'notifications.settings_changed' }))).not.toContain(token);
    // Stored sealed, not as text.
    const row = await sys.db('notification_settings').where({ merchant_id: sys.merchant.merchantId }).first();
    expect(row!.webhook_url!.toString('latin1')).not.toContain(token);
  });

  test('when the bot refuses (WeCom answers an errcode), then the message is retried, and the error says so without the token', async () => {
    const token = `TOKEN-bad-${crypto.randomBytes(8).toString('hex')}`;
    answers['/refusing'] = { status: 200, body: { errcode: 93000, errmsg: `invalid webhook url ${token}` } };
    await settings({ ...base, webhook: { kind: 'wecom', url: `${receiverUrl}/refusing?key=${token}` }, kinds: { supplier_circuit_open: 'immediate' } });
    await raiseAlert(sys.db, { merchantId: sys.merchant.merchantId, kind: 'supplier_circuit_open', subjectId: crypto.randomUUID(), message: 'Supplier S is not answering' });
    await notifier().drain();
    const [message] = (await messagesOf('webhook')).filter((m) => m.status === 'pending');
    expect(message).toMatchObject({ attempts: 1, last_error: 'the bot answered errcode 93000' });
    expect(message.next_attempt_at.getTime()).toBeGreaterThan(Date.now());
  });

  test('when the settings are bad, then the answer is 400 with the fields, and nothing changes; roles other than owner and operator may not touch them', async () => {
    const before = await sys.api('GET', '/admin/notification-settings', { cookie: owner });
    const audits = await sys.db('audit_log').where({ action: 'notifications.settings_changed' }).count('* as n');
    for (const [body, path] of [
      [{ ...base, emails: ['not-an-email'] }, 'emails.0'],
      [{ ...base, kinds: { no_such_kind: 'immediate' } }, 'kinds'],
      [{ ...base, kinds: { sku_out_of_stock: 'sometimes' } }, 'kinds.sku_out_of_stock'],
      [{ ...base, webhook: { kind: 'telegram', url: 'https://api.telegram.org/botX/sendMessage' } }, 'webhook.chatId'],
      [{ ...base, webhook: { kind: 'wecom', url: 'not a url' } }, 'webhook.url'],
      [{ ...base, digestEvery: 'weekly' }, 'digestEvery'],
    ] as const) {
      const res = await settings(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details.fields.map((f: { path: string }) => f.path)).toContain(path);
    }
    expect((await sys.api('GET', '/admin/notification-settings', { cookie: owner })).body).toEqual(before.body);
    expect(await sys.db('audit_log').where({ action: 'notifications.settings_changed' }).count('* as n')).toEqual(audits);

    const support = await sys.addUser('support');
    const cookie = await sys.signIn(support.email, support.password);
    expect((await sys.api('GET', '/admin/notification-settings', { cookie })).status).toBe(403);
    expect((await sys.api('PUT', '/admin/notification-settings', { cookie, body: base })).status).toBe(403);
  });
});
