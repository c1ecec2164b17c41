import { describeAlerts } from '../api/admin/alert-subjects';
import type { Db } from '../db';
import type { AlertKind } from '../lib/alert-kinds';
import type { CodeVault } from '../lib/code-vault';
import type { Logger } from '../lib/logger';
import { claimDueRows, startOutboxDrain, type OutboxDrain } from '../lib/outbox-drain';
import { OutboundFailure, type OutboundHttp } from '../lib/outbound-http';
import type { PgNotifications } from '../lib/pg-notifications';
import { MailNotSent, type Mailer } from '../mail/mailer';
import { webhookRetryDelayMs } from '../workflows/webhook-retry';
import { botRefusal, compose, webhookBody, type NotifiedAlert } from './compose';
import { sendError, type SendError } from './send-errors';
import { openWebhook } from './settings';

// Sends people's notifications (written by the alerts trigger, migration 023), from the worker
// process, with the outbox loop storefront webhooks use (lib/outbox-drain.ts).
//
// Two steps, each safe to repeat and to run in many workers at once:
// 1. Gather: notifications that are due (at once, or their digest's hour or day has come) are
//    put into messages in one transaction: each immediate one alone, a digest's all together per
//    target. Rows are locked FOR UPDATE SKIP LOCKED and marked with their message, so none is put
//    into two messages.
// 2. Send: a message is claimed with a lease (a try), sent, and marked sent; a failure is
//    retried with backoff, a permanent refusal is recorded (an email refused with 5xx: bounced).
//
// Once or at least once: two drains, in one worker or many, never send a message twice (the
// claim's lock and lease). A worker that dies after the mail server or bot took a message and
// before it was marked sent leaves it to be sent again after the lease: at least once, never
// lost. Nothing can make "the server took it" and "recorded as sent" one step; the repeat carries
// the same Message-ID (and the same id in the generic JSON), so a mail client or receiver that
// drops repeats by id shows it once.

export const NOTIFICATION_BACKOFF = { initialMs: 5_000, coefficient: 2, maximumMs: 30 * 60_000, maximumAttempts: 20 };

export interface NotificationNotifierOptions {
  db: Db;
  vault: CodeVault;
  outbound: OutboundHttp;
  /** Unset (no SMTP_URL): email messages wait, and say why, until one is configured. */
  mailer?: Mailer;
  log: Logger;
  notifications?: PgNotifications;
  /** The console's alerts page, linked from every message. */
  consoleUrl?: string;
  batchSize?: number;
  pollMs?: number;
  leaseMs?: number;
  backoff?: typeof NOTIFICATION_BACKOFF;
}

interface MessageRow {
  id: number;
  merchant_id: string;
  target: string;
  digest: boolean;
  attempts: number;
}

const recorded = (e: SendError) => ({ last_error: e.text, last_error_code: e.code, last_error_params: e.params }); // pg sends an object as JSON

type Outcome = { status: 'sent' } | { status: 'bounced' | 'gave_up' | 'dropped'; error: SendError } | { status: 'retry'; error: SendError };

