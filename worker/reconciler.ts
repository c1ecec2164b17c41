import type { Db } from '../db';
import type { Logger } from '../lib/logger';
import type { FulfilmentClient } from '../orders/fulfilment-client';

// An order is accepted in Postgres first and its workflow started right after. If that start
// failed (Temporal down, api crashed in between), the order would wait forever; this loop finds
// accepted orders left without progress and starts their workflows (starting is idempotent).
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
      for (const id of orders) await fulfilment.start(id);
      if (orders.length) log.info({ orders: orders.length }, 'reconciler: (re)started fulfilment of waiting orders');
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
