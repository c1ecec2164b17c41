import type { Page } from 'playwright-core';
import { ORDER_ACTIONS, ORDER_STATUSES } from '../orders/lifecycle';
import { openConsoleBrowser, type ConsoleBrowser } from './console-browser';
import { startTestSystem, type TestSystem } from './harness';
import { addSupplier, card, route } from './supplier-helpers';

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
  const shown = await page
    .locator('[data-testid^="order-action-"]')
    .evaluateAll((els) => els.map((e) => (e as unknown as { getAttribute(name: string): string }).getAttribute('data-testid').replace('order-action-', '')));
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
  expect((await sys.db('orders').where({ id }).first('status'))?.status).toBe('delivered');
});

test('when support retries in bulk the orders that failed on a supplier, then the console lists them first, asks, and says per order that it was retried', async () => {
  const shop = await addSupplier(sys, 'OutageShop', [card('CARD-X', 300)]);
  try {
    await sys.addSku('CON-BUY', { mode: 'supplier', currency: 'USD', price: 400 });
    await route(sys, 'CON-BUY', [{ supplier: shop, product: 'CARD-X', maxUnitCost: 350 }]);
    await shop.fault({ kind: 'stock_out_after', product: 'CARD-X', times: 0 });
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: 'console-bulk-1', items: [{ sku: 'CON-BUY', quantity: 1 }] } });
    await sys.finished(placed.body.id);
    expect((await sys.db('orders').where({ id: placed.body.id }).first('status'))?.status).toBe('failed');
    await shop.clearFaults();

    await ui.go(page, '/orders');
    await page.getByTestId('bulk-retry').click();
    const dialog = page.getByTestId('bulk-retry-dialog');
    await dialog.getByRole('combobox', { name: 'Supplier' }).click();
    await page.getByRole('option', { name: 'OutageShop' }).click();
    await dialog.getByRole('button', { name: 'Find orders' }).click();
    await dialog.getByTestId('bulk-retry-found').getByText('1 failed order will be retried').waitFor();
    await dialog.getByTestId('bulk-retry-confirm').click();
    await dialog.getByTestId('bulk-retry-retried').getByText('console-bulk-1 · Retried').waitFor();
    await sys.finished(placed.body.id);
    expect((await sys.db('orders').where({ id: placed.body.id }).first('status'))?.status).toBe('delivered');
  } finally {
    await shop.stop();
  }
});
