import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

// Memory of each part, sampled while the bench runs. PSS (proportional set size), not RSS:
// Postgres backends share their buffer pool, and summing their RSS would count it once per
// backend. A part's PSS includes its child processes (Postgres's backends), and a part run as
// several processes (two api or worker processes) is their sum.
//
// The reading happens on a thread of its own (memory-reader.ts). One reading walks /proc and
// every process's page tables: 56 ms on average, up to 118, in a sale (measured). Done on the
// load generator's thread every 500 ms, it held back every checkout due in that time and every
// answer that arrived in it, and the report's p99 was mostly the bench's own pauses: sold-out
// answers slower than 40 ms came in clumps exactly 500 ms apart.

export type Part = 'api' | 'worker' | 'postgres' | 'temporal';

export interface MemorySample {
  atMs: number;
  mib: Partial<Record<Part, number>>;
  /** CPU seconds each part has used since the watch started (user + system, children included; a restarted process's new life counts too). */
  cpuSeconds: Partial<Record<Part, number>>;
}

const TICKS_PER_SECOND = 100;

function cpuTicks(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime (fields 14-17): exited children (Postgres backends) count too.
    return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  } catch {
    return 0;
  }
}

function pssKiB(pid: number): number {
  try {
    const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const m = /^Pss:\s+(\d+) kB/m.exec(text);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // gone (a drill killed it) or not ours to read
  }
}

function childrenOf(): Map<number, number[]> {
  const tree = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 is the parent pid; the command name (field 2) may hold spaces, so split after ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      tree.set(ppid, [...(tree.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited while we looked
    }
  }
  return tree;
}

function treeKiB(pid: number, tree: Map<number, number[]>): number {
  return pssKiB(pid) + (tree.get(pid) ?? []).reduce((sum, child) => sum + treeKiB(child, tree), 0);
}

function treeTicks(pid: number, tree: Map<number, number[]>): number {
  return cpuTicks(pid) + (tree.get(pid) ?? []).reduce((sum, child) => sum + treeTicks(child, tree), 0);
}

/** CPU seconds these processes (and their children) have used so far. */
export function cpuSecondsOf(pids: number[]): number {
  const tree = childrenOf();
  return pids.reduce((sum, pid) => sum + treeTicks(pid, tree), 0) / TICKS_PER_SECOND;
}

/** What the reader thread finds for each pid asked about: its tree's PSS and CPU ticks. */
export type Reading = Record<number, { kib: number; ticks: number }>;

export function readProcesses(pids: number[]): Reading {
  const tree = childrenOf();
  const out: Reading = {};
  for (const pid of pids) out[pid] = { kib: treeKiB(pid, tree), ticks: treeTicks(pid, tree) };
  return out;
}

export class MemoryWatch {
  readonly samples: MemorySample[] = [];
  private timer?: NodeJS.Timeout;
  private reader?: Worker;
  private asked = 0;
  private answered = 0;
  private readonly waiting = new Map<number, () => void>();
  private readonly ticksSeen = new Map<number, number>();
  private readonly ticksUsed: Record<Part, number> = { api: 0, worker: 0, postgres: 0, temporal: 0 };
  private readonly started = Date.now();

  constructor(private readonly pids: () => Partial<Record<Part, number[]>>) {}

  start(everyMs = 1000): this {
    // tsx's hooks do not reach a worker thread by themselves: the thread registers them first.
    this.reader = new Worker(`require('tsx/cjs'); require(${JSON.stringify(path.join(__dirname, 'memory-reader.ts'))});`, { eval: true });
    this.reader.unref();
    this.reader.on('message', (m: { id: number; parts: Partial<Record<Part, number[]>>; reading: Reading; atMs: number }) => this.record(m));
    // A reader that died (its error is thrown here as any other) answers nothing more: nobody may wait for it.
    this.reader.on('exit', () => {
      clearInterval(this.timer);
      this.reader = undefined;
      for (const answered of this.waiting.values()) answered();
      this.waiting.clear();
    });
    void this.ask();
    this.timer = setInterval(() => {
      // A reading still under way (a busy machine) is not queued behind: the next tick asks again.
      if (this.answered === this.asked) void this.ask();
    }, everyMs);
    this.timer.unref();
    return this;
  }

  /** Takes a last reading and stops the reader (a second call does nothing). */
  async stop(): Promise<void> {
    const reader = this.reader;
    if (!reader) return;
    clearInterval(this.timer);
    await this.ask();
    await reader.terminate();
  }

  private ask(): Promise<void> {
    if (!this.reader) return Promise.resolve();
    const id = ++this.asked;
    const parts = Object.fromEntries(Object.entries(this.pids()).filter(([, pids]) => pids.length > 0));
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.reader!.postMessage({ id, parts, started: this.started });
    });
  }

  private record(m: { id: number; parts: Partial<Record<Part, number[]>>; reading: Reading; atMs: number }): void {
    this.answered = m.id;
    const first = this.samples.length === 0;
    const mib: MemorySample['mib'] = {};
    const cpuSeconds: MemorySample['cpuSeconds'] = {};
    for (const [part, pids] of Object.entries(m.parts) as [Part, number[]][]) {
      mib[part] = Math.round((pids.reduce((sum, pid) => sum + m.reading[pid].kib, 0) / 1024) * 10) / 10;
      // Per process, so a process killed mid-run keeps what it used and its successor adds its own.
      for (const pid of pids) {
        const ticks = m.reading[pid].ticks;
        const before = this.ticksSeen.get(pid);
        if (!first) this.ticksUsed[part] += Math.max(0, ticks - (before ?? 0));
        this.ticksSeen.set(pid, ticks);
      }
    }
    for (const part of Object.keys(this.ticksUsed) as Part[]) cpuSeconds[part] = this.ticksUsed[part] / TICKS_PER_SECOND;
    this.samples.push({ atMs: m.atMs, mib, cpuSeconds });
    this.waiting.get(m.id)?.();
    this.waiting.delete(m.id);
  }

  /** CPU seconds each part used between the first and the last sample (up to one sampling interval of a killed process is missed). */
  cpuUsed(): Record<Part, number> {
    const round = (ticks: number) => Math.round((ticks / TICKS_PER_SECOND) * 10) / 10;
    return { api: round(this.ticksUsed.api), worker: round(this.ticksUsed.worker), postgres: round(this.ticksUsed.postgres), temporal: round(this.ticksUsed.temporal) };
  }

  peak(): Record<Part, number> {
    const peak = { api: 0, worker: 0, postgres: 0, temporal: 0 };
    for (const s of this.samples) for (const [part, v] of Object.entries(s.mib) as [Part, number][]) peak[part] = Math.max(peak[part], v);
    return peak;
  }
}
