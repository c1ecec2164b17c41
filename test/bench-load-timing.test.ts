import { runBurst, type Attempt, type LoadDriver } from '../bench/flash-sale/load';

// The flash-sale bench's timing (bench/flash-sale/load.ts), on a virtual clock so it is exact:
// a checkout is timed from when it was due, not from when a starved load generator got round
// to sending it (coordinated omission), and a resubmitted checkout from its first attempt.

/** Lets every answer already due run before the clock moves on. */
const settle = () => new Promise((r) => setImmediate(r));

/**
 * Time moves only when the load generator sleeps (or stalls) or an answer takes its time; one
 * server answers one request at a time, in the order sent.
 */
function virtualDriver(answer: (ref: string, attempt: number) => Attempt, opts: { answerMs: number; stallOnceMs?: number }) {
  let t = 0;
  let stall = opts.stallOnceMs ?? 0;
  const attempts = new Map<string, number>();
  const sentTo: string[] = [];
  const driver: LoadDriver = {
    now: () => t,
    async sleep(ms) {
      const until = t + ms;
      await settle();
      // The generator's first wait overruns by the stall (its process starved of CPU).
      t = Math.max(t, until) + stall;
      stall = 0;
    },
    async send(apiUrl, _key, order) {
      sentTo.push(apiUrl);
      const n = (attempts.get(order.externalRef) ?? 0) + 1;
      attempts.set(order.externalRef, n);
      await settle();
      t += opts.answerMs;
      return answer(order.externalRef, n);
    },
  };
  return { driver, sentTo };
}

const soldOut = (): Attempt => ({ status: 409, error: 'sold_out' });

describe('flash-sale load timing', () => {
  test('when the load generator stalls, then the checkouts it sent late are timed from their scheduled send', async () => {
    // 10 a second: due at 0, 100, 200 ms; the generator wakes for the second one 450 ms late.
    const { driver } = virtualDriver(soldOut, { answerMs: 10, stallOnceMs: 450 });
    const { checkouts } = await runBurst({ apiUrls: ['http://api'], apiKey: 'k', sku: 'S', orders: 3, ratePerSecond: 10, refPrefix: 'b' }, driver);
    const byRef = Object.fromEntries(checkouts.map((c) => [c.ref, c]));
    expect(byRef['b-0']).toMatchObject({ latencyMs: 10, lastAttemptMs: 10 });
    // Sent at 100 + 450 = 550 although due at 100: the buyer waited 460 ms, the api took 10.
    expect(byRef['b-1']).toMatchObject({ latencyMs: 460, lastAttemptMs: 10 });
    // Due at 200, sent at once with b-1 (550) and answered after it (570): 370 ms.
    expect(byRef['b-2']).toMatchObject({ latencyMs: 370, lastAttemptMs: 20 });
  });

  test('when nothing stalls, then latency is the answer time (positive control)', async () => {
    const { driver } = virtualDriver(soldOut, { answerMs: 10 });
    const { checkouts } = await runBurst({ apiUrls: ['http://api'], apiKey: 'k', sku: 'S', orders: 3, ratePerSecond: 10, refPrefix: 'b' }, driver);
    expect(checkouts.map((c) => c.latencyMs)).toEqual([10, 10, 10]);
  });

  test('when a checkout is resubmitted after a 503, then it counts from its first attempt', async () => {
    const { driver } = virtualDriver((_ref, n) => (n === 1 ? { status: 503, error: 'unavailable' } : { status: 202, orderId: 'o-1' }), { answerMs: 10 });
    const { checkouts } = await runBurst({ apiUrls: ['http://api'], apiKey: 'k', sku: 'S', orders: 1, concurrency: 1, refPrefix: 'r' }, driver);
    // 10 ms refused, 250 ms before resubmitting, 10 ms accepted.
    expect(checkouts[0]).toMatchObject({ status: 202, attempts: 2, latencyMs: 270, lastAttemptMs: 10, orderId: 'o-1' });
  });

  test('when there are two api processes, then checkouts alternate between them', async () => {
    const { driver, sentTo } = virtualDriver(soldOut, { answerMs: 1 });
    await runBurst({ apiUrls: ['http://a', 'http://b'], apiKey: 'k', sku: 'S', orders: 4, concurrency: 1, refPrefix: 'x' }, driver);
    expect(sentTo).toEqual(['http://a', 'http://b', 'http://a', 'http://b']);
  });
});
