import type { Db } from '../db';
import type { CodeVault } from '../lib/code-vault';
import type { Logger } from '../lib/logger';
import type { OutboundHttp } from '../lib/outbound-http';
import type { PgNotifications } from '../lib/pg-notifications';
import { claimDueRows, startOutboxDrain, type OutboxDrain } from '../lib/outbox-drain';
import { notifyRefund, notifyStorefront, recordWebhookGaveUp, WebhookRejected, type NotifyOutcome } from '../orders/notify-storefront';
import { WEBHOOK_BACKOFF, webhookRetryDelayMs } from '../workflows/webhook-retry';

// Sends the storefront webhooks queued in the outbox (orders/webhook-outbox.ts), in batches.
//
// Why a loop in the worker process and not a Temporal workflow: the outbox rows are already the
// durable record of what is owed, with their tries and next due time, so a crash anywhere loses
// nothing (the next notifier finds the row still pending). A workflow around them would add
// Temporal work per batch, which is what moving webhooks off the order workflow saves (issue
// 17), and a second copy of the state. The loop and the claim are lib/outbox-drain.ts, shared
// with people's notifications.
//
// At least once, never lost: a notifier that dies mid-send leaves the row to be sent again after
// its lease, with the same webhook-id, which the storefront drops as a repeat (Standard Webhooks).

export interface NotifierOptions {
  db: Db;
  vault: CodeVault;
  outbound: OutboundHttp;
  log: Logger;
  /** Wakes the notifier when a webhook is queued; without it, only the timer does. */
  notifications?: PgNotifications;
  batchSize?: number;
  pollMs?: number;
  leaseMs?: number;
  backoff?: typeof WEBHOOK_BACKOFF;
}

interface OutboxRow {
  id: number;
  order_id: string;
  event_type: 'order.delivered' | 'order.refunded';
  refund_id: string | null;
  attempts: number;
}

export function startWebhookNotifier(opts: NotifierOptions): OutboxDrain {
  const { db, vault, outbound } = opts;
  const batchSize = opts.batchSize ?? 50;
  const leaseMs = opts.leaseMs ?? 60_000;
  const backoff = opts.backoff ?? WEBHOOK_BACKOFF;

  const send = async (row: OutboxRow) => {
    let outcome: NotifyOutcome;
    try {
      outcome =
        row.event_type === 'order.delivered'
          ? await notifyStorefront(db, vault, outbound, row.order_id, 'order.delivered')
          : await notifyRefund(db, vault, outbound, row.refund_id!);
    } catch (err) {
      // The receiver said no or was not there (recorded as an attempt), or the database failed us.
      const error = err instanceof WebhookRejected ? err.message : `not sent: ${(err as Error).name}`;
      if (row.attempts >= backoff.maximumAttempts) {
        // One transaction: a row given up without its webhook_failed event would hide the give-up
        // from the order's timeline for good, since a given-up row is never claimed again.
        await db.transaction(async (trx) => {
          await trx('webhook_outbox').where({ id: row.id }).update({ status: 'gave_up', last_error: error, finished_at: trx.fn.now() });
          await recordWebhookGaveUp(trx, row.order_id, row.event_type);
        });
      } else {
        const delay = webhookRetryDelayMs(row.attempts, backoff);
        await db('webhook_outbox')
          .where({ id: row.id })
          .update({ last_error: error, next_attempt_at: db.raw(`now() + make_interval(secs => ?)`, [delay / 1000]) });
      }
      return;
    }
    await db('webhook_outbox').where({ id: row.id }).update({ status: outcome.outcome, last_error: null, finished_at: db.fn.now() });
  };

  return startOutboxDrain<OutboxRow>({
    log: opts.log,
    name: 'webhook notifier',
    notifications: opts.notifications,
    channel: 'webhook_outbox',
    pollMs: opts.pollMs ?? 1000,
    batchSize,
    claim: () => claimDueRows(db, 'webhook_outbox', ['id', 'order_id', 'event_type', 'refund_id', 'attempts'], leaseMs, batchSize),
    send,
  });
}
