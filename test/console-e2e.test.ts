import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { createMerchant } from '../db/seed';
import { openConsoleBrowser, SHOTS, type ConsoleBrowser } from './console-browser';
import { found } from './found';
import { startTestSystem, type TestSystem } from './harness';

// The console in a real browser (Chromium, driven by playwright-core) against the built
// console and the real API: a merchant's staff sign in, import stock, watch an order arrive and
// be delivered, refund it, and find only what their role and their merchant allow. Screenshots of
// the main screens land in test-artifacts/screenshots/.

const hex = () => crypto.randomBytes(4).toString('hex');

jest.setTimeout(120_000);

describe('the console in a browser', () => {
  let sys: TestSystem;
  let ui: ConsoleBrowser;
  let owner: { email: string; password: string };
  // Any script error in the page fails the test that caused it.
  afterEach(() => expect(ui.takePageErrors()).toEqual([]));

  beforeAll(async () => {
    sys = await startTestSystem();
    owner = await sys.addUser('owner');
    await sys.addSku('GAME-100', { codes: 3, price: 9800, cost: 9200 });
    ui = await openConsoleBrowser(sys);
  });
  afterAll(async () => {
    await ui?.close();
    await sys?.stop();
  });

  const signedIn = (user: { email: string; password: string }) => ui.signedIn(user);
  const shot = (page: Page, name: string) => ui.shot(page, name);
  const go = (page: Page, route: string) => ui.go(page, route);

  test('when the owner signs in with a wrong password, then the page says so; with the right one, the dashboard opens', async () => {
    const context = await ui.browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${sys.baseUrl}/console/`);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill('not-my-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('login-error').getByText('The email or password is not right').waitFor();
    await shot(page, '01-sign-in');
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('dashboard').waitFor();
    await page.getByTestId('role-chip').getByText('Owner').waitFor();
    await shot(page, '02-dashboard');
    await context.close();
  });

  test('when the owner imports pasted codes with duplicates in them, then the preview reports them, the import skips them, and stock goes up by the new codes only', async () => {
    const { context, page } = await signedIn(owner);
    await go(page, '/stock/GAME-100/show');
    await page.getByTestId('stock-available').getByText('3').waitFor();
    await page.getByTestId('import-open').click();
    const fresh = Array.from({ length: 5 }, (_, i) => `IMPORT${hex().toUpperCase()}${i}----${1000 + i}`);
    // Lines 1-5 new, line 6 repeats line 2.
    await page.getByTestId('import-text').fill([...fresh, fresh[1]].join('\n'));
    await page.getByTestId('import-check').click();
    await page.getByTestId('import-found').getByText('6 codes on 6 lines').waitFor();
    await page.getByTestId('import-file-duplicates').getByText('1 duplicate in the file (skipped): 6').waitFor();
    // The preview shows masks, never the codes.
    expect(await page.getByTestId('import-report').innerText()).not.toContain(fresh[0]);
    await shot(page, '03-stock-import-preview');
    await page.getByTestId('import-upload').click();
    await page.getByTestId('import-result').getByText('5 imported, 1 duplicates skipped. 8 can now be promised.').waitFor();
    await page.getByTestId('import-duplicate-lines').getByText('Repeated in the file: 6').waitFor();
    await shot(page, '04-stock-import-result');
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('stock-available').getByText('8').waitFor();
    await page.getByTestId('codes-tab').click();
    await page.getByTestId('code-mask').first().waitFor();
    expect(await page.getByTestId('codes-grid').innerText()).not.toMatch(/IMPORT[0-9A-F]{8}/);
    await shot(page, '05-stock-codes');
    expect((await sys.db('skus').where({ code: 'GAME-100' }).first())?.stock_available).toBe(8);
    await context.close();
  });

  test('when a storefront places an order, then it appears in the list, is delivered, and support refunds it with a reason', async () => {
    const ref = `shop-${hex()}`;
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: ref, items: [{ sku: 'GAME-100', quantity: 2 }], buyer: { email: 'angry.buyer@example.com' } } });
    expect(placed.status).toBe(202);
    await sys.finished(placed.body.id);

    const support = await sys.addUser('support');
    const { context, page } = await signedIn(support);
    await go(page, '/orders');
    const row = page.getByRole('row').filter({ hasText: ref });
    await row.getByText('Delivered').waitFor();
    await row.getByText('¥196.00').waitFor();
    await shot(page, '06-orders');
    await row.click();
    await page.getByTestId('order-ref').getByText(ref).waitFor();
    await page.getByTestId('order-status').getByText('Delivered').waitFor();
    await page.getByTestId('event-delivered').waitFor();
    await page.getByTestId('workflow-panel').waitFor();
    // Support may not reveal codes: the masks are there, the button is not.
    expect(await page.getByTestId('unit-code-mask').count()).toBe(2);
    expect(await page.getByTestId('reveal-code').count()).toBe(0);
    await shot(page, '07-order-delivered');

    await page.getByTestId('order-action-refund').click();
    await page.getByRole('dialog').getByLabel('Reason').fill('buyer says both codes were already redeemed');
    await page.getByRole('dialog').getByRole('button', { name: 'Refund' }).click();
    await page.getByTestId('order-status').getByText('Refunded').waitFor();
    await page
      .getByTestId('refund-summary')
      .getByText(/buyer says both codes were already redeemed/)
      .waitFor();
    await page.getByTestId('event-refunded').waitFor();
    await shot(page, '08-order-refunded');
    const order = await sys.db('orders').where({ id: placed.body.id }).first();
    expect(order?.status).toBe('refunded');
    expect(await sys.db('codes').join('deliveries', 'deliveries.code_id', 'codes.id').where('deliveries.order_id', placed.body.id).pluck('codes.status')).toEqual([
      'voided',
      'voided',
    ]);
    expect(await sys.db('audit_log').where({ action: 'order.refunded', actor: `user:${support.email}` })).toHaveLength(1);
    await context.close();
  });

  test('when support looks at a delivered order, then there is no Reveal; the owner has it, and a reveal shows the code once and is audited', async () => {
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `reveal-${hex()}`, items: [{ sku: 'GAME-100', quantity: 1 }] } });
    await sys.finished(placed.body.id);
    const delivered = (await sys.api('GET', `/v1/orders/${placed.body.id}`)).body.items[0].units[0].code;

    const support = await sys.addUser('support');
    const asSupport = await signedIn(support);
    await go(asSupport.page, `/orders/${placed.body.id}/show`);
    await asSupport.page.getByTestId('unit-code-mask').waitFor();
    expect(await asSupport.page.getByTestId('reveal-code').count()).toBe(0);
    expect(await asSupport.page.content()).not.toContain(delivered.number);
    const denied = await asSupport.page.request.post(
      `${sys.baseUrl}/admin/codes/${found(await sys.db('deliveries').where({ order_id: placed.body.id }).first(), 'delivery').code_id}/reveal`,
    );
    expect(denied.status()).toBe(403);
    await asSupport.context.close();

    const { context, page } = await signedIn(owner);
    await go(page, `/orders/${placed.body.id}/show`);
    await page.getByTestId('reveal-code').click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByTestId('secret-dialog').getByText(delivered.number).waitFor();
    await shot(page, '09-code-revealed');
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('secret-dialog').waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(delivered.number);
    expect(await sys.db('audit_log').where({ action: 'code.revealed', actor: `user:${owner.email}` })).toHaveLength(1);

    await go(page, '/audit-log');
    await page.getByRole('row').filter({ hasText: 'Revealed a code' }).first().waitFor();
    await shot(page, '10-audit-log');
    await context.close();
  });

  test('when a viewer opens a delivered order, then there is no Refund, and the API refuses one; support on the same order has it', async () => {
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `viewer-${hex()}`, items: [{ sku: 'GAME-100', quantity: 1 }] } });
    await sys.finished(placed.body.id);
    const viewer = await sys.addUser('viewer');
    const { context, page } = await signedIn(viewer);
    await go(page, `/orders/${placed.body.id}/show`);
    await page.getByTestId('order-status').getByText('Delivered').waitFor();
    await page.getByTestId('event-settled').waitFor();
    expect(await page.getByTestId('order-action-refund').count()).toBe(0);
    const refused = await page.request.post(`${sys.baseUrl}/admin/orders/${placed.body.id}/refund`, { data: { reason: 'viewer trying anyway' } });
    expect(refused.status()).toBe(403);
    expect((await refused.json()).error.code).toBe('forbidden');
    await context.close();

    const support = await signedIn(await sys.addUser('support'));
    await go(support.page, `/orders/${placed.body.id}/show`);
    await support.page.getByTestId('order-action-refund').waitFor();
    await support.context.close();
    expect((await sys.db('orders').where({ id: placed.body.id }).first())?.status).toBe('delivered');
  });

  test("when merchant B's owner signs in, then none of merchant A's orders, stock or products show, and A's order answers not found, in the page and at the API", async () => {
    const aOrder = await sys.api('POST', '/v1/orders', { body: { externalRef: `wall-${hex()}`, items: [{ sku: 'GAME-100', quantity: 1 }] } });
    await sys.finished(aOrder.body.id);
    const b = await createMerchant(sys.db, sys.vault, { name: `Merchant B ${hex()}`, ownerEmail: `b-owner-${hex()}@example.com`, ownerPassword: 'merchant-b-password' });
    const { context, page } = await signedIn({ email: b.ownerEmail, password: 'merchant-b-password' });
    await page
      .getByTestId('merchant-name')
      .getByText(/Merchant B/)
      .waitFor();
    await go(page, '/orders');
    await page.getByText('No Orders yet.').waitFor();
    await shot(page, '11-merchant-b-orders-empty');
    await go(page, '/skus');
    await page.getByText('No Products yet.').waitFor();
    await go(page, `/orders/${aOrder.body.id}/show`);
    await page.getByTestId('load-failed').getByText('Not found. It may have been removed, or the link is wrong.').waitFor();
    expect(await page.getByTestId('order-ref').count()).toBe(0);
    const api = await page.request.get(`${sys.baseUrl}/admin/orders/${aOrder.body.id}`);
    expect(api.status()).toBe(404);
    const list = await page.request.get(`${sys.baseUrl}/admin/orders`);
    expect(await list.json()).toEqual([]);
    // Positive control: A's owner sees that order.
    expect((await sys.api('GET', `/admin/orders/${aOrder.body.id}`, { cookie: await sys.signIn(owner.email, owner.password) })).status).toBe(200);
    await context.close();
  });

  test('when the owner adds a product with prices in yuan, then the API stores exact fen, and the product can be edited', async () => {
    const { context, page } = await signedIn(owner);
    await go(page, '/skus/create');
    await page.getByLabel('SKU code').fill('COFFEE-GRANDE');
    await page.getByLabel('Name').fill('Coffee e-voucher, grande');
    await page.getByLabel('Face value').fill('36');
    await page.getByLabel('Price').fill('32.90');
    await page.getByLabel('Default cost').fill('0.1');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('row').filter({ hasText: 'COFFEE-GRANDE' }).getByText('¥32.90').waitFor();
    expect(await sys.db('skus').where({ code: 'COFFEE-GRANDE' }).first('face_value', 'price', 'cost', 'currency', 'low_stock_threshold')).toEqual({
      face_value: 3600,
      price: 3290,
      cost: 10,
      currency: 'CNY',
      low_stock_threshold: 10,
    });
    await page.getByRole('row').filter({ hasText: 'COFFEE-GRANDE' }).click();
    // The edit form first: on the list, 'Price' also labels the column's sort button.
    await page.getByRole('button', { name: 'Save' }).waitFor();
    await page.getByLabel('Price').fill('abc');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Must be a number').waitFor();
    await page.getByLabel('Price').fill('31');
    await page.getByLabel('Low-stock threshold').fill('25');
    await shot(page, '12-product-edit');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('row').filter({ hasText: 'COFFEE-GRANDE' }).getByText('¥31.00').waitFor();
    expect(await sys.db('skus').where({ code: 'COFFEE-GRANDE' }).first('price', 'low_stock_threshold')).toEqual({ price: 3100, low_stock_threshold: 25 });
    await shot(page, '13-products');
    await context.close();
  });

  test('when the owner creates a storefront, then its API key and webhook secret are shown once, and the key works', async () => {
    const { context, page } = await signedIn(owner);
    await go(page, '/storefronts/create');
    await page.getByLabel('Name').fill('WeChat mini program');
    await page.getByLabel('Webhook URL').fill('https://shop.example.com/hooks/cardflow');
    await page.getByRole('button', { name: 'Save' }).click();
    const secrets = page.getByTestId('secret-dialog').getByTestId('secret-value');
    await secrets.first().waitFor();
    const [apiKey, webhookSecret] = await secrets.allInnerTexts();
    expect(apiKey).toMatch(/^cf_sk_/);
    expect(webhookSecret).toMatch(/^whsec_/);
    await shot(page, '14-storefront-created');
    expect((await sys.api('GET', '/v1/products', { key: apiKey })).status).toBe(200);
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('storefront-keys').waitFor();
    expect(await page.content()).not.toContain(apiKey);
    await shot(page, '15-storefront');
    await context.close();
  });

  test('when the owner switches to 简体中文, then the console speaks Chinese and money stays in yuan', async () => {
    const { context, page } = await signedIn(owner);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('menuitem', { name: '简体中文' }).click();
    await page.getByText('今日订单').waitFor();
    await go(page, '/orders');
    await page.getByRole('columnheader', { name: '店铺单号' }).waitFor();
    await page.getByText('已发货').first().waitFor();
    await shot(page, '16-orders-zh');
    await go(page, '/skus');
    await page.getByText('¥98.00').first().waitFor();
    await shot(page, '17-products-zh');
    await context.close();
  });

  test('when the owner imports a 100,000-code file, then it is checked off the main thread, uploaded with progress, and all of it is in stock', async () => {
    await sys.addSku('BULK-100K', { price: 1000, cost: 900 });
    const file = path.join(SHOTS, '..', `bulk-${hex()}.txt`);
    const tag = hex().toUpperCase();
    fs.writeFileSync(file, Array.from({ length: 100_000 }, (_, i) => `BULK${tag}${String(i).padStart(8, '0')}----${String(i * 7919).padStart(8, '0')}`).join('\n'));
    try {
      const { context, page } = await signedIn(owner);
      await go(page, '/stock/BULK-100K/show');
      await page.getByTestId('import-open').click();
      await page.getByTestId('import-tab-file').click();
      await page.getByTestId('import-file').setInputFiles(file);
      await page.getByTestId('import-found').getByText('100,000 codes on 100,000 lines').waitFor();
      await page.getByTestId('import-upload').click();
      await page.getByTestId('import-result').getByText('100,000 imported, 0 duplicates skipped. 100,000 can now be promised.').waitFor({ timeout: 90_000 });
      await context.close();
    } finally {
      fs.rmSync(file, { force: true });
    }
    expect((await sys.db('skus').where({ code: 'BULK-100K' }).first())?.stock_available).toBe(100_000);
  });
});
