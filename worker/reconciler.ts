import type { Db } from '../db';
import type { Logger } from '../lib/logger';
import type { FulfilmentClient } from '../orders/fulfilment-client';

// An order is accepted in Postgres first and its workflow started right after. If that start
// failed (Temporal down, api crashed in between), the order would wait forever; this loop finds
// accepted orders left without progress and starts the workflows of those that have none
// (starting is idempotent, but thousands of needless starts would slow a busy Temporal).
export function startReconciler(opts: {
  db: Db;
  fulfilment: FulfilmentClient;
  log: Logger;
  intervalMs?: number;
  graceSeconds?: number;
}): () => void {
  const { db, fulfilment, log } = opts;
  const intervalMs = opts.intervalMs ?? 15_000;
  const graceSeconds = opts.graceSeconds ?? 30;
  let running = false;

  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      const orders = await db('orders')
        .where({ status: 'accepted' })
        .andWhere('created_at', '<', db.raw(`now() - make_interval(secs => ?)`, [graceSeconds]))
        .orderBy('created_at')
        .limit(500)
        .pluck('id');
      const missing = orders.length === 0 ? [] : await fulfilment.withoutWorkflow(orders).catch(() => orders);
      for (const id of missing) await fulfilment.start(id);
      if (missing.length) log.info({ orders: missing.length }, 'reconciler: started fulfilment of orders that had no workflow');
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'reconciler sweep failed; will try again');
    } finally {
      running = false;
    }
  };

  const timer = setInterval(sweep, intervalMs);
  void sweep();
  return () => clearInterval(timer);
}
