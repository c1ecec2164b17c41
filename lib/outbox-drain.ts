import type { Db } from '../db';
import type { Logger } from './logger';
import type { Channel, PgNotifications } from './pg-notifications';
import { RepeatedFailures } from './repeated-failures';

// The loop every outbox is drained by (storefront webhooks, worker/webhook-notifier.ts; people's
// notifications, notifications/notifier.ts): rows are the durable record of what is owed, each
// with its tries and next due time, so a crash anywhere loses nothing. Rows are claimed with FOR
// UPDATE SKIP LOCKED, so any number of workers drain one outbox side by side; a NOTIFY from the
// queuing transaction wakes them at once, and a slow timer finds retries that fell due and any
// wake-up missed.
//
// At least once, never lost: a claim leases the row for `leaseMs` (it counts as a try and is due
// again only after the lease); a drainer that dies mid-send leaves the row to be sent again once
// the lease is over. Whoever sends must make a repeat recognisable (same webhook-id, same
// Message-ID), since nothing can make "sent" and "recorded as sent" one step.

export interface OutboxDrain {
  /** Goes over the outbox now (and once more if woken meanwhile); resolves when nothing claimable is left. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export interface OutboxDrainOptions<Row> {
  log: Logger;
  /** For the log line when draining fails, e.g. 'webhook notifier'. */
  name: string;
  notifications?: PgNotifications;
  channel: Channel;
  pollMs: number;
  batchSize: number;
  /** Claims up to batchSize due rows (claimDueRows, or a step before it). */
  claim(): Promise<Row[]>;
  /** Sends one claimed row and records its outcome; throws only when the database failed. */
  send(row: Row): Promise<void>;
}

export function startOutboxDrain<Row>(opts: OutboxDrainOptions<Row>): OutboxDrain {
  const failures = new RepeatedFailures((entry, message) => opts.log.warn(entry, message));
  let stopped = false;
  let draining: Promise<void> | undefined;
  let again = false;

  /** Claims due rows and sends them, batch after batch, until none is due. */
  const drainOnce = async () => {
    for (;;) {
      if (stopped) return;
      const rows = await opts.claim();
      await Promise.all(rows.map(opts.send));
      if (rows.length < opts.batchSize || stopped) return;
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
          failures.report((err as Error).message, { err: (err as Error).message }, `${opts.name} could not drain its outbox; will try again`);
        }
      } while (again && !stopped);
    })().finally(() => (draining = undefined));
    return draining;
  };

  const unsubscribe = opts.notifications?.on(opts.channel, () => void drain());
  const timer = setInterval(() => void drain(), opts.pollMs);
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

/**
 * Claims up to `batchSize` due pending rows of an outbox table (columns status, attempts,
 * next_attempt_at): counts the try and leases each for `leaseMs`. Answers the `returning` columns.
 */
export async function claimDueRows<Row>(db: Db, table: 'webhook_outbox' | 'notification_messages', returning: string[], leaseMs: number, batchSize: number): Promise<Row[]> {
  const { rows } = await db.raw(
    `UPDATE ?? SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => ?)
      WHERE id IN (SELECT id FROM ?? WHERE status = 'pending' AND next_attempt_at <= now()
                   ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED)
      RETURNING ${returning.map(() => '??').join(', ')}`,
    [table, leaseMs / 1000, table, batchSize, ...returning],
  );
  return rows;
}
