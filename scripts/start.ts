import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createDb, migrateToLatest, type Db } from '../db';
import { embeddedPostgresDir, startEmbeddedPostgres, type EmbeddedDatabase } from '../db/embedded-postgres';
import { DEMO_SUPPLIER_NAME, seedDemo } from '../db/seed';
import { DEMO_PARTNER_ID, demoPartners } from '../supplier-sim/demo-catalogue';
import { startSupplierSim } from '../supplier-sim/server';
import { CodeVault, loadVaultKeys } from '../lib/code-vault';
import { readOrCreateSecretFile } from '../lib/secret-file';
import { sealSupplierCredentials } from '../suppliers/credentials';
import { ConfigError, loadConfig } from '../lib/config';
import { spawnAtLowerPriority } from '../lib/process';
import { refingerprintCodes } from '../stock/refingerprint';
import { startTemporalDevServer, type DevServer } from './temporal-dev-server';
import { devServerSearchAttributeArgs } from '../workflows/search-attributes';

// `npm start`: the whole system on one machine. An embedded Postgres (unless DATABASE_URL),
// the Temporal dev server (unless TEMPORAL_ADDRESS), migrations, demo data on first start,
// then the api and worker processes. Ctrl-C or SIGTERM stops everything, newest first.

const say = (line: string) => console.log(`[cardflow] ${line}`);

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '0.0.0.0', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

async function requireFreePorts(ports: { port: number; variable: string; what: string }[]) {
  for (const p of ports) {
    if (!(await portIsFree(p.port))) {
      throw new ConfigError(`Port ${p.port} (${p.what}) is already in use. Stop what holds it, or set ${p.variable} to another port.`);
    }
  }
}

