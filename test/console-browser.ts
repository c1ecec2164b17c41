import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './browser';
import type { TestSystem } from './harness';

// The console in a real browser for the browser tests: Chromium (test/browser.ts picks which)
// driven by playwright-core, a signed-in page per user, screenshots into test-artifacts/screenshots/, and
// every script error a page raises kept for the test to fail on.

export const SHOTS = path.resolve(__dirname, '..', 'test-artifacts', 'screenshots');

export interface ConsoleBrowser {
  browser: Browser;
  /** A fresh context signed in as the user, on the dashboard. */
  signedIn(user: { email: string; password: string }): Promise<{ context: BrowserContext; page: Page }>;
  shot(page: Page, name: string): Promise<Buffer>;
  go(page: Page, route: string): Promise<unknown>;
  /** Script errors raised by signed-in pages since the last call. */
  takePageErrors(): string[];
  close(): Promise<void>;
}

export async function openConsoleBrowser(sys: TestSystem): Promise<ConsoleBrowser> {
  fs.mkdirSync(SHOTS, { recursive: true });
  const browser = await launchChromium();
  let pageErrors: string[] = [];
  return {
    browser,
    async signedIn(user) {
      const context = await browser.newContext({ locale: 'en-US', timezoneId: 'Asia/Shanghai', viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      page.on('pageerror', (err) => pageErrors.push(err.message));
      await page.goto(`${sys.baseUrl}/console/`);
      await page.getByLabel('Email').fill(user.email);
      await page.getByLabel('Password').fill(user.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('dashboard').waitFor();
      return { context, page };
    },
    shot: (page, name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true }),
    go: (page, route) => page.goto(`${sys.baseUrl}/console/#${route}`),
    takePageErrors() {
      const errors = pageErrors;
      pageErrors = [];
      return errors;
    },
    close: () => browser.close(),
  };
}
