import fs from 'node:fs';
import { createDb } from '../db';
import { freePort } from '../lib/free-port';
import { startTemporalDevServer, type DevServer } from '../scripts/temporal-dev-server';

// On one machine fulfilment yields the CPU to the api (FULFILMENT_NICE). Linux sets a nice value
// per thread, and with autogroup scheduling shares the CPU between sessions before nice values
// count: a process reniced after it started, or niced inside a session of its own, competed with
// the api at full weight (a flash sale's accept p99 went from tens of seconds to half a second
// when both were fixed, docs/BENCHMARKS.md). These read what the kernel was told.

const niceOf = (pid: number | string, tid?: string) =>
  Number(
    fs
      .readFileSync(`/proc/${pid}/task/${tid ?? pid}/stat`, 'utf8')
      .split(') ')[1]
      .split(' ')[16],
  );
const threadNices = (pid: number) => fs.readdirSync(`/proc/${pid}/task`).map((tid) => niceOf(pid, tid));
const autogroup = (pid: number | string) => fs.readFileSync(`/proc/${pid}/autogroup`, 'utf8').trim(); // "/autogroup-42 nice 7"
const hasAutogroups = fs.existsSync('/proc/self/autogroup');

describe('fulfilment at a lower CPU priority', () => {
  let temporal: DevServer | undefined;
  afterAll(async () => temporal?.stop());

  test('the Temporal dev server: every thread, and its own session, niced', async () => {
    temporal = await startTemporalDevServer({ port: await freePort(), nice: 7 });
    const pid = temporal.process.pid!;
    const nices = threadNices(pid);
    expect(nices.length).toBeGreaterThan(1); // a Go program: many threads, made before and after start
    expect(new Set(nices)).toEqual(new Set([7]));
    if (hasAutogroups) {
      expect(autogroup(pid)).not.toEqual(autogroup('self')); // detached: a session of its own
      expect(autogroup(pid)).toMatch(/ nice 7$/);
    }
    // Positive control: our own priority and session are untouched. A process still in the
    // session the machine booted with (as under a CI runner) reads an empty autogroup: the kernel
    // prints none for that root one, whose priority nobody can change.
    expect(niceOf(process.pid)).toBe(0);
    if (hasAutogroups) expect(autogroup('self')).toMatch(/^$| nice 0$/);
  });

  test("the worker's Postgres backends niced, the api's not", async () => {
    const url = process.env.DATABASE_URL!;
    const worker = createDb(url, 1, { part: 'worker', backendNice: 6 });
    const api = createDb(url, 1, { part: 'api' });
    try {
      const backend = async (db: typeof worker) => (await db.raw('SELECT pg_backend_pid() AS pid, current_setting($$application_name$$) AS name')).rows[0];
      const [w, a] = [await backend(worker), await backend(api)];
      expect([w.name, a.name]).toEqual(['cardflow-worker', 'cardflow-api']);
      expect(niceOf(w.pid)).toBe(6);
      if (hasAutogroups) expect(autogroup(w.pid)).toMatch(/ nice 6$/); // each backend leads its own session
      expect(niceOf(a.pid)).toBe(0);
      if (hasAutogroups) expect(autogroup(a.pid)).toMatch(/ nice 0$/);
    } finally {
      await worker.destroy();
      await api.destroy();
    }
  });

  test('a database on another host: no backend is reniced (its pid would name a process of this machine)', async () => {
    const hook = async (url: string) => {
      const db = createDb(url, 1, { part: 'worker', backendNice: 6 });
      const has = Boolean((db.client.config.pool as { afterCreate?: unknown }).afterCreate);
      await db.destroy();
      return has;
    };
    const remote = new URL(process.env.DATABASE_URL!);
    remote.hostname = 'db.example.internal';
    expect(await hook(remote.toString())).toBe(false);
    expect(await hook(process.env.DATABASE_URL!)).toBe(true); // positive control: this machine's
  });
});
