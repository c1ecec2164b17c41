import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { browserPlan, launchChromium, type LaunchPlan } from './browser';

// The Chromium that `npm ci` installs (@sparticuz/chromium) really drives, on this machine, even
// where Debian's /usr/bin/chromium exists; and with its serverless flags trimmed it still enforces
// the same-origin policy the CSRF tests rely on.

jest.setTimeout(120_000);

describe('the browser the tests drive', () => {
  it('when CARDFLOW_BROWSER=bundled, then the npm Chromium launches, renders a page and refuses a cross-origin read', async () => {
    const plan = await browserPlan('bundled');
    expect(plan.which).toBe('bundled');
    expect(plan.executablePath).not.toBe('/usr/bin/chromium');
    expect(plan.args).not.toContain('--disable-web-security');

    // Two loopback origins: the page's, and another that answers without CORS headers.
    const secret = http.createServer((_req, res) => res.end('other-origin-body'));
    const page = http.createServer((_req, res) => res.setHeader('content-type', 'text/html').end('<h1>hello from a page</h1>'));
    await Promise.all([secret, page].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
    const browser = await chromium.launch({ executablePath: plan.executablePath, args: plan.args, env: plan.env, headless: true });
    try {
      const tab = await browser.newPage();
      await tab.goto(`http://127.0.0.1:${(page.address() as AddressInfo).port}/`);
      expect(await tab.textContent('h1')).toBe('hello from a page');
      const secretUrl = `http://127.0.0.1:${(secret.address() as AddressInfo).port}/`;
      const read = (url: string) =>
        tab.evaluate(
          (u) =>
            fetch(u)
              .then((r) => r.text())
              .catch((err: Error) => `blocked: ${err.name}`),
          url,
        );
      expect(await read(secretUrl)).toMatch(/^blocked/);
      // Positive control: the same read from the page's own origin works.
      expect(await read('/')).toContain('hello from a page');
    } finally {
      await browser.close();
      secret.close();
      page.close();
    }
  });

  it('when CARDFLOW_BROWSER names no known browser, then it says which values it takes', async () => {
    await expect(browserPlan('firefox')).rejects.toThrow(/auto, system or bundled/);
  });
});

describe('a browser that dies while it starts', () => {
  // The real browser behind a script that first dies the way CI saw it die (SIGSEGV at launch),
  // or exits with an error, for the first `failures` launches; it counts every launch.
  async function flakyPlan(failures: number, how: 'crash' | 'exit'): Promise<{ plan: LaunchPlan; launches: () => number }> {
    const real = await browserPlan();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cardflow-flaky-browser-'));
    const count = path.join(dir, 'launches');
    const script = path.join(dir, 'chromium');
    const fail = how === 'crash' ? 'kill -SEGV $$' : 'exit 1';
    fs.writeFileSync(
      script,
      `#!/bin/sh\nn=$(( $(cat '${count}' 2>/dev/null || echo 0) + 1 ))\necho $n > '${count}'\nif [ $n -le ${failures} ]; then ${fail}; fi\nexec '${real.executablePath}' "$@"\n`,
      { mode: 0o755 },
    );
    return { plan: { ...real, executablePath: script }, launches: () => Number(fs.readFileSync(count, 'utf8')) };
  }

  // What a retried launch says in the test output, so a crashing browser stays visible.
  let warnings: jest.SpyInstance;
  beforeEach(() => {
    warnings = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warnings.mockRestore());
  const warned = () => warnings.mock.calls.map((call) => String(call[0]));

  it('when it crashes on its first launch, then the tests get a browser from the next one', async () => {
    const { plan, launches } = await flakyPlan(1, 'crash');
    const browser = await launchChromium(plan);
    try {
      const tab = await browser.newPage();
      await tab.setContent('<h1>started</h1>');
      expect(await tab.textContent('h1')).toBe('started');
      expect(launches()).toBe(2);
      expect(warned()).toEqual(['Chromium died of SIGSEGV while starting (launch 1 of 3); launching it again']);
    } finally {
      await browser.close();
    }
  });

  it('when it crashes on every launch, then the launch fails with the crash after three tries', async () => {
    const { plan, launches } = await flakyPlan(99, 'crash');
    await expect(launchChromium(plan)).rejects.toThrow(/signal=SIGSEGV/);
    expect(launches()).toBe(3);
    expect(warned()).toHaveLength(2);
  });

  it('when it exits with an error rather than a crash, then the launch fails at once (positive control: only crashes are retried)', async () => {
    const { plan, launches } = await flakyPlan(1, 'exit');
    await expect(launchChromium(plan)).rejects.toThrow(/exitCode=1/);
    expect(launches()).toBe(1);
    expect(warned()).toEqual([]);
  });
});
