import { runFlashSale, type FlashSaleReport } from '../bench/flash-sale/run';

// The flash-sale bench in small (bench/flash-sale, docs/BENCHMARKS.md), so it keeps working:
// a whole Cardflow in its own processes, a rush of buyers on a SKU with too few codes, the
// worker killed with SIGKILL in the middle, and the invariants checked from the outside.

describe('flash sale', () => {
  let report: FlashSaleReport;
  let planted: { notTerminal: string[]; unanswered: string[] };

  beforeAll(async () => {
    report = await runFlashSale({
      orders: 300,
      codes: 100,
      concurrency: 10,
      drill: 'worker-kill',
      drillAt: 0.1,
      ceilings: false,
      drainTimeoutMs: 120_000,
      // Positive controls: the same check, after planting a fault it must catch.
      afterCheck: async ({ db, checkouts, recheck }) => {
        const failing = (results: { name: string; ok: boolean }[]) => results.filter((r) => !r.ok).map((r) => r.name);
        const victim = checkouts.find((c) => c.status === 202)!;
        await db('orders').where({ id: victim.orderId }).update({ status: 'processing' });
        const notTerminal = failing(await recheck(checkouts));
        await db('orders').where({ id: victim.orderId }).update({ status: 'delivered' });
        const unanswered = failing(await recheck(checkouts.filter((c) => c !== victim)));
        planted = { notTerminal, unanswered };
      },
    });
  }, 300_000);

  test('when 300 buyers rush 100 codes and the worker is killed mid-burst, then every code is sold once and every accepted order is delivered', () => {
    expect(report.invariants.filter((i) => !i.ok)).toEqual([]);
    expect(report.checkouts).toMatchObject({ total: 300, accepted: 100, soldOut: 200, other: 0 });
    expect(report.deliveredOrders).toBe(100);
    expect(report.failedOrders).toBe(0);
    expect(report.drill).toMatchObject({ name: 'worker-kill' });
    expect(report.drill!.recoveredSeconds).not.toBeNull();
    expect(report.drainSeconds).not.toBeNull();
    expect(report.invariants.map((i) => i.name)).toEqual(
      expect.arrayContaining(['nothing lost', 'every accepted order terminal', 'no oversell', 'no duplicate delivery', 'every code sold', 'every delivery notified']),
    );
  });

  test('when an order is left unfinished or an accepted order was never answered, then the invariant check says so', () => {
    expect(planted.notTerminal).toEqual(['every accepted order terminal']);
    expect(planted.unanswered).toEqual(['no unanswered orders']);
  });

  test('when the sale is measured, then the report has latencies, throughput and the memory of every part', () => {
    expect(report.acceptMs.p99).toBeGreaterThan(0);
    expect(report.soldOutMs.p50).toBeGreaterThan(0);
    expect(report.acceptToDeliveredMs.p50).toBeGreaterThan(0);
    expect(report.deliveredPerSecond).toBeGreaterThan(0);
    for (const part of ['api', 'worker', 'postgres', 'temporal'] as const) expect(report.peakMemoryMiB[part]).toBeGreaterThan(10);
  });
});
