import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';

// Which Chromium the browser tests drive, so that `npm ci && npm test` is enough: Debian's
// /usr/bin/chromium (or CHROMIUM_PATH) when it is there, otherwise the headless Chromium that
// `npm ci` installed from the npm registry (@sparticuz/chromium). CARDFLOW_BROWSER=bundled forces
// the npm one, =system the installed one.

const SYSTEM_CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const COMMON_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];
// Of @sparticuz/chromium's serverless flags: two switch off the same-origin policy (the CSRF and
// CORS tests need it on), and one process for everything (for AWS Lambda) ends the whole browser
// when a test closes its first context.
const DROPPED_BUNDLED_ARGS = new Set(['--disable-web-security', '--allow-running-insecure-content', '--single-process']);

export interface LaunchPlan {
  which: 'system' | 'bundled';
  executablePath: string;
  args: string[];
  env?: Record<string, string>;
}

// The Chromium build from npm (made for AWS Lambda) now and then dies of a crash signal while it
// starts, before it has loaded a page: CI saw a SIGSEGV at launch once in a full run. That is the
// browser's, not the console's, so a launch that dies that way is tried again, twice at most. Any
// other failure (a missing library, a bad flag) ends the launch at once.
const LAUNCH_ATTEMPTS = 3;
const CRASHED_WHILE_STARTING = /process did exit: exitCode=\S+, signal=SIG(SEGV|BUS|ABRT|ILL|TRAP)\b/;

export async function launchChromium(plan?: LaunchPlan): Promise<Browser> {
  const { executablePath, args, env } = plan ?? (await browserPlan());
  for (let attempt = 1; ; attempt++) {
    try {
      return await chromium.launch({ executablePath, args, env, headless: true });
    } catch (err) {
      const crash = CRASHED_WHILE_STARTING.exec((err as Error).message);
      if (!crash || attempt >= LAUNCH_ATTEMPTS) throw err;
      console.warn(`Chromium died of SIG${crash[1]} while starting (launch ${attempt} of ${LAUNCH_ATTEMPTS}); launching it again`);
    }
  }
}

export async function browserPlan(choice = process.env.CARDFLOW_BROWSER ?? 'auto'): Promise<LaunchPlan> {
  if (!['auto', 'system', 'bundled'].includes(choice)) throw new Error(`CARDFLOW_BROWSER must be auto, system or bundled (it is ${choice})`);
  if (choice === 'bundled' || (choice === 'auto' && !fs.existsSync(SYSTEM_CHROMIUM))) return bundledPlan();
  if (!fs.existsSync(SYSTEM_CHROMIUM)) throw new Error(`CARDFLOW_BROWSER=system but ${SYSTEM_CHROMIUM} is missing (unset CARDFLOW_BROWSER to use the npm-installed Chromium)`);
  return { which: 'system', executablePath: SYSTEM_CHROMIUM, args: COMMON_ARGS };
}

/**
 * The npm package keeps Chromium brotli-compressed and unpacks it into the temporary directory.
 * It is an ES module (jest here loads CommonJS), so a short node process unpacks it; it unpacks
 * into a staging directory renamed into place, so parallel test workers never launch a half-written
 * binary. Its own libraries (nss, nspr, expat) come along: a machine without Debian's chromium
 * usually has none of them.
 */
async function bundledPlan(): Promise<LaunchPlan> {
  const version = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'node_modules', '@sparticuz', 'chromium', 'package.json'), 'utf8')) as { version: string }).version;
  const home = path.join(os.tmpdir(), `cardflow-chromium-${version}`);
  if (!fs.existsSync(path.join(home, 'chromium'))) {
    const staging = fs.mkdtempSync(`${home}.staging-`);
    await unpack(staging);
    try {
      fs.renameSync(staging, home);
    } catch {
      fs.rmSync(staging, { recursive: true, force: true }); // another worker got there first
    }
  }
  const { args } = await unpack(home); // already unpacked: only reads the flags
  const libs = path.join(home, 'al2023', 'lib');
  return {
    which: 'bundled',
    executablePath: path.join(home, 'chromium'),
    args: [...args.filter((arg) => !DROPPED_BUNDLED_ARGS.has(arg)), ...COMMON_ARGS],
    env: { ...stringEnv(), LD_LIBRARY_PATH: [libs, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'), FONTCONFIG_PATH: fontConfig(home) },
  };
}

/** The package's fonts.conf looks in Lambda's directories; this one uses its fonts from here, plus the system's if any. */
function fontConfig(home: string): string {
  const dir = path.join(home, 'fontconfig');
  const conf = `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${path.join(home, 'fonts', 'fonts')}</dir>
  <cachedir>${path.join(home, 'fontconfig', 'cache')}</cachedir>
</fontconfig>
`;
  const file = path.join(dir, 'fonts.conf');
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== conf) {
    fs.mkdirSync(dir, { recursive: true });
    const staging = `${file}.${process.pid}`;
    fs.writeFileSync(staging, conf);
    fs.renameSync(staging, file); // parallel workers write the same text; a rename never shows half of it
  }
  return dir;
}

const UNPACK = `
import chromium, { inflate } from '@sparticuz/chromium';
import { createRequire } from 'node:module';
import path from 'node:path';
const bin = path.join(path.dirname(createRequire(process.cwd() + '/').resolve('@sparticuz/chromium')), '..', 'bin');
const executablePath = await chromium.executablePath();
await inflate(path.join(bin, 'al2023.tar.br'));
process.stdout.write(JSON.stringify({ executablePath, args: chromium.args }));
`;

async function unpack(dir: string): Promise<{ executablePath: string; args: string[] }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', UNPACK], {
    cwd: path.resolve(__dirname, '..'),
    env: { ...process.env, TMPDIR: dir },
  });
  return JSON.parse(stdout) as { executablePath: string; args: string[] };
}

function stringEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
