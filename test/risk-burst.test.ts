import crypto from 'node:crypto';
import { startTestSystem, type TestSystem } from './harness';
import { useRules } from './risk-helpers';

// A bot's burst: many orders from one device, account and IP, accepted side by side and
// judged by many workflows at once. Velocity is counted from the events each order left when
// it was accepted, numbered in acceptance order, so exactly the orders beyond the limit are
// stopped — the same ones every time, however the checks interleave.

const LIMIT = 6;
const BURST = 10;

describe('a burst judged by many workflows at once', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
    // Two SKUs, so the burst is not lined up by one stock row alone.
    await sys.addSku('CARD', { codes: 80 });
    await sys.addSku('GIFT', { codes: 80 });
    await useRules(sys, [
      { name: 'Bot burst from one device', kind: 'velocity', params: { subject: 'device', measure: 'count', windowSeconds: 3600, max: LIMIT }, action: 'reject' },
    ]);
  }, 60_000);
  afterAll(() => sys.stop());

  /** Sends the burst at once; returns the order ids. */
  async function burst(round: string): Promise<string[]> {
    const buyer = { accountId: `bot-${round}`, deviceId: `dev-${round}`, ip: '203.0.113.50' };
    const answers = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        sys.api('POST', '/v1/orders', { body: { externalRef: `burst-${round}-${i}`, items: [{ sku: i % 2 ? 'GIFT' : 'CARD', quantity: 1 }], buyer } }),
      ),
    );
    for (const a of answers) expect(a.status).toBe(202);
    return answers.map((a) => a.body.id as string);
  }

  /** Each order's outcome, in the order the orders were accepted. */
  async function outcomes(ids: string[]) {
    const finished = await Promise.all(ids.map((id) => sys.waitForOrder(id, ['delivered', 'cancelled', 'held'], 60_000)));
    const seq = new Map((await sys.db('orders').whereIn('id', ids).select('id', 'accept_seq')).map((r) => [r.id, Number(r.accept_seq)]));
    return finished.sort((a, b) => seq.get(a.id)! - seq.get(b.id)!);
  }

  function expectExactlyBeyondLimitStopped(orders: any[], device: string) {
    expect(orders.map((o) => o.status)).toEqual([...Array(LIMIT).fill('delivered'), ...Array(BURST - LIMIT).fill('cancelled')]);
    // Each stopped order counted exactly the orders accepted before it, and itself.
    expect(orders.slice(LIMIT).map((o) => o.risk.reasons)).toEqual(
      Array.from({ length: BURST - LIMIT }, (_, i) => [`${LIMIT + 1 + i} orders from device ${device} in the last 1 h (limit ${LIMIT})`]),
    );
  }

  test('when a burst is accepted while no worker runs and every check then starts together, then exactly the orders beyond the limit are rejected, every time', async () => {
    for (let round = 0; round < 3; round++) {
      const name = `parked-${round}-${crypto.randomBytes(3).toString('hex')}`;
      await sys.stopWorker();
      const ids = await burst(name);
      await sys.startWorker();
      expectExactlyBeyondLimitStopped(await outcomes(ids), `dev-${name}`);
    }
  }, 240_000);

  test('when a burst arrives at a running shop, then exactly the orders beyond the limit are rejected, every time', async () => {
    for (let round = 0; round < 3; round++) {
      const name = `live-${round}-${crypto.randomBytes(3).toString('hex')}`;
      expectExactlyBeyondLimitStopped(await outcomes(await burst(name)), `dev-${name}`);
    }
  }, 240_000);

  test('when orders from other devices arrive beside the burst, then none of them is counted against it (positive control: they all go through)', async () => {
    const answers = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        sys.api('POST', '/v1/orders', {
          body: { externalRef: `calm-${crypto.randomBytes(4).toString('hex')}`, items: [{ sku: 'CARD', quantity: 1 }], buyer: { deviceId: `calm-dev-${i}`, ip: '203.0.113.50' } },
        }),
      ),
    );
    const orders = await outcomes(answers.map((a) => a.body.id));
    expect(orders.every((o) => o.status === 'delivered')).toBe(true);
  }, 120_000);
});
