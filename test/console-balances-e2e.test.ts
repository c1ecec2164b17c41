import { startFuluSim, type FuluSim } from '../supplier-sim/fulu/server';
import { createSupplier } from '../suppliers/supplier-config';
import { openConsoleBrowser, type ConsoleBrowser } from './console-browser';
import { startTestSystem, type TestSystem } from './harness';

// Each connection's money and errors in the console, in a real browser (issue 18): a Fulu
// supplier's balance as fetched through its adapter, with when, and its last error worded in
// Chinese once the supplier stops answering; and a storefront's prepaid balance topped up from the
// console on a phone-sized screen, then read back through the admin API with its ledger history.

jest.setTimeout(120_000);

let sys: TestSystem;
let sim: FuluSim;
let ui: ConsoleBrowser;
let owner: { email: string; password: string };
const appSecret = '0a091b3aa4324435aab703142518a8f7';

beforeAll(async () => {
  sys = await startTestSystem();
  sim = await startFuluSim({ appKey: 'console-app-key', appSecret, balance: 1_234_500, products: [{ productId: '10000497', name: '腾讯Q币 10元', kind: 'card', price: 990 }] });
  ui = await openConsoleBrowser(sys);
  owner = await sys.addUser('owner');
});

afterAll(async () => {
  await ui?.close();
  await sim?.stop();
  await sys?.stop();
});

afterEach(() => expect(ui.takePageErrors()).toEqual([]));

test('when a Fulu supplier stops answering, then its connection shows the balance last fetched, when, and the failed call in Chinese, without its secret', async () => {
  const supplierId = await createSupplier(sys.db, sys.vault, sys.merchant.merchantId, {
    name: 'Fulu 福禄',
    kind: 'api',
    adapter: 'fulu',
    baseUrl: sim.url,
    currency: 'CNY',
    credentials: { appKey: 'console-app-key', appSecret },
    timeoutMs: 1000,
  });
  const { context, page } = await ui.signedIn(owner);
  await ui.go(page, `/suppliers/${supplierId}/show`);
  const errors = page.getByTestId('supplier-errors');
  await errors.getByText('No failed calls recorded.').waitFor();
  await page.getByTestId('refresh-balance').click();
  await page
    .getByTestId('supplier-balance')
    .getByText(/12,345\.00/)
    .waitFor();

  // The supplier goes away: the next balance call gets no answer, and the console says so.
  await sim.stop();
  await page.getByTestId('refresh-balance').click();
  await errors.getByTestId('supplier-error').first().waitFor();
  expect(await errors.getByTestId('supplier-error').first().textContent()).toContain('Balance: No usable answer');

  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('menuitem', { name: '简体中文' }).click();
  await errors.getByText('最近错误').waitFor();
  const line = await errors.getByTestId('supplier-error').first().textContent();
  expect(line).toContain('无应答');
  expect(line).toContain('余额：未得到有效应答（超时、服务器错误或连接中断）');
  // The balance stays the one last fetched, with when it was fetched.
  expect(await page.getByTestId('supplier-balance').textContent()).toMatch(/12,345\.00/);
  await page.getByText(/^查询于 /).waitFor();
  await ui.shot(page, 'supplier-connection-errors-zh');
  expect(await page.content()).not.toContain(appSecret);
  await context.close();
});

test('when an owner tops up a storefront from the console on a phone, then the API shows the new balance and its ledger history, audited', async () => {
  const sf = sys.merchant.storefrontId;
  const { context, page } = await ui.signedIn(owner);
  await page.setViewportSize({ width: 390, height: 844 });
  await ui.go(page, `/storefronts/${sf}/show`);
  const card = page.getByTestId('prepaid-balance');
  await card.getByText(/No prepaid balance yet/).waitFor();

  // What the server would refuse cannot be sent from the form.
  for (const bad of ['-5', '0', 'abc', '1.234']) {
    await page.getByTestId('top-up-amount').fill(bad);
    expect(await page.getByTestId('top-up').isDisabled()).toBe(true);
  }
  await page.getByTestId('top-up-amount').fill('25.50');
  await page.getByTestId('top-up').click();
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  await card
    .getByTestId('prepaid-balance-amount')
    .getByText(/25\.50/)
    .waitFor();
  await card.getByTestId('prepaid-history').getByText('Top-up').waitFor();
  await ui.shot(page, 'storefront-prepaid-top-up-phone');
  // The connection's cards fit the phone's width: nothing in them reaches past their own edge (the
  // page's frame around them is the layout's, shared by every screen).
  for (const testId of ['prepaid-balance', 'dujiao-selling']) {
    const overflowing = await page.evaluate(
      `(() => { const card = document.querySelector('[data-testid="${testId}"]'); const edge = card.getBoundingClientRect().right; return [...card.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right > edge + 1).map((e) => e.tagName + ' ' + (e.textContent || '').slice(0, 30)); })()`,
    );
    expect([testId, overflowing]).toEqual([testId, []]);
  }

  const res = await sys.api('GET', `/admin/storefronts/${sf}/balance/entries`, { key: sys.merchant.adminToken });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ currency: 'CNY', balance: 2550, entries: [{ kind: 'storefront_top_up', amount: 2550, balanceAfter: 2550, orderId: null }] });
  expect(res.body.entries).toHaveLength(1);
  const dujiao = await sys.api('GET', `/admin/storefronts/${sf}/dujiao`, { key: sys.merchant.adminToken });
  expect(dujiao.body.balance).toEqual({ currency: 'CNY', amount: 2550 });
  const audit = await sys.db('audit_log').where({ action: 'storefront.balance_topped_up', target: `storefront:${sf}` });
  expect(audit.map((a) => [a.actor, a.detail])).toEqual([[`user:${owner.email}`, { amount: 2550, currency: 'CNY' }]]);
  await context.close();
});
