import { setTimeout as sleep } from 'node:timers/promises';
import { signedHeaders } from './signing';
import type { SimPartner } from './state';

// Completion callbacks for async orders: POST {"event":"order.completed","order":…} to the
// order's callbackUrl, signed like a request with the partner's secret. A receiver that is down
// or answers non-2xx gets a couple of retries, as real suppliers do before giving up (the caller
// can always poll GET /v1/orders/:reference).

const RETRY_DELAYS_MS = [250, 1_000];
const ATTEMPT_TIMEOUT_MS = 5_000;

/** Resolves true once a receiver answered 2xx; false when every attempt failed or it was cancelled. */
export async function sendCallback(url: string, partner: SimPartner, order: unknown, opts: { signal: AbortSignal; now: () => number }): Promise<boolean> {
  const body = JSON.stringify({ event: 'order.completed', order });
  const target = new URL(url);
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(target, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          // Signed again each attempt: a retry must not carry a timestamp that has gone stale.
          ...signedHeaders(partner.id, partner.secret, 'POST', target.pathname + target.search, body, opts.now()),
        },
        body,
        signal: AbortSignal.any([opts.signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return true;
    } catch {
      // Receiver down or too slow: retried below.
    }
    if (opts.signal.aborted || attempt >= RETRY_DELAYS_MS.length) return false;
    try {
      await sleep(RETRY_DELAYS_MS[attempt], undefined, { signal: opts.signal });
    } catch {
      return false; // the simulator was reset or stopped
    }
  }
}
