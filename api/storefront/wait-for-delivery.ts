import type { Request, Response } from 'express';
import type { PgNotifications } from '../../lib/pg-notifications';

// `Prefer: wait=N` (RFC 7240) on the storefront's order answers: hold the answer up to N seconds
// (at most 10) for the order to be delivered, so a checkout can show the codes in the answer to
// its own request. Woken by the delivery's own commit (Postgres NOTIFY from orders/deliver-order.ts),
// or by the risk check holding or rejecting the order (no codes are coming soon): no polling,
// nothing asked of Temporal. The order is read from Postgres before and after the
// wait, as every answer is, so a missed wake-up only costs the wait (docs/ARCHITECTURE.md,
// "Codes in the checkout's answer").

export const MAX_WAIT_SECONDS = 10;

/** The wait a request asks for, in seconds, capped at 10; undefined without a (well-formed) wait preference, which is then ignored as RFC 7240 says. */
export function preferredWaitSeconds(req: Request): number | undefined {
  const prefer = req.get('prefer');
  const wait = prefer && /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?/i.exec(prefer);
  return wait ? Math.min(Number(wait[1]), MAX_WAIT_SECONDS) : undefined;
}

export class DeliveryWaits {
  private readonly waiting = new Map<string, Set<() => void>>();

  constructor(notifications: PgNotifications) {
    notifications.on('order_decided', (orderId) => this.waiting.get(orderId)?.forEach((wake) => wake()));
  }

  /**
   * Resolves when the order is decided (delivered, held, rejected), when `seconds` pass or when
   * the caller hangs up, whichever comes first. `decided` is read after listening starts, so a
   * delivery that commits in between is not missed.
   */
  async until(orderId: string, seconds: number, res: Response, decided: () => Promise<boolean>): Promise<void> {
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const wakers = this.waiting.get(orderId) ?? new Set();
    this.waiting.set(orderId, wakers.add(wake));
    const timer = setTimeout(wake, seconds * 1000);
    res.once('close', wake);
    try {
      if (await decided()) return;
      await woken;
    } finally {
      clearTimeout(timer);
      res.off('close', wake);
      wakers.delete(wake);
      if (wakers.size === 0) this.waiting.delete(orderId);
    }
  }
}
