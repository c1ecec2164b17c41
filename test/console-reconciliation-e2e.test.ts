import { openConsoleBrowser, type ConsoleBrowser } from './console-browser';
import { startTestSystem, type TestSystem } from './harness';
import { addSupplier, card, route, type TestSupplier } from './supplier-helpers';

// The Reconciliation screen in a real browser against the built console, the real API, worker,
// Temporal and supplier simulator (issue 14): finance reconciles a supplier whose statement has two
// planted differences, reads them with their evidence, resolves one with a reason, and sees the
// same screen in Chinese. Screenshots: test-artifacts/screenshots/70-….

jest.setTimeout(180_000);

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe('reconciliation in the console', () => {
  let sys: TestSystem;
  let shop: TestSupplier;
  let ui: ConsoleBrowser;
  const refs: string[] = [];

  beforeAll(async () => {
    sys = await startTestSystem();
    shop = await addSupplier(sys, 'ReconUiShop', [card('RU-CARD', 450)]);
    await sys.addSku('RU-SUP', { mode: 'supplier', currency: 'USD', price: 600 });
    await route(sys, 'RU-SUP', [{ supplier: shop, product: 'RU-CARD', maxUnitCost: 500 }]);
    for (let i = 0; i < 2; i++) {
      const res = await sys.api('POST', '/v1/orders', { body: { externalRef: `recon-ui-${i}`, items: [{ sku: 'RU-SUP', quantity: 1 }] } });
      await sys.finished(res.body.id);
      refs.push((await sys.db('supplier_purchases').where({ order_id: res.body.id }).first('reference'))!.reference);
    }
    await shop.fault({ kind: 'statement_difference', difference: 'charged_twice', reference: refs[0] } as never);
    await shop.fault({ kind: 'statement_difference', difference: 'price_differs', reference: refs[1], amount: 30 } as never);
    ui = await openConsoleBrowser(sys);
  });
  afterAll(async () => {
    await ui?.close();
    await shop?.stop();
    await sys?.stop();
  });
  afterEach(() => expect(ui.takePageErrors()).toEqual([]));

  test('when finance reconciles a supplier now, then each difference shows by kind with its evidence, and one resolved with a reason moves to Resolved; in Chinese the same screen speaks Chinese', async () => {
    const { context, page } = await ui.signedIn(await sys.addUser('finance'));
    await ui.go(page, '/reconciliation');
    await page.getByTestId('recon-none').waitFor();
    await page.getByTestId('recon-supplier').click();
    await page.getByRole('option', { name: 'ReconUiShop' }).click();
    await page.getByTestId('recon-from').fill(day(-1));
    await page.getByTestId('recon-to').fill(day(1));
    await page.getByTestId('recon-run').click();
    await page.getByText('Reconciled: 2 differences').waitFor();
    const twice = page.getByTestId('difference-charged_twice');
    await twice.getByText('Charged twice').waitFor();
    await twice.getByText(refs[0]).waitFor();
    await twice.getByRole('cell', { name: '$9.00', exact: true }).waitFor(); // the statement: 2 × $4.50
    await twice.getByText('order recon-ui-0 (Delivered), delivered').waitFor();
    const price = page.getByTestId('difference-price_differs');
    await price.getByText('Price differs').waitFor();
    await price.getByRole('cell', { name: '$4.80', exact: true }).waitFor();
    await price.getByText(/^charge \$4.80 at /).waitFor();
    await ui.shot(page, '70-reconciliation-differences');

    await page.getByTestId('resolve-charged_twice').click();
    await page.getByTestId('resolve-reason').fill('duplicate charge; refund requested');
    await page.getByTestId('resolve-adjust').check();
    await page.getByTestId('resolve-confirm').click();
    await page.getByText('Difference resolved').waitFor();
    await page.getByTestId('difference-charged_twice').waitFor({ state: 'detached' });
    await page.getByTestId('recon-status-resolved').click();
    await page
      .getByTestId('resolution-charged_twice')
      .getByText(/duplicate charge; refund requested/)
      .waitFor();
    await page.getByTestId('resolution-charged_twice').getByText('Adjusted on the books').waitFor();
    const d = await sys.db('reconciliation_differences').where({ reference: refs[0] }).first();
    expect(d).toMatchObject({ status: 'resolved', resolution_reason: 'duplicate charge; refund requested', adjustment_key: `reconciliation-adjustment:${d!.id}` });

    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('menuitem', { name: '简体中文' }).click();
    await page.getByText('对账').first().waitFor();
    await page.getByTestId('recon-status-all').click();
    await page.getByTestId('difference-charged_twice').getByText('重复扣款').waitFor();
    await page.getByTestId('difference-price_differs').getByText('价格不符').waitFor();
    await page.getByTestId('resolution-charged_twice').getByText('已在账簿中调整').waitFor();
    await page.getByRole('columnheader', { name: '对账单' }).waitFor();
    await ui.shot(page, '71-reconciliation-zh');
    await context.close();
  });

  test('when an operator opens the screen, then the differences show but there is no resolve or import (positive control: the run button is there)', async () => {
    const { context, page } = await ui.signedIn(await sys.addUser('operator'));
    await ui.go(page, '/reconciliation');
    await page.getByTestId('difference-price_differs').waitFor();
    await page.getByTestId('recon-run').waitFor();
    expect(await page.getByTestId('resolve-price_differs').count()).toBe(0);
    expect(await page.getByTestId('recon-import').count()).toBe(0);
    await context.close();
  });
});
