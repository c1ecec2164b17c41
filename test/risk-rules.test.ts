import { createMerchant } from '../db/seed';
import { startTestSystem, snapshot, type TestSystem } from './harness';
import { addAdmin, admin, placeOrder, useRules } from './risk-helpers';

// Each risk rule on its own, through the real API, workflow and database: the order over the
// line is judged as the rule says, with a reason a person can read, and the order beside it is
// not (the positive control).

const reject = (kind: string, params: unknown) => ({ name: `${kind} under test`, kind, params, action: 'reject' });
const score = (kind: string, params: unknown, points: number) => ({ name: `${kind} under test`, kind, params, action: 'score', score: points });
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

describe('risk rules, each on its own', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
    await sys.addSku('CARD', { codes: 150, price: 1000 });
    await sys.addSku('BIG', { codes: 30, price: 60_000 });
    await sys.addSku('HR', { codes: 10, price: 5000 });
  });
  afterAll(() => sys.stop());

  test.each([
    ['ip', (_i: number) => ({ ip: '198.51.100.7' }), { ip: '198.51.100.8' }, '3 orders from IP 198.51.100.7 in the last 1 min (limit 2)'],
    ['subnet', (i: number) => ({ ip: `192.0.2.${10 + i}` }), { ip: '192.0.3.1' }, '3 orders from subnet 192.0.2.0/24 in the last 1 min (limit 2)'],
    ['account', (_i: number) => ({ accountId: 'acct-velocity' }), { accountId: 'acct-other' }, '3 orders from account acct-velocity in the last 1 min (limit 2)'],
    ['device', (_i: number) => ({ deviceId: 'dev-velocity' }), { deviceId: 'dev-other' }, '3 orders from device dev-velocity in the last 1 min (limit 2)'],
    // Plus-addressing is one mailbox: three aliases are three orders from one email.
    [
      'email',
      (i: number) => ({ email: `Velocity+${i}@Example.org` }),
      { email: 'someone.else@example.org' },
      '3 orders from email velocity@example.org in the last 1 min (limit 2)',
    ],
    [
      'phone',
      (i: number) => ({ phone: i % 2 ? '+86 138-0000-0001' : '+8613800000001' }),
      { phone: '+8613800000002' },
      '3 orders from phone +8613800000001 in the last 1 min (limit 2)',
    ],
    [
      'payment',
      (_i: number) => ({ paymentFingerprint: 'fp_velocity_0001' }),
      { paymentFingerprint: 'fp_other_0001' },
      '3 orders from payment instrument fp_veloc… in the last 1 min (limit 2)',
    ],
  ])('when one %s places more orders in a minute than the velocity rule allows, then the order over the limit is rejected with the count', async (subject, nth, other, reason) => {
    await useRules(sys, [reject('velocity', { subject, measure: 'count', windowSeconds: 60, max: 2 })]);
    expect((await placeOrder(sys, nth(0))).status).toBe('delivered');
    expect((await placeOrder(sys, nth(1))).status).toBe('delivered');
    const third = await placeOrder(sys, nth(2));
    expect(third.status).toBe('cancelled');
    expect(third.reason).toBe(`risk_rejected: ${reason}`);
    expect(third.risk).toMatchObject({ decision: 'reject', reasons: [reason] });
    expect((await placeOrder(sys, other)).status).toBe('delivered');
  });

  test('when an account spends more than the amount allowed in a day, then the order over the limit is rejected with the sum', async () => {
    await useRules(sys, [reject('velocity', { subject: 'account', measure: 'amount', windowSeconds: 86_400, max: 2500 })]);
    expect((await placeOrder(sys, { accountId: 'acct-spender' }, [{ sku: 'CARD', quantity: 2 }])).status).toBe('delivered');
    const over = await placeOrder(sys, { accountId: 'acct-spender' });
    expect(over.status).toBe('cancelled');
    expect(over.risk.reasons).toEqual(['CNY 30.00 ordered by account acct-spender in the last 24 h (limit CNY 25.00)']);
    expect((await placeOrder(sys, { accountId: 'acct-thrifty' }, [{ sku: 'CARD', quantity: 2 }])).status).toBe('delivered');
  });

  test('when an earlier order falls outside a window, then that window does not count it and a longer window does', async () => {
    await sys.stopWorker();
    const early = await sys.api('POST', '/v1/orders', { body: { externalRef: 'window-early', items: [{ sku: 'CARD', quantity: 1 }], buyer: { accountId: 'acct-window' } } });
    // Accepted two hours ago, as far as every window is concerned.
    await sys
      .db('orders')
      .where({ id: early.body.id })
      .update({ created_at: sys.db.raw(`now() - interval '2 hours'`) });
    await sys
      .db('risk_velocity_events')
      .where({ order_id: early.body.id })
      .update({ at: sys.db.raw(`now() - interval '2 hours'`) });
    await sys.startWorker();
    await sys.waitForOrder(early.body.id, ['delivered']);

    await useRules(sys, [
      reject('velocity', { subject: 'account', measure: 'count', windowSeconds: 3600, max: 1 }),
      score('velocity', { subject: 'account', measure: 'count', windowSeconds: 86_400, max: 1 }, 10),
    ]);
    const now = await placeOrder(sys, { accountId: 'acct-window' });
    expect(now.status).toBe('delivered');
    expect(now.risk.score).toBe(10);
    expect(now.risk.findings.map((f: any) => f.reason)).toEqual(['2 orders from account acct-window in the last 24 h (limit 1)']);
  });

  test('when a new account places a high-value order, then it scores, and an old account or a small order does not', async () => {
    // The rule on its own: without the model, whose cold-start priors find a 10-minute-old account unusual too.
    await useRules(sys, [score('new_account', { maxAccountAgeHours: 24, minOrderAmount: 50_000 }, 30)], { model: { enabled: false, maxScore: 40 } });
    const young = await placeOrder(sys, { accountId: 'acct-young', accountCreatedAt: minutesAgo(10) }, [{ sku: 'BIG', quantity: 1 }]);
    expect(young.risk.score).toBe(30);
    expect(young.risk.findings[0].reason).toBe('account is 10 min old and orders CNY 600.00 (rule: under 24 h and at least CNY 500.00)');
    expect((await placeOrder(sys, { accountId: 'acct-old', accountCreatedAt: minutesAgo(60 * 24 * 30) }, [{ sku: 'BIG', quantity: 1 }])).risk.score).toBe(0);
    expect((await placeOrder(sys, { accountId: 'acct-young-small', accountCreatedAt: minutesAgo(10) })).risk.score).toBe(0);
  });

  test('when one device tries card after card, then the order with one card too many is rejected; one card used again does not count twice', async () => {
    await useRules(sys, [
      reject('velocity', { subject: 'device', measure: 'payments', windowSeconds: 3600, max: 2 }),
      reject('velocity', { subject: 'ip', measure: 'card_bins', windowSeconds: 3600, max: 2 }),
    ]);
    const card = (n: number, bin = '411111') => ({ deviceId: 'dev-tester', paymentFingerprint: `fp_tester_${n}`, cardBin: bin });
    expect((await placeOrder(sys, card(1))).status).toBe('delivered');
    expect((await placeOrder(sys, card(2))).status).toBe('delivered');
    expect((await placeOrder(sys, card(2))).status).toBe('delivered'); // the same card again: still two
    const third = await placeOrder(sys, card(3));
    expect(third.risk.reasons).toEqual(['3 different payment instruments used from device dev-tester in the last 1 h (limit 2)']);
    // BINs per IP, from different devices (positive control for the device rule's subject).
    const bins = (n: number) => ({ ip: '198.51.100.77', deviceId: `dev-bin-${n}`, cardBin: `5${n}0000` });
    expect((await placeOrder(sys, bins(1))).status).toBe('delivered');
    expect((await placeOrder(sys, bins(2))).status).toBe('delivered');
    expect((await placeOrder(sys, bins(3))).risk.reasons).toEqual(['3 different card BINs used from IP 198.51.100.77 in the last 1 h (limit 2)']);
  });

  test('when fresh accounts order from one subnet on rotating addresses, then the third buyer is rejected; one buyer ordering again does not count twice', async () => {
    await useRules(sys, [reject('velocity', { subject: 'subnet', measure: 'buyers', windowSeconds: 3600, max: 2 })]);
    const farmed = (n: number) => ({ accountId: `acct-farmed-${n}`, ip: `203.0.113.${10 + n}`, deviceId: `dev-farmed-${n}` });
    expect((await placeOrder(sys, farmed(1))).status).toBe('delivered');
    expect((await placeOrder(sys, farmed(2))).status).toBe('delivered');
    expect((await placeOrder(sys, farmed(2))).status).toBe('delivered'); // the same buyer again: still two
    const third = await placeOrder(sys, farmed(3));
    expect(third.status).toBe('cancelled');
    expect(third.risk.reasons).toEqual(['3 different buyers ordered from subnet 203.0.113.0/24 in the last 1 h (limit 2)']);
    // Another subnet is another count (positive control for the subject).
    expect((await placeOrder(sys, { ...farmed(4), ip: '203.0.114.1' })).status).toBe('delivered');
  });

  test('when an established account orders big from a new country, a new device and a new card, then the takeover rule scores; its own device, country or a small order does not', async () => {
    await useRules(sys, [score('account_takeover', { minAccountAgeDays: 30, amountMultiple: 1.5, minOrderAmount: 50_000 }, 60)], { model: { enabled: false, maxScore: 40 } });
    const owner = {
      accountId: 'acct-owner',
      accountCreatedAt: minutesAgo(60 * 24 * 700),
      accountCountry: 'CN',
      ipCountry: 'CN',
      deviceId: 'dev-owner',
      paymentFingerprint: 'fp_owner_card',
    };
    expect((await placeOrder(sys, owner, [{ sku: 'BIG', quantity: 1 }])).risk.score).toBe(0);
    const thief = { ...owner, ipCountry: 'RU', deviceId: 'dev-thief', paymentFingerprint: 'fp_thief_card' };
    const taken = await placeOrder(sys, thief, [{ sku: 'BIG', quantity: 2 }]);
    expect(taken.risk.score).toBe(60);
    expect(taken.risk.findings[0].reason).toBe(
      'account 700 days old orders CNY 1,200.00 from IP country RU (new for it), a new device, a new payment instrument (1 earlier orders, median CNY 600.00; rule: at least 30 days old, 1.5× usual, at least CNY 500.00)',
    );
    expect((await placeOrder(sys, { ...thief, deviceId: 'dev-owner' }, [{ sku: 'BIG', quantity: 2 }])).risk.score).toBe(0); // the owner's device
    expect((await placeOrder(sys, { ...thief, ipCountry: 'CN' }, [{ sku: 'BIG', quantity: 2 }])).risk.score).toBe(0); // the owner's country
    expect((await placeOrder(sys, thief, [{ sku: 'BIG', quantity: 1 }])).risk.score).toBe(0); // not above its usual
    expect((await placeOrder(sys, { ...thief, accountId: 'acct-new', accountCreatedAt: minutesAgo(60 * 24 * 3) }, [{ sku: 'BIG', quantity: 2 }])).risk.score).toBe(0); // not established
  });

  test('when a buyer first buys a high-risk SKU, then it scores, and not once they have had one delivered or for other SKUs', async () => {
    await useRules(sys, [score('first_purchase', { skus: ['HR'] }, 20)]);
    expect((await placeOrder(sys, { accountId: 'acct-first' })).risk.score).toBe(0);
    const first = await placeOrder(sys, { accountId: 'acct-first' }, [{ sku: 'HR', quantity: 1 }]);
    expect(first.status).toBe('delivered');
    expect(first.risk.findings.map((f: any) => f.reason)).toEqual(['first purchase of high-risk SKU HR by this buyer']);
    expect((await placeOrder(sys, { accountId: 'acct-first' }, [{ sku: 'HR', quantity: 1 }])).risk.score).toBe(0);
  });

  test('when an order holds more of a SKU than its cap, by count or by amount, then it is rejected; at the cap it passes', async () => {
    await useRules(sys, [reject('sku_cap', { sku: 'CARD', maxQuantity: 3 }), reject('sku_cap', { sku: 'BIG', maxAmount: 100_000 })]);
    expect((await placeOrder(sys, {}, [{ sku: 'CARD', quantity: 3 }])).status).toBe('delivered');
    expect((await placeOrder(sys, {}, [{ sku: 'CARD', quantity: 4 }])).risk.reasons).toEqual(['4 × CARD, over the cap of 3 per order']);
    expect((await placeOrder(sys, {}, [{ sku: 'BIG', quantity: 2 }])).risk.reasons).toEqual(['CNY 1,200.00 of BIG, over the cap of CNY 1,000.00 per order']);
    expect((await placeOrder(sys, {}, [{ sku: 'BIG', quantity: 1 }])).status).toBe('delivered');
  });

  test('when a whole order is over the order cap, then it is rejected', async () => {
    await useRules(sys, [reject('order_cap', { maxAmount: 2500 })]);
    expect((await placeOrder(sys, {}, [{ sku: 'CARD', quantity: 3 }])).risk.reasons).toEqual(['order amount CNY 30.00 is over the cap of CNY 25.00']);
    expect((await placeOrder(sys, {}, [{ sku: 'CARD', quantity: 2 }])).status).toBe('delivered');
  });

  test('when IP, card and account countries disagree, then each compared pair scores; agreeing or missing countries do not', async () => {
    await useRules(sys, [score('country_mismatch', { between: ['ip', 'card'] }, 25), score('country_mismatch', { between: ['ip', 'account'] }, 15)]);
    const abroad = await placeOrder(sys, { ipCountry: 'us', cardCountry: 'CN', accountCountry: 'US' });
    expect(abroad.risk.score).toBe(25);
    expect(abroad.risk.findings.map((f: any) => f.reason)).toEqual(['IP country US differs from card country CN']);
    expect((await placeOrder(sys, { ipCountry: 'CN', cardCountry: 'CN', accountCountry: 'CN' })).risk.score).toBe(0);
    expect((await placeOrder(sys, { cardCountry: 'CN', accountCountry: 'US' })).risk.score).toBe(0);
  });

  test('when the email is at a disposable-address provider, then it scores; an ordinary address does not', async () => {
    await useRules(sys, [score('disposable_email', {}, 35)]);
    const throwaway = await placeOrder(sys, { email: 'x1@mailinator.com' });
    expect(throwaway.risk.findings.map((f: any) => f.reason)).toEqual(['email x1@mailinator.com is at a disposable-address provider']);
    expect((await placeOrder(sys, { email: 'x1@example.com' })).risk.score).toBe(0);
  });

  test('when scores add up to the thresholds, then the order is held at the review score and rejected at the reject score', async () => {
    await useRules(sys, [score('country_mismatch', { between: ['ip', 'card'] }, 30), score('disposable_email', {}, 30)], { reviewScore: 30, rejectScore: 60 });
    const one = await placeOrder(sys, { ipCountry: 'US', cardCountry: 'CN' });
    expect(one.status).toBe('held');
    expect(one.risk.reasons).toEqual(['risk score 30 reached the review threshold 30', 'IP country US differs from card country CN (+30)']);
    const both = await placeOrder(sys, { ipCountry: 'US', cardCountry: 'CN', email: 'x2@mailinator.com' });
    expect(both.status).toBe('cancelled');
    expect(both.risk.reasons[0]).toBe('risk score 60 reached the reject threshold 60');
    await sys.fulfilment.cancel(one.id, 'test over');
  });

  test.each([
    ['ip', '203.0.113.50', { ip: '203.0.113.50' }, { ip: '203.0.113.51' }],
    ['cidr', '198.18.7.1/15', { ip: '198.19.200.1' }, { ip: '198.20.0.1' }],
    ['email', 'Thief+shop@Example.com', { email: 'thief+other@example.com' }, { email: 'thief2@example.com' }],
    ['email_domain', '*.fraud.test', { email: 'a@mx.fraud.test' }, { email: 'a@notfraud.test' }],
    ['phone', '+86 139 0000 0000', { phone: '+8613900000000' }, { phone: '+8613900000001' }],
    ['account', 'acct-banned', { accountId: 'acct-banned' }, { accountId: 'acct-fine' }],
    ['device', 'dev-banned', { deviceId: 'dev-banned' }, { deviceId: 'dev-fine' }],
    ['payment', 'fp_stolen_card_01', { paymentFingerprint: 'fp_stolen_card_01' }, { paymentFingerprint: 'fp_own_card_01' }],
  ])('when the buyer matches a block-list %s entry, then the order is rejected and says so; a buyer beside it is not', async (kind, value, listed, unlisted) => {
    await useRules(sys, []);
    const entry = await admin(sys, 'POST', '/admin/risk/lists', { list: 'block', kind, value, reason: 'chargeback' });
    expect(entry.status).toBe(201);
    const label = kind === 'email_domain' ? 'email domain' : kind === 'cidr' ? 'IP range' : kind;
    expect((await placeOrder(sys, listed)).risk.reasons).toEqual([`buyer ${label} is on the blocklist (chargeback)`]);
    expect((await placeOrder(sys, unlisted)).status).toBe('delivered');
  });

  test('when the buyer is on the allow list, then the order goes through whatever rules fire; others are still stopped', async () => {
    await useRules(sys, [reject('velocity', { subject: 'ip', measure: 'count', windowSeconds: 60, max: 0 })]);
    await admin(sys, 'POST', '/admin/risk/lists', { list: 'allow', kind: 'ip', value: '203.0.113.99', reason: 'our office' });
    const office = await placeOrder(sys, { ip: '203.0.113.99' });
    expect(office.status).toBe('delivered');
    expect(office.risk).toMatchObject({ decision: 'allow', reasons: ['buyer ip is on the allow list (our office)'] });
    expect((await placeOrder(sys, { ip: '203.0.113.98' })).status).toBe('cancelled');
  });
});

