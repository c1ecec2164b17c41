import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { openConsoleBrowser, SHOTS, type ConsoleBrowser } from './console-browser';
import { startTestSystem, type TestSystem } from './harness';

// Issue 15's console forms in a real browser against the built console and the real API: a
// bundle product (its parts, their quantities and shares of the price, the policy when a part
// cannot be had, the buyer's usage instructions in both languages) and an e-gift design with an
// uploaded picture, in English and in Chinese. What was saved is read back through the API.
// Screenshots: test-artifacts/screenshots/95-bundle-form*.png, 96-gift-design*.png.

jest.setTimeout(120_000);

// A 1×1 PNG: what a merchant uploads as a gift design's picture.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

let sys: TestSystem;
let ui: ConsoleBrowser;
let owner: { email: string; password: string };

beforeAll(async () => {
  sys = await startTestSystem();
  ui = await openConsoleBrowser(sys);
  owner = await sys.addUser('owner');
  await sys.addSku('PART-VIDEO', { codes: 3, price: 600 });
  await sys.addSku('PART-MUSIC', { codes: 3, price: 500 });
});
afterEach(() => expect(ui.takePageErrors()).toEqual([]));
afterAll(async () => {
  await ui?.close();
  await sys?.stop();
});

/** Signed in with the browser's language: the console follows it (zh-CN: Chinese). */
async function signedIn(locale: 'en-US' | 'zh-CN'): Promise<{ context: BrowserContext; page: Page }> {
  if (locale === 'en-US') return ui.signedIn(owner);
  const context = await ui.browser.newContext({ locale, timezoneId: 'Asia/Shanghai', viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${sys.baseUrl}/console/`);
  await page.getByLabel('邮箱').fill(owner.email);
  await page.getByLabel('密码').fill(owner.password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByTestId('dashboard').waitFor();
  return { context, page };
}

/** Fills one part of the bundle: the nth row of the parts list. */
async function fillPart(page: Page, n: number, words: { product: string; quantity: string; share: string }, part: { sku: string; quantity: number; share: string }) {
  await page.getByRole('button', { name: words.product === 'Product' ? 'Add' : '添加' }).click();
  // Required fields' labels end in a (thin-spaced) asterisk.
  const product = page.getByLabel(new RegExp(`^${words.product}\\s*\\*?$`)).nth(n);
  await product.fill(part.sku);
  await page.getByRole('option', { name: part.sku, exact: true }).click();
  await page.getByLabel(words.quantity).nth(n).fill(String(part.quantity));
  await page.getByLabel(words.share).nth(n).fill(part.share);
}

const admin = (p: string) => sys.api('GET', p, { key: sys.merchant.adminToken });

test('when the owner creates a bundle in English (parts, quantities, shares, policy, instructions in both languages), then the API has exactly that bundle', async () => {
  const { context, page } = await signedIn('en-US');
  await ui.go(page, '/skus/create');
  await page.getByLabel('SKU code').fill('BUNDLE-AV');
  await page.getByLabel('Name').fill('Video + music');
  await page.getByLabel('Face value').fill('16');
  await page.getByLabel('Price').fill('16');
  await page.getByLabel('Default cost').fill('0');
  await page.getByLabel('Fulfilment').click();
  await page.getByRole('option', { name: 'Bundle of other products' }).click();
  await page.getByLabel('When a part cannot be had').click();
  await page.getByRole('option', { name: 'Wait for a person to fulfil it by hand' }).click();
  const words = { product: 'Product', quantity: 'Quantity per bundle', share: 'Share of the price, per unit' };
  await fillPart(page, 0, words, { sku: 'PART-VIDEO', quantity: 2, share: '5.50' });
  await fillPart(page, 1, words, { sku: 'PART-MUSIC', quantity: 1, share: '5' });
  await page.getByLabel('Usage instructions, Chinese (shown to the buyer beside the code)').fill('先兑换视频会员，再兑换音乐会员。');
  await page.getByLabel('Usage instructions, English').fill('Redeem the video code first, then the music one.');
  await ui.shot(page, '95-bundle-form');
  await page.getByRole('button', { name: 'Save' }).click();
  // The list shows the new bundle (it answered 500 for any bundle before: skuJson took map's index for its parts).
  await page.getByRole('row').filter({ hasText: 'BUNDLE-AV' }).waitFor();

  const saved = await admin('/admin/skus/BUNDLE-AV');
  expect(saved.status).toBe(200);
  expect(saved.body).toMatchObject({
    code: 'BUNDLE-AV',
    fulfilmentMode: 'bundle',
    price: 1600,
    instructions: { zh: '先兑换视频会员，再兑换音乐会员。', en: 'Redeem the video code first, then the music one.' },
    bundle: {
      policy: 'wait',
      components: [
        { sku: 'PART-VIDEO', quantity: 2, priceShare: 550 },
        { sku: 'PART-MUSIC', quantity: 1, priceShare: 500 },
      ],
    },
  });
  expect(saved.body.bundle.components).toHaveLength(2);
  await context.close();
});

test('when the low-stock threshold is too big and then the shares do not add up to the price in Chinese, then each refusal is worded in Chinese beside its field and nothing is saved; corrected, the bundle is saved with its policy', async () => {
  const { context, page } = await signedIn('zh-CN');
  await ui.go(page, '/skus/create');
  await page.getByLabel('商品编码').fill('BUNDLE-ZH');
  await page.getByLabel('名称').fill('影音套餐');
  await page.getByLabel('面值').fill('10');
  await page.getByLabel('售价').fill('10');
  await page.getByLabel('默认成本').fill('0');
  await page.getByLabel('履约方式').click();
  await page.getByRole('option', { name: '组合套餐' }).click();
  await page.getByLabel('某一部分无法获得时').click();
  await page.getByRole('option', { name: '撤销其他部分并使订单失败' }).click();
  const words = { product: '商品', quantity: '每套数量', share: '每件分得的售价' };
  await fillPart(page, 0, words, { sku: 'PART-VIDEO', quantity: 1, share: '6' });
  await fillPart(page, 1, words, { sku: 'PART-MUSIC', quantity: 1, share: '3' });
  // Above the server's maximum; the form itself sets no maximum, so the request is sent.
  await page.getByLabel('低库存阈值').fill('2000000');
  // The field's own box: its input and the words under it.
  const besideField = (label: string) => page.locator('.MuiFormControl-root').filter({ has: page.getByLabel(label) });

  // The server's schema refuses the threshold (zod's too_big, maximum 1000000): worded in Chinese under it.
  await page.getByRole('button', { name: '保存' }).click();
  await besideField('低库存阈值').getByText('不能大于 1000000').waitFor();
  expect(await sys.db('skus').where({ code: 'BUNDLE-ZH' }).first('id')).toBeUndefined();

  // The bundle's own rule refuses the shares (orders/bundle-lines.ts): worded in Chinese under the
  // parts, in money as typed.
  await page.getByLabel('低库存阈值').fill('10');
  await page.getByRole('button', { name: '保存' }).click();
  const parts = page.locator('.MuiFormControl-root').filter({ has: page.getByText('组成部分', { exact: true }) });
  await parts.getByText('各部分分得的售价合计 9.00，与售价 10.00 不符').waitFor();
  expect(await page.getByText(/The shares add up to|Too big/).count()).toBe(0);
  expect(await sys.db('skus').where({ code: 'BUNDLE-ZH' }).first('id')).toBeUndefined();

  await page.getByLabel(words.share).nth(1).fill('4');
  await ui.shot(page, '95-bundle-form-zh');
  await page.getByRole('button', { name: '保存' }).click();
  await page.getByRole('row').filter({ hasText: 'BUNDLE-ZH' }).waitFor();
  const saved = await admin('/admin/skus/BUNDLE-ZH');
  expect(saved.body).toMatchObject({
    fulfilmentMode: 'bundle',
    price: 1000,
    bundle: {
      policy: 'undo',
      components: [
        { sku: 'PART-VIDEO', quantity: 1, priceShare: 600 },
        { sku: 'PART-MUSIC', quantity: 1, priceShare: 400 },
      ],
    },
  });
  await context.close();
});

test('when the owner adds a gift design with an uploaded picture in Chinese, then the storefront offers it with that picture; renamed in English, the API has the new name', async () => {
  const file = path.join(SHOTS, '..', 'gift-design.png');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, PNG);
  {
    const { context, page } = await signedIn('zh-CN');
    await ui.go(page, '/gift-templates/create');
    await page.getByLabel('名称').fill('新春贺卡');
    await page.locator('input[type=file]').setInputFiles(file);
    await page.locator('img[src^="data:image/png;base64,"]').waitFor();
    await ui.shot(page, '96-gift-design-zh');
    await page.getByRole('button', { name: '保存' }).click();
    await page.getByRole('row').filter({ hasText: '新春贺卡' }).waitFor();
    await context.close();
  }
  const offered = (await sys.api('GET', '/v1/gift-templates')).body.data;
  expect(offered).toEqual([{ id: expect.any(String), name: '新春贺卡', imageUrl: `data:image/png;base64,${PNG.toString('base64')}` }]);

  const { context, page } = await signedIn('en-US');
  await ui.go(page, `/gift-templates/${offered[0].id}`);
  await page.getByLabel('Name').fill('Spring Festival card');
  await ui.shot(page, '96-gift-design');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('row').filter({ hasText: 'Spring Festival card' }).waitFor();
  const shown = await sys.api('GET', `/admin/gift-templates/${offered[0].id}`, { key: sys.merchant.adminToken });
  expect(shown.body).toMatchObject({ name: 'Spring Festival card', imageUrl: `data:image/png;base64,${PNG.toString('base64')}`, active: true });
  await context.close();
});
