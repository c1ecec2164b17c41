import fs from 'node:fs';
import { found } from './found';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { startTestSystem, type TestSystem } from './harness';
import { addSupplier, card, route, type TestSupplier } from './supplier-helpers';

// The ledger in the console, in a real browser against the built console, the real API, worker and
// supplier simulator (issue 14): finance sees a supplier's money on the books and records a
// top-up, then closes last month on the Books page; an operator sees the books but cannot pay or
// close. Screenshots land in test-artifacts/screenshots/ (60-…).

const SHOTS = path.resolve(__dirname, '..', 'test-artifacts', 'screenshots');
jest.setTimeout(120_000);

describe('the books in the console', () => {
  let sys: TestSystem;
  let shop: TestSupplier;
  let browser: Browser;
  let pageErrors: string[] = [];
  afterEach(() => {
    const errors = pageErrors;
    pageErrors = [];
    expect(errors).toEqual([]);
  });

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    sys = await startTestSystem();
    shop = await addSupplier(sys, 'BooksShop', [card('B-CARD', 450)], { balance: 100_000 });
    await sys.addSku('B-SUP', { mode: 'supplier', currency: 'USD', price: 600 });
    await route(sys, 'B-SUP', [{ supplier: shop, product: 'B-CARD', maxUnitCost: 500 }]);
    await sys.api('POST', `/admin/suppliers/${shop.id}/balance/refresh`, { key: sys.merchant.adminToken });
    const res = await sys.api('POST', '/v1/orders', { body: { externalRef: 'books-1', items: [{ sku: 'B-SUP', quantity: 2 }] } });
    await sys.finished(res.body.id);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.stop();
    await sys?.stop();
  });

  async function signedIn(role: 'finance' | 'operator'): Promise<{ context: BrowserContext; page: Page }> {
    const user = await sys.addUser(role);
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'Asia/Shanghai', viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${sys.baseUrl}/console/`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('dashboard').waitFor();
    return { context, page };
  }
  const go = (page: Page, route: string) => page.goto(`${sys.baseUrl}/console/#${route}`);

  test('when finance opens a supplier, then its balance, spend and average cost come from the books, and a top-up it records moves the balance', async () => {
    const { context, page } = await signedIn('finance');
    await go(page, `/suppliers/${shop.id}/show`);
    const books = page.getByTestId('supplier-books');
    await books.getByText('Prepaid: each purchase draws the balance').waitFor();
    await page.getByTestId('supplier-books-headline').getByText('$991.00').waitFor(); // $1,000.00 − 2 × $4.50
    await page.getByTestId('supplier-spend').getByText('$9.00').waitFor();
    await page.getByTestId('supplier-failure-rate').getByText('0%').waitFor();
    await page.getByTestId('average-cost-B-SUP').getByText('$4.50').waitFor();
    await page.getByTestId('pay-supplier').click();
    await page.getByTestId('pay-amount').fill('25.50');
    await page.getByTestId('pay-confirm').click();
    await page.getByText('Recorded on the books').waitFor();
    await page.getByTestId('supplier-books-headline').getByText('$1,016.50').waitFor();
    expect(found(await sys.db('suppliers').where({ id: shop.id }).first(), 'row').balance).toBe(101_650);
    await page.screenshot({ path: path.join(SHOTS, '60-supplier-books.png'), fullPage: true });
    await context.close();
  });

  test('when finance closes last month on the Books page, then it is listed as closed and closing it again says so', async () => {
    const { context, page } = await signedIn('finance');
    await go(page, '/ledger-periods');
    await page.getByTestId('no-closes').waitFor();
    const lastMonth = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
    expect(await page.getByTestId('close-month').inputValue()).toBe(lastMonth);
    await page.getByTestId('close-period').click();
    await page.getByTestId('confirm-close').click();
    await page.getByText(`${lastMonth} is closed`).waitFor();
    await page.getByTestId('closes').getByText(lastMonth).waitFor();
    expect(await sys.db('ledger_period_closes').where({ merchant_id: sys.merchant.merchantId }).count('* as n').first()).toEqual({ n: 1 });
    await page.screenshot({ path: path.join(SHOTS, '61-books-closed.png'), fullPage: true });
    await page.getByTestId('close-period').click();
    await page.getByTestId('confirm-close').click();
    await page.getByText(/The books are already closed through/).waitFor();
    await context.close();
  });

  test('when an operator opens the same pages, then the books show but there is no pay or close button (positive control: the figures are there)', async () => {
    const { context, page } = await signedIn('operator');
    await go(page, `/suppliers/${shop.id}/show`);
    await page.getByTestId('supplier-books-headline').getByText('$1,016.50').waitFor();
    expect(await page.getByTestId('pay-supplier').count()).toBe(0);
    await go(page, '/ledger-periods');
    await page.getByTestId('closes').waitFor();
    expect(await page.getByTestId('close-period').count()).toBe(0);
    await context.close();
  });
});
