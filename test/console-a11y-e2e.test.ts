import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { openConsoleBrowser, type ConsoleBrowser } from './console-browser';
import { startTestSystem, type TestSystem } from './harness';

// The console for everyone who uses it: axe (axe-core, run inside the page) finds no serious or
// critical problem on the main screens in English and Chinese; the page's language and title
// follow the console's; order rows open from the keyboard; the support lists fit a 390 px phone;
// an error reads in the chosen language; and when the API goes away a banner says so, and goes
// once it is back, without a reload.

// The page's own globals, as the callbacks given to page.evaluate see them (tests compile without the DOM library).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const window: any;
/* eslint-enable @typescript-eslint/no-explicit-any */

const hex = () => crypto.randomBytes(4).toString('hex');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const HOLD_RULE = { name: 'Hold orders paid with a foreign card', kind: 'country_mismatch', params: { between: ['ip', 'card'] }, action: 'review' };
const ABROAD = { ipCountry: 'US', cardCountry: 'CN', email: 'traveller@example.com', ip: '198.51.100.7', accountId: 'acct-42' };

jest.setTimeout(240_000);

type Violation = { id: string; impact: string; nodes: string[] };

/** axe's serious and critical findings on the page as it is now. */
async function seriousViolations(page: Page): Promise<Violation[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: any[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n: any) => `${n.target.join(' ')}: ${n.failureSummary}`) }));
  });
}