describe('rule sets are versioned', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
    await sys.addSku('CARD', { codes: 20, price: 1000 });
  });
  afterAll(() => sys.stop());

  test('when a rule is added while an order waits, then that order is judged by the rules of its acceptance and later orders by the new version', async () => {
    const start = await useRules(sys, []);
    await sys.stopWorker();
    const buyer = { ip: '198.51.100.200' };
    const before = await sys.api('POST', '/v1/orders', { body: { externalRef: 'v-before', items: [{ sku: 'CARD', quantity: 1 }], buyer } });
    const added = await admin(sys, 'POST', '/admin/risk/rules', {
      name: 'No orders from this IP',
      kind: 'velocity',
      params: { subject: 'ip', measure: 'count', windowSeconds: 60, max: 0 },
      action: 'reject',
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ id: expect.any(String), ruleSetVersion: start.version + 1, enabled: true });
    const after = await sys.api('POST', '/v1/orders', { body: { externalRef: 'v-after', items: [{ sku: 'CARD', quantity: 1 }], buyer } });
    await sys.startWorker();

    const old = await sys.waitForOrder(before.body.id, ['delivered', 'cancelled']);
    const judgedByNew = await sys.waitForOrder(after.body.id, ['delivered', 'cancelled']);
    expect(old).toMatchObject({ status: 'delivered', risk: { ruleVersion: start.version } });
    expect(judgedByNew).toMatchObject({ status: 'cancelled', risk: { ruleVersion: start.version + 1, decision: 'reject' } });

    const versions = await admin(sys, 'GET', '/admin/risk/rule-sets');
    expect(versions.body.map((v: any) => v.id)).toEqual([start.version + 1, start.version, 0]);
    expect((await admin(sys, 'GET', `/admin/risk/rule-sets/${start.version + 1}`)).body.rules.map((r: any) => r.name)).toEqual(['No orders from this IP']);
    expect((await admin(sys, 'GET', `/admin/risk/rule-sets/${start.version}`)).body.rules).toEqual([]);
  });

  test('when the risk check of one order runs several times at once (a retried activity), then it is judged and counted once', async () => {
    await useRules(sys, [reject('velocity', { subject: 'ip', measure: 'count', windowSeconds: 60, max: 5 })]);
    await sys.stopWorker();
    const placed = await sys.api('POST', '/v1/orders', {
      body: { externalRef: 'twice', items: [{ sku: 'CARD', quantity: 1 }], buyer: { ip: '198.51.100.77', deviceId: 'dev-twice' } },
    });
    const verdicts = await Promise.all([1, 2, 3].map(() => sys.activities.checkRisk(placed.body.id)));
    expect(verdicts).toEqual([verdicts[0], verdicts[0], verdicts[0]]);
    expect(verdicts[0].decision).toBe('allow');
    expect(await sys.db('risk_velocity_events').where({ order_id: placed.body.id }).pluck('subject')).toHaveLength(3); // ip, subnet, device
    expect(await sys.db('order_events').where({ order_id: placed.body.id, type: 'risk_checked' })).toHaveLength(1);
    await sys.startWorker();
    await sys.waitForOrder(placed.body.id, ['delivered']);
  });

  test('when rules are edited and removed, then each change is a new version and an audit entry, and the list answers react-admin style', async () => {
    const created = await admin(sys, 'POST', '/admin/risk/rules', { name: 'Disposable mail', kind: 'disposable_email', action: 'score', score: 20 });
    expect(created.status).toBe(201);
    const edited = await admin(sys, 'PUT', `/admin/risk/rules/${created.body.id}`, { ...created.body, score: 35 });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ id: created.body.id, score: 35, ruleSetVersion: created.body.ruleSetVersion + 1 });

    const list = await admin(sys, 'GET', `/admin/risk/rules?sort=${encodeURIComponent('["name","ASC"]')}&range=${encodeURIComponent('[0,0]')}`);
    expect(list.status).toBe(200);
    expect(list.headers.get('content-range')).toBe('rules 0-0/2');
    expect(list.body.map((r: any) => r.name)).toEqual(['Disposable mail']);
    const filtered = await admin(sys, 'GET', `/admin/risk/rules?filter=${encodeURIComponent('{"kind":"velocity"}')}`);
    expect(filtered.body.map((r: any) => r.kind)).toEqual(['velocity']);

    const removed = await admin(sys, 'DELETE', `/admin/risk/rules/${created.body.id}`);
    expect(removed.body.id).toBe(created.body.id);
    expect((await admin(sys, 'GET', `/admin/risk/rules/${created.body.id}`)).status).toBe(404);
    const audit = await sys.db('audit_log').where({ merchant_id: sys.merchant.merchantId, action: 'risk.rules.changed' }).orderBy('id').pluck('detail');
    expect(audit.slice(-3).map((d: any) => d.change)).toEqual(['added rule "Disposable mail"', 'changed rule "Disposable mail"', 'removed rule "Disposable mail"']);
  });

  test.each([
    [
      'a velocity rule with an impossible window and limit',
      { name: '', kind: 'velocity', params: { subject: 'ip', measure: 'count', windowSeconds: 0, max: -1 }, action: 'reject' },
      ['name', 'params.windowSeconds', 'params.max'],
    ],
    ['an unknown subject', { name: 'x', kind: 'velocity', params: { subject: 'cookie', measure: 'count', windowSeconds: 60, max: 1 }, action: 'reject' }, ['params.subject']],
    ['a score rule without a score', { name: 'x', kind: 'disposable_email', action: 'score' }, ['score']],
    ['a hard rule with a score', { name: 'x', kind: 'disposable_email', action: 'reject', score: 10 }, ['score']],
    ['an unknown kind', { name: 'x', kind: 'horoscope', params: {}, action: 'reject' }, ['kind']],
    ['an unknown field', { name: 'x', kind: 'disposable_email', action: 'reject', colour: 'red' }, ['']],
    ['a cap on a SKU that does not exist', { name: 'x', kind: 'sku_cap', params: { sku: 'NOPE', maxQuantity: 1 }, action: 'reject' }, ['params.sku']],
    ['a cap with no limit', { name: 'x', kind: 'sku_cap', params: { sku: 'CARD' }, action: 'reject' }, ['params.maxQuantity']],
    ['a country comparison with itself', { name: 'x', kind: 'country_mismatch', params: { between: ['ip', 'ip'] }, action: 'reject' }, ['params.between.1']],
  ])('when %s is submitted, then 400 validation_failed names each bad field and no version is written', async (_name, body, paths) => {
    const versionsBefore = (await admin(sys, 'GET', '/admin/risk/rule-sets')).body.length;
    const res = await admin(sys, 'POST', '/admin/risk/rules', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.fields.map((f: any) => f.path).sort()).toEqual([...paths].sort());
    for (const f of res.body.error.details.fields) expect(f.message.length).toBeGreaterThan(3);
    expect((await admin(sys, 'GET', '/admin/risk/rule-sets')).body.length).toBe(versionsBefore);
  });

  test('when settings are changed, then they are a new version; thresholds in the wrong order are refused by field', async () => {
    const bad = await admin(sys, 'PUT', '/admin/risk/settings', { reviewScore: 80, rejectScore: 60 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields).toEqual([expect.objectContaining({ path: 'rejectScore' })]);
    const before = (await admin(sys, 'GET', '/admin/risk/settings')).body;
    const good = await admin(sys, 'PUT', '/admin/risk/settings', { ...before, reviewScore: 40, reviewTimeoutSeconds: 3600 });
    expect(good.body).toMatchObject({
      id: 'settings',
      reviewScore: 40,
      rejectScore: 100,
      reviewTimeoutSeconds: 3600,
      model: { enabled: true, maxScore: 40 },
      ruleSetVersion: before.ruleSetVersion + 1,
    });
  });

  test('when list queries are malformed, then 400 names the parameter', async () => {
    const res = await admin(sys, 'GET', `/admin/risk/rules?sort=${encodeURIComponent('["password","ASC"]')}&range=notjson`);
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields.map((f: any) => f.path).sort()).toEqual(['range', 'sort.0']);
  });
});

