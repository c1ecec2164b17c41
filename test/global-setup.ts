import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowInterceptorModules } from '../worker/create-worker';
import { startEmbeddedPostgres } from '../db/embedded-postgres';
import { startTemporalDevServer } from '../scripts/temporal-dev-server';
import { devServerSearchAttributeArgs } from '../workflows/search-attributes';
import { freePort } from '../lib/free-port';

// Once per test run: a real Postgres (embedded, unless DATABASE_URL names one), a real Temporal
// dev server (unless TEMPORAL_ADDRESS names one) and the workflow bundle. Each test file then
// makes its own database and task queue (test/harness.ts), so files run in parallel.

export default async function globalSetup() {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cardflow-test-'));
  fs.chmodSync(scratch, 0o755); // the embedded Postgres may run as its own system user
  const stops: (() => Promise<void>)[] = [];
  (globalThis as { __cardflowStops?: typeof stops }).__cardflowStops = stops;
  stops.push(async () => fs.rmSync(scratch, { recursive: true, force: true }));

  try {
    if (!process.env.DATABASE_URL) {
      const pg = await startEmbeddedPostgres({ dataDir: path.join(scratch, 'postgres'), port: await freePort(), database: 'postgres', persistent: false });
      stops.push(() => pg.stop());
      // The superuser: each test file creates its own database (test/harness.ts). The app's own
      // least-privilege role is tested in test/security-secrets.test.ts.
      process.env.DATABASE_URL = pg.adminUrl;
    }
    if (!process.env.TEMPORAL_ADDRESS) {
      const temporal = await startTemporalDevServer({ port: await freePort(), extraArgs: devServerSearchAttributeArgs() });
      stops.push(() => temporal.stop());
      process.env.TEMPORAL_ADDRESS = temporal.address;
    }

    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../workflows'),
      workflowInterceptorModules: workflowInterceptorModules({ traced: false }),
      logger: quietLogger,
    });
    const bundlePath = path.join(scratch, 'workflow-bundle.js');
    fs.writeFileSync(bundlePath, bundle.code);
    process.env.CARDFLOW_TEST_WORKFLOW_BUNDLE = bundlePath;
  } catch (err) {
    // jest skips the teardown when setup fails: stop what did start.
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw err;
  }
}

const noop = () => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error };
