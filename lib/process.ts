import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from './logger';

/** Runs `stop` once on SIGINT/SIGTERM, then exits; a second signal exits at once. */
export function onShutdown(stop: () => Promise<void>, log: Logger): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/**
 * Under `npm start` a child must not outlive its supervisor, even one killed with SIGKILL:
 * when the parent changes (re-parented to init), exit.
 */
export function exitWithParent(): void {
  if (process.env.CARDFLOW_SUPERVISED !== '1') return;
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
  }, 1000).unref();
}

/**
 * Lowers the CPU priority of single-threaded process `pid` (a Postgres backend) by `nice`
 * (0: leave it): its own nice value, and its session's (lowerSessionPriority). setpriority on
 * Linux reaches one thread only, so a process with threads is started niced instead
 * (atLowerPriority). Never fails the caller: where not permitted, it runs at equal priority.
 */
export function lowerPriority(pid: number | undefined, nice: number): void {
  if (!pid || nice === 0) return;
  try {
    os.setPriority(pid, nice);
  } catch {
    // not permitted here (another user's process, and we are not root)
  }
  lowerSessionPriority(pid, nice);
}

/**
 * Lowers the CPU priority of the session `pid` leads (a detached child; every Postgres backend,
 * which calls setsid). With autogroup scheduling on (the default of most kernels) the CPU is
 * shared between sessions first and nice values count only inside one, so a niced process in a
 * session of its own still took as much CPU as the api's whole session. Not our own session:
 * that would lower the caller too. Never fails the caller.
 */
export function lowerSessionPriority(pid: number | undefined, nice: number): void {
  if (!pid || nice === 0) return;
  try {
    const group = fs.readFileSync(`/proc/${pid}/autogroup`, 'utf8').split(' ')[0];
    if (group !== fs.readFileSync('/proc/self/autogroup', 'utf8').split(' ')[0]) fs.writeFileSync(`/proc/${pid}/autogroup`, String(nice));
  } catch {
    // no autogroup scheduling here, or not permitted
  }
}

/**
 * The command line that starts `command` with its CPU priority lowered by `nice` (0: unchanged),
 * through coreutils' `nice`, which execs it: the same pid, and every thread it ever makes born at
 * that priority. Renicing a running process afterwards reaches only its main thread on Linux
 * (setpriority acts per thread), so the Temporal dev server's runtime threads and any thread
 * made before the call kept competing with the api at full priority. No `nice` on PATH (or
 * Windows): unchanged, equal priority. Its session, when it has its own (detached), is lowered
 * after the spawn (lowerSessionPriority); not its threads again, which `nice` may not have
 * lowered yet (they would end up lowered twice).
 */
function atLowerPriority(command: string, args: string[], nice: number): { command: string; args: string[] } {
  const niceBin = nice > 0 && process.platform !== 'win32' ? onPath('nice') : undefined;
  return niceBin ? { command: niceBin, args: ['-n', String(nice), command, ...args] } : { command, args };
}

/**
 * Spawns `command` with its CPU priority lowered by `nice` (0: as any child): every thread born
 * at that priority (atLowerPriority) and, when it runs in a session of its own (`detached`), that
 * session lowered too (lowerSessionPriority).
 */
export function spawnAtLowerPriority(command: string, args: string[], nice: number, options: SpawnOptions): ChildProcess {
  const niced = atLowerPriority(command, args, nice);
  const child = spawn(niced.command, niced.args, options);
  if (options.detached) lowerSessionPriority(child.pid, nice);
  return child;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