async function main() {
  const startedAt = Date.now();
  const config = loadConfig(process.env, 'start');
  const dataDir = path.resolve(config.CARDFLOW_DATA_DIR);
  fs.mkdirSync(dataDir, { recursive: true });

  await requireFreePorts([
    { port: config.PORT, variable: 'PORT', what: 'API' },
    ...(config.DATABASE_URL ? [] : [{ port: config.EMBEDDED_PG_PORT, variable: 'EMBEDDED_PG_PORT', what: 'embedded Postgres' }]),
    ...(config.TEMPORAL_ADDRESS
      ? []
      : [
          { port: config.TEMPORAL_PORT, variable: 'TEMPORAL_PORT', what: 'Temporal dev server' },
          { port: config.TEMPORAL_UI_PORT, variable: 'TEMPORAL_UI_PORT', what: 'Temporal Web UI' },
        ]),
    ...(config.DEMO_SUPPLIER === 'on' ? [{ port: config.SUPPLIER_SIM_PORT, variable: 'SUPPLIER_SIM_PORT', what: 'demo supplier' }] : []),
  ]);

  const stops: (() => Promise<void>)[] = [];
  const children: ChildProcess[] = [];
  let shuttingDown = false;
  const shutdown = async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    say('stopping ...');
    for (const stop of stops.reverse()) await stop().catch((err) => say(`stop failed: ${err.message}`));
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  // npm does not always pass SIGTERM on to us; when it goes away, so do we.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && void shutdown(0), 1000).unref();

  try {
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      say(`starting embedded Postgres on 127.0.0.1:${config.EMBEDDED_PG_PORT} (data in ${embeddedPostgresDir(dataDir)})`);
      const pg: EmbeddedDatabase = await startEmbeddedPostgres({
        dataDir: embeddedPostgresDir(dataDir),
        port: config.EMBEDDED_PG_PORT,
        database: 'cardflow',
        persistent: true,
      });
      stops.push(() => pg.stop());
      databaseUrl = pg.url;
    }

    let temporalAddress = config.TEMPORAL_ADDRESS;
    // The console links to Temporal's UI only at the public address an operator configured
    // (TEMPORAL_UI_URL): the dev server's own UI answers on this machine only, so it is printed here
    // for whoever sits at it, never sent to browsers.
    let temporalUi = config.TEMPORAL_UI_URL;
    if (!temporalAddress) {
      say(`starting Temporal dev server on 127.0.0.1:${config.TEMPORAL_PORT}`);
      const temporal: DevServer = await startTemporalDevServer({
        port: config.TEMPORAL_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        dbFile: path.join(dataDir, 'temporal.sqlite'),
        namespace: config.TEMPORAL_NAMESPACE,
        extraArgs: devServerSearchAttributeArgs(),
        nice: config.FULFILMENT_NICE,
      });
      stops.push(() => temporal.stop());
      temporalAddress = temporal.address;
      temporalUi ??= temporal.uiUrl;
    }

    const db = createDb(databaseUrl, 2);
    const applied = await migrateToLatest(db);
    if (applied.length) say(`applied migrations: ${applied.join(', ')}`);
    const vault = new CodeVault(
      loadVaultKeys(config, (file) => say(`WARNING: generated encryption keys in ${file}. Back it up; in production set CARDFLOW_ENCRYPTION_KEYS and CARDFLOW_FINGERPRINT_KEY.`)),
    );
    const refingerprinted = await refingerprintCodes(db, vault);
    if (refingerprinted.refingerprinted > 0) {
      say(
        `re-made ${refingerprinted.refingerprinted} code fingerprints; ${refingerprinted.duplicates} repeated another code (${refingerprinted.voided} unsold ones voided; audit log: code.duplicate_*)`,
      );
    }
    let demoSupplier: { baseUrl: string; partnerId: string; secret: string } | undefined;
    if (config.DEMO_SUPPLIER === 'on') {
      // The supplier simulator plays a real wholesaler for the demo SKUs STEAM-50 and DIAMONDS-60.
      // Its partner secret is this install's own (no constant secret anyone could sign callbacks with).
      const secret =
        config.SUPPLIER_SIM_SECRET ?? readOrCreateSecretFile(path.join(dataDir, 'demo-supplier.json'), () => ({ secret: crypto.randomBytes(24).toString('base64url') })).secret;
      const sim = await startSupplierSim({ port: config.SUPPLIER_SIM_PORT, partners: demoPartners(secret) });
      stops.push(() => sim.stop());
      demoSupplier = { baseUrl: sim.url, partnerId: DEMO_PARTNER_ID, secret };
      say(`demo supplier (simulator) on ${sim.url}`);
      // Follow a changed SUPPLIER_SIM_PORT or secret on later starts (installs from before had a constant secret).
      await pointDemoSupplierAt(db, vault, demoSupplier);
    }
    // A demo merchant with printed credentials is for trying Cardflow out, not for production.
    const demo = config.NODE_ENV === 'production' ? undefined : await seedDemo(db, vault, demoSupplier);
    await db.destroy();
    const credentialsFile = path.join(dataDir, 'demo-credentials.json');
    const apiUrl = config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
    if (demo) {
      const credentials = {
        apiKey: demo.apiKey,
        adminToken: demo.adminToken,
        webhookSecret: demo.webhookSecret,
        console: { url: `${apiUrl}/console/`, email: demo.ownerEmail, password: demo.ownerPassword },
      };
      fs.writeFileSync(credentialsFile, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
    }
    buildConsoleIfStale();

    const childEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      ...(config.TEMPORAL_UI_URL ? { TEMPORAL_UI_URL: config.TEMPORAL_UI_URL } : {}),
      CARDFLOW_DATA_DIR: dataDir,
      CARDFLOW_SUPERVISED: '1',
      TZ: 'UTC',
      // One machine: the demo supplier and local webhook receivers listen on loopback over plain
      // http. Development only; production refuses the setting (lib/config.ts).
      ...(config.NODE_ENV === 'production' ? {} : { ALLOW_PRIVATE_OUTBOUND: process.env.ALLOW_PRIVATE_OUTBOUND || '1' }),
    };
    let workerReady!: () => void;
    const workerPolling = new Promise<void>((resolve) => (workerReady = resolve));
    for (const name of ['worker', 'api'] as const) {
      // Fulfilment yields the CPU to the api: the worker, every thread of it, at a lower priority.
      const child = spawnAtLowerPriority(process.execPath, [...process.execArgv, path.join(__dirname, '..', name, 'main.ts')], name === 'worker' ? config.FULFILMENT_NICE : 0, {
        env: childEnv,
        stdio: ['inherit', 'inherit', 'inherit', 'ipc'], // the worker says 'ready' over IPC
        detached: true, // its own process group: Ctrl-C reaches it through us, in order
      });
      child.on('message', (m) => m === 'ready' && workerReady());
      children.push(child);
      child.once('exit', (code, signal) => {
        if (!shuttingDown) {
          say(`${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping everything`);
          void shutdown(1);
        }
      });
      stops.push(
        () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
            child.once('exit', () => (clearTimeout(timer), resolve()));
            child.kill('SIGTERM');
          }),
      );
    }

    await Promise.all([waitForReady(`http://127.0.0.1:${config.PORT}/readyz`), workerPolling]);
    say(`ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    say(`API:              ${apiUrl}`);
    if (temporalUi) say(`Temporal Web UI:  ${temporalUi}`);
    say(`console:          ${apiUrl}/console/`);
    if (demo) say(`demo API key:     ${demo.apiKey}`);
    if (demo) say(`demo console:     ${demo.ownerEmail} / ${demo.ownerPassword}`);
    if (fs.existsSync(credentialsFile)) say(`demo credentials: ${credentialsFile}`);
    say('press Ctrl-C to stop');
  } catch (err) {
    say(err instanceof Error ? err.message : String(err));
    await shutdown(1);
  }
}

async function pointDemoSupplierAt(db: Db, vault: CodeVault, demo: { baseUrl: string; partnerId: string; secret: string }) {
  const rows = await db('suppliers').where({ name: DEMO_SUPPLIER_NAME, adapter: 'cardflow-sim' }).select('id');
  for (const { id } of rows) {
    const sealed = sealSupplierCredentials(vault, id, { partnerId: demo.partnerId, secret: demo.secret });
    await db('suppliers').where({ id }).update({ base_url: demo.baseUrl, credentials_key_id: sealed.keyId, credentials: sealed.payload, updated_at: db.fn.now() });
  }
}

/** A fresh clone has no built console; an edited one has a stale build. Either way, build it. */
function buildConsoleIfStale() {
  const built = spawnSync(process.execPath, [path.join(__dirname, 'build-console.js'), '--if-stale'], { stdio: 'inherit' });
  if (built.status !== 0) say('WARNING: the console could not be built; the API runs without it (see above)');
}

async function waitForReady(url: string) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the API did not become ready at ${url}`);
}

/**
 * A terminal's Ctrl-C signals its whole foreground process group. Run the supervisor in a group
 * of its own, so that Postgres and the rest hear about it only from the supervisor, in order,
 * and not all at once (Postgres going first would cut off the worker's draining).
 */
function runDetached() {
  const supervisor = spawn(process.execPath, [...process.execArgv, __filename], {
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, CARDFLOW_SUPERVISOR: '1' },
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => supervisor.kill('SIGTERM'));
  }
  // npm does not always pass SIGTERM on; when our parent goes away, stop too.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && supervisor.kill('SIGTERM'), 1000).unref();
  supervisor.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (process.env.CARDFLOW_SUPERVISOR === '1') {
  main().catch((err) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  });
} else {
  runDetached();
}
