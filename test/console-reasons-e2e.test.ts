import crypto from 'node:crypto';
import { found } from './found';
import { openConsoleBrowser, type ConsoleBrowser } from './console-browser';
import { startTestSystem, type TestSystem } from './harness';
import { placeOrder, useRules } from './risk-helpers';
import { addSupplier, card, route } from './supplier-helpers';

// Why an order was rejected reaches a person in their language: the API keeps its English
// sentence and adds the reason as codes with parameters, and the console words those codes; in
// Chinese nothing of the English sentence is left.

jest.setTimeout(180_000);

describe('order reasons in the reader’s language', () => {
  let sys: TestSystem;
  let ui: ConsoleBrowser;
  let owner: { email: string; password: string };
  let orderId: string;
  let heldId: string;
  let retriedId: string;
  beforeAll(async () => {
    sys = await startTestSystem();
    await sys.addSku('REASON-1', { codes: 4 });
    await useRules(sys, [{ name: 'Hold foreign cards', kind: 'country_mismatch', params: { between: ['ip', 'card'] }, action: 'review' }]);
    owner = await sys.addUser('owner');
    const listed = await sys.api('POST', '/admin/risk/lists', {
      key: sys.merchant.adminToken,
      body: { list: 'block', kind: 'email', value: 'blocked@example.com', reason: 'chargebacks' },
    });
    expect(listed.status).toBe(201);
    const placed = await sys.api('POST', '/v1/orders', {
      body: { externalRef: `reason-${crypto.randomBytes(4).toString('hex')}`, items: [{ sku: 'REASON-1', quantity: 1 }], buyer: { email: 'blocked@example.com' } },
    });
    orderId = placed.body.id;
    await sys.waitForOrder(orderId, ['cancelled']);
    const held = await placeOrder(sys, { ipCountry: 'US', cardCountry: 'CN', email: 'abroad@example.com' }, [{ sku: 'REASON-1', quantity: 1 }]);
    expect(held.status).toBe('held');
    heldId = held.id;
    // A supplier SKU whose one route cannot be bought through (as in test/supplier-purchase.test.ts):
    // it fails with a coded reason, and a retry fails it again, keeping the first reason on the timeline.
    const byHand = await addSupplier(sys, 'ByHand', [card('HAND-10', 900)]);
    await sys.addSku('NOROUTE-1', { mode: 'supplier', currency: 'USD', price: 1200 });
    await route(sys, 'NOROUTE-1', [{ supplier: byHand, product: 'HAND-10', maxUnitCost: 1000 }]);
    await sys.db('suppliers').where({ id: byHand.id }).update({ kind: 'manual' });
    await byHand.stop();
    const failing = await sys.api('POST', '/v1/orders', { body: { externalRef: `noroute-${crypto.randomBytes(4).toString('hex')}`, items: [{ sku: 'NOROUTE-1', quantity: 1 }] } });
    expect(failing.status).toBe(202);
    retriedId = failing.body.id;
    await sys.waitForOrder(retriedId, ['failed']);
    expect((await sys.api('POST', `/admin/orders/${retriedId}/retry`, { key: sys.merchant.adminToken, body: {} })).status).toBe(200);
    await sys.waitForOrder(retriedId, ['failed']);
    ui = await openConsoleBrowser(sys);
  });
  afterAll(async () => {
    await ui?.close();
    await sys?.stop();
  });

  test('when an order is rejected for a blocklisted buyer, then the admin API keeps the English sentence and adds its codes', async () => {
    const order = (await sys.api('GET', `/admin/orders/${orderId}`, { key: sys.merchant.adminToken })).body;
    expect(order.reason).toBe('risk_rejected: buyer email is on the blocklist (chargebacks)');
    expect(order.reasonCode).toEqual({ code: 'risk_rejected', params: {}, reasons: [{ code: 'list_blocked', params: { kind: 'email', note: 'chargebacks' } }] });
  });

  test('when the console is in Chinese, then the rejected order says why in Chinese; in English, in English', async () => {
    const { context, page } = await ui.signedIn(owner);
    await ui.go(page, `/orders/${orderId}/show`);
    const reason = page.getByTestId('order-reason');
    await reason.waitFor();
    // Positive control: the same order in English.
    expect(await reason.textContent()).toBe('Rejected by risk control: Buyer email is on the block list (chargebacks)');

    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('menuitem', { name: '简体中文' }).click();
    await page.getByText('被风控拒绝', { exact: false }).first().waitFor();
    expect(await reason.textContent()).toBe('被风控拒绝：买家邮箱在黑名单中（chargebacks）');
    expect(await page.getByTestId('risk-reasons').textContent()).toBe('买家邮箱在黑名单中（chargebacks）');
    await ui.shot(page, 'order-reason-zh');
    expect(ui.takePageErrors()).toEqual([]);
    await context.close();
  });

  test('when a risk check is written, then its timeline entry keeps the English reasons and adds their codes; an older entry takes the order’s own when they say the same', async () => {
    const blocked = [{ code: 'list_blocked', params: { kind: 'email', note: 'chargebacks' } }];
    const stored = found(await sys.db('order_events').where({ order_id: orderId, type: 'risk_checked' }).first('detail'), 'the risk check’s timeline entry');
    expect(stored.detail).toMatchObject({ reasons: ['buyer email is on the blocklist (chargebacks)'], explained: blocked });
    // Entries written before the codes were: one saying what the order's assessment says, one saying something else.
    const abroad = 'IP country US differs from card country CN';
    await sys.db('order_events').insert([
      { order_id: heldId, type: 'risk_checked', detail: JSON.stringify({ decision: 'review', score: 0, reasons: [abroad] }) },
      { order_id: heldId, type: 'risk_checked', detail: JSON.stringify({ decision: 'review', score: 0, reasons: ['some other reason'] }) },
    ]);
    const held = (await sys.api('GET', `/admin/orders/${heldId}`, { key: sys.merchant.adminToken })).body;
    const checks = held.timeline.filter((e: { type: string }) => e.type === 'risk_checked');
    const mismatch = [{ code: 'country_mismatch', params: { first: 'ip', firstCountry: 'US', second: 'card', secondCountry: 'CN' } }];
    expect(checks.map((e: { reasons: string[]; reasonCodes?: unknown }) => [e.reasons, e.reasonCodes])).toEqual([
      [[abroad], mismatch],
      [[abroad], mismatch],
      [['some other reason'], undefined],
    ]);
  });

  test('when the console is in Chinese, then the timeline words the risk check’s reasons and a retry’s previous reason, and the review queue its reasons', async () => {
    const shown = (await sys.api('GET', `/admin/orders/${retriedId}`, { key: sys.merchant.adminToken })).body;
    expect(shown.timeline.find((e: { type: string }) => e.type === 'retried').previousReasonCode).toEqual({ code: 'supplier_no_route', params: { sku: 'NOROUTE-1' } });

    const { context, page } = await ui.signedIn(owner);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('menuitem', { name: '简体中文' }).click();
    await page.getByRole('button', { name: '简体中文' }).waitFor();
    const event = (type: string) => page.getByTestId('timeline').locator('li', { has: page.getByTestId(`event-${type}`) });

    await ui.go(page, `/orders/${orderId}/show`);
    await page.getByTestId('order-reason').waitFor();
    const checked = await event('risk_checked').textContent();
    expect(checked).toContain('买家邮箱在黑名单中（chargebacks）');
    expect(checked).not.toContain('blocklist');

    await ui.go(page, `/orders/${retriedId}/show`);
    await event('retried').waitFor();
    const retried = await event('retried').textContent();
    expect(retried).toContain('没有供应商销售 NOROUTE-1：该商品没有启用的供货渠道');
    expect(retried).not.toContain('supplier_no_route');

    await ui.go(page, '/reviews');
    await page.getByTestId('reviews-grid').waitFor();
    expect(await page.getByTestId('risk-reasons').textContent()).toBe('IP国家 US 与银行卡国家 CN 不一致');
    await ui.go(page, `/reviews/${heldId}/show`);
    await page.getByTestId('review-ref').waitFor();
    expect(await page.getByTestId('risk-reasons').textContent()).toBe('IP国家 US 与银行卡国家 CN 不一致');
    await ui.shot(page, 'review-reasons-zh');
    expect(ui.takePageErrors()).toEqual([]);
    await context.close();
  });

  // The purchase step gave up with no route's reason: the failOrder step stores its failure text as
  // a code, and an older row's English is shown coded as an unknown detail; either way only the
  // error's or the old row's own words are left, in quotes.
  test('when a purchase step stopped on an error, or an old row kept English nobody recognised, then the console says why in Chinese, those words only quoted', async () => {
    const stopped = await placeOrder(sys, { ipCountry: 'US', cardCountry: 'CN', email: 'stopped@example.com' }, [{ sku: 'REASON-1', quantity: 1 }]);
    expect(stopped.status).toBe('held');
    await sys.activities.failOrder(stopped.id, 'supplier_unavailable: connect ECONNREFUSED 127.0.0.1:5432');
    const stored = found(await sys.db('orders').where({ id: stopped.id }).first('reason'), 'the failed order');
    expect(stored.reason).toMatch(/^supplier_unavailable: \{"params":\{\},"outcomes":\[\{"supplier":"","code":"unexpected_error"/);
    expect((await sys.api('GET', `/admin/orders/${stopped.id}`, { key: sys.merchant.adminToken })).body.reasonCode).toEqual({
      code: 'supplier_unavailable',
      params: {},
      outcomes: [{ supplier: '', code: 'unexpected_error', vendorCode: 'unexpected_error', message: 'connect ECONNREFUSED 127.0.0.1:5432' }],
    });

    const old = await placeOrder(sys, {}, [{ sku: 'REASON-1', quantity: 1 }]);
    // Let its workflow end (it settles after the delivery) before the row is rewritten, or the
    // settlement finds a failed order and fails it again with its own reason.
    await sys.finished(old.id);
    const oldReason = 'supplier_unavailable: no supplier can take unit 7d0c5d5e right now: Alpha: something new';
    await sys.db('orders').where({ id: old.id }).update({ status: 'failed', reason: oldReason });

    const { context, page } = await ui.signedIn(owner);
    await ui.go(page, `/orders/${stopped.id}/show`);
    const reason = page.getByTestId('order-reason');
    await reason.waitFor();
    // Positive control: in English first.
    expect(await reason.textContent()).toBe('The suppliers could not be reached: the purchase stopped on an unexpected error — it said “connect ECONNREFUSED 127.0.0.1:5432”');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('menuitem', { name: '简体中文' }).click();
    await page.getByText('无法连接供应商', { exact: false }).first().waitFor();
    expect(await reason.textContent()).toBe('无法连接供应商：采购因意外错误而中止——原话：“connect ECONNREFUSED 127.0.0.1:5432”');
    await ui.go(page, `/orders/${old.id}/show`);
    await page.getByText('原因不明', { exact: false }).first().waitFor();
    expect(await page.getByTestId('order-reason').textContent()).toBe('无法连接供应商：原因不明——原话：“no supplier can take unit 7d0c5d5e right now: Alpha: something new”');
    expect(ui.takePageErrors()).toEqual([]);
    await context.close();
  });

  // A retried order was judged again: its earlier check said other reasons than its assessment now,
  // and was written before the codes. The timeline is append-only, so the entry is read into codes.
  test('when an old risk check said other reasons than the order’s assessment now, then its reasons come coded, and the Chinese timeline has no English', async () => {
    const judged = await placeOrder(sys, { email: 'judged@example.com' }, [{ sku: 'REASON-1', quantity: 1 }]);
    expect(judged.status).toBe('delivered');
    const earlier = ['email buyer@mailinator.com is at a disposable-address provider (+35)', 'IP country US differs from card country CN'];
    await sys.db('order_events').insert({ order_id: judged.id, type: 'risk_checked', detail: JSON.stringify({ decision: 'review', score: 35, reasons: earlier }) });
    const timeline = (await sys.api('GET', `/admin/orders/${judged.id}`, { key: sys.merchant.adminToken })).body.timeline;
    const checks = timeline.filter((e: { type: string }) => e.type === 'risk_checked');
    expect(checks.at(-1)).toMatchObject({
      reasons: earlier,
      reasonCodes: [
        { code: 'disposable_email', params: { email: 'buyer@mailinator.com', points: 35 } },
        { code: 'country_mismatch', params: { first: 'ip', firstCountry: 'US', second: 'card', secondCountry: 'CN' } },
      ],
    });

    const { context, page } = await ui.signedIn(owner);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('menuitem', { name: '简体中文' }).click();
    await page.getByRole('button', { name: '简体中文' }).waitFor();
    await ui.go(page, `/orders/${judged.id}/show`);
    const entries = page.getByTestId('timeline').locator('li', { has: page.getByTestId('event-risk_checked') });
    await entries.first().waitFor();
    const said = (await entries.allTextContents()).join(' | ');
    expect(said).toContain('邮箱 buyer@mailinator.com 属于一次性邮箱服务商（+35）；IP国家 US 与银行卡国家 CN 不一致');
    expect(said).not.toMatch(/disposable|differs|review|allow/);
    expect(ui.takePageErrors()).toEqual([]);
    await context.close();
  });
});
