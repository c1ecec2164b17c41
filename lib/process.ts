import os from 'node:os';
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

/** Lowers a child process's CPU priority by `nice` (0: leave it). Never fails the caller. */
export function lowerPriority(pid: number | undefined, nice: number): void {
  if (!pid || nice === 0) return;
  try {
    os.setPriority(pid, nice);
  } catch {
    // not permitted here: run at equal priority
  }
}
