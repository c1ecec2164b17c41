import crypto from 'node:crypto';
import * as migration from '../db/migrations/038_coded_old_reasons';
import { DEFAULT_RULES } from '../risk/rules';
import { openConsoleBrowser, type ConsoleBrowser } from './console-browser';
import { found } from './found';
import { startTestSystem, type TestSystem } from './harness';

// Reasons stored before they were codes (migration 038): a supplier failure's English sentence and
// a risk assessment without its codes, written as the code of that time wrote them, are rewritten
// into codes; the admin API then sends the codes and the console words them in Chinese. down()
// gives the supplier sentence back as English, and up() again codes it.

jest.setTimeout(180_000);

const OLD_REASON = 'supplier_unavailable: no supplier can take unit 7d0c5d5e-0000-4000-8000-000000000001 right now: Alpha: circuit open; Beta: at our rate limit';
const disposable = found(
  DEFAULT_RULES.find((r) => r.kind === 'disposable_email'),
  'the built-in disposable-email rule',
);
// An assessment as risk/assess-order.ts stored it before the codes: English reasons and findings only.
const OLD_RISK = {
  decision: 'review',
  score: 35,
  reasons: ['email buyer@mailinator.com is at a disposable-address provider (+35)', 'IP country US differs from card country CN'],
  findings: [
    {
      ruleId: disposable.id,
      rule: disposable.name,
      kind: 'disposable_email',
      action: 'score',
      score: 35,
      reason: 'email buyer@mailinator.com is at a disposable-address provider',
    },
    { ruleId: null, rule: 'block list', kind: 'list', action: 'reject', reason: 'buyer email domain is on the blocklist (chargebacks)' },
    { ruleId: 'a3f1c2d4-0000-4000-8000-000000000009', rule: 'Our own words', kind: 'order_cap', action: 'review', reason: 'order has 12 units, over the cap of 10' },
  ],
  ruleVersion: 0,
  thresholds: { review: 30, reject: 80 },
  checkedAt: '2026-11-20T10:00:00.000Z',
};

describe('migration 038: reasons stored before the codes', () => {
  let sys: TestSystem;
  let ui: ConsoleBrowser | undefined;
  let orderId: string;
  type StoredRisk = { reasons: string[]; explained?: unknown; findings: { explained?: unknown; ruleName?: unknown }[] };
  const reasonOf = async () => {
    const row = found(await sys.db('orders').where({ id: orderId }).first('reason', 'risk'), 'the order');
    return { reason: row.reason, risk: row.risk as StoredRisk };
  };
  const shown = async () => (await sys.api('GET', `/admin/orders/${orderId}`, { key: sys.merchant.adminToken })).body;

  beforeAll(async () => {
    sys = await startTestSystem();
    await sys.addSku('OLD-1', { codes: 2 });
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `old-${crypto.randomBytes(4).toString('hex')}`, items: [{ sku: 'OLD-1', quantity: 1 }] } });
    orderId = placed.body.id;
    await sys.waitForOrder(orderId, ['delivered']);
    // Written the way the code before the codes wrote a failed order.
    await sys
      .db('orders')
      .where({ id: orderId })
      .update({ status: 'failed', reason: OLD_REASON, risk: JSON.stringify(OLD_RISK) });
    await sys.db('order_events').insert({ order_id: orderId, type: 'failed', detail: JSON.stringify({ reason: OLD_REASON, releasedUnits: 0 }) });
  });
  afterAll(async () => {
    await ui?.close();
    await sys?.stop();
  });

  test('when it runs, then the old supplier sentence and the old assessment become codes with parameters, and the English beside them stays', async () => {
    // Positive control: before it runs, the sentence is English and the API has no supplier's outcomes for it, only the sentence quoted.
    const unknown = { supplier: '', code: 'unknown_detail', vendorCode: 'unknown_detail', message: OLD_REASON.slice('supplier_unavailable: '.length) };
    expect((await shown()).reasonCode).toEqual({ code: 'supplier_unavailable', params: {}, outcomes: [unknown] });

    await migration.up(sys.db);
    const outcomes = [
      { supplier: 'Alpha', code: 'circuit_open', vendorCode: 'circuit_open', message: '' },
      { supplier: 'Beta', code: 'at_rate_limit', vendorCode: 'at_rate_limit', message: '' },
    ];
    const order = await shown();
    expect(order.reasonCode).toEqual({ code: 'supplier_unavailable', params: {}, outcomes });
    // The timeline is append-only: what it recorded then stays as it was said.
    expect(order.timeline.find((e: { type: string }) => e.type === 'failed').reason).toBe(OLD_REASON);

    const { risk } = await reasonOf();
    expect(risk.reasons).toEqual(OLD_RISK.reasons);
    expect(risk.explained).toEqual([
      { code: 'disposable_email', params: { email: 'buyer@mailinator.com', points: 35 } },
      { code: 'country_mismatch', params: { first: 'ip', firstCountry: 'US', second: 'card', secondCountry: 'CN' } },
    ]);
    expect(risk.findings.map((f: { explained?: unknown; ruleName?: unknown }) => [f.explained, f.ruleName ?? null])).toEqual([
      [
        { code: 'disposable_email', params: { email: 'buyer@mailinator.com' } },
        { code: 'disposable_email', params: {} },
      ],
      [
        { code: 'list_blocked', params: { kind: 'email_domain', note: 'chargebacks' } },
        { code: 'block_list', params: {} },
      ],
      [{ code: 'order_cap_quantity', params: { units: 12, max: 10 } }, null],
    ]);

    // Run again, it changes nothing.
    const before = await reasonOf();
    await migration.up(sys.db);
    expect(await reasonOf()).toEqual(before);
  });

  test('when it is undone and done again, then the supplier reason is English for the older code, and coded again', async () => {
    await migration.down(sys.db);
    const { reason } = await reasonOf();
    expect(reason).toBe('supplier_unavailable: no supplier can take unit - right now: Alpha: circuit open; Beta: at our rate limit');
    await migration.up(sys.db);
    expect((await shown()).reasonCode).toMatchObject({ code: 'supplier_unavailable', outcomes: [{ code: 'circuit_open' }, { code: 'at_rate_limit' }] });
  });

  test('when the console is in Chinese, then the migrated order says why in Chinese, the suppliers’ names as they are', async () => {
    ui = await openConsoleBrowser(sys);
    const owner = await sys.addUser('owner');
    const { context, page } = await ui.signedIn(owner);
    await ui.go(page, `/orders/${orderId}/show`);
    const reason = page.getByTestId('order-reason');
    await reason.waitFor();
    // Positive control: in English first.
    expect(await reason.textContent()).toBe('The suppliers could not be reached: Alpha: paused after repeated failures (circuit open); Beta: at our request limit for it');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('menuitem', { name: '简体中文' }).click();
    await page.getByText('无法连接供应商', { exact: false }).first().waitFor();
    expect(await reason.textContent()).toBe('无法连接供应商：Alpha：连续失败后已暂停（熔断中）；Beta：已达到我方对它的请求频率上限');
    const riskReasons = (await page.getByTestId('risk-reasons').textContent()) ?? '';
    expect(riskReasons).toContain('邮箱 buyer@mailinator.com 属于一次性邮箱服务商（+35）');
    expect(riskReasons).toContain('IP国家 US 与银行卡国家 CN 不一致');
    expect(riskReasons).not.toMatch(/disposable|differs/);
    expect(ui.takePageErrors()).toEqual([]);
    await context.close();
  });
});
