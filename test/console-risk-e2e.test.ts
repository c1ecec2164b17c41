import crypto from 'node:crypto';
import type { Page } from 'playwright-core';
import { openConsoleBrowser, type ConsoleBrowser } from './console-browser';
import { found } from './found';
import { startTestSystem, type TestSystem } from './harness';

// Risk control in the console, in a real browser against the real API and workflows: the
// merchant holds orders paid with a foreign card (a rule set up through the admin API); support
// approves one from the review queue and it is delivered; another is rejected from the order page
// and its stock goes back; a viewer reads the queue but cannot decide; the owner writes rules and
// settings through forms whose mistakes the server names beside the field.

const hex = () => crypto.randomBytes(4).toString('hex');
const HOLD_RULE = { name: 'Hold orders paid with a foreign card', kind: 'country_mismatch', params: { between: ['ip', 'card'] }, action: 'review' };
const ABROAD = { ipCountry: 'US', cardCountry: 'CN', email: 'traveller@example.com', ip: '198.51.100.7', accountId: 'acct-42' };

jest.setTimeout(120_000);

describe('risk control in the console', () => {
  let sys: TestSystem;
  let ui: ConsoleBrowser;
  let owner: { email: string; password: string };
  afterEach(() => expect(ui.takePageErrors()).toEqual([]));

  const admin = (method: string, path: string, body?: unknown) => sys.api(method, path, { key: sys.merchant.adminToken, body });
  const stock = async () => found(await sys.db('skus').where({ code: 'HELD-CARD' }).first(), 'SKU HELD-CARD').stock_available;

  /**
   * Places an order the hold rule catches and waits until it waits for review. Each traveller
   * after the first is another buyer: the same account, mailbox and IP ordering again within
   * minutes is a burst the day-one velocity rules reject rather than hold.
   */
  let travellers = 0;
  async function heldOrder(quantity = 1) {
    const ref = `held-${hex()}`;
    const n = travellers++;
    const buyer = n === 0 ? ABROAD : { ...ABROAD, email: `traveller${n}@example.com`, ip: `198.51.100.${7 + n}`, accountId: `acct-${42 + n}` };
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: ref, items: [{ sku: 'HELD-CARD', quantity }], buyer } });
    expect(placed.status).toBe(202);
    await sys.waitForOrder(placed.body.id, ['held']);
    return { id: placed.body.id as string, ref };
  }

  beforeAll(async () => {
    sys = await startTestSystem();
    owner = await sys.addUser('owner');
    await sys.addSku('HELD-CARD', { codes: 20, price: 4900, cost: 4500 });
    // The merchant's own configuration, as an owner would set it through the admin API.
    const rule = await admin('POST', '/admin/risk/rules', HOLD_RULE);
    expect(rule.status).toBe(201);
    const settings = (await admin('GET', '/admin/risk/settings')).body;
    expect((await admin('PUT', '/admin/risk/settings', { ...settings, model: { enabled: false, maxScore: 40 } })).status).toBe(200);
    ui = await openConsoleBrowser(sys);
  });
  afterAll(async () => {
    await ui?.close();
    await sys?.stop();
  });

  test('when support approves a held order from the review queue with a note, then it is delivered, and the queue, dashboard and audit log say so', async () => {
    const { id, ref } = await heldOrder();
    const support = await sys.addUser('support');
    const { context, page } = await ui.signedIn(support);
    // Held orders wait on a person: the dashboard lists them.
    await page.getByTestId('waiting-list').getByRole('link').filter({ hasText: ref }).getByText('Held for review').waitFor();

    await ui.go(page, '/reviews');
    const row = page.getByRole('row').filter({ hasText: ref });
    await row.getByText('IP country US differs from card country CN', { exact: true }).waitFor();
    await row.getByText('¥49.00').waitFor();
    await row.getByText('traveller@example.com').waitFor();
    await row.getByText('198.51.100.7 (US)').waitFor();
    await row.getByText(/^in (23|24) hours$/).waitFor();
    await row.getByText('Open').waitFor();
    await ui.shot(page, 'risk-01-review-queue');

    await row.click();
    await page.getByTestId('review-ref').getByText(ref).waitFor();
    await page.getByTestId('buyer-signals').getByText('Card country').waitFor();
    await page.getByTestId('risk-findings').getByText(HOLD_RULE.name).waitFor();
    await ui.shot(page, 'risk-02-review');
    await page.getByTestId('review-approve').click();
    const dialog = page.getByRole('dialog');
    // The note is required: the dialog will not confirm without one.
    expect(await dialog.getByRole('button', { name: 'Approve' }).isDisabled()).toBe(true);
    await dialog.getByLabel('Reason').fill('called the buyer: travelling in the US');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await page.getByTestId('review-status').getByText('Approved').waitFor();
    await page.getByText(`by ${support.email}`).waitFor();
    expect(await page.getByTestId('review-approve').count()).toBe(0);

    await sys.finished(id);
    const order = (await sys.api('GET', `/v1/orders/${id}`)).body;
    expect(order.status).toBe('delivered');
    expect(order.items[0].units[0].code.number).toEqual(expect.any(String));
    expect(
      await sys
        .db('audit_log')
        .where({ target: `order:${id}` })
        .pluck('action'),
    ).toEqual(['risk.review.approved']);
    expect(
      found(
        await sys
          .db('audit_log')
          .where({ target: `order:${id}` })
          .first(),
        'the review audit row',
      ).actor,
    ).toBe(`user:${support.email}`);

    // Decided reviews leave the open queue.
    await ui.go(page, '/reviews');
    await page.getByTestId('reviews-empty').waitFor();
    await context.close();
  });

  test('when an operator rejects a held order from its order page with a note, then it is cancelled with that note and its stock goes back', async () => {
    const before = await stock();
    const { id, ref } = await heldOrder(2);
    expect(await stock()).toBe(before - 2);

    const { context, page } = await ui.signedIn(await sys.addUser('operator'));
    await ui.go(page, '/orders');
    const row = page.getByRole('row').filter({ hasText: ref });
    await row.getByText('Held for review').waitFor();
    await row.click();
    await page.getByTestId('order-status').getByText('Held for review').waitFor();
    const panel = page.getByTestId('risk-panel');
    await panel.getByTestId('risk-decision').getByText('In review').waitFor();
    await panel.getByTestId('risk-reasons').getByText('IP country US differs from card country CN', { exact: true }).waitFor();
    await panel.getByTestId('risk-review-status').getByText('Open').waitFor();
    await ui.shot(page, 'risk-03-order-held');

    await page.getByTestId('order-action-reject').click();
    await page.getByRole('dialog').getByLabel('Reason').fill('card reported stolen by its owner');
    await page.getByRole('dialog').getByRole('button', { name: 'Reject' }).click();
    await page.getByTestId('order-status').getByText('Cancelled').waitFor();
    await panel.getByTestId('risk-review-status').getByText('Rejected').waitFor();
    await page.getByTestId('event-risk_reviewed').waitFor();
    expect(await page.getByTestId('order-action-approve').count()).toBe(0);

    await sys.finished(id);
    const order = (await sys.api('GET', `/v1/orders/${id}`)).body;
    expect(order).toMatchObject({ status: 'cancelled', reason: 'risk_review_rejected: card reported stolen by its owner' });
    expect(order.items[0].units.every((u: { status: string; code: unknown }) => u.status === 'released' && u.code === null)).toBe(true);
    expect(await stock()).toBe(before);
    await context.close();
  });

  test('when a viewer opens the queue, then they see the held order but no Approve, and the API refuses their decision; support on the same order has the buttons', async () => {
    const { id, ref } = await heldOrder();
    const { context, page } = await ui.signedIn(await sys.addUser('viewer'));
    await ui.go(page, '/reviews');
    await page.getByRole('row').filter({ hasText: ref }).click();
    await page.getByTestId('review-ref').getByText(ref).waitFor();
    await page.getByTestId('review-decide-denied').waitFor();
    expect(await page.getByTestId('review-approve').count()).toBe(0);
    expect(await page.getByTestId('review-reject').count()).toBe(0);
    await ui.go(page, `/orders/${id}/show`);
    await page.getByTestId('risk-panel').getByTestId('risk-review-status').waitFor();
    expect(await page.getByTestId('order-action-approve').count()).toBe(0);

    const refused = await page.request.post(`${sys.baseUrl}/admin/risk/reviews/${id}/decision`, { data: { decision: 'approve', note: 'viewer trying anyway' } });
    expect(refused.status()).toBe(403);
    expect((await refused.json()).error.code).toBe('forbidden');
    const refusedOnOrder = await page.request.post(`${sys.baseUrl}/admin/orders/${id}/approve`, { data: { reason: 'viewer trying anyway' } });
    expect(refusedOnOrder.status()).toBe(403);
    await context.close();
    expect((await sys.db('orders').where({ id }).first())?.status).toBe('held');

    // Positive control: support sees both buttons on the same review and order.
    const support = await ui.signedIn(await sys.addUser('support'));
    await ui.go(support.page, `/reviews/${id}/show`);
    await support.page.getByTestId('review-approve').waitFor();
    await support.page.getByTestId('review-reject').waitFor();
    expect(await support.page.getByTestId('review-decide-denied').count()).toBe(0);
    await ui.go(support.page, `/orders/${id}/show`);
    await support.page.getByTestId('order-action-approve').waitFor();
    await support.context.close();
    await sys.fulfilment.cancel(id, 'test over');
  });

  /** Picks an option of a select (its name carries a required mark and the chosen value after the label). */
  async function choose(page: Page, label: string, option: string) {
    await page.getByLabel(new RegExp(`^${label}\\b`)).click();
    await page.getByRole('option', { name: option, exact: true }).click();
  }

  test('when the owner creates a rule through the form, then it is a new rule-set version; a window too long is refused with the server’s message beside the field', async () => {
    const versionBefore = (await admin('GET', '/admin/risk/settings')).body.ruleSetVersion;
    const { context, page } = await ui.signedIn(owner);
    await ui.go(page, '/risk-rules');
    await page.getByTestId('rule-set-version').getByText(`Rule set version ${versionBefore}`).waitFor();
    await page
      .getByTestId('rule-set-history')
      .getByText(/changed settings/)
      .waitFor();
    await page.getByRole('row').filter({ hasText: HOLD_RULE.name }).getByText('Hold for review').waitFor();
    await page
      .getByRole('row')
      .filter({ hasText: 'Card testing: many orders from one IP in a minute' })
      .getByText('More than 10 orders from one IP address within 1 minute')
      .waitFor();
    await ui.shot(page, 'risk-04-rules');

    await page.getByRole('link', { name: 'Create' }).click();
    await page
      .getByTestId('rule-kind-help')
      .getByText(/Too many orders/)
      .waitFor();
    await page.getByLabel('Name').fill('Many orders from one device in a month');
    await choose(page, 'Counted per', 'device');
    await page.getByLabel('Within').fill('30');
    await choose(page, 'Unit', 'days');
    await page.getByLabel('Most allowed').fill('5');
    await page.getByRole('spinbutton', { name: 'Points' }).fill('35');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('at most 7 days').waitFor();
    await ui.shot(page, 'risk-05-rule-refused');
    expect((await admin('GET', '/admin/risk/settings')).body.ruleSetVersion).toBe(versionBefore);

    await page.getByLabel('Within').fill('7');
    await page.getByLabel('Name').fill('Many orders from one device in a week');
    await page.getByRole('button', { name: 'Save' }).click();
    const created = page.getByRole('row').filter({ hasText: 'Many orders from one device in a week' });
    await created.getByText('More than 5 orders from one device within 7 days').waitFor();
    await created.getByText('+35').waitFor();
    await page
      .getByTestId('rule-set-version')
      .getByText(`Rule set version ${versionBefore + 1}`)
      .waitFor();

    const rules = (await admin('GET', '/admin/risk/rules?range=[0,99]')).body;
    expect(rules.find((r: { name: string }) => r.name === 'Many orders from one device in a week')).toMatchObject({
      kind: 'velocity',
      action: 'score',
      score: 35,
      enabled: true,
      params: { subject: 'device', measure: 'count', windowSeconds: 7 * 86_400, max: 5 },
    });
    await context.close();
  });

  test('when the owner edits the thresholds in the wrong order, then the field says so; fixed, they are saved as a new version', async () => {
    const before = (await admin('GET', '/admin/risk/settings')).body;
    const { context, page } = await ui.signedIn(owner);
    await ui.go(page, '/risk-rules');
    await page.getByTestId('risk-settings-edit').click();
    const dialog = page.getByTestId('risk-settings-dialog');
    await dialog.getByLabel('Hold for review at score').fill('120');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText('Must be above the review score').waitFor();
    expect((await admin('GET', '/admin/risk/settings')).body.ruleSetVersion).toBe(before.ruleSetVersion);

    await dialog.getByLabel('Hold for review at score').fill('40');
    await dialog.getByLabel('Review deadline').fill('2');
    await choose(page, 'Unit', 'hours');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    const panel = page.getByTestId('risk-settings');
    await panel
      .getByTestId('rule-set-version')
      .getByText(`Rule set version ${before.ruleSetVersion + 1}`)
      .waitFor();
    await panel.getByText('2 hours').waitFor();
    expect((await admin('GET', '/admin/risk/settings')).body).toMatchObject({ reviewScore: 40, rejectScore: 100, reviewTimeoutSeconds: 7200, model: { enabled: false } });
    await context.close();
  });

  test('when the owner blocks a malformed IP, then why shows under Value, in the console’s words; a good entry is listed, and removed only after a confirmation', async () => {
    const { context, page } = await ui.signedIn(owner);
    await ui.go(page, '/risk-lists');
    await page.getByTestId('lists-empty').waitFor();
    await page.getByRole('link', { name: 'Create' }).click();
    await page.getByText('Orders from a blocked buyer are rejected.').waitFor();
    await choose(page, 'Kind', 'IP address');
    await page.getByLabel('Value').fill('300.1.1.1');
    await page.getByLabel('Reason').fill('chargebacks from this address');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('must be an IPv4 or IPv6 address').waitFor();
    await page.getByLabel('Value').fill('203.0.113.9');
    await page.getByRole('button', { name: 'Save' }).click();
    const row = page.getByRole('row').filter({ hasText: '203.0.113.9' });
    await row.getByText('Block list').waitFor();
    await row.getByText('chargebacks from this address').waitFor();
    await ui.shot(page, 'risk-06-lists');

    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByText('Remove 203.0.113.9 from the list?').waitFor();
    expect(await sys.db('risk_list_entries').where({ value: '203.0.113.9' })).toHaveLength(1);
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await page.getByTestId('lists-empty').waitFor();
    expect(await sys.db('risk_list_entries').where({ value: '203.0.113.9' })).toHaveLength(0);
    await context.close();
  });

  test('when the owner switches to 简体中文, then the risk screens speak Chinese', async () => {
    const { context, page } = await ui.signedIn(owner);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('menuitem', { name: '简体中文' }).click();
    await page.getByText('今日订单').waitFor();
    await ui.go(page, '/risk-rules');
    await page.getByRole('columnheader', { name: '触发条件' }).waitFor();
    await page.getByText('同一IP 地址在 1分钟 内下单超过 10 笔').waitFor();
    await page.getByTestId('risk-settings').getByText('转人工审核的分数').waitFor();
    await ui.shot(page, 'risk-07-rules-zh');
    await ui.go(page, '/reviews');
    await page.getByTestId('reviews-empty').getByText('没有等待审核的订单。').waitFor();
    await context.close();
  });
});
