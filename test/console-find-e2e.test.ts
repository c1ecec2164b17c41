import crypto from 'node:crypto';
import { found } from './found';
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import ExcelJS from 'exceljs';
import { createMerchant } from '../db/seed';
import { openConsoleBrowser, type ConsoleBrowser } from './console-browser';
import { startTestSystem, type TestSystem } from './harness';
import { useRules } from './risk-helpers';
import { addSupplier, card, route } from './supplier-helpers';

// Finding, exporting and acting in bulk in the console, in a real browser against the real API
// and workflows: support finds an order from the app bar by the buyer's email, phone and a code
// delivered to them (desktop in English, a 390 px phone in Chinese) and looks the code up; the
// owner exports 100,000 orders to XLSX and the file is opened here; support retries in bulk the
// orders that failed while a supplier was down, and approves held orders in bulk.

jest.setTimeout(300_000);
const hex = () => crypto.randomBytes(4).toString('hex');

describe('find, export and bulk actions in the console', () => {
  let sys: TestSystem;
  let ui: ConsoleBrowser;
  let support: { email: string; password: string };
  afterEach(() => expect(ui.takePageErrors()).toEqual([]));

  beforeAll(async () => {
    sys = await startTestSystem();
    support = await sys.addUser('support');
    await sys.addSku('FIND-UI', { codes: 10 });
    ui = await openConsoleBrowser(sys);
  });
  afterAll(async () => {
    await ui?.close();
    await sys?.stop();
  });

  async function search(page: Page, text: string) {
    const box = page.getByTestId('app-search');
    await box.fill(text);
    await box.press('Enter');
  }
  /** The order list's rows, as text, once the list has answered for this search. */
  async function rowsFor(page: Page, ref: string, rows = 'tbody tr') {
    await page.locator(rows).filter({ hasText: ref }).first().waitFor();
    // The list answered for this search once only its row is left (a string: it runs in the page).
    await page.waitForFunction(`document.querySelectorAll(${JSON.stringify(rows)}).length === 1`);
    return page.locator(rows).allInnerTexts();
  }
  /** On a phone the order list is a list of lines (orders/OrderRows.tsx OrderSimpleList), not a table. */
  const PHONE_ROWS = '[data-testid="order-simple-list"] li';

  test('when support searches from the app bar by email, by phone and by a delivered code, on a desktop in English and on a phone in Chinese, then exactly that order is listed', async () => {
    const ref = `find-ui-${hex()}`;
    const placed = await sys.api('POST', '/v1/orders', {
      body: { externalRef: ref, items: [{ sku: 'FIND-UI', quantity: 1 }], buyer: { email: 'Wang.Fang@example.cn', phone: '+86 137-0000-1234' } },
    });
    await sys.finished(placed.body.id);
    const other = await sys.api('POST', '/v1/orders', {
      body: { externalRef: `find-ui-other-${hex()}`, items: [{ sku: 'FIND-UI', quantity: 1 }], buyer: { email: 'li@example.cn' } },
    });
    await sys.finished(other.body.id);
    const code = (await sys.api('GET', `/v1/orders/${placed.body.id}`)).body.items[0].units[0].code.number as string;

    const { context, page } = await ui.signedIn(support);
    for (const text of ['wang.fang@example.cn', '13700001234', code]) {
      await search(page, text);
      const rows = await rowsFor(page, ref);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toContain(ref);
    }
    await ui.shot(page, 'find-01-search-by-code');

    // The code lookup says who has it and when, without showing it.
    await page.getByTestId('code-lookup-open').click();
    await page.getByTestId('code-lookup-input').fill(code.toLowerCase());
    await page.getByTestId('code-lookup-submit').click();
    await page.getByTestId('code-lookup-order').getByText(ref).waitFor();
    await page.getByTestId('code-lookup-result').getByText('wang.fang@example.cn', { exact: false }).waitFor();
    expect(await page.getByTestId('code-lookup-result').innerText()).not.toContain(code);
    await ui.shot(page, 'find-02-code-lookup');

    // The same on a phone, in Chinese.
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('menuitem', { name: '简体中文' }).click();
    await page.setViewportSize({ width: 390, height: 844 });
    await ui.go(page, '/orders');
    // Chinese is fetched when chosen (lazily): wait for the console to switch before reading.
    await page.waitForSelector('html[lang="zh-CN"], html[lang="zh"]', { timeout: 15_000 }).catch(() => undefined);
    await page
      .getByPlaceholder('订单号、邮箱、手机、账号、IP 或卡密')
      .waitFor({ timeout: 15_000 })
      .catch(() => undefined);
    expect(await page.getByTestId('app-search').getAttribute('placeholder')).toBe('订单号、邮箱、手机、账号、IP 或卡密');
    for (const text of ['WANG.FANG@EXAMPLE.CN', '137 0000 1234', code]) {
      await search(page, text);
      const rows = await rowsFor(page, ref, PHONE_ROWS);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toContain(ref);
    }
    expect(await page.locator('tbody tr').count()).toBe(0);
    await ui.shot(page, 'find-03-search-phone-zh');
    await context.close();
  });

  test('when the owner exports 100,000 orders to XLSX from the order list, then progress is shown while it arrives and the file opens with every order', async () => {
    const big = await createMerchant(sys.db, sys.vault, { name: `Big ${hex()}`, ownerEmail: `big-${hex()}@example.com` });
    const owner = await sys.addUser('owner', { merchantId: big.merchantId });
    await sys.db.raw(
      `INSERT INTO orders (id, merchant_id, storefront_id, external_ref, request_hash, status, currency, total_amount, buyer, created_at, updated_at)
       SELECT gen_random_uuid(), ?, ?, 'bulk-' || g, 'seed', 'delivered', 'CNY', 1000 + g, jsonb_build_object('email', 'buyer' || g || '@example.com'),
              now() - g * interval '1 second', now()
       FROM generate_series(1, 100000) g`,
      [big.merchantId, big.storefrontId],
    );
    const { context, page } = await ui.signedIn(owner);
    await ui.go(page, '/orders');
    await page.locator('tbody tr').filter({ hasText: 'bulk-1' }).first().waitFor();
    await page.getByTestId('export-open').click();
    const downloading = page.waitForEvent('download', { timeout: 240_000 });
    await page.getByTestId('export-orders-xlsx').click();
    await page.getByTestId('export-progress').waitFor();
    await ui.shot(page, 'find-04-export-progress');
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^orders-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const file = await download.path();
    let rows = 0;
    let first: unknown[] = [];
    let last: unknown[] = [];
    for await (const sheet of new ExcelJS.stream.xlsx.WorkbookReader(file, { worksheets: 'emit' })) {
      for await (const row of sheet) {
        rows++;
        if (rows === 2) first = (row.values as unknown[]).slice(1);
        last = (row.values as unknown[]).slice(1);
      }
    }
    expect(rows).toBe(100_001);
    expect(first[1]).toBe('bulk-1');
    expect(last[1]).toBe('bulk-100000');
    expect(fs.statSync(file).size).toBeGreaterThan(1_000_000);
    await context.close();
  });

  test('when a supplier comes back after an outage, then support selects the failed orders, retries them in bulk, sees a result per order, and they are delivered', async () => {
    const shop = await addSupplier(sys, 'FlakyShop', [card('CARD-F', 300)]);
    try {
      await sys.addSku('FIND-BUY', { mode: 'supplier', currency: 'USD', price: 400 });
      await route(sys, 'FIND-BUY', [{ supplier: shop, product: 'CARD-F', maxUnitCost: 350 }]);
      await shop.fault({ kind: 'stock_out_after', product: 'CARD-F', times: 0 });
      const failed: string[] = [];
      for (let i = 0; i < 2; i++) {
        const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `outage-${i}-${hex()}`, items: [{ sku: 'FIND-BUY', quantity: 1 }] } });
        await sys.finished(placed.body.id);
        expect(found(await sys.db('orders').where({ id: placed.body.id }).first('status'), 'row').status).toBe('failed');
        failed.push(placed.body.id);
      }
      await shop.clearFaults();

      const { context, page } = await ui.signedIn(support);
      await ui.go(page, `/orders?filter=${encodeURIComponent(JSON.stringify({ status: ['failed'], sku: 'FIND-BUY' }))}`);
      await page.locator('tbody tr').filter({ hasText: 'outage-1' }).waitFor();
      expect(await page.locator('tbody tr').count()).toBe(2);
      await page.getByRole('checkbox', { name: 'Select all' }).first().check();
      await page.getByTestId('bulk-order-retry').click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText('Retry: 2 orders').waitFor();
      await dialog.getByLabel('Reason').fill('the supplier is back');
      await dialog.getByRole('button', { name: 'Retry' }).click();
      const results = page.getByTestId('bulk-results');
      await results.getByTestId('bulk-summary').getByText('2 done, 0 refused').waitFor();
      expect(await results.getByTestId('bulk-result').count()).toBe(2);
      await ui.shot(page, 'find-05-bulk-retry');
      for (const id of failed) {
        await sys.finished(id);
        expect(found(await sys.db('orders').where({ id }).first('status'), 'row').status).toBe('delivered');
      }
      await context.close();
    } finally {
      await shop.stop();
    }
  });

  test('when support selects held orders in the review queue and approves them with one note, then each is delivered, and the review page shows what was bought and the next in queue', async () => {
    await useRules(sys, [{ name: 'Hold foreign cards', kind: 'country_mismatch', params: { between: ['ip', 'card'] }, action: 'review' }], {
      model: { enabled: false, maxScore: 40 },
    });
    const held: string[] = [];
    for (let i = 0; i < 2; i++) {
      const placed = await sys.api('POST', '/v1/orders', {
        body: {
          externalRef: `held-ui-${i}-${hex()}`,
          items: [{ sku: 'FIND-UI', quantity: 1 }],
          buyer: { ipCountry: 'US', cardCountry: 'CN', email: `abroad-${i}-${hex()}@example.com`, ip: `198.51.100.${40 + i}` },
        },
      });
      await sys.waitForOrder(placed.body.id, ['held']);
      held.push(placed.body.id);
    }
    const { context, page } = await ui.signedIn(support);
    await ui.go(page, `/reviews/${held[0]}/show`);
    await page.getByTestId('review-items').getByText('FIND-UI', { exact: false }).waitFor();
    await page.getByTestId('review-history').waitFor();
    await page.getByTestId('review-next').click();
    await page.waitForURL(new RegExp(`/reviews/${held[1]}/show`));
    await ui.shot(page, 'find-06-review-next');

    await ui.go(page, '/reviews');
    await page.getByTestId('reviews-grid').locator('tbody tr').nth(1).waitFor();
    await page.getByRole('checkbox', { name: 'Select all' }).first().check();
    await page.getByTestId('bulk-order-approve').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason').fill('regular buyers travelling');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await page.getByTestId('bulk-results').getByTestId('bulk-summary').getByText('2 done, 0 refused').waitFor();
    await ui.shot(page, 'find-07-bulk-approve');
    for (const id of held) await sys.waitForOrder(id, ['delivered']);
    expect(await sys.db('risk_reviews').whereIn('order_id', held).pluck('note')).toEqual(['regular buyers travelling', 'regular buyers travelling']);
    await context.close();
  });
});
