import type { Page } from 'playwright-core';
import { ORDER_ACTIONS, ORDER_STATUSES } from '../orders/lifecycle';
import { openConsoleBrowser, type ConsoleBrowser } from './console-browser';
import { startTestSystem, type TestSystem } from './harness';

// The console's order buttons, in a real browser: in every state it shows exactly the actions the
// admin API says the order allows (orders/lifecycle.ts decides both), and a refund can be of
// chosen units only.

jest.setTimeout(120_000);

let sys: TestSystem;
let ui: ConsoleBrowser;
let page: Page;
let n = 0;

beforeAll(async () => {
  sys = await startTestSystem();
  ui = await openConsoleBrowser(sys);
  // The owner may do everything: what is hidden is hidden by the order's state alone.
  ({ page } = await ui.signedIn(await sys.addUser('owner')));
});
afterAll(async () => {
  await ui?.close();
  await sys?.stop();
});
afterEach(() => expect(ui.takePageErrors()).toEqual([]));

async function deliveredOrder(quantity = 1): Promise<string> {
  const sku = `CON-${++n}`;
  await sys.addSku(sku, { codes: quantity });
  const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `console-actions-${n}`, items: [{ sku, quantity }] } });
  await sys.finished(placed.body.id);
  return placed.body.id;
}

async function shownActions(orderId: string): Promise<string[]> {
  await ui.go(page, `/orders/${orderId}/show`);
  await page.getByTestId('order-status').waitFor();
  await page.getByTestId('event-accepted').waitFor();
  const shown = await page.locator('[data-testid^="order-action-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')!.replace('order-action-', '')));
  return shown.sort();
}

test.each([...ORDER_STATUSES])('when an order is %s, then the console shows the buttons of exactly the actions the API allows', async (status) => {
  const id = await deliveredOrder();
  await sys.db('orders').where({ id }).update({ status });
  const allowed = (await sys.api('GET', `/admin/orders/${id}`, { key: sys.merchant.adminToken })).body.actions;
  expect(await shownActions(id)).toEqual(ORDER_ACTIONS.filter((a) => allowed[a]).sort());
});

test('when support refunds one unit of a delivered order from the console, then only that unit is refunded and the order stays delivered', async () => {
  const id = await deliveredOrder(2);
  await shownActions(id);
  await page.getByTestId('order-action-refund').click();
  const dialog = page.getByRole('dialog');
  await dialog.getByTestId('refund-units').waitFor();
  await dialog.getByRole('checkbox').nth(1).uncheck();
  await dialog.getByLabel('Reason').fill('one of the two codes did not work');
  await dialog.getByRole('button', { name: 'Refund' }).click();
  await page.getByTestId('event-refunded').waitFor();
  const units = await sys.db('order_units').where({ order_id: id }).orderBy('seq').pluck('status');
  expect(units.sort()).toEqual(['delivered', 'refunded']);
  expect((await sys.db('orders').where({ id }).first('status')).status).toBe('delivered');
});
