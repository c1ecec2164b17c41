import fs from 'node:fs';
import ExcelJS from 'exceljs';
import { openConsoleBrowser, type ConsoleBrowser } from './console-browser';
import { startTestSystem, type TestSystem } from './harness';

// The reports screen in a real browser, in Chinese, against the built console and the real API
// and workflow: a merchant in Shanghai selling in yuan and dollars reads profit by day with both
// currencies, converts into yuan and sees the rate used, reads orders by channel, and downloads
// the report as Excel with the rows the screen shows. Screenshot: test-artifacts/screenshots/70-….

jest.setTimeout(180_000);

describe('the reports screen in Chinese', () => {
  let sys: TestSystem;
  let ui: ConsoleBrowser;
  afterEach(() => expect(ui.takePageErrors()).toEqual([]));

  beforeAll(async () => {
    sys = await startTestSystem();
    await sys.db('merchants').where({ id: sys.merchant.merchantId }).update({ time_zone: 'Asia/Shanghai', reporting_currency: 'CNY' });
    await sys.addSku('Z-CNY', { codes: 3, price: 1000, cost: 600, currency: 'CNY' });
    await sys.addSku('Z-USD', { codes: 3, price: 500, cost: 300, currency: 'USD' });
    for (const [ref, sku, channel] of [
      ['zh-1', 'Z-CNY', 'douyin'],
      ['zh-2', 'Z-USD', 'web'],
    ]) {
      const res = await sys.api('POST', '/v1/orders', { body: { externalRef: ref, items: [{ sku, quantity: 1 }], channel, campaign: 'double-11' } });
      expect(res.status).toBe(202);
      await sys.finished(res.body.id);
    }
    const rate = await sys.api('POST', '/admin/reporting/rates', {
      key: sys.merchant.adminToken,
      body: { day: '2026-01-01', fromCurrency: 'USD', toCurrency: 'CNY', rate: '7.2' },
    });
    expect(rate.status).toBe(200);
    ui = await openConsoleBrowser(sys);
  });
  afterAll(async () => {
    await ui?.close();
    await sys?.stop();
  });

  test('when the owner opens 报表 in Chinese, then profit by day shows both currencies, converts into yuan with the rate shown, and exports as Excel', async () => {
    const owner = await sys.addUser('owner');
    const { context, page } = await ui.signedIn(owner);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('menuitem', { name: '简体中文' }).click();
    await page.waitForFunction("document.documentElement.lang === 'zh-CN'");

    await page.getByRole('menuitem', { name: '报表' }).click();
    const result = page.getByTestId('report-result');
    await result.getByText('按日统计利润').waitFor();
    const table = page.getByTestId('report-table');
    await table.getByRole('columnheader', { name: '利润', exact: true }).waitFor();
    // One sale in each currency today: 10.00 − 6.00 yuan and 5.00 − 3.00 dollars.
    await table.getByText('¥4.00').waitFor();
    await table.getByText('US$2.00').waitFor();
    expect(await page.getByTestId('report-chart').count()).toBe(2);

    // Converted: 2.00 dollars at 7.2 is 14.40 yuan, with the rate used listed.
    await page.getByRole('checkbox', { name: 'convert' }).check();
    await page.getByTestId('rates-used').getByText('1 USD = 7.2 CNY').waitFor();
    await table.getByText('¥18.40').waitFor();
    await page.getByTestId('rates-used').getByText('使用的汇率').waitFor();
    await ui.shot(page, '70-reports-zh');

    const downloading = page.waitForEvent('download');
    await page.getByTestId('report-export-xlsx').click();
    const file = await (await downloading).path();
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(fs.readFileSync(file) as unknown as ExcelJS.Buffer);
    const rows = (book.worksheets[0].getSheetValues().slice(2) as unknown[][]).map((r) => r.slice(1));
    expect(rows).toHaveLength(await table.locator('tbody tr').count());
    expect(rows[0]).toEqual(expect.arrayContaining(['CNY', 18.4]));

    // Orders by channel and campaign, in Chinese headings.
    await page.getByTestId('report-name').click();
    await page.getByRole('option', { name: '按渠道和活动统计订单' }).click();
    await table.getByRole('columnheader', { name: '渠道', exact: true }).waitFor();
    await table.getByRole('columnheader', { name: '接单率 %' }).waitFor();
    await table.getByRole('row').filter({ hasText: 'douyin' }).getByText('double-11').waitFor();
    await context.close();
  });
});
