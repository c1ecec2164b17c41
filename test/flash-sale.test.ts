import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FlashSaleReport } from '../bench/flash-sale/run';

// The flash-sale bench in small (bench/flash-sale, docs/BENCHMARKS.md), so it keeps working:
// a whole Cardflow in its own processes, a rush of buyers on a SKU with too few codes, the
// worker killed with SIGKILL in the middle, and the invariants checked from the outside.

describe('flash sale', () => {
  let report: FlashSaleReport;
  let planted: { notTerminal: string[]; unanswered: string[]; postedTwice: string[] };

  beforeAll(async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flash-sale-')), 'report.json');
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'flash-sale-run.ts'), out], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 280_000 });
    if (run.status !== 0) throw new Error(`the flash sale run failed (${run.status ?? run.signal}); its output is above`);
    ({ report, planted } = JSON.parse(fs.readFileSync(out, 'utf8')));
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
      expect.arrayContaining([
        'nothing lost',
        'every accepted order terminal',
        'no oversell',
        'no duplicate delivery',
        'every code sold',
        'every delivery notified',
        'ledger: one cost entry per delivered unit, nothing posted twice',
      ]),
    );
  });

  test('when an order is left unfinished or an accepted order was never answered, then the invariant check says so', () => {
    expect(planted.notTerminal).toEqual(['every accepted order terminal']);
    expect(planted.unanswered).toEqual(['no unanswered orders']);
    expect(planted.postedTwice).toEqual(['ledger: one cost entry per delivered unit, nothing posted twice']);
  });

  test('when the sale is measured, then the report has latencies, throughput and the memory of every part', () => {
    expect(report.acceptMs.p99).toBeGreaterThan(0);
    expect(report.soldOutMs.p50).toBeGreaterThan(0);
    expect(report.acceptToDeliveredMs.p50).toBeGreaterThan(0);
    expect(report.riskCheckMs.p99).toBeGreaterThan(0);
    expect(report.acceptToRiskVerdictMs.p99).toBeGreaterThanOrEqual(report.riskCheckMs.p99);
    expect(report.deliveredPerSecond).toBeGreaterThan(0);
    for (const part of ['api', 'worker', 'postgres', 'temporal'] as const) expect(report.peakMemoryMiB[part]).toBeGreaterThan(10);
  });
});
