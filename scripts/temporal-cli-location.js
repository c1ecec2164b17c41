'use strict';
// Where the Temporal CLI is looked for, in order: TEMPORAL_CLI_PATH, `temporal` on PATH, the
// project-local copy put there by the install step. Shared by the install step (plain JS) and
// by `npm start` / the tests.

const fs = require('node:fs');
const path = require('node:path');

const TEMPORAL_CLI_VERSION = '1.9.1';

function projectCliPath() {
  return path.resolve(__dirname, '..', '.tools', `temporal-${TEMPORAL_CLI_VERSION}`, 'temporal');
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

module.exports = { TEMPORAL_CLI_VERSION, projectCliPath, findTemporalCli };
