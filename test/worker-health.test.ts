import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb } from '../db';
import { startWorkerHealth, workerReadinessChecks, type WorkerHealth } from '../worker/health';
import { createTestDatabase, startTestSystem, type TestSystem } from './harness';

// The worker's liveness and readiness over real HTTP: the worker process (worker/main.ts) serves
// them on loopback when WORKER_HEALTH_PORT is set; readiness fails, and liveness does not, when
// Postgres does not answer or the worker has stopped polling.

jest.setTimeout(120_000);

const get = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as { status: string; checks?: Record<string, string> } };
};

describe('the worker process', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('when started with WORKER_HEALTH_PORT, then /livez and /readyz answer 200 on loopback, and it stops cleanly on SIGTERM', async () => {
    const db = await createTestDatabase();
    const databaseUrl = (db.client.config as { connection: { connectionString: string } }).connection.connectionString;
    await db.destroy();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cardflow-worker-health-'));
    child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
      cwd: path.resolve(__dirname, '..'),
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        CARDFLOW_DATA_DIR: dataDir,
        TEMPORAL_TASK_QUEUE: `test-health-${crypto.randomBytes(6).toString('hex')}`,
        WORKFLOW_BUNDLE_PATH: process.env.CARDFLOW_TEST_WORKFLOW_BUNDLE,
        WORKER_HEALTH_PORT: '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child!.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const line = output.split('\n').find((l) => l.includes('worker health at'));
        if (line) resolve((JSON.parse(line) as { url: string }).url);
      });
      child!.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child!.once('exit', (code) => reject(new Error(`worker exited (${code}) before serving health:\n${output}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await get(`${url}/livez`)).toEqual({ status: 200, body: { status: 'alive' } });
    expect(await get(`${url}/readyz`)).toEqual({ status: 200, body: { status: 'ready', checks: { worker: 'ok', postgres: 'ok', temporal: 'ok' } } });
    expect((await get(`${url}/nothing`)).status).toBe(404);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    expect({ code: await exited, errors: output.split('\n').filter((l) => /"level":50|shutdown failed/.test(l)) }).toEqual({ code: 0, errors: [] });
    await expect(fetch(`${url}/livez`)).rejects.toThrow();
  });
});

describe('readiness against real parts', () => {
  let sys: TestSystem;
  let health: WorkerHealth | undefined;
  const unreachable = createDb('postgres://cardflow:x@127.0.0.1:1/cardflow', 1);
  beforeAll(async () => {
    sys = await startTestSystem({ worker: false });
  });
  afterAll(async () => {
    await health?.close();
    await unreachable.destroy();
    await sys?.stop();
  });

  it('when Postgres does not answer, then /readyz is 503 naming postgres while /livez stays 200; when the worker stops, worker fails', async () => {
    const { worker } = await sys.startWorker();
    await waitFor(() => worker.getState() === 'RUNNING');
    const working = workerReadinessChecks(worker, { db: sys.db, connection: sys.client.connection });
    const broken = workerReadinessChecks(worker, { db: unreachable, connection: sys.client.connection });
    health = await startWorkerHealth({ host: '127.0.0.1', port: 0, checks: { worker: working.worker, postgres: broken.postgres, temporal: working.temporal } });

    expect(await get(`${health.url}/readyz`)).toEqual({ status: 503, body: { status: 'not_ready', checks: { worker: 'ok', postgres: 'failing', temporal: 'ok' } } });
    expect((await get(`${health.url}/livez`)).status).toBe(200);
    await health.close();

    // Positive control: the same worker with the real database is ready.
    health = await startWorkerHealth({ host: '127.0.0.1', port: 0, checks: working });
    expect((await get(`${health.url}/readyz`)).status).toBe(200);

    await sys.stopWorker();
    expect(await get(`${health.url}/readyz`)).toEqual({ status: 503, body: { status: 'not_ready', checks: { worker: 'failing', postgres: 'ok', temporal: 'ok' } } });
    expect((await get(`${health.url}/livez`)).status).toBe(200);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((r) => setTimeout(r, 50));
}
