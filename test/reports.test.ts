import crypto from 'node:crypto';
import ExcelJS from 'exceljs';
import { rebuildReportRollups, recomputedReportSql } from '../reports/rollup';
import { rollupRows } from './rollup-rows';
import { flushSoldOut } from '../reports/sold-out-tally';
import { startTestSystem, type TestSystem } from './harness';

// Reports as a merchant in Shanghai selling in yuan and dollars reads them: orders go through the
// real API and workflow (with a channel and campaign), the running rollups are held to the source
// rows, and then the orders are placed on fixed instants either side of midnight in Shanghai so
// every figure of every report can be worked out by hand (below, next to each expectation).

jest.setTimeout(180_000);

describe('reports', () => {
  let sys: TestSystem;
  let storefrontName: string;
  const ids: Record<string, string> = {};
  const admin = (method: string, path: string, body?: unknown) => sys.api(method, path, { key: sys.merchant.adminToken, body });
  const report = async (name: string, query: string) => {
    const res = await admin('GET', `/admin/reports/${name}?${query}`);
    expect(res.status).toBe(200);
    return res.body;
  };
  const rowsOf = (table: string, key: string) => rollupRows(sys.db, table, sys.merchant.merchantId, key);

  async function place(ref: string, items: { sku: string; quantity: number }[], extra: { channel?: string; campaign?: string }) {
    const res = await sys.api('POST', '/v1/orders', { body: { externalRef: ref, items, ...extra } });
    expect(res.status).toBe(202);
    await sys.finished(res.body.id);
    return res.body.id as string;
  }

  beforeAll(async () => {
    sys = await startTestSystem();
    const m = sys.merchant.merchantId;
    await sys.db('merchants').where({ id: m }).update({ time_zone: 'Asia/Shanghai' });
    storefrontName = (await sys.db('storefronts').where({ id: sys.merchant.storefrontId }).first('name'))!.name;
    // RA: yuan, imported from supplier Alpha at 7.00; RB: dollars, from Beta at 4.00.
    const [alpha, beta] = [crypto.randomUUID(), crypto.randomUUID()];
    await sys.db('suppliers').insert([
      { id: alpha, merchant_id: m, name: 'Alpha', kind: 'manual' },
      { id: beta, merchant_id: m, name: 'Beta', kind: 'manual' },
    ]);
    await sys.addSku('RA', { codes: 5, price: 1000, currency: 'CNY' });
    await sys.addSku('RB', { codes: 3, price: 500, currency: 'USD' });
    for (const [sku, supplier, cost] of [
      ['RA', alpha, 700],
      ['RB', beta, 400],
    ] as const) {
      const skuId = (await sys.db('skus').where({ merchant_id: m, code: sku }).first('id'))!.id;
      await sys.db('stock_batches').where({ sku_id: skuId }).update({ supplier_id: supplier, unit_cost: cost });
    }

    ids.o1 = await place('rep-1', [{ sku: 'RA', quantity: 2 }], { channel: 'wechat', campaign: 'spring' });
    ids.o2 = await place('rep-2', [{ sku: 'RA', quantity: 1 }], { channel: 'wechat', campaign: 'spring' });
    ids.o3 = await place('rep-3', [{ sku: 'RB', quantity: 1 }], { channel: 'web' });
    const refund = await admin('POST', `/admin/orders/${ids.o2}/refund`, { reason: 'buyer changed mind' });
    expect(refund.status).toBe(200);
    // Asked for more than there is: a sold-out answer, not an order, counted per channel.
    const soldOut = await sys.api('POST', '/v1/orders', { body: { externalRef: 'rep-4', items: [{ sku: 'RB', quantity: 5 }], channel: 'wechat', campaign: 'spring' } });
    expect(soldOut.status).toBe(409);
    await flushSoldOut(sys.db);
  });
  afterAll(async () => {
    await sys?.stop();
  });

  test('the rollups kept as orders were accepted, delivered and refunded equal the same figures worked out from the orders themselves', async () => {
    const { channel, hours, skus, reasons } = recomputedReportSql();
    const only = (sql: string, key: string) =>
      sys.db.raw(`SELECT * FROM (${sql}) x WHERE merchant_id = ? ORDER BY ${key}`, [sys.merchant.merchantId]).then((r: { rows: unknown[] }) => r.rows);
    const running = await rowsOf('report_channel_days', 'day, channel');
    expect(running).toHaveLength(2); // positive control: wechat and web, each counted
    expect(running).toEqual(await only(channel, 'day, channel'));
    const runningHours = await rowsOf('report_hours', 'day, hour, currency');
    expect(runningHours.length).toBeGreaterThanOrEqual(2); // CNY and USD at least
    expect(runningHours).toEqual(await only(hours, 'day, hour, currency'));
    const runningSkus = await rowsOf('report_sku_days', 'sku_id');
    expect(runningSkus).toHaveLength(2);
    expect(runningSkus).toEqual(await only(skus, 'sku_id'));
    expect(await rowsOf('report_refund_reasons', 'reason')).toEqual(await only(reasons, 'reason'));
    expect(await rowsOf('report_sold_out', 'channel')).toEqual([expect.objectContaining({ channel: 'wechat', campaign: 'spring', answers: 1, units: 5 })]);
    // The order row keeps what the storefront said.
    expect(await sys.db('orders').where({ id: ids.o1 }).first('channel', 'campaign')).toEqual({ channel: 'wechat', campaign: 'spring' });
  });

  describe('on a fixed data set in Asia/Shanghai, in yuan and dollars', () => {
    const range = 'from=2026-03-09&to=2026-03-10';
    beforeAll(async () => {
      // O1 at 23:59 on Monday 9 March in Shanghai (15:59 UTC), O2 at 00:01 on Tuesday 10 March
      // (16:01 UTC on the 9th: the same UTC day), O3 at 10:30 on the 10th. O1 was held for review
      // and approved. The refund of O2 at 09:00 on the 10th; the sold-out answer at 12:00 on the 10th.
      const at: [string, string][] = [
        [ids.o1, '2026-03-09T15:59:00Z'],
        [ids.o2, '2026-03-09T16:01:00Z'],
        [ids.o3, '2026-03-10T02:30:00Z'],
      ];
      for (const [id, when] of at)
        await sys
          .db('orders')
          .where({ id })
          .update({ created_at: new Date(when) });
      await sys
        .db('orders')
        .where({ id: ids.o1 })
        .update({ risk: JSON.stringify({ decision: 'review', review: { status: 'approved' } }) });
      await sys
        .db('refunds')
        .where({ order_id: ids.o2 })
        .update({ created_at: new Date('2026-03-10T01:00:00Z') });
      await sys.db.raw(`UPDATE report_sold_out SET day = '2026-03-10', hour = 12 WHERE merchant_id = ?`, [sys.merchant.merchantId]);
      await rebuildReportRollups(sys.db);
    });

    test('converting needs a reporting currency first, and bad input changes nothing', async () => {
      const unset = await admin('GET', `/admin/reports/profit-by-day?${range}&convert=true`);
      expect(unset.status).toBe(400);
      expect(unset.body.error.code).toBe('reporting_currency_unset');
      expect((await admin('GET', `/admin/reports/profit-by-nothing?${range}`)).status).toBe(400);
      expect((await admin('GET', `/admin/reports/profit-by-day?from=2026-03-10&to=2026-03-09`)).status).toBe(400);
      expect((await admin('GET', `/admin/reports/profit-by-day?from=2020-01-01&to=2026-03-09`)).body.error.code).toBe('report_range_too_long');
      for (const rate of ['0', '-1', '7,2', 'abc']) {
        const res = await admin('POST', '/admin/reporting/rates', { day: '2026-03-10', fromCurrency: 'USD', toCurrency: 'CNY', rate });
        expect(res.status).toBe(400);
      }
      expect((await admin('POST', '/admin/reporting/rates', { day: '2026-03-10', fromCurrency: 'CNY', toCurrency: 'CNY', rate: '1' })).body.error.code).toBe(
        'reporting_rate_same_currency',
      );
      expect(await sys.db('reporting_rates').where({ merchant_id: sys.merchant.merchantId })).toEqual([]);
    });

    test('profit by day: the two orders a minute apart land on different days, in each currency', async () => {
      const r = await report('profit-by-day', range);
      expect(r.timeZone).toBe('Asia/Shanghai');
      expect(r.rows).toEqual([
        // 9 March: O1, 2 × 10.00 sold, 2 × 7.00 cost: profit 6.00.
        expect.objectContaining({ date: '2026-03-09', currency: 'CNY', orders_accepted: 1, orders_delivered: 1, revenue: 2000, cost: 1400, revenue_reversed: 0, profit: 600 }),
        // 10 March in yuan: O2, 10.00 sold and refunded, 7.00 cost gone: profit -7.00.
        expect.objectContaining({ date: '2026-03-10', currency: 'CNY', orders_accepted: 1, orders_delivered: 1, revenue: 1000, cost: 700, revenue_reversed: 1000, profit: -700 }),
        // 10 March in dollars: O3, 5.00 sold, 4.00 cost: profit 1.00.
        expect.objectContaining({ date: '2026-03-10', currency: 'USD', orders_accepted: 1, orders_delivered: 1, revenue: 500, cost: 400, profit: 100 }),
      ]);
      // Comparison with the day before: the 10th against the 9th.
      const compared = await report('profit-by-day', 'from=2026-03-10&to=2026-03-10&compare=true');
      expect(compared.previous).toEqual(expect.objectContaining({ from: '2026-03-09', to: '2026-03-09' }));
      expect(compared.previous.totals).toEqual([expect.objectContaining({ currency: 'CNY', revenue: 2000, profit: 600 })]);
      expect(compared.totals).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ currency: 'CNY', revenue: 1000, profit: -700 }),
          expect.objectContaining({ currency: 'USD', revenue: 500, profit: 100 }),
        ]),
      );
    });

    test('converted to yuan at the rate of each day, and the rate used is kept: a rate entered later does not change the report', async () => {
      expect((await admin('PUT', '/admin/reporting/currency', { currency: 'CNY' })).status).toBe(200);
      for (const [day, rate] of [
        ['2026-03-09', '7.1'],
        ['2026-03-10', '7.2'],
      ])
        expect((await admin('POST', '/admin/reporting/rates', { day, fromCurrency: 'USD', toCurrency: 'CNY', rate })).status).toBe(200);
      const first = await report('profit-by-day', `${range}&convert=true`);
      expect(first.convertedTo).toBe('CNY');
      // The 10th: O2 in yuan plus O3's 5.00 dollars × 7.2 = 36.00 yuan sold, 4.00 × 7.2 = 28.80 cost:
      // revenue 10.00 + 36.00, cost 7.00 + 28.80, 10.00 refunded: profit 0.20.
      expect(first.rows).toEqual([
        expect.objectContaining({ date: '2026-03-09', currency: 'CNY', revenue: 2000, cost: 1400, profit: 600 }),
        expect.objectContaining({ date: '2026-03-10', currency: 'CNY', orders_accepted: 2, revenue: 4600, cost: 3580, revenue_reversed: 1000, profit: 20 }),
      ]);
      expect(first.ratesUsed).toEqual([expect.objectContaining({ day: '2026-03-10', fromCurrency: 'USD', toCurrency: 'CNY', rate: '7.2000000000', fixedAt: expect.any(String) })]);
      expect(first.missingRates).toEqual([]);

      // The merchant corrects the 10th's rate afterwards: the report stays as it was first given.
      await admin('POST', '/admin/reporting/rates', { day: '2026-03-10', fromCurrency: 'USD', toCurrency: 'CNY', rate: '8' });
      const again = await report('profit-by-day', `${range}&convert=true`);
      expect(again.rows[1]).toEqual(expect.objectContaining({ revenue: 4600, cost: 3580 }));
      expect(again.ratesUsed[0].rate).toBe('7.2000000000');
      // Each rate entered is in the audit log.
      const audited = await sys.db('audit_log').where({ merchant_id: sys.merchant.merchantId, action: 'reporting.rate_entered' }).count<{ n: string }[]>('* as n');
      expect(Number(audited[0].n)).toBe(3);
    });

    test('profit by SKU, supplier and storefront channel', async () => {
      const bySku = await report('profit-by-sku', range);
      expect(bySku.rows).toEqual([
        // RB: one dollar card, 5.00 − 4.00.
        expect.objectContaining({ sku: 'RB', currency: 'USD', units_delivered: 1, units_refunded: 0, revenue: 500, cost: 400, profit: 100, margin_percent: 20 }),
        // RA: three yuan cards sold for 30.00 at 21.00, one refunded (10.00 back): 20.00 − 21.00.
        expect.objectContaining({
          sku: 'RA',
          currency: 'CNY',
          units_delivered: 3,
          units_refunded: 1,
          revenue: 3000,
          cost: 2100,
          revenue_reversed: 1000,
          profit: -100,
          margin_percent: -5,
        }),
      ]);
      const bySupplier = await report('profit-by-supplier', range);
      expect(bySupplier.rows.map((r: { supplier: string; profit: number }) => [r.supplier, r.profit])).toEqual([
        ['Beta', 100],
        ['Alpha', -100],
      ]);
      const byChannel = await report('profit-by-channel', range);
      expect(byChannel.rows).toEqual([
        expect.objectContaining({ storefront: storefrontName, channel: 'web', currency: 'USD', orders_delivered: 1, profit: 100 }),
        expect.objectContaining({ storefront: storefrontName, channel: 'wechat', currency: 'CNY', orders_delivered: 2, units_delivered: 3, profit: -100 }),
      ]);
    });

    test('sales by hour and weekday in Shanghai time', async () => {
      const byHour = await report('sales-by-hour', range);
      expect(byHour.rows.map((r: { hour: number; currency: string; orders_accepted: number }) => [r.hour, r.currency, r.orders_accepted])).toEqual([
        [0, 'CNY', 1], // O2 at 00:01
        [10, 'USD', 1], // O3 at 10:30
        [23, 'CNY', 1], // O1 at 23:59
      ]);
      const byWeekday = await report('sales-by-weekday', range);
      expect(byWeekday.rows.map((r: { weekday: number; currency: string; revenue: number }) => [r.weekday, r.currency, r.revenue])).toEqual([
        [1, 'CNY', 2000], // Monday the 9th: O1
        [2, 'CNY', 1000], // Tuesday the 10th: O2 …
        [2, 'USD', 500], // … and O3
      ]);
    });

    test('orders by channel and campaign, with the share of each outcome; refunds by reason; stock left', async () => {
      const byChannel = await report('orders-by-channel', range);
      expect(byChannel.rows).toEqual([
        // wechat/spring: 2 orders and 1 sold-out answer asked for: 2 of 3 accepted; of the 2, 1 held, 2 delivered, 1 refunded.
        expect.objectContaining({
          channel: 'wechat',
          campaign: 'spring',
          orders_accepted: 2,
          sold_out: 1,
          orders_held: 1,
          orders_delivered: 2,
          orders_refunded: 1,
          share_accepted: 66.7,
          share_sold_out: 33.3,
          share_held: 50,
          share_rejected: 0,
          share_delivered: 100,
          share_refunded: 50,
        }),
        expect.objectContaining({ channel: 'web', campaign: '', orders_accepted: 1, sold_out: 0, share_accepted: 100, share_delivered: 100 }),
      ]);
      const reasons = await report('refunds-by-reason', range);
      expect(reasons.rows).toEqual([{ reason: 'buyer changed mind', currency: 'CNY', refunds: 1, amount: 1000 }]);
      const stock = await report('stock', range);
      expect(stock.rows).toEqual([
        // RA: 5 imported, 3 delivered (a refunded code is not restocked): 2 left; 2 sold net over 2 days = 1 a day: 2 days left.
        { sku: 'RA', product: 'Test RA', stock_available: 2, units_sold: 2, units_per_day: 1, days_left: 2, turnover: 1 },
        // RB: 3 imported, 1 delivered: 2 left; 0.5 a day: 4 days left.
        { sku: 'RB', product: 'Test RB', stock_available: 2, units_sold: 1, units_per_day: 0.5, days_left: 4, turnover: 0.5 },
      ]);
    });

    test('a report exported as XLSX and CSV has the rows the screen shows, in major units', async () => {
      const shown = await report('profit-by-sku', `${range}&convert=true`);
      const res = await fetch(`${sys.baseUrl}/admin/exports/reports/profit-by-sku?format=xlsx&${range}&convert=true`, {
        headers: { authorization: `Bearer ${sys.merchant.adminToken}` },
      });
      expect(res.status).toBe(200);
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ExcelJS.Buffer);
      const sheet = book.worksheets[0];
      const values = sheet.getSheetValues().slice(1) as unknown[][];
      const header = values[0].slice(1);
      expect(header.slice(0, 3)).toEqual(['sku', 'product', 'currency']);
      const cells = values.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i + 1] ?? null])));
      expect(cells).toHaveLength(shown.rows.length);
      // Both rows in yuan now: RB's 5.00 dollars on the 10th at 7.2 is 36.00 yuan, its cost 28.80.
      expect(cells).toEqual([
        expect.objectContaining({ sku: 'RB', currency: 'CNY', units_delivered: 1, revenue: 36, cost: 28.8, profit: 7.2 }),
        expect.objectContaining({ sku: 'RA', currency: 'CNY', units_delivered: 3, revenue: 30, cost: 21, revenue_reversed: 10, profit: -1 }),
      ]);
      for (const [i, row] of shown.rows.entries()) expect(cells[i].revenue).toBe(row.revenue / 100);

      const csv = await fetch(`${sys.baseUrl}/admin/exports/reports/profit-by-sku?format=csv&${range}&convert=true`, {
        headers: { authorization: `Bearer ${sys.merchant.adminToken}` },
      });
      const lines = (await csv.text())
        .replace(/^\uFEFF/, '')
        .trimEnd()
        .split('\r\n');
      expect(lines).toHaveLength(3);
      expect(lines[1]).toMatch(/^RB,Test RB,CNY,1,0,36\.00,28\.80,0\.00,20,7\.20$/);
    });
  });
});
