import crypto from 'node:crypto';
import { openConsoleBrowser, type ConsoleBrowser } from './console-browser';
import { startTestSystem, type TestSystem } from './harness';

// A screen opened while the API is away (issue 13): it must not show a loading skeleton forever.
// It says the page could not be loaded and offers Retry; once the API is back, Retry draws the
// data without reloading the page. The console's own recovery (the banner polling /healthz and
// refreshing every screen) is kept from answering here, so it is Retry that is shown to work.

jest.setTimeout(120_000);

describe('a screen whose data cannot be loaded', () => {
  let sys: TestSystem;
  let ui: ConsoleBrowser;
  let owner: { email: string; password: string };
  let orderId: string;
  let ref: string;
  afterEach(() => expect(ui.takePageErrors()).toEqual([]));

  beforeAll(async () => {
    sys = await startTestSystem();
    owner = await sys.addUser('owner');
    await sys.addSku('RECOVER-1', { codes: 1, price: 1000, cost: 800 });
    ref = `recover-${crypto.randomBytes(4).toString('hex')}`;
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: ref, items: [{ sku: 'RECOVER-1', quantity: 1 }] } });
    orderId = placed.body.id;
    await sys.waitForOrder(orderId, ['delivered']);
    ui = await openConsoleBrowser(sys);
  });
  afterAll(async () => {
    await ui?.close();
    await sys?.stop();
  });

  test('when the API is stopped and a detail page and a list are opened, then each shows the error and Retry; when the API is back, Retry shows the data without a reload', async () => {
    const { context, page } = await ui.signedIn(owner);
    // The order screen's code is fetched while the server is up (the API serves the console's files too).
    await ui.go(page, `/orders/${orderId}/show`);
    await page.getByTestId('order-ref').getByText(ref).waitFor();
    await ui.go(page, '/');
    await page.getByTestId('dashboard').waitFor();
    await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
    // Only Retry may bring the data back in this test: the banner's own check finds nothing.
    await page.route('**/healthz', (route) => route.abort());

    await sys.stopApi();
    try {
      await ui.go(page, '/users');
      await page.getByTestId('load-failed').getByText('This page could not be loaded').waitFor({ timeout: 30_000 });
      await page.getByTestId('api-down').waitFor();
      await ui.go(page, `/orders/${orderId}/show`);
      const failed = page.getByTestId('load-failed');
      await failed.getByText('Cardflow’s server did not answer. Check the connection, then retry.').waitFor({ timeout: 30_000 });
      await ui.shot(page, 'load-failed-retry');
      // Retry while the server is still away: the error stays, nothing spins forever.
      await page.getByTestId('load-retry').click();
      await page.getByTestId('load-retry').and(page.locator(':enabled')).waitFor({ timeout: 30_000 });
      await failed.waitFor();
    } finally {
      await sys.startApi();
    }

    await page.getByTestId('load-retry').click();
    await page.getByTestId('order-ref').getByText(ref).waitFor({ timeout: 30_000 });
    await page.getByTestId('order-status').waitFor();
    expect(await page.getByTestId('load-failed').count()).toBe(0);
    await page.getByTestId('api-down').waitFor({ state: 'detached' });

    await ui.go(page, '/users');
    await page.getByText(owner.email).first().waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await context.close();
  });
});