describe('risk lists and roles through the admin API', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(() => sys.stop());

  test('when entries are added, edited and removed, then they are stored normalised, duplicates are refused and each change is audited', async () => {
    const added = await admin(sys, 'POST', '/admin/risk/lists', { list: 'block', kind: 'email', value: 'Fraud+X@Example.COM', reason: 'chargeback' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ list: 'block', kind: 'email', value: 'fraud@example.com', reason: 'chargeback' });
    const dup = await admin(sys, 'POST', '/admin/risk/lists', { list: 'block', kind: 'email', value: 'fraud@example.com' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('list_entry_exists');

    const cidr = await admin(sys, 'POST', '/admin/risk/lists', { list: 'allow', kind: 'cidr', value: '10.1.2.3/8' });
    expect(cidr.body.value).toBe('10.0.0.0/8');
    const edited = await admin(sys, 'PUT', `/admin/risk/lists/${cidr.body.id}`, { ...cidr.body, reason: 'office VPN' });
    expect(edited.body).toMatchObject({ value: '10.0.0.0/8', reason: 'office VPN' });

    const page = await admin(
      sys,
      'GET',
      `/admin/risk/lists?filter=${encodeURIComponent('{"list":"allow"}')}&sort=${encodeURIComponent('["value","ASC"]')}&range=${encodeURIComponent('[0,9]')}`,
    );
    expect(page.headers.get('content-range')).toBe('lists 0-0/1');
    expect(page.body.map((e: any) => e.value)).toEqual(['10.0.0.0/8']);

    expect((await admin(sys, 'DELETE', `/admin/risk/lists/${added.body.id}`)).status).toBe(200);
    expect((await admin(sys, 'GET', `/admin/risk/lists/${added.body.id}`)).status).toBe(404);
    const actions = await sys.db('audit_log').where({ merchant_id: sys.merchant.merchantId }).where('action', 'like', 'risk.list.%').orderBy('id').pluck('action');
    expect(actions).toEqual(['risk.list.added', 'risk.list.added', 'risk.list.changed', 'risk.list.removed']);
  });

  test.each([
    ['an IP that is not one', { list: 'block', kind: 'ip', value: '300.1.1.1' }, 'value'],
    ['a range with a bad prefix', { list: 'block', kind: 'cidr', value: '10.0.0.0/33' }, 'value'],
    ['a domain with a wildcard in the middle', { list: 'block', kind: 'email_domain', value: 'mail.*.com' }, 'value'],
    ['an unknown list', { list: 'grey', kind: 'ip', value: '1.2.3.4' }, 'list'],
    ['an unknown kind', { list: 'block', kind: 'cookie', value: 'x' }, 'kind'],
  ])('when a list entry has %s, then 400 names the field and nothing is stored', async (_name, body, path) => {
    const before = await sys.db('risk_list_entries').count<{ c: number }[]>('* as c');
    const res = await admin(sys, 'POST', '/admin/risk/lists', body);
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields.map((f: any) => f.path)).toEqual([path]);
    expect(await sys.db('risk_list_entries').count<{ c: number }[]>('* as c')).toEqual(before);
  });

  test('when a viewer or support user tries to change rules or lists, then 403; they can still read them', async () => {
    for (const role of ['viewer', 'support', 'finance'] as const) {
      const { token } = await addAdmin(sys, role);
      const before = await snapshot(sys.db);
      expect((await admin(sys, 'POST', '/admin/risk/rules', { name: 'x', kind: 'disposable_email', action: 'reject' }, token)).status).toBe(403);
      expect((await admin(sys, 'POST', '/admin/risk/lists', { list: 'block', kind: 'ip', value: '1.2.3.4' }, token)).status).toBe(403);
      expect((await admin(sys, 'PUT', '/admin/risk/settings', { reviewScore: 10 }, token)).status).toBe(403);
      expect(await snapshot(sys.db)).toEqual(before);
      expect((await admin(sys, 'GET', '/admin/risk/rules', undefined, token)).status).toBe(200);
    }
    const { token } = await addAdmin(sys, 'operator');
    expect((await admin(sys, 'POST', '/admin/risk/lists', { list: 'block', kind: 'ip', value: '1.2.3.4' }, token)).status).toBe(201);
  });

  test("when another merchant's admin asks for this merchant's risk data, then it is not there", async () => {
    const entry = await admin(sys, 'POST', '/admin/risk/lists', { list: 'block', kind: 'device', value: 'dev-secret' });
    await admin(sys, 'POST', '/admin/risk/rules', { name: 'Mine', kind: 'disposable_email', action: 'reject' });
    const other = await createMerchant(sys.db, sys.vault, { name: 'Other', ownerEmail: 'owner@other.example.com' });
    expect((await admin(sys, 'GET', `/admin/risk/lists/${entry.body.id}`, undefined, other.adminToken)).status).toBe(404);
    expect((await admin(sys, 'DELETE', `/admin/risk/lists/${entry.body.id}`, undefined, other.adminToken)).status).toBe(404);
    expect((await admin(sys, 'GET', '/admin/risk/lists', undefined, other.adminToken)).body).toEqual([]);
    const theirRules = (await admin(sys, 'GET', '/admin/risk/rules?range=[0,99]', undefined, other.adminToken)).body;
    expect(theirRules.map((r: any) => r.name)).not.toContain('Mine');
    expect(theirRules.every((r: any) => r.ruleSetVersion === 0)).toBe(true);
  });
});
