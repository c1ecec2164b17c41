import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from '@temporalio/worker';
import type { ConnectionLike } from '@temporalio/client';
import type { Db } from '../db';

// The worker's health for an orchestrator (deploy/k8s): /livez answers while the process and its
// event loop do (restart it when not); /readyz answers 200 only while the worker polls and
// Postgres and Temporal answer (take it out of rotation, do not restart it, when not). Off unless
// WORKER_HEALTH_PORT is set; the answers name checks, never connection strings or errors.

export type ReadinessChecks = Record<string, () => Promise<void>>;

export interface WorkerHealth {
  url: string;
  close(): Promise<void>;
}

const CHECK_DEADLINE_MS = 2_000;

export function workerReadinessChecks(worker: Worker, services: { db: Db; connection: ConnectionLike }): ReadinessChecks {
  return {
    worker: async () => {
      if (worker.getState() !== 'RUNNING') throw new Error(`worker is ${worker.getState()}`);
    },
    postgres: async () => void (await services.db.raw('select 1')),
    temporal: async () => void (await services.connection.workflowService.getSystemInfo({})),
  };
}

export async function startWorkerHealth(opts: { host: string; port: number; checks: ReadinessChecks }): Promise<WorkerHealth> {
  const server = http.createServer((req, res) => {
    const answer = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    if (req.method !== 'GET') return answer(405, { status: 'method_not_allowed' });
    if (req.url === '/livez') return answer(200, { status: 'alive' });
    if (req.url === '/readyz') {
      void readiness(opts.checks).then((checks) => {
        const ready = Object.values(checks).every((state) => state === 'ok');
        answer(ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', checks });
      });
      return;
    }
    answer(404, { status: 'not_found' });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(opts.port, opts.host, resolve));
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readiness(checks: ReadinessChecks): Promise<Record<string, 'ok' | 'failing'>> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no answer')), CHECK_DEADLINE_MS)));
      const state = await Promise.race([check(), late]).then(
        () => 'ok' as const,
        () => 'failing' as const,
      );
      clearTimeout(timer);
      return [name, state] as const;
    }),
  );
  return Object.fromEntries(results);
}
