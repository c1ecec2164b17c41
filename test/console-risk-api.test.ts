import { canAccess, ROLES, rolesFor } from '../lib/permissions';
import { found } from './found';
import { startTestSystem, type TestSystem } from './harness';
import { placeOrder, useRules } from './risk-helpers';

// Risk control as the console meets it through the admin API: held orders in the order list,
// the order view and the dashboard; approving and rejecting from the order itself; and which
// roles may read and change the queue, the rules, the lists and the settings.

const holdAbroad = { name: 'Hold orders paid with a foreign card', kind: 'country_mismatch', params: { between: ['ip', 'card'] }, action: 'review' };
const abroad = { ipCountry: 'US', cardCountry: 'CN', email: 'buyer@example.com' };
const q = (o: unknown) => encodeURIComponent(JSON.stringify(o));

describe('held orders in the console API', () => {
  let sys: TestSystem;
  const cookies = new Map<string, string>();
  /** A signed-in console session of a new user with the role. */
  async function as(role: (typeof ROLES)[number]) {
    if (!cookies.has(role)) {
      const user = await sys.addUser(role);
      cookies.set(role, await sys.signIn(user.email, user.password));
    }
    return cookies.get(role)!;
  }
  const call = async (role: (typeof ROLES)[number], method: string, path: string, body?: unknown) => sys.api(method, path, { cookie: await as(role), body });
  const stock = async () => found(await sys.db('skus').where({ code: 'HELD' }).first(), 'SKU HELD').stock_available;

  beforeAll(async () => {
    sys = await startTestSystem();
    await sys.addSku('HELD', { codes: 20, price: 1000 });
    await useRules(sys, [holdAbroad]);
  });
  afterAll(() => sys.stop());

  test('when an order is held, then the order list finds it by status, its view offers approve and reject, and the dashboard shows it waiting on a person; a delivered order has none of that', async () => {
    const held = await placeOrder(sys, abroad, [{ sku: 'HELD', quantity: 1 }]);
    const delivered = await placeOrder(sys, { email: 'local@example.com' }, [{ sku: 'HELD', quantity: 1 }]);
    expect([held.status, delivered.status]).toEqual(['held', 'delivered']);
    await sys.finished(delivered.id);

    const list = await call('support', 'GET', `/admin/orders?filter=${q({ status: 'held' })}`);
    expect(list.status).toBe(200);
    expect(list.body.map((o: { id: string }) => o.id)).toEqual([held.id]);
    expect(list.headers.get('content-range')).toBe('orders 0-0/1');

    const view = (await call('support', 'GET', `/admin/orders/${held.id}`)).body;
    expect(view).toMatchObject({
      status: 'held',
      risk: { decision: 'review', reasons: ['IP country US differs from card country CN'] },
      review: { status: 'open', deadlineAt: held.risk.reviewDeadline, decidedAt: null, decidedBy: null, note: null },
      actions: { approve: true, reject: true },
    });
    const other = (await call('support', 'GET', `/admin/orders/${delivered.id}`)).body;
    expect(other).toMatchObject({ status: 'delivered', review: null, actions: { approve: false, reject: false } });

    const dashboard = (await call('viewer', 'GET', '/admin/dashboard')).body;
    expect(dashboard.waitingOnPerson.count).toBe(1);
    expect(dashboard.waitingOnPerson.orders).toEqual([expect.objectContaining({ id: held.id, status: 'held', externalRef: held.externalRef })]);

    await sys.fulfilment.cancel(held.id, 'test over');
    await sys.finished(held.id);
    expect((await call('viewer', 'GET', '/admin/dashboard')).body.waitingOnPerson.count).toBe(0);
  });

  test('when support approves a held order from the order, then it is delivered, the review names them, and a second decision is refused', async () => {
    const held = await placeOrder(sys, abroad, [{ sku: 'HELD', quantity: 1 }]);
    const support = await as('support');
    const approved = await sys.api('POST', `/admin/orders/${held.id}/approve`, { cookie: support, body: { reason: 'called the buyer: travelling' } });
    expect(approved.status).toBe(200);
    expect(['processing', 'delivered']).toContain(approved.body.status);
    expect(approved.body.review).toMatchObject({ status: 'approved', decidedBy: expect.stringMatching(/^support-/), note: 'called the buyer: travelling' });
    expect(approved.body.actions).toMatchObject({ approve: false, reject: false });
    await sys.finished(held.id);
    expect((await sys.api('GET', `/v1/orders/${held.id}`)).body.status).toBe('delivered');
    expect(
      await sys
        .db('audit_log')
        .where({ target: `order:${held.id}` })
        .pluck('action'),
    ).toEqual(['risk.review.approved']);

    const again = await sys.api('POST', `/admin/orders/${held.id}/reject`, { cookie: support, body: { reason: 'changed my mind' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('review_closed');
    expect((await sys.api('GET', `/v1/orders/${held.id}`)).body.status).toBe('delivered');
  });

  test('when a reject has too short a note, then 400 names the field and the order still waits; with a note it is cancelled and its stock released', async () => {
    const before = await stock();
    const held = await placeOrder(sys, abroad, [{ sku: 'HELD', quantity: 2 }]);
    const short = await call('operator', 'POST', `/admin/orders/${held.id}/reject`, { reason: 'no' });
    expect(short.status).toBe(400);
    expect(short.body.error.details.fields.map((f: { path: string }) => f.path)).toEqual(['reason']);
    expect(short.body.errors).toEqual({ reason: expect.any(String) });
    expect((await sys.db('orders').where({ id: held.id }).first())?.status).toBe('held');
    expect(await stock()).toBe(before - 2);

    const rejected = await call('operator', 'POST', `/admin/orders/${held.id}/reject`, { reason: 'card reported stolen' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'cancelled', reason: 'risk_review_rejected: card reported stolen', review: { status: 'rejected' } });
    await sys.finished(held.id);
    expect(await stock()).toBe(before);
  });

  test('when an order the risk check let through is approved, then 409 not_held and nothing is written', async () => {
    const delivered = await placeOrder(sys, { email: 'another@example.com' }, [{ sku: 'HELD', quantity: 1 }]);
    await sys.finished(delivered.id);
    const res = await call('owner', 'POST', `/admin/orders/${delivered.id}/approve`, { reason: 'looks fine to me' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('not_held');
    expect(await sys.db('audit_log').where({ target: `order:${delivered.id}` })).toEqual([]);
  });

  test('when finance or a viewer tries to decide, then 403 from both the order and the queue, and the order still waits; an operator may', async () => {
    const held = await placeOrder(sys, abroad, [{ sku: 'HELD', quantity: 1 }]);
    for (const role of ['finance', 'viewer'] as const) {
      const onOrder = await call(role, 'POST', `/admin/orders/${held.id}/approve`, { reason: 'looks fine to me' });
      expect(onOrder.status).toBe(403);
      expect(onOrder.body.error.message).toContain('owner, operator, support');
      expect((await call(role, 'POST', `/admin/risk/reviews/${held.id}/decision`, { decision: 'approve', note: 'fine' })).status).toBe(403);
      expect((await call(role, 'GET', `/admin/risk/reviews/${held.id}`)).status).toBe(200);
    }
    expect((await sys.db('orders').where({ id: held.id }).first())?.status).toBe('held');
    const operator = await call('operator', 'POST', `/admin/risk/reviews/${held.id}/decision`, { decision: 'reject', note: 'not our customer' });
    expect(operator.status).toBe(200);
    await sys.finished(held.id);
  });

  test('when support or finance change rules, lists or settings, then 403 and nothing changes; they can read them; an operator can change them', async () => {
    const version = (await call('owner', 'GET', '/admin/risk/settings')).body.ruleSetVersion;
    const settings = (await call('finance', 'GET', '/admin/risk/settings')).body;
    for (const role of ['support', 'finance', 'viewer'] as const) {
      for (const path of ['/admin/risk/rules', '/admin/risk/lists', '/admin/risk/rule-sets', '/admin/risk/assessments']) {
        expect((await call(role, 'GET', path)).status).toBe(200);
      }
      expect((await call(role, 'POST', '/admin/risk/rules', { name: 'x', kind: 'disposable_email', action: 'reject' })).status).toBe(403);
      expect((await call(role, 'PUT', '/admin/risk/settings', { ...settings, reviewScore: 10 })).status).toBe(403);
      expect((await call(role, 'POST', '/admin/risk/lists', { list: 'block', kind: 'ip', value: '203.0.113.5' })).status).toBe(403);
    }
    expect((await call('owner', 'GET', '/admin/risk/settings')).body.ruleSetVersion).toBe(version);
    expect(await sys.db('risk_list_entries')).toEqual([]);

    expect((await call('operator', 'POST', '/admin/risk/lists', { list: 'block', kind: 'ip', value: '203.0.113.5' })).status).toBe(201);
    expect((await call('operator', 'POST', '/admin/risk/rules', { name: 'No throwaway mail', kind: 'disposable_email', action: 'reject' })).status).toBe(201);
    expect((await call('owner', 'GET', '/admin/risk/settings')).body.ruleSetVersion).toBe(version + 1);
  });

  test('when the console asks which roles may decide a review, then the order and the queue name the same roles the API enforces', () => {
    for (const role of ROLES) {
      expect(canAccess(role, { resource: 'orders', action: 'approve' })).toBe(canAccess(role, { resource: 'reviews', action: 'decide' }));
      expect(canAccess(role, { resource: 'orders', action: 'reject' })).toBe(canAccess(role, { resource: 'reviews', action: 'decide' }));
    }
    expect(rolesFor('reviews', 'decide')).toEqual(['owner', 'operator', 'support']);
    expect(rolesFor('risk-rules', 'edit')).toEqual(['owner', 'operator']);
  });
});
