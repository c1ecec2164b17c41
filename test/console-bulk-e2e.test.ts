import fs from 'node:fs';
import ExcelJS from 'exceljs';
import officeCrypto from 'officecrypto-tool';
import { openConsoleBrowser, type ConsoleBrowser } from './console-browser';
import { startTestSystem, type TestSystem } from './harness';

// The bulk order screen in a real browser, in Chinese: progress, and the one download, whose
// password is shown once and opens the file the browser saved.

jest.setTimeout(180_000);

describe('the bulk order screen', () => {
  let sys: TestSystem;
  let ui: ConsoleBrowser;
  let owner: { email: string; password: string };
  let orderId: string;
  beforeAll(async () => {
    sys = await startTestSystem();
    await sys.addSku('BULK-UI', { codes: 30, price: 500, cost: 300 });
    owner = await sys.addUser('owner');
    const placed = await sys.api('POST', '/v1/bulk-orders', { body: { externalRef: 'bulk-ui-1', sku: 'BULK-UI', recipients: Array.from({ length: 30 }, (_, i) => `员工${i}`) } });
    expect(placed.status).toBe(202);
    orderId = placed.body.id;
    await sys.finished(orderId);
    ui = await openConsoleBrowser(sys);
  });
  afterAll(async () => {
    await ui?.close();
    await sys?.stop();
  });

  test('when an owner downloads the file in Chinese, then the password is shown once, it opens the saved file, and the button is gone', async () => {
    const { context, page } = await ui.signedIn(owner);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('menuitem', { name: '简体中文' }).click();
    await ui.go(page, `/bulk-orders/${orderId}/show`);
    await page.getByText('已完成: 30 / 30', { exact: false }).waitFor();
    page.once('dialog', (d) => void d.accept());
    const saved = page.waitForEvent('download');
    await page.getByTestId('bulk-download').click();
    const password = (await page.getByTestId('bulk-password').textContent())!;
    expect(password.length).toBeGreaterThanOrEqual(20);
    await page.getByText('文件密码', { exact: false }).waitFor();
    await ui.shot(page, 'bulk-order-password-zh');
    const file = fs.readFileSync(await (await saved).path());
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await officeCrypto.decrypt(file, { password })) as unknown as ArrayBuffer);
    expect(book.getWorksheet('Codes')!.rowCount).toBe(31);
    expect(book.getWorksheet('Codes')!.getRow(2).getCell(2).text).toBe('员工0');

    await page.getByRole('button', { name: 'OK' }).click();
    await page.getByText('已下载', { exact: false }).waitFor();
    expect(await page.getByTestId('bulk-download').count()).toBe(0);
    expect(ui.takePageErrors()).toEqual([]);
    await context.close();
  });
});
