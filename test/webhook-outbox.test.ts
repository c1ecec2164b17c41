import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { WEBHOOK_BACKOFF, webhookRetryDelayMs } from '../workflows/webhook-retry';
import { startWebhookNotifier } from '../worker/webhook-notifier';
import { eventually } from './eventually';
import { found } from './found';
import { log, startTestSystem, type TestSystem } from './harness';

// Storefront webhooks through the outbox (orders/webhook-outbox.ts, worker/webhook-notifier.ts):
// queued in the delivery's transaction, sent by a notifier outside the order's workflow. A real
// receiver on loopback, a real worker, real Postgres; the notifier is started and stopped by the
// tests, as a worker process would be.

interface Hook {
  id: string;
  at: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

describe('webhooks through the outbox', () => {
  const hooks: Hook[] = [];
  /** webhook-ids the receiver refuses with 503 (a storefront that is down for those). */
  const refused = new Set<string>();
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      hooks.push({ id, at: Date.now(), body, headers: req.headers });
      res.writeHead(refused.has(id) ? 503 : 200).end();
    });
  });
  let sys: TestSystem;
  const hooksOf = (orderId: string) => hooks.filter((h) => h.id === `msg_${orderId}_order.delivered`);

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    sys = await startTestSystem({ webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, notifier: false });
    await sys.addSku('OUTBOX', { codes: 30 });
  });
  afterAll(async () => {
    await sys.stop();
    await new Promise((r) => receiver.close(r));
  });
  afterEach(() => sys.stopNotifier());

  const place = async () => {
    const res = await sys.api('POST', '/v1/orders', { body: { externalRef: `outbox-${crypto.randomBytes(6).toString('hex')}`, items: [{ sku: 'OUTBOX', quantity: 1 }] } });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };

  test('when the notifier and the worker restart after the delivery committed and before the send, then the webhook is sent exactly once, with its webhook-id, and signed', async () => {
    const id = await place();
    // The order's workflow ends without any notifier: the webhook is off its path.
    expect(await sys.finished(id)).toMatchObject({ status: 'delivered', step: 'done' });
    const queued = found(await sys.db('webhook_outbox').where({ order_id: id }).first(), 'outbox row');
    expect(queued).toMatchObject({ message_id: `msg_${id}_order.delivered`, event_type: 'order.delivered', status: 'pending', attempts: 0 });
    // Queued in the delivery's transaction: Postgres' now() is the transaction's start, the same for both rows.
    const delivery = found(await sys.db('deliveries').where({ order_id: id }).first('delivered_at'), 'delivery');
    expect(queued.created_at.getTime()).toBe(delivery.delivered_at.getTime());
    expect(hooksOf(id)).toEqual([]);

    // The worker process comes back (its notifier with it).
    await sys.stopWorker();
    await sys.startWorker();
    const notifier = sys.startNotifier();
    expect(await sys.webhookFinished(id)).toMatchObject({ status: 'sent', attempts: 1 });
    const [hook] = hooksOf(id);
    expect(new Webhook(sys.merchant.webhookSecret).verify(hook.body, hook.headers as Record<string, string>)).toMatchObject({ type: 'order.delivered', data: { order: { id } } });

    // Positive control: the notifier still sends (a later order's webhook arrives) after going
    // over the outbox again, and the first order's webhook was not sent a second time.
    const later = await place();
    await sys.webhookFinished(later);
    await notifier.drain();
    expect(hooksOf(later)).toHaveLength(1);
    expect(hooksOf(id)).toHaveLength(1);
    expect(await sys.db('webhook_attempts').where({ order_id: id })).toHaveLength(1);
  });

  test('when two notifiers drain the same outbox in small batches, then every queued webhook is sent exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await place());
    for (const id of ids) await sys.finished(id);
    expect(await sys.db('webhook_outbox').whereIn('order_id', ids).where({ status: 'pending' })).toHaveLength(8);

    const first = sys.startNotifier({ batchSize: 2 });
    const second = startWebhookNotifier({ db: sys.db, vault: sys.vault, outbound: sys.outbound, log, batchSize: 2 });
    try {
      await Promise.all([first.drain(), second.drain()]);
      for (const id of ids) await sys.webhookFinished(id);
    } finally {
      await second.stop();
    }
    // Positive control: each was received (counted by its own webhook-id), none twice.
    expect(ids.map((id) => hooksOf(id).length)).toEqual(ids.map(() => 1));
  });

  test('when the storefront is down, then the webhook is retried with growing waits and the same webhook-id, then the give-up is recorded where the console shows it', async () => {
    const backoff = { initialMs: 200, coefficient: 2, maximumMs: 800, maximumAttempts: 4 };
    const id = await place();
    refused.add(`msg_${id}_order.delivered`);
    await sys.finished(id);
    const notifier = sys.startNotifier({ backoff, pollMs: 50 });
    expect(await sys.webhookFinished(id)).toMatchObject({ status: 'gave_up', attempts: 4, last_error: 'endpoint answered HTTP 503' });

    const tries = hooksOf(id);
    expect(tries).toHaveLength(4);
    // Each wait at least as long as the schedule says (200, 400, 800 ms): never sooner.
    const waits = tries.slice(1).map((t, i) => t.at - tries[i].at);
    waits.forEach((wait, i) => expect(wait).toBeGreaterThanOrEqual(webhookRetryDelayMs(i + 1, backoff) - 20));

    const owner = await sys.addUser('owner');
    const cookie = await sys.signIn(owner.email, owner.password);
    const page = (await sys.api('GET', `/admin/orders/${id}`, { cookie })).body;
    expect(page.webhookAttempts.map((a: { outcome: string; httpStatus: number }) => [a.outcome, a.httpStatus])).toEqual(Array(4).fill(['failed', 503]));
    expect(page.timeline.find((e: { type: string }) => e.type === 'webhook_failed')).toMatchObject({ eventType: 'order.delivered', attempts: 4 });

    // Given up means no more tries; a resend by support still goes out, with the same webhook-id.
    await notifier.drain();
    expect(hooksOf(id)).toHaveLength(4);
    refused.clear();
    const resent = await sys.api('POST', `/admin/orders/${id}/resend-webhook`, { cookie });
    expect(resent.body).toMatchObject({ outcome: 'sent', httpStatus: 200 });
    expect(hooksOf(id)).toHaveLength(5);
  });

  test('when the give-up cannot be recorded in the timeline, then the webhook is not left given up without it, and it is given up with its event once the database takes it', async () => {
    const backoff = { initialMs: 100, coefficient: 1, maximumMs: 100, maximumAttempts: 2 };
    const id = await place();
    refused.add(`msg_${id}_order.delivered`);
    await sys.finished(id);
    // The database refuses this order's webhook_failed event (a fault between the two writes).
    await sys.db.raw(`CREATE FUNCTION refuse_webhook_failed() RETURNS trigger AS $$
      BEGIN IF NEW.type = 'webhook_failed' AND NEW.order_id = '${id}' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await sys.db.raw('CREATE TRIGGER refuse_webhook_failed BEFORE INSERT ON order_events FOR EACH ROW EXECUTE FUNCTION refuse_webhook_failed()');
    const failedEvents = () => sys.db('order_events').where({ order_id: id, type: 'webhook_failed' });
    try {
      const notifier = sys.startNotifier({ backoff, pollMs: 50, leaseMs: 300 });
      // Every try is made and the last one has given up: the row is due again after its lease.
      await eventually('both tries of the webhook', async () => hooksOf(id).length >= 2);
      await notifier.drain();
      expect(await failedEvents()).toEqual([]);
      expect(found(await sys.db('webhook_outbox').where({ order_id: id }).first(), 'outbox row').status).toBe('pending');
    } finally {
      await sys.stopNotifier();
      await sys.db.raw('DROP TRIGGER refuse_webhook_failed ON order_events');
      await sys.db.raw('DROP FUNCTION refuse_webhook_failed()');
    }
    // Positive control: with the database back, the next notifier gives up with the event.
    sys.startNotifier({ backoff, pollMs: 50, leaseMs: 300 });
    expect(await sys.webhookFinished(id)).toMatchObject({ status: 'gave_up' });
    expect(await failedEvents()).toHaveLength(1);
  });

  test('the default schedule tries 40 times over about five hours, as the workflow path did', () => {
    const waits = Array.from({ length: WEBHOOK_BACKOFF.maximumAttempts - 1 }, (_, i) => webhookRetryDelayMs(i + 1));
    const hours = waits.reduce((a, b) => a + b, 0) / 3_600_000;
    expect(WEBHOOK_BACKOFF.maximumAttempts).toBe(40);
    expect(hours).toBeGreaterThan(4);
    expect(hours).toBeLessThan(8);
  });
});
