import crypto from 'node:crypto';
import { createMerchant, createSku } from '../db/seed';
import { recomputedRollupsSql } from '../orders/daily-rollup';
import { rollupRows } from './rollup-rows';
import { openConsoleBrowser } from './console-browser';
import { startTestSystem, type TestSystem } from './harness';
import { addSupplier, card, route, topup, type TestSupplier } from './supplier-helpers';

// The console for a merchant with many orders (issue 13): the dashboard per currency, with every
// fulfilment mode among its top SKUs ranked within their currency, today against yesterday in the
// merchant's days, from rollups that always equal a recompute from the orders; and keyset pages
// that give every order exactly once while new ones arrive. Orders go through the real storefront
// API, worker, supplier simulator, admin API and a real browser.

jest.setTimeout(180_000);

let sys: TestSystem;
let shop: TestSupplier;
let n = 0;
const hex = () => crypto.randomBytes(4).toString('hex');

beforeAll(async () => {
  sys = await startTestSystem();
  shop = await addSupplier(sys, 'ScaleShop', [card('CARD-S', 450), topup('TOP-S', 90), card('LINK-S', 500, { redeemUrl: 'https://vip.example.com/redeem' })], {
    encryptCards: true,
  });
  // Two currencies, five fulfilment modes.
  await sys.addSku('S-STOCK', { codes: 5, price: 1000, cost: 800, currency: 'CNY' });
  await sys.addSku('S-HAND', { mode: 'manual', price: 800, currency: 'CNY' });
  await sys.addSku('S-SUPP', { mode: 'supplier', price: 600, currency: 'USD' });
  await route(sys, 'S-SUPP', [{ supplier: shop, product: 'CARD-S', maxUnitCost: 500 }]);
  await sys.addSku('S-TOP', { mode: 'topup', price: 99, currency: 'USD' });
  await route(sys, 'S-TOP', [{ supplier: shop, product: 'TOP-S', maxUnitCost: 95 }]);
  await sys.addSku('S-LINK', { mode: 'link', price: 700, currency: 'USD' });
  await route(sys, 'S-LINK', [{ supplier: shop, product: 'LINK-S', maxUnitCost: 550 }]);
});

afterAll(async () => {
  await sys?.stop();
  await shop?.stop();
});

const admin = (method: string, path: string, body?: unknown) => sys.api(method, path, { key: sys.merchant.adminToken, body });

async function placed(items: { sku: string; quantity: number; account?: string }[], expected = 'delivered'): Promise<string> {
  const res = await sys.api('POST', '/v1/orders', { body: { externalRef: `scale-${++n}`, items } });
  expect(res.status).toBe(202);
  if (expected !== 'manual') {
    await sys.finished(res.body.id);
    expect((await sys.api('GET', `/v1/orders/${res.body.id}`)).body.status).toBe(expected);
  }
  return res.body.id;
}

async function waitForManualTask(orderId: string) {
  for (let i = 0; i < 300; i++) {
    if (await sys.db('manual_tasks').where({ order_id: orderId, status: 'open' }).first('id')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`order ${orderId} has no open manual task`);
}

/** The rollup rows as kept, and as a GROUP BY over the orders' own rows says they must be. */
async function rollupsAgainstRecompute(merchantId: string) {
  const { orders, skus, orderBindings, skuBindings } = recomputedRollupsSql(merchantId);
  const norm = (rows: Record<string, unknown>[]) =>
    rows
      .map((r) =>
        JSON.stringify(
          Object.fromEntries(
            Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : typeof v === 'string' ? v.trim() : Number.isNaN(Number(v)) ? v : Number(v)]),
          ),
        ),
      )
      .sort();
  const cols = async (table: string, key: string) => norm(await rollupRows(sys.db, table, merchantId, key));
  return {
    kept: { orders: await cols('daily_order_totals', 'day, currency'), skus: await cols('daily_sku_sales', 'day, currency, sku_id') },
    recomputed: {
      orders: norm((await sys.db.raw(orders, orderBindings)).rows),
      skus: norm((await sys.db.raw(skus, skuBindings)).rows),
    },
  };
}

