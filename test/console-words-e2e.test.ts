import crypto from 'node:crypto';
import { openConsoleBrowser, type ConsoleBrowser } from './console-browser';
import { startTestSystem, type TestSystem } from './harness';
import { addSupplier, card, route } from './supplier-helpers';
import type { OrderEventType } from '../orders/events';
import { codedReason } from '../orders/reasons';
import { codedVoidReason } from '../stock/void-reasons';

// Issue 13, "every message a person reads is translated": a built-in risk rule's name, what the
// anomaly model found unusual and what a supplier said reach a Chinese reader in Chinese (the
// supplier's own message only as a quoted detail); and the dashboard's money with two currencies
// is one figure in the reporting currency with the rate shown, beside each currency's own; why the
// system voided a code is worded from its code too.

jest.setTimeout(240_000);

// Read inside the browser (page.waitForFunction); the tests are compiled without the DOM's types.
declare const document: { querySelector(selector: string): { value: string } | null };

const ENGLISH_RULE_NAMES = ['Disposable email address', 'New account with a high-value order'];

describe('the console’s remaining English, in Chinese', () => {
  let sys: TestSystem;
  let ui: ConsoleBrowser;
  let owner: { email: string; password: string };
  let heldId: string;
  let failedId: string;
  let acme: Awaited<ReturnType<typeof addSupplier>> | undefined;
  afterEach(() => expect(ui.takePageErrors()).toEqual([]));

  const place = async (sku: string, buyer?: object) => {
    const res = await sys.api('POST', '/v1/orders', {
      body: { externalRef: `words-${crypto.randomBytes(4).toString('hex')}`, items: [{ sku, quantity: 1 }], ...(buyer ? { buyer } : {}) },
    });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };

  beforeAll(async () => {
    sys = await startTestSystem();
    await sys.db('merchants').where({ id: sys.merchant.merchantId }).update({ time_zone: 'Asia/Shanghai', reporting_currency: 'CNY' });
    owner = await sys.addUser('owner');
    // Held, not rejected: the built-in rules fire (new account, disposable email) and the model adds its points.
    const settings = await sys.api('PUT', '/admin/risk/settings', {
      key: sys.merchant.adminToken,
      body: { reviewScore: 50, rejectScore: 10_000, reviewTimeoutSeconds: 86_400, model: { enabled: true, maxScore: 40 } },
    });
    expect(settings.status).toBe(200);
    await sys.addSku('W-RISK', { codes: 1, price: 40_000, cost: 30_000, currency: 'CNY' });
    heldId = await place('W-RISK', { email: 'someone@mailinator.com', accountId: 'acct-new', accountCreatedAt: new Date(Date.now() - 10 * 60_000).toISOString() });
    await sys.waitForOrder(heldId, ['held']);

    // A supplier that has none left.
    acme = await addSupplier(sys, 'Acme', [card('GONE', 100, { stock: 0 })]);
    await sys.addSku('W-SUP', { mode: 'supplier', price: 300, cost: 100, currency: 'USD' });
    await route(sys, 'W-SUP', [{ supplier: acme, product: 'GONE', maxUnitCost: 200 }]);
    failedId = await place('W-SUP');
    await sys.waitForOrder(failedId, ['failed']);

    // Today's sales in two currencies.
    await sys.addSku('W-CNY', { codes: 1, price: 1000, cost: 600, currency: 'CNY' });
    await sys.addSku('W-USD', { codes: 1, price: 500, cost: 300, currency: 'USD' });
    for (const sku of ['W-CNY', 'W-USD']) await sys.finished(await place(sku));
    ui = await openConsoleBrowser(sys);
  });
  afterAll(async () => {
    await ui?.close();
    await acme?.stop();
    await sys?.stop();
  });

  test('when no rate is entered, then the dashboard says why it shows each currency on its own; with one, it converts by it', async () => {
    const before = (await sys.api('GET', '/admin/dashboard', { key: sys.merchant.adminToken })).body;
    expect(before.todayConverted).toEqual({ figure: null, rates: [], whyNot: { code: 'rate_missing', params: { currencies: 'USD', to: 'CNY' } } });
    const rate = await sys.api('POST', '/admin/reporting/rates', {
      key: sys.merchant.adminToken,
      body: { day: '2026-01-01', fromCurrency: 'USD', toCurrency: 'CNY', rate: '7.2' },
    });
    expect(rate.status).toBe(200);
    const after = (await sys.api('GET', '/admin/dashboard', { key: sys.merchant.adminToken })).body;
    // ¥10.00 + $5.00 × 7.2, and ¥4.00 + $2.00 × 7.2 of gross profit.
    expect(after.todayConverted).toMatchObject({
      figure: { currency: 'CNY', gmv: 4600, grossProfit: 1840 },
      rates: [{ from: 'USD', to: 'CNY', rate: '7.2000000000' }],
      whyNot: null,
    });
  });

  test('when the owner reads in Chinese, then rule names, the model’s reasons, the supplier’s outcome and the converted headline are Chinese', async () => {
    const { context, page } = await ui.signedIn(owner);
    await ui.go(page, '/');
    await page.getByTestId('converted-gmv').waitFor();
    // Positive control in English first.
    expect(await page.getByTestId('converted-gmv').textContent()).toMatch(/^Today in CNY: \s*(CN)?¥46\.00$/);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('menuitem', { name: '简体中文' }).click();
    await page.getByTestId('converted-gmv').getByText('今日合计（CNY）', { exact: false }).waitFor();
    expect(await page.getByTestId('converted-gmv').textContent()).toMatch(/^今日合计（CNY）：\s*¥46\.00$/);
    expect(await page.getByTestId('converted-rates').textContent()).toBe('按 1 USD = 7.2 CNY 折算（与报表所用汇率相同）。');
    expect(await page.getByTestId('gmv-USD').textContent()).toContain('5.00');
    expect(await page.getByTestId('gmv-CNY').textContent()).toContain('¥10.00');
    await ui.shot(page, 'dashboard-converted-zh');

    await ui.go(page, `/reviews/${heldId}/show`);
    const findings = page.getByTestId('risk-findings');
    await findings.getByText('一次性邮箱地址').waitFor();
    await findings.getByText('新账号下大额订单').waitFor();
    const findingsText = (await findings.textContent()) ?? '';
    for (const english of ENGLISH_RULE_NAMES) expect(findingsText).not.toContain(english);
    const model = page.getByTestId('risk-model');
    await model.waitFor();
    const modelText = (await model.textContent()) ?? '';
    expect(modelText).toMatch(/账号注册 10 分钟；买家账号的中位数为 \d+ 天（比冷启动先验中的普通订单中 1\/\d+ 的情况更罕见）/);
    expect(modelText).not.toMatch(/[a-z]{3,}/i);
    await ui.shot(page, 'review-words-zh');

    await ui.go(page, `/risk-rules`);
    await page.getByTestId('rules-grid').getByText('盗卡测试：同一 IP 一分钟内大量下单').waitFor();
    expect(await page.getByTestId('rules-grid').getByText('Card testing: many orders from one IP in a minute').count()).toBe(0);

    await ui.go(page, `/orders/${failedId}/show`);
    const reason = page.getByTestId('order-reason');
    await reason.getByText('没有供应商能供货', { exact: false }).waitFor();
    // The supplier's own message stays as it said it, in quotes; everything around it is Chinese.
    expect(await reason.textContent()).toBe('没有供应商能供货：Acme：缺货——原话：“the supplier refused the request (out_of_stock)”');
    await ui.shot(page, 'supplier-outcome-zh');
    await context.close();
  });

  test('when the owner reads an order’s timeline in Chinese, then events that had no sentence of their own (needs attention, a bundle undone, a bulk order finished, links, gifts) read in Chinese, not as English name: value pairs', async () => {
    await sys.addSku('W-EV', { codes: 1, price: 1000, cost: 600, currency: 'CNY' });
    const orderId = await place('W-EV');
    await sys.finished(orderId);
    // The details exactly as the server writes them (orders/needs-attention.ts, orders/bundle-undo.ts,
    // orders/bulk/, orders/buyer-delivery.ts, orders/gifts.ts, orders/delivery-lookup.ts).
    const at = new Date(Date.now() + 86_400_000).toISOString();
    const events: [OrderEventType, object][] = [
      ['needs_attention', { step: 'delivering', code: 'units_without_code', params: { withCode: 0, units: 1 } }],
      ['attention_resolved', { action: 'retry', note: '卡密已恢复', step: 'delivering', code: 'units_without_code', by: 'user:support@shop.example' }],
      ['handed_to_manual', { units: 1 }],
      [
        'bundle_undone',
        {
          codesReturnedToStock: 1,
          codesVoided: 2,
          writtenOff: 500,
          topUpsToRefund: [crypto.randomUUID()],
          note: 'these parts were topped up before the bundle failed; refund them to the buyer',
        },
      ],
      ['bulk_finished', { status: 'partially_delivered', delivered: 12, failed: 18 }],
      ['bulk_file_written', { rows: 12 }],
      ['delivery_link_issued', { issuedFor: 'lookup', expiresAt: at }],
      ['gift_scheduled', { giftId: crypto.randomUUID(), deliverAt: at, channel: 'email' }],
      ['gift_sent', { giftId: crypto.randomUUID(), channel: 'sms', codesInEmail: 1 }],
      ['lookup_code_sent', { channel: 'email' }],
    ];
    await sys.db('order_events').insert(events.map(([type, detail]) => ({ order_id: orderId, type, detail: JSON.stringify(detail) })));

    const { context, page } = await ui.signedIn(owner);
    await ui.go(page, `/orders/${orderId}/show`);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('menuitem', { name: '简体中文' }).click();
    const timeline = page.getByTestId('timeline');
    await timeline.getByText('1 个单元中只有 0 个有卡密或凭证', { exact: false }).waitFor();
    const text = (await timeline.textContent()) ?? '';
    for (const words of [
      '在「发货」',
      '已重试 · 卡密已恢复',
      '2 个卡密已作废',
      '1 个卡密退回库存',
      '已核销损失',
      '套餐失败前已有 1 件完成直充：请退款给买家',
      '部分交付 · 已交付 12 件，18 件无法获得',
      '12 行',
      '给查询订单的买家',
      '通过邮件',
      '通过短信',
      '消息中含 1 个卡密',
    ])
      expect(text).toContain(words);
    // No English detail names or sentences left (the status chip and code masks aside).
    expect(text).not.toMatch(/codesReturnedToStock|codesVoided|issuedFor|channel:|step:|these parts were topped up/);
    await ui.shot(page, 'timeline-events-zh');
    await context.close();
  });

  test('when the owner reads a SKU’s voided codes in Chinese, then why the system voided each (a refund, an undone bundle with its order’s reason, a twin) is Chinese, with no English', async () => {
    await sys.addSku('W-VOID', { codes: 3, price: 1000, cost: 600, currency: 'CNY' });
    const refundedId = await place('W-VOID');
    await sys.finished(refundedId);
    const refunded = await sys.api('POST', `/admin/orders/${refundedId}/refund`, { key: sys.merchant.adminToken, body: { reason: '买家说卡密无效' } });
    expect(refunded.status).toBe(200);
    // The other two exactly as orders/bundle-undo.ts and stock/refingerprint.ts write them.
    const others = await sys
      .db('codes')
      .whereIn('sku_id', sys.db('skus').where({ code: 'W-VOID' }).select('id'))
      .where({ status: 'available' })
      .orderBy('id')
      .limit(2)
      .pluck('id');
    const voided = (reason: string) => ({ status: 'voided', voided_at: new Date(), void_reason: reason });
    await sys
      .db('codes')
      .where({ id: others[0] })
      .update(voided(codedVoidReason('bundle_undone', {}, codedReason('supplier_no_route', { sku: 'W-VOID' }))));
    await sys
      .db('codes')
      .where({ id: others[1] })
      .update(voided(codedVoidReason('duplicate_code')));

    const { context, page } = await ui.signedIn(owner);
    await ui.go(page, '/stock/W-VOID/show');
    await page.getByTestId('codes-tab').click();
    const grid = page.getByTestId('codes-grid');
    // Positive control: in English first.
    await grid.getByText('Its order was refunded', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('menuitem', { name: '简体中文' }).click();
    await ui.go(page, '/stock/W-VOID/show');
    await page.getByTestId('codes-tab').click();
    await grid.getByText('所属订单已退款', { exact: true }).waitFor();
    const said = (await grid.getByTestId('void-reason').allTextContents()).sort();
    expect(said).toEqual(['与另一个卡密相同（重新生成指纹时发现）', '所属套餐已撤销：没有供应商销售 W-VOID：该商品没有启用的供货渠道', '所属订单已退款'].sort());
    for (const text of said) expect(text.replace('W-VOID', '')).not.toMatch(/[a-z]{2,}/i);
    await ui.shot(page, 'void-reasons-zh');
    await context.close();
  });

  test('when the owner edits a built-in rule in Chinese, then its name box shows the Chinese name, and saving it with its name untouched keeps the rule built-in', async () => {
    const rules = (await sys.api('GET', '/admin/risk/rules', { key: sys.merchant.adminToken })).body as { id: string; name: string; kind: string; nameWords: unknown }[];
    const disposable = rules.find((r) => r.kind === 'disposable_email');
    expect(disposable).toMatchObject({ name: 'Disposable email address', nameWords: { code: 'disposable_email' } });
    const { context, page } = await ui.signedIn(owner);
    await ui.go(page, `/risk-rules/${disposable!.id}`);
    const name = page.locator('input[name="name"]');
    await name.waitFor();
    const nameShows = (text: string) => page.waitForFunction((want) => document.querySelector('input[name="name"]')?.value === want, text, { polling: 100 });
    // Positive control: in English, the English name.
    await nameShows('Disposable email address');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('menuitem', { name: '简体中文' }).click();
    await nameShows('一次性邮箱地址');
    expect(await name.inputValue()).toBe('一次性邮箱地址');
    await ui.shot(page, 'rule-edit-zh');

    // Another field changed, the name left as shown.
    await page.locator('input[name="score"]').fill('36');
    await page.getByRole('button', { name: '保存' }).click();
    await page.getByTestId('rules-grid').getByText('一次性邮箱地址').waitFor();
    const saved = (await sys.api('GET', `/admin/risk/rules/${disposable!.id}`, { key: sys.merchant.adminToken })).body;
    expect(saved).toMatchObject({ name: 'Disposable email address', nameWords: { code: 'disposable_email' }, score: 36 });
    await context.close();
  });
});
