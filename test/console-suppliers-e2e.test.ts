import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startSupplierSim, type SupplierSim } from '../supplier-sim/server';
import { createSupplier } from '../suppliers/supplier-config';
import { launchChromium } from './browser';
import { startTestSystem, type TestSystem } from './harness';
import { card } from './supplier-helpers';
import { found } from './found';

// The suppliers part of the console in a real browser (Chromium via playwright-core),
// against the built console, the real API and the supplier simulator over HTTP: an operator adds a
// supplier and gives a product routes, support fulfils a manual order by hand and the storefront
// receives that code, and a viewer can change none of it. Screenshots land in
// test-artifacts/screenshots/ (20-…).

const SHOTS = path.resolve(__dirname, '..', 'test-artifacts', 'screenshots');
const hex = () => crypto.randomBytes(4).toString('hex');

jest.setTimeout(120_000);

describe('suppliers, routes and manual fulfilment in the console', () => {
  let sys: TestSystem;
  let sim: SupplierSim;
  let browser: Browser;
  const partner = { id: `cardflow-e2e-${hex()}`, secret: `sim-secret-${hex()}${hex()}` };
  let backupId: string;
  let operator: { email: string; password: string };
  // Any script error in the page fails the test that caused it.
  let pageErrors: string[] = [];
  afterEach(() => {
    const errors = pageErrors;
    pageErrors = [];
    expect(errors).toEqual([]);
  });

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    sys = await startTestSystem();
    sim = await startSupplierSim({ catalogue: [card('STEAM-20', 1850)], partners: [{ id: partner.id, secret: partner.secret, currency: 'USD', balance: 123_456 }] });
    // Two more suppliers on the same simulator, so a product can have two routes.
    const onSim = { kind: 'api', adapter: 'cardflow-sim', baseUrl: sim.url, currency: 'USD', credentials: { partnerId: partner.id, secret: partner.secret } } as const;
    backupId = await createSupplier(sys.db, sys.vault, sys.merchant.merchantId, { ...onSim, name: 'Backup Cards', lowBalanceThreshold: 100_000 });
    await createSupplier(sys.db, sys.vault, sys.merchant.merchantId, { ...onSim, name: 'Prime Cards' });
    await sys.addSku('STEAM-20', { mode: 'supplier', currency: 'USD', price: 2000, cost: 1850 });
    await sys.addSku('HAND-50', { mode: 'manual', price: 5000, cost: 4500 });
    await sys.addSku('HAND-TOPUP', { mode: 'manual', price: 3000, cost: 2800 });
    await sys.addSku('GAME-STOCK', { codes: 2, price: 1000 });
    operator = await sys.addUser('operator');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
    await sys?.stop();
  });

  async function signedIn(user: { email: string; password: string }, locale = 'en-US'): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ locale, timezoneId: 'Asia/Shanghai', viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${sys.baseUrl}/console/`);
    await page.getByLabel(locale.startsWith('zh') ? '邮箱' : 'Email').fill(user.email);
    await page.getByLabel(locale.startsWith('zh') ? '密码' : 'Password').fill(user.password);
    await page.getByRole('button', { name: locale.startsWith('zh') ? '登录' : 'Sign in' }).click();
    await page.getByTestId('dashboard').waitFor();
    return { context, page };
  }
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const go = (page: Page, route: string) => page.goto(`${sys.baseUrl}/console/#${route}`);
  /** Picks an option of a react-admin / MUI select by the select's label. */
  async function choose(page: Page, label: string, option: string) {
    await page.getByRole('combobox', { name: label }).click();
    await page.getByRole('option', { name: option, exact: true }).click();
  }
  /** The order waits visibly: its manual task is open (the workflow's step says so a moment earlier). */
  async function waitingOnPerson(orderId: string) {
    for (let i = 0; i < 300; i++) {
      if (await sys.db('manual_tasks').where({ order_id: orderId, status: 'open' }).first('id')) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`order ${orderId} has no open manual task after 30 s`);
  }

  test('when an operator adds a supplier, then its credentials are never shown back, it says "set", and refreshing the balance shows what the supplier reports', async () => {
    const { context, page } = await signedIn(operator);
    await go(page, '/suppliers/create');
    await page.getByLabel('Name').fill('Steam Wholesale');
    await choose(page, 'Currency', 'USD');
    await choose(page, 'Protocol', 'cardflow-sim');
    await page.getByLabel('API base URL').fill(sim.url);
    await page.getByLabel('Partner id').fill(partner.id);
    await page.getByLabel('API secret').fill(partner.secret);
    await page.getByLabel('Low-balance alert below').fill('5000');
    await page.getByRole('button', { name: 'Save' }).click();

    await page.getByTestId('supplier-name').getByText('Steam Wholesale').waitFor();
    await page.getByTestId('credentials-state').getByText('Set').waitFor();
    await page.getByTestId('supplier-balance').getByText('Not checked yet').waitFor();
    expect(await page.content()).not.toContain(partner.secret);
    const row = found(await sys.db('suppliers').where({ name: 'Steam Wholesale' }).first(), 'supplier Steam Wholesale');
    expect(row).toMatchObject({ kind: 'api', adapter: 'cardflow-sim', base_url: sim.url, currency: 'USD', low_balance_threshold: 500_000 });
    expect(row.credentials?.toString('latin1')).not.toContain(partner.secret);
    const answered = await page.request.get(`${sys.baseUrl}/admin/suppliers/${row.id}`);
    expect(await answered.json()).toMatchObject({ hasCredentials: true });
    expect(await answered.text()).not.toContain(partner.secret);

    // The simulator holds $1,234.56 for this partner: below the $5,000.00 alert threshold.
    await page.getByTestId('refresh-balance').click();
    await page.getByTestId('supplier-balance').getByText('$1,234.56').waitFor();
    await page.getByText('The supplier reports $1,234.56').waitFor();

    // Editing starts with empty credential fields, and leaves the credentials alone unless typed.
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByTestId('credentials-state').getByText('Set').waitFor();
    expect(await page.getByLabel('Partner id').inputValue()).toBe('');
    expect(await page.getByLabel('API secret').inputValue()).toBe('');
    await page.getByLabel('Timeout (ms)').fill('4000');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('supplier-name').getByText('Steam Wholesale').waitFor();
    const after = found(await sys.db('suppliers').where({ id: row.id }).first(), 'the edited supplier');
    expect(after.timeout_ms).toBe(4000);
    expect(after.credentials).toEqual(row.credentials);
    // Only one of the two typed is refused beside the other field, and nothing is sent.
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('API secret').fill('half-a-change');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Enter both the partner id and the secret').waitFor();
    expect((await sys.db('suppliers').where({ id: row.id }).first())?.credentials).toEqual(row.credentials);

    await go(page, '/suppliers');
    const listed = page.getByRole('row').filter({ hasText: 'Steam Wholesale' });
    await listed.getByText('$1,234.56').waitFor();
    await listed.getByText('$5,000.00').waitFor();
    await listed.getByText('Healthy').waitFor();
    await shot(page, '20-suppliers');

    // The low balance is an open alert on the dashboard, in words.
    await go(page, '/');
    await page.getByTestId('open-alerts').getByText('Supplier Steam Wholesale has $1,234.56 left, below its alert threshold of $5,000.00. Top it up.').waitFor();
    // Low stock lists products sold from stock only: a manual product has none to run low.
    await page
      .getByRole('link', { name: /GAME-STOCK/ })
      .getByText('2 left (threshold 10)')
      .waitFor();
    expect(await page.getByRole('link', { name: /HAND-50/ }).count()).toBe(0);
    await shot(page, '21-dashboard-alerts');
    // The alerts list says the same, and leads to the supplier.
    await page.getByTestId('open-alerts').getByRole('link', { name: 'All alerts' }).click();
    const alert = page.getByTestId('alerts-grid').getByRole('row').filter({ hasText: 'Low supplier balance' });
    await alert.getByText('Supplier Steam Wholesale has $1,234.56 left', { exact: false }).waitFor();
    await alert.click();
    await page.getByTestId('supplier-name').getByText('Steam Wholesale').waitFor();
    await context.close();
  });

  test('when an operator gives a product two routes and reorders them, then they are saved in that order and an order is bought along the first', async () => {
    const { context, page } = await signedIn(operator);
    await go(page, '/skus/STEAM-20');
    const routes = page.getByTestId('routes-card');
    await routes.getByTestId('routes-empty').waitFor();
    await routes.getByTestId('route-add').click();
    await routes.getByTestId('route-add').click();
    const rows = routes.getByTestId('route-row');
    await rows.nth(0).getByRole('combobox').click();
    await page.getByRole('option', { name: 'Prime Cards' }).click();
    await rows.nth(0).getByLabel('Supplier product code').fill('STEAM-20');
    await rows.nth(1).getByRole('combobox').click();
    await page.getByRole('option', { name: 'Backup Cards' }).click();
    await rows.nth(1).getByLabel('Supplier product code').fill('STEAM-20');
    await rows.nth(1).getByLabel('Max unit cost').fill('19.50');
    // The first row has no maximum yet: refused beside it, nothing saved.
    await routes.getByTestId('routes-save').click();
    await rows.nth(0).getByText('An amount above zero, such as 19.50').waitFor();
    expect(await sys.db('sku_supplier_routes')).toHaveLength(0);
    await rows.nth(0).getByLabel('Max unit cost').fill('19');
    // Backup first.
    await rows.nth(1).getByRole('button', { name: 'Try earlier' }).click();
    await shot(page, '22-product-routes');
    await routes.getByTestId('routes-save').click();
    await page.getByText('Routes saved').waitFor();
    const saved = await sys
      .db('sku_supplier_routes as r')
      .join('suppliers as s', 's.id', 'r.supplier_id')
      .orderBy('r.priority')
      .select('s.name', 'r.priority', 'r.supplier_product', 'r.max_unit_cost', 'r.active');
    expect(saved).toEqual([
      { name: 'Backup Cards', priority: 1, supplier_product: 'STEAM-20', max_unit_cost: 1950, active: true },
      { name: 'Prime Cards', priority: 2, supplier_product: 'STEAM-20', max_unit_cost: 1900, active: true },
    ]);
    // The page shows the saved list, in the saved order, with money in dollars.
    await page.reload();
    await rows.nth(0).getByRole('combobox').getByText('Backup Cards').waitFor();
    expect(await rows.nth(1).getByLabel('Max unit cost').inputValue()).toBe('19.00');

    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `routed-${hex()}`, items: [{ sku: 'STEAM-20', quantity: 1 }] } });
    expect(placed.status).toBe(202);
    await sys.finished(placed.body.id);
    const delivered = (await sys.api('GET', `/v1/orders/${placed.body.id}`)).body;
    expect(delivered.status).toBe('delivered');
    expect(await sys.db('supplier_purchases').where({ order_id: placed.body.id, status: 'succeeded' }).pluck('supplier_id')).toEqual([backupId]);

    // The API refuses a route to a supplier selling in another currency, per row, and keeps the routes.
    const euro = await createSupplier(sys.db, sys.vault, sys.merchant.merchantId, {
      name: 'Euro Cards',
      kind: 'api',
      adapter: 'cardflow-sim',
      baseUrl: sim.url,
      currency: 'EUR',
      credentials: { partnerId: partner.id, secret: partner.secret },
    });
    const refused = await page.request.put(`${sys.baseUrl}/admin/skus/STEAM-20/routes`, {
      data: { routes: [{ supplierId: euro, supplierProduct: 'STEAM-20', maxUnitCost: 1900 }] },
    });
    expect(refused.status()).toBe(400);
    expect((await refused.json()).errors).toEqual({ 'routes.0.supplierId': 'Euro Cards sells in EUR; this SKU is priced in USD' });
    expect(await sys.db('sku_supplier_routes')).toHaveLength(2);
    await context.close();
  });

  test("when an operator sets a manual product's deadlines the wrong way round, then the form says so beside the field and nothing changes; right way round, they are saved, and a stock product's supplier fallback too", async () => {
    const { context, page } = await signedIn(operator);
    await go(page, '/skus/HAND-50');
    expect(await page.getByLabel('Alert a person after (minutes)').inputValue()).toBe('15');
    expect(await page.getByLabel('Cancel the order after (minutes)').inputValue()).toBe('1440');
    // A product that never buys from suppliers has no routes to edit.
    expect(await page.getByTestId('routes-card').count()).toBe(0);
    await page.getByLabel('Alert a person after (minutes)').fill('30');
    await page.getByLabel('Cancel the order after (minutes)').fill('20');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Must be later than the escalation').waitFor();
    expect(await sys.db('skus').where({ code: 'HAND-50' }).first('manual_escalate_after_seconds', 'manual_cancel_after_seconds')).toEqual({
      manual_escalate_after_seconds: 900,
      manual_cancel_after_seconds: 86_400,
    });
    await page.getByLabel('Cancel the order after (minutes)').fill('120');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('row').filter({ hasText: 'HAND-50' }).waitFor();
    expect(await sys.db('skus').where({ code: 'HAND-50' }).first('manual_escalate_after_seconds', 'manual_cancel_after_seconds')).toEqual({
      manual_escalate_after_seconds: 1800,
      manual_cancel_after_seconds: 7200,
    });

    await go(page, '/skus/GAME-STOCK');
    await page.getByLabel('Buy from the supplier routes when stock runs out').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('row').filter({ hasText: 'GAME-STOCK' }).waitFor();
    expect(await sys.db('skus').where({ code: 'GAME-STOCK' }).first('supplier_fallback', 'price')).toEqual({ supplier_fallback: true, price: 1000 });
    // Now it buys when stock runs out, so its routes can be edited.
    await go(page, '/skus/GAME-STOCK');
    await page.getByTestId('routes-card').getByTestId('routes-empty').waitFor();
    await context.close();
  });

  test('when a storefront orders manual products, then the order waits on a person; support enters the code and the receipt, and the storefront receives exactly those', async () => {
    // An earlier order, fulfilled by hand through the API, so this product already holds a code.
    const earlier = await sys.api('POST', '/v1/orders', { body: { externalRef: `hand-earlier-${hex()}`, items: [{ sku: 'HAND-50', quantity: 1 }] } });
    await waitingOnPerson(earlier.body.id);
    const heldCode = `HAND-OLD-${hex().toUpperCase()}`;
    const first = await sys.api('POST', `/admin/orders/${earlier.body.id}/manual-fulfilment`, {
      key: sys.merchant.adminToken,
      body: { codes: [{ number: heldCode, pin: '1111' }] },
    });
    expect(first.status).toBe(200);
    await sys.finished(earlier.body.id);

    const ref = `hand-${hex()}`;
    const placed = await sys.api('POST', '/v1/orders', {
      body: {
        externalRef: ref,
        items: [
          { sku: 'HAND-50', quantity: 1 },
          { sku: 'HAND-TOPUP', quantity: 1, account: 'player-778' },
        ],
      },
    });
    expect(placed.status).toBe(202);
    const orderId = placed.body.id;
    await waitingOnPerson(orderId);

    const support = await sys.addUser('support');
    const { context, page } = await signedIn(support);
    await page.getByTestId('waiting-list').getByText(ref).waitFor();
    await page
      .getByTestId('waiting-list')
      .getByText(/Fulfil by hand before/)
      .waitFor();
    await go(page, '/manual-tasks');
    const task = page.getByRole('row').filter({ hasText: ref });
    await task.getByText('Waiting').waitFor();
    await task.getByText('1 code · 1 top-up receipt').waitFor();
    await shot(page, '23-manual-tasks');
    await task.click();
    await page.getByTestId('order-ref').getByText(ref).waitFor();
    await page.getByTestId('manual-task').getByText('Waiting to be fulfilled by hand').waitFor();

    await page.getByTestId('order-action-fulfil').click();
    const form = page.getByTestId('manual-fulfil-dialog');
    // Units come by product code: HAND-50 (a code), then HAND-TOPUP (a receipt for the buyer's account).
    await form.getByTestId('manual-unit').nth(0).getByText('HAND-50, unit 1').waitFor();
    await form.getByTestId('manual-unit').nth(1).getByText('Top up account player-778').waitFor();
    // Nothing typed: each unit says what it needs, and nothing is sent.
    await form.getByTestId('manual-fulfil-submit').click();
    expect(await form.getByText('Required').count()).toBe(2);
    // A code this product already holds: the API refuses it, and the form says which unit.
    await form.getByTestId('manual-code-number').fill(heldCode);
    await form.getByTestId('manual-code-pin').fill('1111');
    await form.getByTestId('manual-receipt').fill('TXN-778-001');
    await form.getByLabel('Paid per unit (optional)').fill('45');
    await form.getByTestId('manual-fulfil-submit').click();
    const confirm = page.getByRole('dialog', { name: 'Deliver to the buyer now?' });
    await confirm.getByText('Deliver 2 units to the buyer now?', { exact: false }).waitFor();
    await confirm.getByRole('button', { name: 'Fulfil' }).click();
    await form.getByTestId('manual-fulfil-error').getByText('Unit 1: this code was already sold. Nothing was saved.').waitFor();
    expect((await sys.db('orders').where({ id: orderId }).first())?.status).toBe('processing');
    expect(await sys.db('manual_tasks').where({ order_id: orderId }).first('status')).toEqual({ status: 'open' });

    const code = `HAND-NEW-${hex().toUpperCase()}`;
    await form.getByTestId('manual-code-number').fill(code);
    await form.getByTestId('manual-code-pin').fill('4321');
    await shot(page, '24-manual-fulfil-form');
    await form.getByTestId('manual-fulfil-submit').click();
    await confirm.getByRole('button', { name: 'Fulfil' }).click();
    await page.getByText('Order fulfilled; it is being delivered').waitFor();
    await form.waitFor({ state: 'detached' });
    await page.getByTestId('order-status').getByText('Delivered').waitFor();
    await page.getByTestId('unit-receipt').getByText('Receipt TXN-778-001').waitFor();
    await page.getByTestId('manual-task').getByText(`Fulfilled by hand by ${support.email}`).waitFor();
    await page.getByTestId('event-manual_fulfilled').waitFor();
    // The console shows the code masked, never the code.
    await page.getByTestId('unit-code-mask').waitFor();
    expect(await page.content()).not.toContain(code);
    await shot(page, '25-order-fulfilled-by-hand');

    await sys.finished(orderId);
    const delivered = (await sys.api('GET', `/v1/orders/${orderId}`)).body;
    expect(delivered.status).toBe('delivered');
    const bySku = Object.fromEntries(delivered.items.map((i: any) => [i.sku, i.units[0]]));
    expect(bySku['HAND-50'].code).toMatchObject({ number: code, pin: '4321' });
    expect(bySku['HAND-TOPUP'].receipt).toEqual({ receipt: 'TXN-778-001', account: 'player-778' });
    expect(await sys.db('settlements').where({ order_id: orderId }).first('cost')).toEqual({ cost: 9000 });
    expect(
      await sys
        .db('audit_log')
        .where({ action: 'order.manual_fulfilment', target: `order:${orderId}` })
        .pluck('actor'),
    ).toEqual([`user:${support.email}`]);
    await go(page, '/manual-tasks');
    await page.getByTestId('manual-tasks-empty').waitFor();
    await context.close();
  });

  test('when a viewer opens suppliers and a waiting manual order, then there is no Create, Edit, Refresh or Fulfil, and the API refuses each with 403; an operator has them', async () => {
    const supplier = found(await sys.db('suppliers').where({ id: backupId }).first(), 'the backup supplier');
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `viewer-hand-${hex()}`, items: [{ sku: 'HAND-50', quantity: 1 }] } });
    await waitingOnPerson(placed.body.id);

    const viewer = await sys.addUser('viewer');
    const { context, page } = await signedIn(viewer);
    await go(page, '/suppliers');
    await page.getByRole('row').filter({ hasText: 'Backup Cards' }).click();
    await page.getByTestId('supplier-name').getByText('Backup Cards').waitFor();
    await page.getByTestId('credentials-state').getByText('Set').waitFor();
    expect(await page.getByTestId('refresh-balance').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Edit' }).count()).toBe(0);
    await go(page, '/suppliers');
    await page.getByRole('row').filter({ hasText: 'Backup Cards' }).waitFor();
    expect(await page.getByRole('link', { name: 'Create' }).count()).toBe(0);
    await go(page, `/orders/${placed.body.id}/show`);
    await page.getByTestId('manual-task').waitFor();
    expect(await page.getByTestId('order-action-fulfil').count()).toBe(0);

    const refusals = await Promise.all([
      page.request.post(`${sys.baseUrl}/admin/suppliers`, { data: { name: 'Sneaky', kind: 'manual' } }),
      page.request.put(`${sys.baseUrl}/admin/suppliers/${backupId}`, { data: { name: 'Renamed by a viewer' } }),
      page.request.post(`${sys.baseUrl}/admin/suppliers/${backupId}/balance/refresh`),
      page.request.put(`${sys.baseUrl}/admin/skus/STEAM-20/routes`, { data: { routes: [] } }),
      page.request.post(`${sys.baseUrl}/admin/orders/${placed.body.id}/manual-fulfilment`, { data: { codes: [{ number: 'VIEWER-CODE' }] } }),
    ]);
    expect(refusals.map((r) => r.status())).toEqual([403, 403, 403, 403, 403]);
    expect((await refusals[1].json()).error.code).toBe('forbidden');
    expect(await sys.db('suppliers').where({ id: backupId }).first('name', 'balance')).toEqual({ name: supplier.name, balance: supplier.balance });
    expect(await sys.db('suppliers').where({ name: 'Sneaky' })).toHaveLength(0);
    expect(await sys.db('manual_tasks').where({ order_id: placed.body.id }).first('status')).toEqual({ status: 'open' });
    await context.close();

    // Positive control: an operator has each of them on the same screens.
    const asOperator = await signedIn(operator);
    await go(asOperator.page, `/suppliers/${backupId}/show`);
    await asOperator.page.getByTestId('refresh-balance').waitFor();
    await asOperator.page.getByRole('link', { name: 'Edit' }).waitFor();
    await go(asOperator.page, '/suppliers');
    await asOperator.page.getByRole('link', { name: 'Create' }).waitFor();
    await go(asOperator.page, `/orders/${placed.body.id}/show`);
    await asOperator.page.getByTestId('order-action-fulfil').waitFor();
    await asOperator.context.close();
  });

  test('when the operator reads the suppliers in 简体中文, then the list and its circuit speak Chinese and money stays in dollars', async () => {
    const { context, page } = await signedIn(operator);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('menuitem', { name: '简体中文' }).click();
    await page.getByText('今日订单').waitFor();
    await go(page, '/suppliers');
    await page.getByRole('columnheader').getByText('余额', { exact: true }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Backup Cards' });
    await row.getByText('正常').waitFor();
    await row.getByText('尚未查询').waitFor();
    await row.getByText('US$1,000.00').waitFor();
    await shot(page, '26-suppliers-zh');
    await context.close();
  });
});
