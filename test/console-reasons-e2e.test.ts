import crypto from 'node:crypto';
import { openConsoleBrowser, type ConsoleBrowser } from './console-browser';
import { startTestSystem, type TestSystem } from './harness';

// Why an order was rejected reaches a person in their language: the API keeps its English
// sentence and adds the reason as codes with parameters, and the console words those codes; in
// Chinese nothing of the English sentence is left.

jest.setTimeout(180_000);

describe('order reasons in the reader’s language', () => {
  let sys: TestSystem;
  let ui: ConsoleBrowser;
  let owner: { email: string; password: string };
  let orderId: string;
  beforeAll(async () => {
    sys = await startTestSystem();
    await sys.addSku('REASON-1', { codes: 2 });
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
});
