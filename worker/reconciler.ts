import type { Db } from '../db';
import type { Logger } from '../lib/logger';
import { RepeatedFailures } from '../lib/repeated-failures';
import type { FulfilmentClient } from '../orders/fulfilment-client';

// An order is accepted in Postgres first and its workflow started right after. If that start
// failed (Temporal down, api crashed in between), the order would wait forever; this loop finds
// accepted orders left without progress, and retried orders (whose new run starts after the
// retry commits), and starts the workflows of those that have none running (starting is
// idempotent, but thousands of needless starts would slow a busy Temporal). Webhooks need no
// such sweep: they are queued in the transaction of what they tell (orders/webhook-outbox.ts).
export function startReconciler(opts: { db: Db; fulfilment: FulfilmentClient; log: Logger; intervalMs?: number; graceSeconds?: number }): () => void {
  const { db, fulfilment, log } = opts;
  const intervalMs = opts.intervalMs ?? 15_000;
  const graceSeconds = opts.graceSeconds ?? 30;
  let running = false;
  // With Postgres or Temporal down, every sweep fails the same way: one line, then a summary.
  const failures = new RepeatedFailures((entry, message) => log.warn(entry, message));

  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      const since = db.raw(`now() - make_interval(secs => ?)`, [graceSeconds]);
      // Accepted orders, and retried ones (processing again, their earlier run closed).
      const [accepted, retried] = await Promise.all([
        db('orders').where({ status: 'accepted' }).andWhere('created_at', '<', since).orderBy('created_at').limit(500).select('id', 'retried_at'),
        db('orders').where({ status: 'processing' }).whereNotNull('retried_at').andWhere('retried_at', '<', since).orderBy('retried_at').limit(500).select('id', 'retried_at'),
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
      if (missing.size) log.info({ orders: missing.size }, 'reconciler: started fulfilment of orders that had no workflow');
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
