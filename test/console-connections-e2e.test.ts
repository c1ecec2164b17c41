import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startDujiaoSim, type DujiaoSim } from '../supplier-sim/dujiao-next/server';
import { createSupplier } from '../suppliers/supplier-config';
import { launchChromium } from './browser';
import { docClient } from './dujiao-doc-client';
import { startTestSystem, type TestSystem } from './harness';

// The dujiao-next connections screens in a real browser: a storefront's credit and a key whose
// secret is shown once (and works against the upstream API), and a dujiao-next supplier's
// catalogue synced on demand with the product code a route names. Screenshots: 60-….

const SHOTS = path.resolve(__dirname, '..', 'test-artifacts', 'screenshots');
jest.setTimeout(120_000);

let sys: TestSystem;
let sim: DujiaoSim;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  sys = await startTestSystem();
  sim = await startDujiaoSim({ keys: [{ apiKey: 'ak', secret: 'sk', balance: 100_000 }], catalogue: [{ productId: 7, skuId: 71, title: 'Steam 10', price: 990, stock: 50 }] });
  browser = await launchChromium();
  const owner = await sys.addUser('owner');
  page = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } })).newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`${sys.baseUrl}/console/`);
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('dashboard').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await sim?.stop();
  await sys?.stop();
});

afterEach(() => expect(pageErrors).toEqual([]));

test('when an owner sets a credit limit and issues a dujiao-next key, then the secret is shown once and a shop can use it', async () => {
  await page.goto(`${sys.baseUrl}/console/#/storefronts/${sys.merchant.storefrontId}/show`);
  const card = page.getByTestId('dujiao-selling');
  await card.getByText('No credit limit yet').waitFor();
  await page.getByTestId('dujiao-credit-input').fill('50');
  await card.getByRole('button', { name: 'Set credit' }).click();
  await card
    .getByTestId('dujiao-credit')
    .getByText(/50\.00 left/)
    .waitFor();
  await page.getByTestId('issue-dujiao-key').click();
  await page.getByTestId('secret-dialog').getByTestId('secret-value').nth(1).waitFor();
  const values = await page.getByTestId('secret-dialog').getByTestId('secret-value').allTextContents();
  expect(values).toHaveLength(2);
  const [apiKey, apiSecret] = values;
  await page.screenshot({ path: path.join(SHOTS, '60-dujiao-key-issued.png'), fullPage: true });
  const ping = await docClient(sys.baseUrl, apiKey, apiSecret)('POST', '/api/v1/upstream/ping');
  expect(ping.body).toMatchObject({ ok: true, balance: '50.00' });
  await page.getByTestId('secret-dialog').getByRole('button').last().click();
  await card.getByTestId('dujiao-keys').getByText(apiKey).waitFor();
  expect(await page.content()).not.toContain(apiSecret);
});

test('when an operator syncs a dujiao-next supplier, then its products are listed with the code a route names', async () => {
  const id = await createSupplier(sys.db, sys.vault, sys.merchant.merchantId, {
    name: 'Dujiao site',
    kind: 'api',
    adapter: 'dujiao-next',
    baseUrl: sim.url,
    currency: 'CNY',
    credentials: { partnerId: 'ak', secret: 'sk' },
  });
  await page.goto(`${sys.baseUrl}/console/#/suppliers/${id}/show`);
  const card = page.getByTestId('supplier-catalogue');
  await card.getByText('Not synced yet').waitFor();
  await page.getByTestId('sync-catalogue').click();
  await card.getByText('7:71').waitFor();
  await card.getByText('Steam 10').waitFor();
  await page.screenshot({ path: path.join(SHOTS, '61-dujiao-catalogue.png'), fullPage: true });
});