describe('the dashboard with two currencies, from rollups', () => {
  // Written in one time zone and read in another, so the day the orders happened is always the
  // merchant's yesterday when read, whatever the hour the test runs (decided once, from the database's clock).
  let readZone: string;

  test('when orders of every mode in two currencies are delivered, refunded and failed, then the rollups equal a recompute from the orders (and a broken one would not)', async () => {
    const { rows } = await sys.db.raw(`SELECT extract(hour FROM now() AT TIME ZONE 'UTC')::int AS hour`);
    readZone = rows[0].hour < 12 ? 'UTC' : 'Etc/GMT-14'; // UTC−12 when written; read at UTC, or at UTC+14
    await sys.db('merchants').where({ id: sys.merchant.merchantId }).update({ time_zone: 'Etc/GMT+12' });

    await placed([{ sku: 'S-STOCK', quantity: 2 }]);
    const refunded = await placed([{ sku: 'S-STOCK', quantity: 1 }]);
    const byHand = await placed([{ sku: 'S-HAND', quantity: 1 }], 'manual');
    await waitForManualTask(byHand);
    expect((await admin('POST', `/admin/orders/${byHand}/manual-fulfilment`, { codes: [{ number: 'HAND-0001', pin: '1' }], unitCost: 500 })).status).toBe(200);
    await sys.finished(byHand);
    await placed([{ sku: 'S-SUPP', quantity: 1 }]);
    await placed([{ sku: 'S-TOP', quantity: 1, account: '13800000000' }]);
    await placed([{ sku: 'S-LINK', quantity: 1 }]);
    await shop.fault({ kind: 'stock_out_after', product: 'CARD-S', times: 0 });
    await placed([{ sku: 'S-SUPP', quantity: 1 }], 'failed');
    await shop.clearFaults();
    expect((await admin('POST', `/admin/orders/${refunded}/refund`, { reason: 'buyer says the code was used' })).status).toBe(200);

    const { kept, recomputed } = await rollupsAgainstRecompute(sys.merchant.merchantId);
    expect(kept.orders.length).toBe(2); // one day, two currencies
    expect(kept).toEqual(recomputed);

    // Positive control: a change the rollups did not see is caught by the same comparison.
    await sys.db('settlements').where({ order_id: refunded }).update({ revenue: 1001 });
    const broken = await rollupsAgainstRecompute(sys.merchant.merchantId);
    expect(broken.kept).not.toEqual(broken.recomputed);
    await sys.db('settlements').where({ order_id: refunded }).update({ revenue: 1000 });
    const mended = await rollupsAgainstRecompute(sys.merchant.merchantId);
    expect(mended.kept).toEqual(mended.recomputed);
  });

  test("when the merchant's day has turned, then yesterday shows each currency's own figures, today starts at zero in both, and top SKUs rank every mode within its currency", async () => {
    await sys.db('merchants').where({ id: sys.merchant.merchantId }).update({ time_zone: readZone });
    const dash = (await admin('GET', '/admin/dashboard')).body;
    expect(dash.timeZone).toBe(readZone);
    const { rows } = await sys.db.raw(`SELECT DISTINCT day::text AS day FROM daily_order_totals WHERE merchant_id = ?`, [sys.merchant.merchantId]);
    expect(rows).toEqual([{ day: dash.yesterday.day }]);

    // By hand: CNY sold 2 + 1 stock codes (1000 each, cost 800) and one by hand (800, cost 500),
    // and refunded one delivered stock code (its revenue comes off, its cost stays). USD sold a
    // supplier card (600, cost 450), a top-up (99, cost 90) and a link (700, cost 500); one failed.
    expect(dash.yesterday.money).toEqual([
      { currency: 'CNY', orders: 3, delivered: 3, failed: 0, cancelled: 0, refunded: 1, gmv: 3800 - 1000, grossProfit: 3800 - 2900 - 1000 },
      { currency: 'USD', orders: 4, delivered: 3, failed: 1, cancelled: 0, refunded: 0, gmv: 1399, grossProfit: 150 + 9 + 200 },
    ]);
    expect(dash.yesterday.orders).toBe(7);
    const zero = { orders: 0, delivered: 0, failed: 0, cancelled: 0, refunded: 0, gmv: 0, grossProfit: 0 };
    expect(dash.today.money).toEqual([
      { currency: 'CNY', ...zero },
      { currency: 'USD', ...zero },
    ]);
    expect(dash.topSkus).toEqual([
      { currency: 'CNY', rank: 1, sku: 'S-HAND', name: expect.any(String), mode: 'manual', units: 1, revenue: 800, grossProfit: 300 },
      { currency: 'CNY', rank: 2, sku: 'S-STOCK', name: expect.any(String), mode: 'stock', units: 2, revenue: 2000, grossProfit: 3000 - 2400 - 1000 },
      { currency: 'USD', rank: 1, sku: 'S-LINK', name: expect.any(String), mode: 'link', units: 1, revenue: 700, grossProfit: 200 },
      { currency: 'USD', rank: 2, sku: 'S-SUPP', name: expect.any(String), mode: 'supplier', units: 1, revenue: 600, grossProfit: 150 },
      { currency: 'USD', rank: 3, sku: 'S-TOP', name: expect.any(String), mode: 'topup', units: 1, revenue: 99, grossProfit: 9 },
    ]);
    // The failed order waits on a person, and the list says how many there are.
    expect(dash.waitingOnPerson.count).toBe(1);
  });

  // (Not compared with a recompute here: the recompute reads every past row in the merchant's
  // present time zone, and this test changed it. Changing a merchant's time zone is followed by
  // rebuildDailyRollups, as docs/OPERATIONS.md says.)
  test('when an order is delivered after the day turned, then it counts today and yesterday is unchanged', async () => {
    await placed([{ sku: 'S-STOCK', quantity: 1 }]);
    const dash = (await admin('GET', '/admin/dashboard')).body;
    expect(dash.today.money).toEqual([
      { currency: 'CNY', orders: 1, delivered: 1, failed: 0, cancelled: 0, refunded: 0, gmv: 1000, grossProfit: 200 },
      { currency: 'USD', orders: 0, delivered: 0, failed: 0, cancelled: 0, refunded: 0, gmv: 0, grossProfit: 0 },
    ]);
    expect(dash.yesterday.money.map((m: { gmv: number }) => m.gmv)).toEqual([2800, 1399]);
    expect(dash.today.orders).toBe(1);
  });

  test('when the owner opens the dashboard in a browser, then each currency has its own line against yesterday and its own top SKUs with their modes', async () => {
    const owner = await sys.addUser('owner');
    const ui = await openConsoleBrowser(sys);
    try {
      const { context, page } = await ui.signedIn(owner);
      const cny = page.getByTestId('money-CNY');
      const usd = page.getByTestId('money-USD');
      await cny.waitFor();
      await usd.waitFor();
      await page.getByTestId('gmv-CNY').getByText('Yesterday:').waitFor();
      expect(await page.getByTestId('gmv-USD').innerText()).toMatch(/\$0\.00[\s\S]*Yesterday:\s*\S*\$13\.99/);
      expect(await page.getByTestId('gmv-CNY').innerText()).toMatch(/¥10\.00[\s\S]*Yesterday:\s*\S*¥28\.00/);
      await page.getByTestId('stat-orders-yesterday').getByText('Yesterday: 7').waitFor();
      const usdTop = page.getByTestId('top-skus-USD');
      await usdTop.getByText('S-LINK', { exact: true }).waitFor();
      await usdTop.getByText('Redemption link').waitFor();
      await usdTop.getByText('Direct top-up').waitFor();
      await page.getByTestId('top-skus-CNY').getByText('By hand').waitFor();
      await ui.shot(page, 'scale13-dashboard-two-currencies');
      expect(ui.takePageErrors()).toEqual([]);
      await context.close();
    } finally {
      await ui.close();
    }
  });
});

