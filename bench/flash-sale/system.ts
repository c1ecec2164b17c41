import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import pg from 'pg';
import { createDb, migrateToLatest, type Db } from '../../db';
import { embeddedDatabaseUrl, embeddedPostgresDir, startEmbeddedPostgres, type EmbeddedDatabase } from '../../db/embedded-postgres';
import { loadConfig } from '../../lib/config';
import { spawnAtLowerPriority } from '../../lib/process';
import { startTemporalDevServer, type DevServer } from '../../scripts/temporal-dev-server';
import { devServerSearchAttributeArgs } from '../../workflows/search-attributes';
import { freePort } from '../../lib/free-port';
import { workflowInterceptorModules } from '../../worker/create-worker';

// The whole Cardflow as `npm start` runs it, each part its own process, so the bench can weigh
// each one and the drills can kill or restart any one: embedded Postgres (data on disk), the
// Temporal dev server (SQLite file on disk), and one or more api and worker processes (the
// production topology runs several of each against one Postgres and one Temporal).

const ROOT = path.resolve(__dirname, '..', '..');

export interface SystemOptions {
  /** Connections per api/worker process (DATABASE_POOL_MAX). */
  poolMax?: number;
  /** Extra environment for the api and worker (tuning knobs). */
  env?: Record<string, string>;
  /** How many api processes (each on its own port) and worker processes; default one each. */
  apis?: number;
  workers?: number;
  /** Load pg_stat_statements, for the statements' share of Postgres's time (--pg-statements). */
  pgStatements?: boolean;
  /** Where Postgres and Temporal keep their files; default a fresh temporary directory. */
  dataDir?: string;
  log?: (line: string) => void;
}

export type ProcessPart = 'api' | 'worker';

export class CardflowSystem {
  readonly dataDir: string;
  /** One per api process; a load balancer would spread checkouts over them. */
  readonly apiUrls: string[];
  readonly databaseUrl: string;
  private pg?: EmbeddedDatabase;
  private temporal?: DevServer;
  /** `api#0`, `worker#1`, ...: the processes running now. */
  private children = new Map<string, ChildProcess>();
  private readonly childEnv: Record<string, string>;
  readonly db: Db;

  private constructor(
    readonly opts: SystemOptions,
    dataDir: string,
    private readonly ports: { pg: number; temporal: number; apis: number[] },
    readonly bundlePath: string,
  ) {
    this.dataDir = dataDir;
    this.apiUrls = ports.apis.map((port) => `http://127.0.0.1:${port}`);
    this.databaseUrl = embeddedDatabaseUrl(embeddedPostgresDir(dataDir), ports.pg, 'cardflow');
    this.db = createDb(this.databaseUrl, 4);
    this.childEnv = {
      ...(process.env as Record<string, string>),
      DATABASE_URL: this.databaseUrl,
      TEMPORAL_ADDRESS: this.temporalAddress,
      HOST: '127.0.0.1',
      PUBLIC_URL: this.apiUrls[0],
      CARDFLOW_DATA_DIR: dataDir,
      // Both processes must share one key set; in production it comes from the environment.
      CARDFLOW_ENCRYPTION_KEYS: `k1:${crypto.randomBytes(32).toString('base64')}`,
      CARDFLOW_FINGERPRINT_KEY: crypto.randomBytes(32).toString('base64'),
      WORKFLOW_BUNDLE_PATH: bundlePath,
      LOG_LEVEL: 'warn',
      // A flash sale comes from many buyers; the per-key limit is not what is measured here.
      RATE_LIMIT_PER_MINUTE: '100000000',
      DATABASE_POOL_MAX: String(opts.poolMax ?? 10),
      // In their own sessions (detached), they exit if the bench dies.
      CARDFLOW_SUPERVISED: '1',
      // The bench's supplier simulator and shop listen on loopback.
      ALLOW_PRIVATE_OUTBOUND: '1',
      TZ: 'UTC',
      ...(opts.env ?? {}),
    };
  }

  /** The first api process (the one a single-api run has). */
  get apiUrl(): string {
    return this.apiUrls[0];
  }

  get apiCount(): number {
    return this.apiUrls.length;
  }

  get workerCount(): number {
    return Math.max(1, this.opts.workers ?? 1);
  }

  get temporalAddress(): string {
    return `127.0.0.1:${this.ports.temporal}`;
  }

  /** As `npm start` does: fulfilment yields the CPU to the api (FULFILMENT_NICE). */
  get fulfilmentNice(): number {
    return loadConfig(this.childEnv).FULFILMENT_NICE;
  }

  get env(): Record<string, string> {
    return this.childEnv;
  }

