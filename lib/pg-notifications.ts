import type pg from 'pg';
import type { Db } from '../db';
import type { Logger } from './logger';

// Postgres LISTEN/NOTIFY on one dedicated connection per process: a transaction calls
// `notifyOnCommit`, and every process listening hears it when (and only if) it commits. It only
// wakes someone who would otherwise wait for a timer; the rows stay the truth, so a lost
// notification (a reconnect, a restart) costs latency, never correctness.

/**
 * order_decided (payload: the order id): what a checkout waiting for the order's codes needs to
 * know is known: it was delivered, or the risk check held or rejected it.
 * webhook_outbox: a webhook was queued.
 * notifications: a notification to people is due now (sent by the alerts trigger, migration 023).
 */
export type Channel = 'order_decided' | 'webhook_outbox' | 'notifications';

/** Sent when the transaction commits; nothing is sent if it rolls back. */
export async function notifyOnCommit(trx: Db, channel: Channel, payload = ''): Promise<void> {
  await trx.raw('select pg_notify(?, ?)', [channel, payload]);
}

/** Sent at once (after what it tells has committed). */
export const notifyNow = notifyOnCommit;

export class PgNotifications {
  private connection?: pg.Client;
  private readonly handlers = new Map<Channel, Set<(payload: string) => void>>();
  private closed = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    private readonly log?: Logger,
  ) {}

  /** Connects and listens; a dropped connection is made again every second until it is back. */
  async start(): Promise<void> {
    try {
      // A connection of its own, outside knex's pool: a listening connection is never handed out.
      const connection: pg.Client = await (this.db.client as { acquireRawConnection(): Promise<pg.Client> }).acquireRawConnection();
      connection.on('notification', (n) => {
        for (const handle of this.handlers.get(n.channel as Channel) ?? []) handle(n.payload ?? '');
      });
      connection.on('error', (err) => this.lost(connection, err));
      connection.on('end', () => this.lost(connection));
      for (const channel of ['order_decided', 'webhook_outbox', 'notifications'] satisfies Channel[]) await connection.query(`LISTEN ${channel}`);
      this.connection = connection;
      if (this.closed) await connection.end();
    } catch (err) {
      this.lost(undefined, err as Error);
    }
  }

  on(channel: Channel, handle: (payload: string) => void): () => void {
    const set = this.handlers.get(channel) ?? new Set();
    this.handlers.set(channel, set);
    set.add(handle);
    return () => void set.delete(handle);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const connection = this.connection;
    this.connection = undefined;
    await connection?.end().catch(() => undefined);
  }

  private lost(connection: pg.Client | undefined, err?: Error) {
    if (this.closed || (connection && connection !== this.connection && this.connection)) return;
    this.connection = undefined;
    connection?.removeAllListeners('end');
    connection?.end().catch(() => undefined);
    this.log?.warn({ err: err?.message }, 'lost the Postgres notification connection; listening again in 1 s');
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.start(), 1000);
  }
}
