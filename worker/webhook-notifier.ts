import type { Db } from '../db';
import type { CodeVault } from '../lib/code-vault';
import type { Logger } from '../lib/logger';
import type { OutboundHttp } from '../lib/outbound-http';
import type { PgNotifications } from '../lib/pg-notifications';
import { RepeatedFailures } from '../lib/repeated-failures';
import { notifyRefund, notifyStorefront, recordWebhookGaveUp, WebhookRejected, type NotifyOutcome } from '../orders/notify-storefront';
import { WEBHOOK_BACKOFF, webhookRetryDelayMs } from '../workflows/webhook-retry';

// Sends the storefront webhooks queued in the outbox (orders/webhook-outbox.ts), in batches.
//
// Why a loop in the worker process and not a Temporal workflow: the outbox rows are already the
// durable record of what is owed, with their tries and next due time, so a crash anywhere loses
// nothing (the next notifier finds the row still pending). A workflow around them would add
// Temporal work per batch, which is what moving webhooks off the order workflow saves (issue
// 17), and a second copy of the state. Rows are claimed with FOR UPDATE SKIP LOCKED, so any
// number of workers drain the one outbox side by side; a NOTIFY from the queuing transaction
// wakes them at once, and a slow timer finds retries that fell due and any wake-up missed.
//
// At least once, never lost: a claim leases the row for `leaseMs`; a notifier that dies
// mid-send leaves the row to be sent again after the lease, with the same webhook-id, which
// the storefront drops as a repeat (Standard Webhooks).

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

export function startWebhookNotifier(opts: NotifierOptions): { drain(): Promise<void>; stop(): Promise<void> } {
  const { db, vault, outbound, log } = opts;
  const batchSize = opts.batchSize ?? 50;
  const leaseMs = opts.leaseMs ?? 60_000;
  const backoff = opts.backoff ?? WEBHOOK_BACKOFF;
  const failures = new RepeatedFailures((entry, message) => log.warn(entry, message));
  let stopped = false;
  let draining: Promise<void> | undefined;
  let again = false;

  /** Claims due rows and sends them, batch after batch, until none is due. */
  const drainOnce = async () => {
    for (;;) {
      const rows = await claimDue();
      await Promise.all(rows.map(send));
      if (rows.length < batchSize || stopped) return;
    }
  };

  const drain = (): Promise<void> => {
    if (draining) {
      again = true; // woken while draining: go round once more, rows may have come in behind the claim
      return draining;
    }
    draining = (async () => {
      do {
        again = false;
        try {
          await drainOnce();
        } catch (err) {
          failures.report((err as Error).message, { err: (err as Error).message }, 'webhook notifier could not drain the outbox; will try again');
        }
      } while (again && !stopped);
    })().finally(() => (draining = undefined));
    return draining;
  };

  const claimDue = async (): Promise<OutboxRow[]> => {
    if (stopped) return [];
    const { rows } = await db.raw(
      `UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => ?)
        WHERE id IN (SELECT id FROM webhook_outbox WHERE status = 'pending' AND next_attempt_at <= now()
                     ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED)
        RETURNING id, order_id, event_type, refund_id, attempts`,
      [leaseMs / 1000, batchSize],
    );
    return rows;
  };

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
        await db('webhook_outbox').where({ id: row.id }).update({ status: 'gave_up', last_error: error, finished_at: db.fn.now() });
        await recordWebhookGaveUp(db, row.order_id, row.event_type);
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

  const unsubscribe = opts.notifications?.on('webhook_outbox', () => void drain());
  const timer = setInterval(() => void drain(), opts.pollMs ?? 1000);
  void drain();
  return {
    drain,
    async stop() {
      stopped = true;
      clearInterval(timer);
      unsubscribe?.();
      await draining;
      failures.flush();
    },
  };
}