describe('counting acceptances', () => {
  test('when orders of one stock line and of several race for the same SKU, then every one is accepted and counted once (no two wait on each other in a circle)', async () => {
    await sys.addSku('S-RACE-A', { codes: 40, price: 100, currency: 'CNY' });
    await sys.addSku('S-RACE-B', { codes: 40, price: 100, currency: 'CNY' });
    const today = async () =>
      Number((await sys.db.raw(`SELECT coalesce(sum(units_ordered), 0) AS n FROM daily_sku_sales s JOIN skus k ON k.id = s.sku_id WHERE k.code LIKE 'S-RACE-%'`)).rows[0].n);
    const before = await today();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        sys.api('POST', '/v1/orders', {
          body: {
            externalRef: `race-${hex()}`,
            items:
              i % 2
                ? [{ sku: 'S-RACE-A', quantity: 1 }]
                : [
                    { sku: 'S-RACE-B', quantity: 1 },
                    { sku: 'S-RACE-A', quantity: 1 },
                  ],
          },
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(202));
    expect((await today()) - before).toBe(15 + 2 * 15);
  });
});

describe('keyset pages of the order list', () => {
  test('when a list is walked page by page by its cursor while new orders arrive, then every order it started with comes exactly once, in order', async () => {
    const other = await createMerchant(sys.db, sys.vault, { name: `Pages ${hex()}`, ownerEmail: `pages-${hex()}@example.com` });
    await createSku(sys.db, { merchantId: other.merchantId, code: 'PAGE-HAND', name: 'By hand', faceValue: 100, price: 100, cost: 50, fulfilmentMode: 'manual' });
    const place = async () => {
      const res = await sys.api('POST', '/v1/orders', { key: other.apiKey, body: { externalRef: `page-${hex()}`, items: [{ sku: 'PAGE-HAND', quantity: 1 }] } });
      expect(res.status).toBe(202);
      return res.body.id as string;
    };
    const before: string[] = [];
    for (let i = 0; i < 23; i++) before.push(await place());
    const list = (sort: string, start: number, cursor?: string) =>
      sys.api(
        'GET',
        `/admin/orders?sort=${encodeURIComponent(JSON.stringify(['createdAt', sort]))}&range=${encodeURIComponent(JSON.stringify([start, start + 4]))}${cursor ? `&cursor=${cursor}` : ''}`,
        { key: other.adminToken },
      );

    for (const sort of ['DESC', 'ASC']) {
      const seen: string[] = [];
      const arrived: string[] = [];
      let cursor: string | undefined;
      for (let start = 0; ; start += 5) {
        const page = await list(sort, start, cursor);
        expect(page.status).toBe(200);
        seen.push(...page.body.map((o: { id: string }) => o.id));
        arrived.push(await place(), await place()); // new orders between pages
        cursor = page.headers.get('x-next-cursor') ?? undefined;
        if (!cursor) break;
      }
      expect(new Set(seen).size).toBe(seen.length); // nothing twice
      const started = seen.filter((id) => before.includes(id));
      expect([...started].sort()).toEqual([...before].sort()); // everything it started with
      // Newest first pages never reach the ones that arrived after page one; oldest first reach them last.
      if (sort === 'DESC') expect(seen.filter((id) => arrived.includes(id))).toEqual([]);
      else expect(seen.slice(0, before.length).sort()).toEqual([...before].sort());
      before.push(...arrived);
    }
  });

  test('when a page deeper than offsets go is asked without a cursor, then 400 page_too_deep; a cursor not from an answer is refused too', async () => {
    const deep = await admin('GET', `/admin/orders?range=${encodeURIComponent('[10025,10049]')}`);
    expect([deep.status, deep.body.error.code]).toEqual([400, 'page_too_deep']);
    const forged = await admin('GET', `/admin/orders?cursor=not-a-cursor`);
    expect([forged.status, forged.body.error.code]).toEqual([400, 'validation_failed']);
  });
});
