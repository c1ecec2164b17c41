import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MemoryWatch, readProcesses } from '../bench/flash-sale/memory';

// The flash-sale bench reads every part's memory and CPU from /proc once a second while its
// load generator sends checkouts from the same process. A reading takes tens of milliseconds in
// a sale; on the generator's thread it held back every checkout due meanwhile, and the report's
// p99 measured the bench's own pauses. The reading now runs on a thread of its own.

/** Enough processes (the whole machine, asked about repeatedly) that one reading takes at least `ms`. */
function slowReading(ms: number): { pids: number[]; readingMs: number } {
  const machine = fs
    .readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
  let pids = machine;
  for (;;) {
    const started = performance.now();
    readProcesses(pids);
    const readingMs = performance.now() - started;
    if (readingMs >= ms) return { pids, readingMs };
    pids = [...pids, ...pids];
  }
}

/** The longest the main thread's event loop was held up while `during` ran, ms. */
async function longestPause(during: () => Promise<void>): Promise<number> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  await during();
  delay.disable();
  return delay.max / 1e6;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('flash-sale memory watch', () => {
  const { pids, readingMs } = slowReading(300);

  test('when a reading takes hundreds of milliseconds, then the load generator’s thread is not held up by it', async () => {
    const watch = new MemoryWatch(() => ({ postgres: pids, api: [process.pid] }));
    const pause = await longestPause(async () => {
      watch.start(20);
      await sleep(4 * readingMs);
      await watch.stop();
    });
    // Several readings were taken meanwhile, each as long as the calibrated one.
    expect(watch.samples.length).toBeGreaterThanOrEqual(3);
    expect(pause).toBeLessThan(readingMs / 2);
    // What they read: this process's memory, and the CPU it used between the first and the last.
    expect(watch.samples.at(-1)!.mib.api).toBeGreaterThan(10);
    expect(watch.peak().api).toBeGreaterThan(10);
    expect(watch.cpuUsed().postgres).toBeGreaterThanOrEqual(0);
  });

  test('when the same readings run on the main thread, then the pause shows (positive control)', async () => {
    const pause = await longestPause(async () => {
      const timer = setInterval(() => readProcesses(pids), 20);
      await sleep(4 * readingMs);
      clearInterval(timer);
    });
    expect(pause).toBeGreaterThanOrEqual(readingMs / 2);
  });

  test('when the reader thread dies mid-reading, then stop() still returns', async () => {
    const watch = new MemoryWatch(() => ({ postgres: pids })).start(1000);
    await watch['reader']!.terminate();
    const stopped = await Promise.race([watch.stop().then(() => 'stopped'), sleep(10 * readingMs).then(() => 'still waiting')]);
    expect(stopped).toBe('stopped');
  });

  test('when stopped twice, then the second stop does nothing', async () => {
    const watch = new MemoryWatch(() => ({ api: [process.pid] })).start(1000);
    await watch.stop();
    const taken = watch.samples.length;
    await watch.stop();
    expect(watch.samples.length).toBe(taken);
    expect(taken).toBe(2);
  });
});
