import fs from 'node:fs';

// Memory of each part, sampled while the bench runs. PSS (proportional set size), not RSS:
// Postgres backends share their buffer pool, and summing their RSS would count it once per
// backend. A part's PSS includes its child processes (Postgres's backends), and a part run as
// several processes (two api or worker processes) is their sum.

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

export class MemoryWatch {
  readonly samples: MemorySample[] = [];
  private timer?: NodeJS.Timeout;
  private readonly ticksSeen = new Map<number, number>();
  private readonly ticksUsed: Record<Part, number> = { api: 0, worker: 0, postgres: 0, temporal: 0 };
  private readonly started = Date.now();

  constructor(private readonly pids: () => Partial<Record<Part, number[]>>) {}

  sample(): MemorySample {
    const tree = childrenOf();
    const mib: MemorySample['mib'] = {};
    const cpuSeconds: MemorySample['cpuSeconds'] = {};
    const first = this.samples.length === 0;
    for (const [part, pids] of Object.entries(this.pids()) as [Part, number[]][]) {
      if (pids.length === 0) continue;
      mib[part] = Math.round((pids.reduce((sum, pid) => sum + treeKiB(pid, tree), 0) / 1024) * 10) / 10;
      // Per process, so a process killed mid-run keeps what it used and its successor adds its own.
      for (const pid of pids) {
        const ticks = treeTicks(pid, tree);
        const before = this.ticksSeen.get(pid);
        if (!first) this.ticksUsed[part] += Math.max(0, ticks - (before ?? 0));
        this.ticksSeen.set(pid, ticks);
      }
    }
    for (const part of Object.keys(this.ticksUsed) as Part[]) cpuSeconds[part] = this.ticksUsed[part] / TICKS_PER_SECOND;
    const s = { atMs: Date.now() - this.started, mib, cpuSeconds };
    this.samples.push(s);
    return s;
  }

  start(everyMs = 1000): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
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
