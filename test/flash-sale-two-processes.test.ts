import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FlashSaleReport } from '../bench/flash-sale/run';

// The production topology in small (bench/flash-sale, `--apis 2 --workers 2`): two api and two
// worker processes, real ones, against one Postgres and one Temporal; a rush of buyers spread
// over both apis, one api killed -9 mid-burst, and the invariants checked from the outside.

describe('flash sale on two api and two worker processes', () => {
  let report: FlashSaleReport;
  let topology: { answeredBy: Record<string, number>; workerIdentities: string[]; workerPids: number[] };

  beforeAll(async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flash-sale-two-')), 'report.json');
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'flash-sale-two-processes-run.ts'), out], {
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: 540_000,
    });
    if (run.status !== 0) throw new Error(`the flash sale run failed (${run.status ?? run.signal}); its output is above`);
    ({ report, topology } = JSON.parse(fs.readFileSync(out, 'utf8')));
  }, 600_000);

  test('when 150 buyers rush 50 codes through two apis and one api is killed mid-burst, then every invariant holds', () => {
    expect(report.invariants.filter((i) => !i.ok)).toEqual([]);
    expect(report.options).toMatchObject({ apis: 2, workers: 2 });
    expect(report.checkouts).toMatchObject({ total: 150, accepted: 50, soldOut: 100, other: 0 });
    expect(report.deliveredOrders).toBe(50);
    expect(report.drill).toMatchObject({ name: 'api-kill-one-of-two' });
    expect(report.drill!.recoveredSeconds).not.toBeNull();
    expect(report.invariants.map((i) => i.name)).toEqual(
      expect.arrayContaining([
        'nothing lost',
        'no unanswered orders',
        'every accepted order terminal',
        'no oversell',
        'no duplicate delivery',
        'every code sold',
        'every delivery notified',
      ]),
    );
  });

  test('when the sale runs, then both apis answered checkouts and both workers ran the orders', () => {
    const answers = Object.values(topology.answeredBy);
    expect(answers).toHaveLength(2);
    for (const n of answers) expect(n).toBeGreaterThan(0);
    // Each worker's identity is its pid@host: both pids among those that completed workflow tasks.
    const pidsSeen = new Set(topology.workerIdentities.map((id) => Number(id.split('@')[0])));
    expect(topology.workerPids).toHaveLength(2);
    for (const pid of topology.workerPids) expect(pidsSeen).toContain(pid);
  });
});
