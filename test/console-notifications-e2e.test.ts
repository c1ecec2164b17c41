import crypto from 'node:crypto';
import { createMailer, type Mailer } from '../mail/mailer';
import { startNotificationNotifier } from '../notifications/notifier';
import type { OutboxDrain } from '../lib/outbox-drain';
import { openConsoleBrowser, type ConsoleBrowser } from './console-browser';
import { log, startTestSystem, type TestSystem } from './harness';
import { startSmtpSink, type SmtpSink } from './smtp-sink';

// Notifications set up in the console, in a real browser against the built console, the real API
// and worker, and a real SMTP server on loopback (issue 13's "a notification email received by the
// test's SMTP server"): an owner adds an email address and turns on "out of stock" at once; the
// product's last code sells; the email arrives, and the screen lists it as sent. Screenshot:
// test-artifacts/screenshots/70-notification-settings.png (and -zh).

jest.setTimeout(120_000);

describe('notification settings in the console', () => {
  let sys: TestSystem;
  let sink: SmtpSink;
  let mailer: Mailer;
  let notifier: OutboxDrain;
  let ui: ConsoleBrowser;

  beforeAll(async () => {
    sink = await startSmtpSink();
    mailer = createMailer(sink.url, 'Cardflow <noreply@cardflow.test>');
    sys = await startTestSystem();
    // As the worker process runs it: woken by the alert's commit.
    notifier = startNotificationNotifier({ db: sys.db, vault: sys.vault, outbound: sys.outbound, mailer, log, notifications: sys.notifications });
    ui = await openConsoleBrowser(sys);
  });
  afterEach(() => expect(ui.takePageErrors()).toEqual([]));
  afterAll(async () => {
    await ui?.close();
    await notifier?.stop();
    mailer?.close();
    await sys?.stop();
    await sink?.stop();
  });

  test('when an owner adds an email address for "out of stock" and a product sells its last code, then the email arrives and the screen lists it as sent', async () => {
    const to = `keeper-${crypto.randomBytes(4).toString('hex')}@example.com`;
    const { context, page } = await ui.signedIn(await sys.addUser('owner'));
    await page.getByRole('menuitem', { name: 'Notifications' }).click();
    await page.getByText('Nothing sent yet.').waitFor();
    await page.getByTestId('notify-emails').fill(to);
    await page.getByTestId('notify-kind-sku_out_of_stock').click();
    await page.getByRole('option', { name: 'At once' }).click();
    await page.getByTestId('notify-save').click();
    await page.getByText('Notification settings saved').waitFor();
    expect(await sys.db('notification_settings').where({ merchant_id: sys.merchant.merchantId }).first()).toMatchObject({ emails: [to], kinds: { sku_out_of_stock: 'immediate' } });

    await sys.addSku('LAST-E2E', { codes: 1 });
    const order = await sys.api('POST', '/v1/orders', { body: { externalRef: 'e2e-last', items: [{ sku: 'LAST-E2E', quantity: 1 }] } });
    expect(order.status).toBe(202);
    const mail = await sink.waitFor(to);
    expect(mail.subject).toBe('[Cardflow] Out of stock: LAST-E2E');
    expect(mail.text).toContain('Product LAST-E2E is out of stock');

    await page.reload();
    const recent = page.getByTestId('notify-recent');
    await recent.getByText(to).waitFor();
    await recent.getByText('Sent').waitFor();
    await ui.shot(page, '70-notification-settings');
    expect(sink.received.filter((m) => m.to.includes(to))).toHaveLength(1);

    // In Chinese: the screen, the kinds and the statuses.
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('menuitem', { name: '简体中文' }).click();
    await page.getByText('通知哪些提醒、何时通知').waitFor();
    await page.getByText('订单等待手工发货').waitFor();
    await page.getByTestId('notify-recent').getByText('已发送').waitFor();
    await ui.shot(page, '70-notification-settings-zh');
    await context.close();
  });
});