export function startNotificationNotifier(opts: NotificationNotifierOptions): OutboxDrain {
  const { db, vault, outbound } = opts;
  const batchSize = opts.batchSize ?? 20;
  const leaseMs = opts.leaseMs ?? 60_000;
  const backoff = opts.backoff ?? NOTIFICATION_BACKOFF;

  /** Step 1: due notifications into messages. */
  const gather = () =>
    db.transaction(async (trx) => {
      const due = await trx('notifications')
        .whereNull('message_id')
        .where('due_at', '<=', trx.fn.now())
        .orderBy('id')
        .limit(500)
        .forUpdate()
        .skipLocked()
        .select('id', 'merchant_id', 'target', 'digest');
      const groups = new Map<string, typeof due>();
      for (const n of due) {
        const key = n.digest ? `digest ${n.merchant_id} ${n.target}` : `one ${n.id}`;
        groups.set(key, [...(groups.get(key) ?? []), n]);
      }
      for (const members of groups.values()) {
        const [first] = members;
        const [message] = await trx('notification_messages').insert({ merchant_id: first.merchant_id, target: first.target, digest: first.digest }).returning('id');
        await trx('notifications')
          .whereIn(
            'id',
            members.map((m) => m.id),
          )
          .update({ message_id: message.id });
      }
    });

  /** Step 2: one message, to its target. */
  const deliver = async (message: MessageRow): Promise<Outcome> => {
    const settings = await db('notification_settings').where({ merchant_id: message.merchant_id }).first();
    const alerts = await alertsOf(db, message);
    if (alerts.length === 0) return { status: 'dropped', error: sendError('nothing_to_tell', {}, 'nothing to tell') }; // never an empty message
    const language = settings?.language ?? 'en';
    const composed = compose(alerts, language, opts.consoleUrl);
    if (message.target.startsWith('email:')) {
      if (!opts.mailer) return { status: 'retry', error: sendError('no_mail_server', {}, 'no mail server configured (SMTP_URL)') };
      try {
        await opts.mailer.send({
          to: message.target.slice('email:'.length),
          subject: composed.title,
          text: composed.text,
          // The same on every try: a repeat after a crash is recognisably the same message.
          messageId: `<notification-${message.id}.${message.merchant_id}@cardflow>`,
        });
        return { status: 'sent' };
      } catch (err) {
        if (err instanceof MailNotSent) {
          const error = err.responseCode ? sendError('mail_refused', { responseCode: err.responseCode }, err.message) : sendError('mail_not_sent', { kind: err.kind }, err.message);
          return err.permanent ? { status: 'bounced', error } : { status: 'retry', error };
        }
        throw err;
      }
    }
    const webhook = openWebhook(vault, settings);
    if (!webhook) return { status: 'dropped', error: sendError('webhook_removed', {}, 'the webhook was removed from the settings before this was sent') };
    const body = webhookBody(webhook.kind, { id: `ntf_${message.id}`, digest: message.digest }, composed, alerts, webhook.chatId, language);
    try {
      const answer = await outbound.request(webhook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': `ntf_${message.id}` },
        body: JSON.stringify(body),
        timeoutMs: 15_000,
        maxBytes: 64 * 1024,
      });
      if (answer.status >= 400 && answer.status < 500 && answer.status !== 408 && answer.status !== 429) {
        return { status: 'gave_up', error: sendError('endpoint_refused', { httpStatus: answer.status }, `endpoint answered HTTP ${answer.status}`) };
      }
      if (answer.status < 200 || answer.status >= 300)
        return { status: 'retry', error: sendError('endpoint_refused', { httpStatus: answer.status }, `endpoint answered HTTP ${answer.status}`) };
      const refused = botRefusal(webhook.kind, answer.body);
      return refused ? { status: 'retry', error: sendError('bot_refused', {}, refused) } : { status: 'sent' };
    } catch (err) {
      // The guarded client's failures are in its own words (never the URL, which holds a token).
      if (err instanceof OutboundFailure) {
        const error = sendError('outbound_failed', { kind: err.kind }, err.message);
        return err.kind === 'target_not_allowed' ? { status: 'gave_up', error } : { status: 'retry', error };
      }
      throw err;
    }
  };

  const send = async (message: MessageRow) => {
    let outcome: Outcome;
    try {
      outcome = await deliver(message);
    } catch (err) {
      outcome = { status: 'retry', error: sendError('not_sent', { kind: (err as Error).name }, `not sent: ${(err as Error).name}`) };
    }
    if (outcome.status === 'sent') {
      await db('notification_messages')
        .where({ id: message.id })
        .update({ status: 'sent', last_error: null, last_error_code: null, last_error_params: null, finished_at: db.fn.now() });
    } else if (outcome.status === 'retry' && message.attempts < backoff.maximumAttempts) {
      const delay = webhookRetryDelayMs(message.attempts, backoff);
      await db('notification_messages')
        .where({ id: message.id })
        .update({ ...recorded(outcome.error), next_attempt_at: db.raw(`now() + make_interval(secs => ?)`, [delay / 1000]) });
    } else {
      const status = outcome.status === 'retry' ? 'gave_up' : outcome.status;
      await db('notification_messages')
        .where({ id: message.id })
        .update({ status, ...recorded(outcome.error), finished_at: db.fn.now() });
      opts.log.warn({ message: message.id, merchant: message.merchant_id, status, error: outcome.error.text }, 'a notification to people was not delivered');
    }
  };

  return startOutboxDrain<MessageRow>({
    log: opts.log,
    name: 'notification notifier',
    notifications: opts.notifications,
    channel: 'notifications',
    pollMs: opts.pollMs ?? 5_000,
    batchSize,
    claim: async () => {
      await gather();
      return claimDueRows(db, 'notification_messages', ['id', 'merchant_id', 'target', 'digest', 'attempts'], leaseMs, batchSize);
    },
    send,
  });
}

/** The alerts a message carries, oldest first, each named as a person names its subject. */
async function alertsOf(db: Db, message: MessageRow): Promise<NotifiedAlert[]> {
  const rows = await db('notifications as n')
    .join('alerts as a', 'a.id', 'n.alert_id')
    .where('n.message_id', message.id)
    .orderBy('a.created_at')
    .select('a.id', 'a.kind', 'a.subject_id', 'a.message', 'a.detail', 'a.created_at', 'a.resolved_at');
  const described = await describeAlerts(db, message.merchant_id, rows);
  return described.map((a, i) => {
    const detail = (a.detail ?? {}) as { sku?: string };
    return {
      alertId: a.id,
      kind: a.kind as AlertKind,
      subject: detail.sku ?? a.order?.externalRef ?? a.supplier?.name ?? a.subjectId,
      message: a.message,
      raisedAt: rows[i].created_at,
      resolvedAt: rows[i].resolved_at,
    };
  });
}
