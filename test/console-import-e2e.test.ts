import crypto from 'node:crypto';
import { openConsoleBrowser, type ConsoleBrowser } from './console-browser';
import { startTestSystem, type TestSystem } from './harness';

// Stock import in the console as an operator meets it (issue 13): a supplier's file with a few
// bad lines and a code that was already sold. They choose to import the good lines, see each bad
// line with its number and why, and see the sold code called sold, not a duplicate. The "Source
// (supplier, invoice)" field is drawn wide enough to type into.

const hex = () => crypto.randomBytes(4).toString('hex').toUpperCase();

jest.setTimeout(120_000);

describe('stock import in the console', () => {
  let sys: TestSystem;
  let ui: ConsoleBrowser;
  let owner: { email: string; password: string };
  afterEach(() => expect(ui.takePageErrors()).toEqual([]));

  beforeAll(async () => {
    sys = await startTestSystem();
    owner = await sys.addUser('owner');
    await sys.addSku('PART-UI', { codes: 0, price: 1000, cost: 800 });
    ui = await openConsoleBrowser(sys);
  });
  afterAll(async () => {
    await ui?.close();
    await sys?.stop();
  });

  test('when an import with bad lines is imported partially, then the good lines go in, each bad line is listed with its reason, and a sold code is called sold', async () => {
    // A code the shop has sold already.
    const sold = `SOLD${hex()}`;
    const first = await sys.api('POST', '/admin/skus/PART-UI/codes', { raw: `${sold},P0`, key: sys.merchant.adminToken, headers: { 'content-type': 'text/csv' } });
    expect(first.status).toBe(201);
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `ui-${hex()}`, items: [{ sku: 'PART-UI', quantity: 1 }] } });
    await sys.waitForOrder(placed.body.id, ['delivered']);

    const { context, page } = await ui.signedIn(owner);
    await ui.go(page, '/stock/PART-UI/show');
    await page.getByTestId('stock-available').getByText('0').waitFor();
    await page.getByTestId('import-open').click();

    // The source field is drawn at a usable width (it was 0 px).
    const source = await page.getByTestId('import-source').boundingBox();
    expect(source?.width ?? 0).toBeGreaterThan(150);
    await page.getByTestId('import-source').fill('Supplier A, invoice 2027-118');

    const good = [`GOOD${hex()}`, `GOOD${hex()}`];
    await page.getByTestId('import-text').fill(
      [
        `${sold}----P0`, //                      1 already sold
        `${good[0]}----P1----2030/06/30`, //     2 fine, a slash date
        `${good[1]}----P2----2030年6月30日`, //  3 fine, a Chinese date
        `BAD${hex()}----P3----31/12/2030`, //    4 day first: not a date
        `OLD${hex()}----P4----2020-01-01`, //    5 expired
      ].join('\n'),
    );
    await page.getByTestId('import-check').click();
    await page.getByTestId('import-preview-bad-lines').getByText('2 lines cannot be read; nothing will be imported until they are fixed').waitFor();
    expect(await page.getByTestId('import-upload').isDisabled()).toBe(true);

    await page.getByTestId('import-bad-lines').click();
    await page.getByRole('option', { name: 'Import the good lines, list the bad ones' }).click();
    await page.getByTestId('import-preview-bad-lines').getByText('2 lines cannot be read; they will be skipped and listed').waitFor();
    await page.getByTestId('import-upload').click();

    const result = page.getByTestId('import-result');
    await result.getByText('2 imported, 3 not imported (see below). 2 can now be promised.').waitFor();
    await page.getByTestId('import-duplicate-lines').getByText('Already sold: 1').waitFor();
    const bad = page.getByTestId('import-bad-lines-list');
    await bad.getByText('2 lines could not be read and were not imported:').waitFor();
    await bad.getByText('Line 4: expiry “31/12/2030” is not a date such as 2027-06-30, 2027/06/30 or 2027年6月30日').waitFor();
    await bad.getByText('Line 5: the code expired on 2020-01-01').waitFor();
    expect(await result.innerText()).not.toMatch(/duplicate/i);
    await ui.shot(page, 'stock-import-partial');

    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('stock-available').getByText('2').waitFor();
    const batch = await sys.db('stock_batches as b').join('skus as s', 's.id', 'b.sku_id').where('s.code', 'PART-UI').orderBy('b.created_at', 'desc').first('b.source');
    expect(batch.source).toBe('Supplier A, invoice 2027-118');
    await context.close();
  });
});
