import type { Db } from '../db';
import type { Logger } from '../lib/logger';
import { RepeatedFailures } from '../lib/repeated-failures';
import type { FulfilmentClient } from '../orders/fulfilment-client';
import { giftsWithoutWorkflow, startGiftWorkflow } from '../orders/gifts';

// An order is accepted in Postgres first and its workflow started right after. If that start
// failed (Temporal down, api crashed in between), the order would wait forever; this loop finds
// accepted orders left without progress, and retried orders (whose new run starts after the
// retry commits), and starts the workflows of those that have none running (starting is
// idempotent, but thousands of needless starts would slow a busy Temporal). Webhooks need no
// such sweep: they are queued in the transaction of what they tell (orders/webhook-outbox.ts).
//
// E-gifts are the same case: the gift row is written, then its workflow started. A gift stays
// `scheduled` for as long as it waits to be due, so its status cannot tell a lost start; the row
// records the confirmed start instead (gifts.workflow_started_at), and the sweep starts those
// left without one (orders/gifts.ts startGiftWorkflow, idempotent by workflow id).

export interface ReconcilerOptions {
  db: Db;
  fulfilment: FulfilmentClient;
  log: Logger;
  intervalMs?: number;
  graceSeconds?: number;
}

const BATCH = 500;

/** One sweep: starts what was written but not started. Says how many of each it started. Throws when Postgres or Temporal fails. */
export async function reconcileOnce(opts: Pick<ReconcilerOptions, 'db' | 'fulfilment' | 'graceSeconds'>): Promise<{ orders: number; gifts: number }> {
  const { db, fulfilment } = opts;
  const graceSeconds = opts.graceSeconds ?? 30;
  const since = db.raw(`now() - make_interval(secs => ?)`, [graceSeconds]);
  // Accepted orders, and retried ones (processing again, their earlier run closed).
  const [accepted, retried] = await Promise.all([
    db('orders').where({ status: 'accepted' }).andWhere('created_at', '<', since).orderBy('created_at').limit(BATCH).select('id', 'retried_at'),
    db('orders').where({ status: 'processing' }).whereNotNull('retried_at').andWhere('retried_at', '<', since).orderBy('retried_at').limit(BATCH).select('id', 'retried_at'),
  ]);
  const orders: { id: string; retried_at: Date | null }[] = [...accepted, ...retried];
  const ids = orders.map((o) => o.id);
  const missing = new Set(ids.length === 0 ? [] : await fulfilment.withoutRunningWorkflow(ids).catch(() => ids));
  // A bulk order has its own workflow (workflows/bulk-order.ts).
  const bulk = new Set<string>(
    missing.size
      ? await db('bulk_orders')
          .whereIn('order_id', [...missing])
          .pluck('order_id')
      : [],
  );
  for (const o of orders) {
    if (!missing.has(o.id)) continue;
    // A first start never revives a finished run; a retried order's run is a new one.
    if (bulk.has(o.id)) await fulfilment.startBulk(o.id);
    else await (o.retried_at ? fulfilment.startRetried(o.id) : fulfilment.start(o.id));
  }
  const gifts = await giftsWithoutWorkflow(db, graceSeconds, BATCH);
  for (const giftId of gifts) await startGiftWorkflow(db, fulfilment, giftId);
  return { orders: missing.size, gifts: gifts.length };
}

export function startReconciler(opts: ReconcilerOptions): () => void {
  const { log } = opts;
  const intervalMs = opts.intervalMs ?? 15_000;
  let running = false;
  // With Postgres or Temporal down, every sweep fails the same way: one line, then a summary.
  const failures = new RepeatedFailures((entry, message) => log.warn(entry, message));

  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      const started = await reconcileOnce(opts);
      if (started.orders) log.info({ orders: started.orders }, 'reconciler: started fulfilment of orders that had no workflow');
      if (started.gifts) log.info({ gifts: started.gifts }, 'reconciler: started the workflows of gifts whose start was not confirmed');
    } catch (err) {
      failures.report((err as Error).message, { err: (err as Error).message }, 'reconciler sweep failed; will try again');
    } finally {
      running = false;
    }
  };

  const timer = setInterval(sweep, intervalMs);
  void sweep(); // a sweep catches and logs its own failures; the first one runs now, not an interval later
  return () => {
    clearInterval(timer);
    failures.flush();
  };
}