describe('the console for everyone, everywhere', () => {
  let sys: TestSystem;
  let ui: ConsoleBrowser;
  let owner: { email: string; password: string };
  let deliveredId: string;
  let deliveredRef: string;
  let heldId: string;
  let failedId: string;
  afterEach(() => expect(ui.takePageErrors()).toEqual([]));

  const admin = async (method: string, path: string, body?: unknown) => sys.api(method, path, { key: sys.merchant.adminToken, body });
  const place = async (sku: string, buyer?: object) => (await sys.api('POST', '/v1/orders', { body: { externalRef: `a11y-${hex()}`, items: [{ sku, quantity: 1 }], buyer } })).body;

  beforeAll(async () => {
    sys = await startTestSystem();
    owner = await sys.addUser('owner');
    await sys.addSku('A11Y-CARD', { codes: 10, price: 4900, cost: 4500 });
    await sys.addSku('A11Y-LAST', { codes: 1 });
    await sys.addSku('A11Y-EMPTY');
    await sys.addSku('A11Y-HAND', { mode: 'manual' });
    expect((await admin('POST', '/admin/risk/rules', HOLD_RULE)).status).toBe(201);
    // A failed order: its only code expires after the order promised it.
    await sys.addSku('A11Y-FAIL', { codes: 1 });
    await sys.stopWorker();
    failedId = (await place('A11Y-FAIL')).id;
    await sys
      .db('codes')
      .whereIn('sku_id', sys.db('skus').where({ code: 'A11Y-FAIL' }).select('id'))
      .update({ expires_at: new Date(Date.now() - 60_000) });
    await sys.startWorker();
    await sys.waitForOrder(failedId, ['failed']);
    const delivered = await place('A11Y-CARD');
    deliveredId = delivered.id;
    deliveredRef = delivered.externalRef;
    await sys.finished(deliveredId);
    // The last code goes: an out-of-stock alert. A product by hand: an order waiting for a person. A foreign card: a held order.
    await sys.finished((await place('A11Y-LAST')).id);
    await sys.waitForOrder((await place('A11Y-HAND')).id, ['processing']);
    heldId = (await place('A11Y-CARD', ABROAD)).id;
    await sys.waitForOrder(heldId, ['held']);
    ui = await openConsoleBrowser(sys);
  });
  afterAll(async () => {
    await ui?.close();
    await sys?.stop();
  });

  // Each main screen and what shows it has loaded.
  const SCREENS = (): [string, string][] => [
    ['/', 'dashboard'],
    ['/orders', 'order-row-link'],
    [`/orders/${deliveredId}/show`, 'workflow-panel'],
    ['/stock', 'out-of-stock'],
    ['/reviews', 'reviews-grid'],
    ['/alerts', 'alerts-grid'],
  ];

  async function checkScreens(page: Page, language: string) {
    const found: Record<string, Violation[]> = {};
    const titles = new Set<string>();
    for (const [route, marker] of SCREENS()) {
      await ui.go(page, route);
      await page.getByTestId(marker).first().waitFor();
      if (route.startsWith('/storefronts/')) await page.getByText('HTTP 503 Service Unavailable').waitFor();
      await page.waitForFunction(() => !document.querySelector('[role="progressbar"]'));
      titles.add(await page.title());
      const violations = await seriousViolations(page);
      if (violations.length) found[`${language} ${route}`] = violations;
    }
    expect(found).toEqual({});
    // Every screen names itself in the tab.
    expect(titles.size).toBe(SCREENS().length);
    return titles;
  }

  test('when the owner walks the main screens in English, then axe finds nothing serious, the page is lang="en" and each tab title names its screen', async () => {
    const { context, page } = await ui.signedIn(owner);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    const titles = await checkScreens(page, 'en');
    expect([...titles]).toEqual(expect.arrayContaining(['Orders · Cardflow', 'Alerts · Cardflow']));
    // A hand-fulfilled order waiting for a person says so in the list, not "Processing".
    await ui.go(page, '/orders');
    await page.getByText('Waiting for a person').first().waitFor();
    // A failed order's workflow card says the order failed, not that its run "Completed".
    await ui.go(page, `/orders/${failedId}/show`);
    await page.getByTestId('workflow-outcome').getByText('Failed').waitFor();
    expect(await page.getByTestId('workflow-panel').innerText()).not.toContain('Completed');
    // Out of stock is not "Low".
    await ui.go(page, '/stock');
    const empty = page.getByRole('row').filter({ hasText: 'A11Y-EMPTY' });
    await empty.getByTestId('out-of-stock').getByText('Out of stock').waitFor();
    expect(await empty.innerText()).not.toContain('Low');
    await context.close();
  });

  test('when the owner switches to 简体中文, then the page is lang="zh-CN", titles are Chinese, axe finds nothing serious, and a refusal reads in Chinese', async () => {
    const { context, page } = await ui.signedIn(owner);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('menuitem', { name: '简体中文' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    const titles = await checkScreens(page, 'zh');
    expect([...titles]).toEqual(expect.arrayContaining(['订单 · Cardflow']));

    // The known gap: codes_case_rule_fixed came back as the server's English. The refused field
    // is worded from its own code now (fixed_once_codes, lib/field-codes.ts), beside the box.
    await ui.go(page, '/skus/A11Y-CARD');
    await page.getByLabel(/卡密区分大小写/).check();
    await page.getByRole('button', { name: '保存' }).click();
    await page.getByText('商品已有卡密后不能再更改').first().waitFor();
    const body = await page.locator('body').innerText();
    expect(body).not.toContain('cannot change once the product has codes');
    expect(body).not.toContain('Fixed once the product has codes');

    // Buyer signals and audit details are labelled and formatted, not `ipCountry: US`.
    await ui.go(page, `/orders/${heldId}/show`);
    await page.getByText('IP 国家: 美国').first().waitFor();
    expect(await page.locator('body').innerText()).not.toContain('ipCountry');
    await ui.go(page, '/audit-log');
    await page.getByText('IP 地址: 127.0.0.1').first().waitFor();
    await context.close();
  });

  test('when someone uses the order list from the keyboard, then Tab reaches an order and Enter opens it', async () => {
    const { context, page } = await ui.signedIn(owner);
    await ui.go(page, '/orders');
    await page.getByTestId('order-row-link').first().waitFor();
    let onRow = false;
    for (let presses = 0; presses < 100 && !onRow; presses++) {
      await page.keyboard.press('Tab');
      onRow = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'order-row-link');
    }
    expect(onRow).toBe(true);
    const ref = await page.evaluate(() => document.activeElement?.textContent);
    await page.keyboard.press('Enter');
    await page.getByTestId('order-ref').getByText(ref).waitFor();
    await context.close();
  });

  test('when support opens the lists on a 390 px phone, then nothing scrolls sideways', async () => {
    const context = await ui.browser.newContext({ locale: 'en-US', timezoneId: 'Asia/Shanghai', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(`${sys.baseUrl}/console/`);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('dashboard').waitFor();
    // The storefront's page with a webhook attempt in its list, as support finds it when a shop was not told.
    await sys.db('webhook_attempts').insert({
      id: crypto.randomUUID(),
      storefront_id: sys.merchant.storefrontId,
      order_id: deliveredId,
      message_id: `msg_${hex()}`,
      event_type: 'order.delivered',
      url: 'https://shop.example/hooks/cardflow',
      outcome: 'failed',
      http_status: 503,
      error: 'HTTP 503 Service Unavailable',
      duration_ms: 120,
    });
    const widths: Record<string, number> = {};
    const overflowing: Record<string, string[]> = {};
    for (const [route, marker] of [
      ['/', 'dashboard'],
      ['/orders', 'order-simple-list'],
      ['/manual-tasks', 'manual-tasks-simple-list'],
      ['/reviews', 'reviews-simple-list'],
      ['/alerts', 'alerts-simple-list'],
      // The storefront's page (its keys, webhook and balance) is where support looks when a shop is not told.
      [`/storefronts/${sys.merchant.storefrontId}/show`, 'storefront-keys'],
    ]) {
      await ui.go(page, route);
      await page.getByTestId(marker).first().waitFor();
      if (route.startsWith('/storefronts/')) await page.getByText('HTTP 503 Service Unavailable').waitFor();
      await page.waitForFunction(() => !document.querySelector('[role="progressbar"]'));
      widths[route] = await page.evaluate(() => document.documentElement.scrollWidth);
      // What sticks out, named, so a failure says where to look.
      if (widths[route] > 390)
        overflowing[route] = await page.evaluate(() =>
          Array.from<any>(document.querySelectorAll('body *')) // eslint-disable-line @typescript-eslint/no-explicit-any
            .filter((el) => el.checkVisibility({ visibilityProperty: true }) && el.getBoundingClientRect().right > 390.5)
            .slice(-5)
            .map((el) => `${el.tagName.toLowerCase()}.${String(el.className).slice(0, 60)} ${Math.round(el.getBoundingClientRect().right)}px`),
        );
      await ui.shot(page, `phone${route.replace(/\/[0-9a-f-]{36}/, '').replace(/\//g, '-') || '-dashboard'}`);
    }
    expect(overflowing).toEqual({});
    expect(Object.entries(widths).filter(([, width]) => width > 390)).toEqual([]);
    await context.close();
  });

  test('when the API stops, then a banner says the server cannot be reached and the loaded rows stay, marked not current; when it is back, the banner goes without a reload', async () => {
    const { context, page } = await ui.signedIn(owner);
    await ui.go(page, '/orders');
    await page.getByTestId('order-row-link').getByText(deliveredRef).waitFor();
    await sys.stopApi();
    try {
      await page.getByRole('button', { name: 'Refresh' }).first().click();
      await page.getByTestId('api-down').waitFor();
      // The refresh that failed says so, with a Retry, and keeps the rows it had, marked as not
      // current (a first load that fails shows the error panel: console-recovery-e2e).
      await page
        .getByTestId('load-stale-notice')
        .getByText(/^Could not refresh — showing data from \d{1,2}:\d{2}/)
        .waitFor();
      await page.getByTestId('load-stale').getByTestId('order-row-link').getByText(deliveredRef).waitFor();
      await page.getByTestId('load-stale-notice').getByTestId('load-retry').waitFor();
      expect(await page.getByTestId('load-failed').count()).toBe(0);
    } finally {
      await sys.startApi();
    }
    await page.getByTestId('api-down').waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByTestId('order-row-link').getByText(deliveredRef).waitFor();
    await context.close();
  });
});
