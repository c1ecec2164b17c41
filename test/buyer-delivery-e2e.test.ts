import type { Browser } from 'playwright-core';
import { launchChromium } from './browser';
import { startTestSystem, type TestSystem } from './harness';

// A buyer on a phone (390 px, a Chinese browser) opens the delivery link the storefront gave
// them, asks for the code, sees it with the Chinese usage instructions, copies it, and the page
// never scrolls sideways; the language switch turns the page into English.

jest.setTimeout(120_000);

// Page-side code in page.evaluate (the test's types have no DOM).
declare const document: { documentElement: { scrollWidth: number; clientWidth: number } };
declare const navigator: { clipboard: { readText(): Promise<string> } };

let sys: TestSystem;
let browser: Browser;

beforeAll(async () => {
  sys = await startTestSystem();
  await sys.addSku('MUSIC-90', { codes: 2, price: 4500 });
  await sys
    .db('skus')
    .where({ code: 'MUSIC-90' })
    .update({
      usage_instructions: JSON.stringify({
        zh: '打开音乐应用，进入“我的—兑换码”，粘贴卡号后点击兑换。',
        en: 'Open the music app, go to Me › Redeem, paste the number and tap Redeem.',
      }),
    });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

test('when a buyer on a 390 px phone opens the link and asks for the code, then it shows with the Chinese instructions and a copy button, without sideways scrolling', async () => {
  const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: 'phone-buyer-1', items: [{ sku: 'MUSIC-90', quantity: 1 }] } });
  const order = await sys.waitForOrder(placed.body.id, ['delivered']);
  const number: string = order.items[0].units[0].code.number;
  const link = await sys.api('POST', `/v1/orders/${order.id}/delivery-link`, { body: {} });
  expect(link.status).toBe(201);

  const context = await browser.newContext({
    locale: 'zh-CN',
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    extraHTTPHeaders: { 'accept-language': 'zh-CN,zh;q=0.9' },
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: sys.baseUrl });
  const page = await context.newPage();
  try {
    await page.goto(link.body.url);
    await page.getByRole('heading', { name: '您的订单' }).waitFor();
    expect(await page.getByTestId('instructions').textContent()).toContain('打开音乐应用');
    // Positive control for the reveal: before asking, the code is nowhere on the page.
    expect(await page.content()).not.toContain(number);

    await page.getByRole('button', { name: '显示卡密' }).tap();
    await page.getByTestId('code-number').waitFor();
    expect(await page.getByTestId('code-number').textContent()).toBe(number);
    expect(await page.getByTestId('instructions').textContent()).toContain('粘贴卡号后点击兑换');
    expect(await sys.db('order_events').where({ order_id: order.id, type: 'code_revealed' })).toHaveLength(1);

    await page.getByRole('button', { name: '复制' }).first().tap();
    await page.getByRole('button', { name: '已复制' }).first().waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(number);

    const width = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(width.scroll).toBeLessThanOrEqual(width.client);

    await page.getByRole('link', { name: 'English' }).tap();
    await page.getByRole('heading', { name: 'Your order' }).waitFor();
    expect(await page.getByTestId('instructions').textContent()).toContain('Open the music app');
    // Reloading the page is not a reveal: the code stays hidden until asked for again.
    expect(await page.content()).not.toContain(number);
    expect(await sys.db('order_events').where({ order_id: order.id, type: 'code_revealed' })).toHaveLength(1);
  } finally {
    await context.close();
  }
});