  static async start(opts: SystemOptions = {}): Promise<CardflowSystem> {
    const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cardflow-bench-'));
    fs.chmodSync(dataDir, 0o755); // the embedded Postgres may run as its own system user
    const ports = { pg: await freePort(), temporal: await freePort(), apis: [] as number[] };
    for (let i = 0; i < Math.max(1, opts.apis ?? 1); i++) ports.apis.push(await freePort());
    // The prebuilt workflow bundle, as production runs it (`npm run build`): no webpack at worker
    // start, and the workflow interceptors built in, as they run there (tracing off, as the bench's
    // processes have no OTLP endpoint).
    const bundlePath = path.join(dataDir, 'workflow-bundle.js');
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.join(ROOT, 'workflows'),
      workflowInterceptorModules: workflowInterceptorModules({ traced: false }),
      logger: quiet,
    });
    fs.writeFileSync(bundlePath, code);
    const system = new CardflowSystem(opts, dataDir, ports, bundlePath);
    await system.startPostgres();
    await system.startTemporal();
    await migrateToLatest(system.db);
    for (let i = 0; i < system.workerCount; i++) await system.startWorker(i);
    for (let i = 0; i < system.apiCount; i++) await system.startApi(i);
    return system;
  }

  private say(line: string) {
    this.opts.log?.(line);
  }

  async startPostgres() {
    const logFile = path.join(this.dataDir, 'postgres.log');
    this.pg = await startEmbeddedPostgres({
      dataDir: embeddedPostgresDir(this.dataDir),
      port: this.ports.pg,
      database: 'cardflow',
      persistent: true,
      onLog: (line) => fs.appendFileSync(logFile, line + '\n'),
      settings: this.opts.pgStatements ? { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' } : undefined,
    });
    if (this.opts.pgStatements) await this.asSuperuser((c) => c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements'));
  }

  /** Runs `work` on a superuser connection to the app's database (only the bench's own tools do this). */
  async asSuperuser<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    if (!this.pg) throw new Error('Postgres is not running');
    const client = new pg.Client({ connectionString: this.pg.adminUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  async stopPostgres() {
    await this.pg?.stop();
    this.pg = undefined;
  }

  async startTemporal() {
    this.temporal = await startTemporalDevServer({
      port: this.ports.temporal,
      dbFile: path.join(this.dataDir, 'temporal.sqlite'),
      extraArgs: devServerSearchAttributeArgs(),
      nice: this.fulfilmentNice,
    });
  }

  async stopTemporal() {
    await this.temporal?.stop();
    this.temporal = undefined;
  }

  /** Worker process `index` (0 for the only one). */
  async startWorker(index = 0) {
    await this.spawnPart('worker', index);
  }

  /** Api process `index`, on its own port (apiUrls[index]). */
  async startApi(index = 0) {
    await this.spawnPart('api', index);
  }

  /** kill -9 of one process: no shutdown, no draining; what a crashed machine does. */
  kill(part: ProcessPart, index = 0) {
    const name = `${part}#${index}`;
    const child = this.children.get(name);
    this.children.delete(name);
    child?.kill('SIGKILL');
    return new Promise<void>((resolve) => (!child || child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  }

  /** The processes to weigh: each part's pids and, for Postgres, every backend under it. */
  pids(): Record<'api' | 'worker' | 'postgres' | 'temporal', number[]> {
    let postmaster: number | undefined;
    try {
      postmaster = Number(fs.readFileSync(path.join(this.dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
    } catch {
      // stopped (a drill): nothing to weigh
    }
    const of = (part: ProcessPart) => [...this.children].filter(([name]) => name.startsWith(`${part}#`)).flatMap(([, child]) => (child.pid ? [child.pid] : []));
    return {
      api: of('api'),
      worker: of('worker'),
      postgres: postmaster ? [postmaster] : [],
      temporal: this.temporal?.process.pid ? [this.temporal.process.pid] : [],
    };
  }

  private async spawnPart(part: ProcessPart, index: number) {
    const name = `${part}#${index}`;
    // CARDFLOW_BENCH_PROFILE=worker (or api) writes a V8 CPU profile of that part into ./profiles.
    const profile = process.env.CARDFLOW_BENCH_PROFILE === part ? ['--cpu-prof', '--cpu-prof-dir', path.resolve('profiles')] : [];
    const apiUrl = part === 'api' ? this.apiUrls[index] : undefined;
    const child = spawnAtLowerPriority(process.execPath, [...profile, '--import', 'tsx', path.join(ROOT, part, 'main.ts')], part === 'worker' ? this.fulfilmentNice : 0, {
      cwd: ROOT,
      env: apiUrl ? { ...this.childEnv, PORT: new URL(apiUrl).port } : this.childEnv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // Each in its own session, as npm start runs them: the scheduler shares the CPU between
      // sessions first, so the api does not share one with the load generator, and the worker's
      // session can be lowered without lowering the bench's (lib/process.ts).
      detached: true,
    });
    this.children.set(name, child);
    child.once('exit', (code, signal) => {
      if (this.children.get(name) === child) this.say(`${name} exited (${signal ?? `code ${code}`})`);
    });
    if (part === 'worker') {
      await new Promise<void>((resolve, reject) => {
        child.on('message', (m) => m === 'ready' && resolve());
        child.once('exit', (code) => reject(new Error(`worker exited with code ${code} before it was ready`)));
      });
    } else {
      // Generous: on a machine shared with other work, a restarted api (tsx compiling its imports) can take a minute.
      const deadline = Date.now() + 180_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} before it was ready`);
        try {
          if ((await fetch(`${apiUrl}/healthz`)).ok) break;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`${name} did not become ready in 180 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async stop() {
    await this.db.destroy().catch(() => undefined);
    for (const name of [...this.children.keys()]) {
      const child = this.children.get(name);
      this.children.delete(name);
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
    }
    await this.stopTemporal();
    await this.stopPostgres();
    if (!this.opts.dataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

const noop = () => undefined;
const quiet = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };
