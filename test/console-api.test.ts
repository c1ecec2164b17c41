import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMerchant, createSku } from '../db/seed';
import { importCodes } from '../stock/import-codes';
import { startTestSystem, type TestSystem } from './harness';
import { found } from './found';

// The admin API behind the console, as its users meet it: signing in, what each role may do,
// the walls between merchants, the list protocol react-admin speaks, and the support actions
// (refund, retry, resend) with the money and stock they move.

const hex = () => crypto.randomBytes(4).toString('hex');

describe('signing in to the console', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ worker: false, signInLimits: { failuresBeforeBackoff: 3, maxBackoffSeconds: 600, attemptsPerAddress: 1000, windowSeconds: 600 } });
  });
  afterAll(() => sys.stop());

  test('when a user signs in, then they get an httpOnly SameSite=Strict session cookie, the database keeps only its hash, and signing out ends it', async () => {
    const user = await sys.addUser('support');
    const res = await fetch(`${sys.baseUrl}/admin/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: user.email.toUpperCase(), password: user.password }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ email: user.email, role: 'support', merchant: { id: sys.merchant.merchantId } });
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^cardflow_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\/admin/);
    expect(setCookie).toMatch(/Expires=/);
    const cookie = setCookie.split(';')[0];
    const token = cookie.split('=')[1];
    const stored = await sys.db('sessions').where({ user_id: user.id });
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(token);

    expect((await sys.api('GET', '/admin/session', { cookie })).body).toMatchObject({ email: user.email, role: 'support' });
    expect((await sys.api('DELETE', '/admin/session', { cookie })).status).toBe(204);
    const after = await sys.api('GET', '/admin/session', { cookie });
    expect(after.status).toBe(401);
    const audit = await sys
      .db('audit_log')
      .where({ actor: `user:${user.email}` })
      .orderBy('id')
      .pluck('action');
    expect(audit).toEqual(['session.signed_in', 'session.signed_out']);
  });

  test('when the password is wrong, then 401 invalid_credentials, the failure is audited, and no session exists', async () => {
    const user = await sys.addUser('viewer');
    const res = await sys.api('POST', '/admin/session', { key: null, body: { email: user.email, password: 'not-the-password' } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_credentials');
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await sys.db('sessions').where({ user_id: user.id })).toHaveLength(0);
    expect(
      await sys
        .db('audit_log')
        .where({ actor: `user:${user.email}` })
        .pluck('action'),
    ).toEqual(['session.sign_in_failed']);
    // An unknown email answers the same way.
    const unknown = await sys.api('POST', '/admin/session', { key: null, body: { email: `nobody-${hex()}@example.com`, password: 'whatever-it-is' } });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toEqual(res.body.error);
  });

  test('when one address has too many failed sign-ins on an account, then that address waits (429) even with the right password, and other accounts are not affected', async () => {
    const target = await sys.addUser('owner');
    const bystander = await sys.addUser('owner');
    for (let i = 0; i < 3; i++) {
      expect((await sys.api('POST', '/admin/session', { key: null, body: { email: target.email, password: `guess-${i}-wrong` } })).status).toBe(401);
    }
    const blocked = await sys.api('POST', '/admin/session', { key: null, body: { email: target.email, password: target.password } });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('rate_limited');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await sys.api('POST', '/admin/session', { key: null, body: { email: bystander.email, password: bystander.password } })).status).toBe(200);
  });

  test('when a user is disabled by the owner, then their open session stops working at once', async () => {
    const owner = await sys.addUser('owner');
    const staff = await sys.addUser('operator');
    const ownerCookie = await sys.signIn(owner.email, owner.password);
    const staffCookie = await sys.signIn(staff.email, staff.password);
    expect((await sys.api('GET', '/admin/orders', { cookie: staffCookie })).status).toBe(200);
    const res = await sys.api('PUT', `/admin/users/${staff.id}`, { cookie: ownerCookie, body: { role: 'operator', disabled: true } });
    expect(res.status).toBe(200);
    expect((await sys.api('GET', '/admin/orders', { cookie: staffCookie })).status).toBe(401);
  });

  test('when the only active owner tries to demote themselves, then 409 last_owner names the field and nothing changes', async () => {
    const merchant = await createMerchant(sys.db, sys.vault, { name: `Solo ${hex()}`, ownerEmail: `solo-${hex()}@example.com`, ownerPassword: 'solo-owner-password' });
    const cookie = await sys.signIn(merchant.ownerEmail, 'solo-owner-password');
    const me = (await sys.api('GET', '/admin/session', { cookie })).body;
    const res = await sys.api('PUT', `/admin/users/${me.id}`, { cookie, body: { role: 'viewer', disabled: false } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'last_owner' }, errors: { role: expect.any(String) } });
    expect(found(await sys.db('users').where({ id: me.id }).first(), 'user').role).toBe('owner');
  });
});

describe('what each role may do, and the wall between merchants', () => {
  let sys: TestSystem;
  let orderId: string;
  beforeAll(async () => {
    sys = await startTestSystem();
    await sys.addSku('ROLE-1', { codes: 5 });
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: 'role-1', items: [{ sku: 'ROLE-1', quantity: 1 }] } });
    orderId = placed.body.id;
    await sys.finished(orderId);
  });
  afterAll(() => sys.stop());

  const cookieFor = async (role: 'owner' | 'operator' | 'support' | 'finance' | 'viewer', merchantId?: string) => {
    const u = await sys.addUser(role, { merchantId });
    return sys.signIn(u.email, u.password);
  };
  const codeOf = async (id: string) => (await sys.api('GET', `/admin/orders/${id}`, { cookie: await cookieFor('viewer') })).body.items[0].units[0].code;

  test('when support asks to reveal a code, then 403 and no audit row; an operator gets it, and the reveal is audited', async () => {
    const code = await codeOf(orderId);
    expect(code.mask).toMatch(/^\*+.{4}$/);
    const before = await sys.db('audit_log').where({ action: 'code.revealed' }).count<{ c: number }[]>('* as c');

    const denied = await sys.api('POST', `/admin/codes/${code.id}/reveal`, { cookie: await cookieFor('support') });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('forbidden');
    expect(JSON.stringify(denied.body)).not.toMatch(/ROLE-1-CARD/);
    expect((await sys.db('audit_log').where({ action: 'code.revealed' }).count<{ c: number }[]>('* as c'))[0].c).toBe(before[0].c);

    const operator = await sys.addUser('operator');
    const shown = await sys.api('POST', `/admin/codes/${code.id}/reveal`, { cookie: await sys.signIn(operator.email, operator.password) });
    expect(shown.status).toBe(200);
    const delivered = (await sys.api('GET', `/v1/orders/${orderId}`)).body.items[0].units[0].code;
    expect(shown.body).toMatchObject({ id: code.id, number: delivered.number, pin: delivered.pin });
    const audit = await sys.db('audit_log').where({ action: 'code.revealed', actor: `user:${operator.email}` });
    expect(audit).toHaveLength(1);
    expect(audit[0].target).toBe(`code:${code.id}`);
    expect(JSON.stringify(audit[0].detail)).not.toContain(delivered.number);
  });

  test('when a viewer asks to refund, then 403 and the order stays delivered; they can still read it', async () => {
    const viewer = await cookieFor('viewer');
    const res = await sys.api('POST', `/admin/orders/${orderId}/refund`, { cookie: viewer, body: { reason: 'buyer says it did not work' } });
    expect(res.status).toBe(403);
    expect((await sys.db('orders').where({ id: orderId }).first())?.status).toBe('delivered');
    expect((await sys.api('GET', `/admin/orders/${orderId}`, { cookie: viewer })).status).toBe(200);
  });

  test("when merchant B's owner asks for merchant A's orders, codes, products or stock, then B sees nothing of A's and can change nothing", async () => {
    const b = await createMerchant(sys.db, sys.vault, { name: `B ${hex()}`, ownerEmail: `b-${hex()}@example.com`, ownerPassword: 'merchant-b-password' });
    await createSku(sys.db, { merchantId: b.merchantId, code: 'B-ONLY', name: 'B only', faceValue: 100, price: 100, cost: 50 });
    const bCookie = await sys.signIn(b.ownerEmail, 'merchant-b-password');
    const aCookie = await cookieFor('owner');
    const code = await codeOf(orderId);

    // Positive control: A's owner sees A's order and code.
    expect((await sys.api('GET', '/admin/orders', { cookie: aCookie })).body.map((o: any) => o.id)).toContain(orderId);
    expect((await sys.api('GET', '/admin/codes?filter={"sku":"ROLE-1"}', { cookie: aCookie })).body.length).toBeGreaterThan(0);

    const orders = await sys.api('GET', '/admin/orders', { cookie: bCookie });
    expect(orders.status).toBe(200);
    expect(orders.body).toEqual([]);
    expect(orders.headers.get('content-range')).toBe('orders 0-0/0');
    expect((await sys.api('GET', `/admin/orders/${orderId}`, { cookie: bCookie })).status).toBe(404);
    expect((await sys.api('GET', `/admin/orders/${orderId}/workflow`, { cookie: bCookie })).status).toBe(404);
    expect((await sys.api('POST', `/admin/codes/${code.id}/reveal`, { cookie: bCookie })).status).toBe(404);
    expect((await sys.api('POST', `/admin/orders/${orderId}/refund`, { cookie: bCookie, body: { reason: 'trying across the wall' } })).status).toBe(404);
    expect((await sys.api('POST', '/admin/codes/void', { cookie: bCookie, body: { ids: [code.id], reason: 'across the wall' } })).body).toMatchObject({ voided: 0, skipped: 1 });
    expect((await sys.api('GET', '/admin/codes', { cookie: bCookie })).body).toEqual([]);
    expect((await sys.api('GET', '/admin/skus', { cookie: bCookie })).body.map((s: any) => s.code)).toEqual(['B-ONLY']);
    expect((await sys.api('GET', '/admin/stock/ROLE-1', { cookie: bCookie })).status).toBe(404);
    expect((await sys.api('PUT', '/admin/skus/ROLE-1', { cookie: bCookie, body: { name: 'x', faceValue: 1, price: 1, cost: 1, fulfilmentMode: 'stock' } })).status).toBe(404);
    expect((await sys.api('GET', '/admin/storefronts', { cookie: bCookie })).body.map((s: any) => s.id)).toEqual([b.storefrontId]);
    expect((await sys.api('GET', '/admin/webhook-attempts', { cookie: bCookie })).body).toEqual([]);
    expect((await sys.api('GET', '/admin/audit-log', { cookie: bCookie })).body.every((a: any) => !String(a.actor).includes(sys.merchant.ownerEmail))).toBe(true);
    const dashboard = await sys.api('GET', '/admin/dashboard', { cookie: bCookie });
    expect(dashboard.body.today.orders).toBe(0);
    // And nothing of A's changed.
    expect((await sys.db('orders').where({ id: orderId }).first())?.status).toBe('delivered');
    expect((await sys.db('codes').where({ id: code.id }).first())?.status).toBe('allocated');
  });

  test('when a personal access token is used instead of a session, then it works with its role', async () => {
    const res = await sys.api('GET', '/admin/orders', { key: sys.merchant.adminToken });
    expect(res.status).toBe(200);
    expect(res.body.map((o: any) => o.id)).toContain(orderId);
  });

  test('when a list is asked for with sort, range and filter, then the page and Content-Range follow; unknown sorts and filters are refused per field', async () => {
    const cookie = await cookieFor('viewer');
    for (let i = 0; i < 3; i++) {
      const placed = await sys.api('POST', '/v1/orders', {
        body: { externalRef: `list-${i}`, items: [{ sku: 'ROLE-1', quantity: 1 }], buyer: { email: `list-${i}@buyer.example` } },
      });
      await sys.finished(placed.body.id);
    }
    const page = await sys.api('GET', `/admin/orders?sort=${encodeURIComponent('["externalRef","ASC"]')}&range=[0,1]&filter=${encodeURIComponent('{"q":"list-"}')}`, { cookie });
    expect(page.status).toBe(200);
    expect(page.body.map((o: any) => o.externalRef)).toEqual(['list-0', 'list-1']);
    expect(page.headers.get('content-range')).toBe('orders 0-1/3');
    expect(page.body[0]).toMatchObject({ status: 'delivered', items: [{ sku: 'ROLE-1', quantity: 1 }], currency: 'CNY', riskDecision: 'allow' });

    const byBuyer = await sys.api('GET', `/admin/orders?filter=${encodeURIComponent('{"buyer":"list-2@buyer"}')}`, { cookie });
    expect(byBuyer.body.map((o: any) => o.externalRef)).toEqual(['list-2']);

    const badSort = await sys.api('GET', `/admin/orders?sort=${encodeURIComponent('["buyer","ASC"]')}`, { cookie });
    expect(badSort.status).toBe(400);
    expect(badSort.body).toMatchObject({ error: { code: 'validation_failed' }, errors: { sort: expect.stringContaining('createdAt') } });
    const badFilter = await sys.api('GET', `/admin/orders?filter=${encodeURIComponent('{"colour":"red"}')}`, { cookie });
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.error.code).toBe('validation_failed');
  });

  test('when a product form has bad fields, then 400 carries both the error object and errors per field, and nothing is created', async () => {
    const cookie = await cookieFor('operator');
    const res = await sys.api('POST', '/admin/skus', { cookie, body: { code: 'bad code!', name: '', faceValue: 10.5, price: -1, cost: 100, fulfilmentMode: 'stock' } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', details: { fields: expect.any(Array) } });
    expect(Object.keys(res.body.errors).sort()).toEqual(['code', 'faceValue', 'name', 'price']);
    expect(await sys.db('skus').where({ code: 'bad code!' }).first()).toBeUndefined();

    const ok = await sys.api('POST', '/admin/skus', {
      cookie,
      body: { code: 'NEW-1', name: 'New', faceValue: 1000, price: 980, cost: 900, fulfilmentMode: 'stock', lowStockThreshold: 5 },
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ id: 'NEW-1', currency: 'CNY', price: 980, lowStockThreshold: 5, stockAvailable: 0 });
    const again = await sys.api('POST', '/admin/skus', { cookie, body: { code: 'NEW-1', name: 'New', faceValue: 1000, price: 980, cost: 900, fulfilmentMode: 'stock' } });
    expect(again.status).toBe(409);
    expect(again.body.errors).toEqual({ code: 'This code is already taken' });
  });

  test('when support refunds a delivered order, then its codes are voided, the settlement is reversed, and it is on the timeline and in the audit log; a second refund is refused', async () => {
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `refund-${hex()}`, items: [{ sku: 'ROLE-1', quantity: 1 }] } });
    await sys.finished(placed.body.id);
    const stockBefore = (await sys.db('skus').where({ code: 'ROLE-1' }).first())?.stock_available;
    const support = await sys.addUser('support');
    const cookie = await sys.signIn(support.email, support.password);
    const dashBefore = (await sys.api('GET', '/admin/dashboard', { cookie })).body.today.money[0];

    const res = await sys.api('POST', `/admin/orders/${placed.body.id}/refund`, { cookie, body: { reason: 'buyer says the code was already used' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'refunded', refund: { amount: 1000, codesVoided: 1, unitsReleased: 0, revenueReversed: 1000, by: `user:${support.email}` } });
    expect(res.body.items[0].units[0].code.status).toBe('voided');
    expect(res.body.timeline.at(-1)).toMatchObject({ type: 'refunded', reason: 'buyer says the code was already used', by: `user:${support.email}` });
    expect(res.body.actions).toMatchObject({ refund: false, resend: false });
    // The voided code is not stock: what can be promised is unchanged.
    expect((await sys.db('skus').where({ code: 'ROLE-1' }).first())?.stock_available).toBe(stockBefore);
    expect(await sys.db('audit_log').where({ action: 'order.refunded', target: `order:${placed.body.id}` })).toHaveLength(1);
    const dashAfter = (await sys.api('GET', '/admin/dashboard', { cookie })).body.today.money[0];
    expect(dashAfter.gmv).toBe(dashBefore.gmv - 1000);
    expect(dashAfter.grossProfit).toBe(dashBefore.grossProfit - 1000); // revenue gone, the voided code's cost stays a cost

    const again = await sys.api('POST', `/admin/orders/${placed.body.id}/refund`, { cookie, body: { reason: 'twice' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_refunded');
    const noReason = await sys.api('POST', `/admin/orders/${orderId}/refund`, { cookie, body: { reason: '' } });
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors).toHaveProperty('reason');
  });

  test('when an operator voids available codes, then what can be promised drops by as many; voiding codes promised to orders is refused and changes nothing', async () => {
    await sys.addSku('VOID-1', { codes: 4 });
    const cookie = await cookieFor('operator');
    const codes = (await sys.api('GET', `/admin/codes?filter=${encodeURIComponent('{"sku":"VOID-1","status":"available"}')}`, { cookie })).body;
    expect(codes).toHaveLength(4);
    const res = await sys.api('POST', '/admin/codes/void', { cookie, body: { ids: [codes[0].id, codes[1].id], reason: 'supplier recalled them' } });
    expect(res.body).toMatchObject({ voided: 2, skipped: 0, bySku: { 'VOID-1': 2 } });
    expect((await sys.api('GET', '/admin/stock/VOID-1', { cookie })).body).toMatchObject({ stockAvailable: 2, codes: { available: 2, voided: 2 } });

    // Hold both remaining codes for an order that has not been allocated yet (no worker runs it).
    await sys.stopWorker();
    const held = await sys.api('POST', '/v1/orders', { body: { externalRef: `hold-${hex()}`, items: [{ sku: 'VOID-1', quantity: 2 }] } });
    expect(held.status).toBe(202);
    const refused = await sys.api('POST', '/admin/codes/void', { cookie, body: { ids: [codes[2].id], reason: 'trying to void promised stock' } });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'stock_promised', details: { voidable: 0 } });
    expect((await sys.db('codes').where({ id: codes[2].id }).first())?.status).toBe('available');
    await sys.startWorker();
    await sys.finished(held.body.id);
    expect((await sys.api('GET', `/v1/orders/${held.body.id}`)).body.status).toBe('delivered');
  });
});

describe('retrying and resending', () => {
  let sys: TestSystem;
  let receiver: http.Server;
  const received: { id: string; type: string }[] = [];
  let answer = 200;
  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ id: String(req.headers['webhook-id']), type: JSON.parse(body).type });
        res.statusCode = answer;
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    sys = await startTestSystem({ webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, temporalUiUrl: 'http://temporal-ui.test:8233' });
  });
  afterAll(async () => {
    await sys.stop();
    receiver.close();
  });

  test('when a failed order is retried after new stock arrives, then it is reserved again, a fresh workflow run delivers it, and the timeline says who retried', async () => {
    await sys.addSku('RETRY-1', { codes: 1 });
    // The only code expires after the order promised it: allocation fails for want of a usable code.
    await sys.stopWorker();
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `retry-${hex()}`, items: [{ sku: 'RETRY-1', quantity: 1 }] } });
    await sys
      .db('codes')
      .whereIn('sku_id', sys.db('skus').where({ code: 'RETRY-1' }).select('id'))
      .update({ expires_at: new Date(Date.now() - 60_000) });
    await sys.startWorker();
    const failed = await sys.waitForOrder(placed.body.id, ['failed']);
    expect(failed.reason).toMatch(/StockShortfall/);
    const firstRun = (await sys.client.workflow.getHandle(placed.body.id).describe()).runId;

    const owner = await sys.addUser('owner');
    const cookie = await sys.signIn(owner.email, owner.password);
    const ops = await sys.api('GET', '/admin/codes?filter={"sku":"RETRY-1"}', { cookie });
    // Void the expired code, import a good one, retry.
    expect((await sys.api('POST', '/admin/codes/void', { cookie, body: { ids: ops.body.map((c: any) => c.id), reason: 'expired' } })).body.voided).toBe(1);
    await importCodes(sys.db, sys.vault, { merchantId: sys.merchant.merchantId, sku: 'RETRY-1', content: `RETRY-FRESH-${hex()},1234`, format: 'csv', importedBy: 'test' });
    expect((await sys.api('GET', `/admin/orders/${placed.body.id}`, { cookie })).body.actions.retry).toBe(true);

    const retried = await sys.api('POST', `/admin/orders/${placed.body.id}/retry`, { cookie });
    expect(retried.status).toBe(200);
    await sys.finished(placed.body.id);
    await sys.webhookFinished(placed.body.id);
    const order = (await sys.api('GET', `/admin/orders/${placed.body.id}`, { cookie })).body;
    expect(order.status).toBe('delivered');
    // The webhook leaves through the outbox once the delivery commits, so it may be recorded before or after the settlement.
    const types = order.timeline.map((e: { type: string }) => e.type);
    expect(types.filter((t: string) => t !== 'webhook_delivered')).toEqual(['accepted', 'risk_checked', 'failed', 'retried', 'codes_allocated', 'delivered', 'settled']);
    expect(types.indexOf('webhook_delivered')).toBeGreaterThan(types.indexOf('delivered'));
    expect(order.timeline[3].by).toBe(`user:${owner.email}`);
    const workflow = (await sys.api('GET', `/admin/orders/${placed.body.id}/workflow`, { cookie })).body;
    expect(workflow.execution.runId).not.toBe(firstRun);
    expect(workflow.url).toBe(`http://temporal-ui.test:8233/namespaces/default/workflows/${placed.body.id}`);
    expect((await sys.db('skus').where({ code: 'RETRY-1' }).first())?.stock_available).toBe(0);

    const notFailed = await sys.api('POST', `/admin/orders/${placed.body.id}/retry`, { cookie });
    expect(notFailed.status).toBe(409);
    expect(notFailed.body.error.code).toBe('not_retryable');
  });

  test('when support resends a delivered order’s webhook, then the storefront gets it again with the same webhook-id, and a refused resend says why', async () => {
    await sys.addSku('RESEND-1', { codes: 2 });
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `resend-${hex()}`, items: [{ sku: 'RESEND-1', quantity: 1 }] } });
    await sys.finished(placed.body.id);
    await sys.webhookFinished(placed.body.id);
    const first = received.filter((r) => r.id === `msg_${placed.body.id}_order.delivered`);
    expect(first).toHaveLength(1);

    const support = await sys.addUser('support');
    const cookie = await sys.signIn(support.email, support.password);
    const res = await sys.api('POST', `/admin/orders/${placed.body.id}/resend-webhook`, { cookie });
    expect(res.body).toEqual({ outcome: 'sent', httpStatus: 200, error: null });
    expect(received.filter((r) => r.id === `msg_${placed.body.id}_order.delivered`)).toHaveLength(2);

    answer = 500;
    try {
      const attempts = (await sys.api('GET', `/admin/webhook-attempts?filter=${encodeURIComponent(JSON.stringify({ orderId: placed.body.id }))}`, { cookie })).body;
      const replay = await sys.api('POST', `/admin/webhook-attempts/${attempts[0].id}/replay`, { cookie });
      expect(replay.body).toEqual({ outcome: 'failed', httpStatus: 500, error: 'endpoint answered HTTP 500' });
    } finally {
      answer = 200;
    }
    const order = (await sys.api('GET', `/admin/orders/${placed.body.id}`, { cookie })).body;
    expect(order.timeline.filter((e: any) => e.type === 'webhook_resent').map((e: any) => e.outcome)).toEqual(['sent', 'failed']);
    expect(order.webhookAttempts).toHaveLength(3);
    expect(await sys.db('audit_log').where({ action: 'order.webhook_resent', actor: `user:${support.email}` })).toHaveLength(2);
  });

  test('when support cancels an order that holds no codes yet, then it is cancelled with the reason, its stock released, and the cancel audited', async () => {
    await sys.addSku('CANCEL-C', { codes: 2 });
    const support = await sys.addUser('support');
    const cookie = await sys.signIn(support.email, support.password);
    // No worker: the order waits before its risk check, where it can still be cancelled.
    await sys.stopWorker();
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `cancel-${hex()}`, items: [{ sku: 'CANCEL-C', quantity: 2 }] } });
    expect((await sys.api('GET', `/admin/orders/${placed.body.id}`, { cookie })).body.actions.cancel).toBe(true);
    const cancelling = sys.api('POST', `/admin/orders/${placed.body.id}/cancel`, { cookie, body: { reason: 'buyer paid twice by mistake' } });
    await new Promise((r) => setTimeout(r, 300));
    await sys.startWorker();
    const res = await cancelling;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'cancelled', reason: 'buyer paid twice by mistake' });
    expect((await sys.db('skus').where({ code: 'CANCEL-C' }).first())?.stock_available).toBe(2);
    expect(await sys.db('audit_log').where({ action: 'order.cancelled', actor: `user:${support.email}` })).toHaveLength(1);
    const late = await sys.api('POST', `/admin/orders/${placed.body.id}/cancel`, { cookie, body: { reason: 'again' } });
    expect(late.status).toBe(409);
  });

  test('when an owner creates a storefront and rotates its key, then the key works once issued and stops when revoked', async () => {
    const owner = await sys.addUser('owner');
    const cookie = await sys.signIn(owner.email, owner.password);
    const created = await sys.api('POST', '/admin/storefronts', { cookie, body: { name: 'Mini program', webhookUrl: '' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Mini program',
      webhookUrl: null,
      activeKeys: 1,
      apiKey: expect.stringMatching(/^cf_sk_/),
      webhookSecret: expect.stringMatching(/^whsec_/),
    });
    expect((await sys.api('GET', '/v1/products', { key: created.body.apiKey })).status).toBe(200);
    expect(JSON.stringify((await sys.api('GET', `/admin/storefronts/${created.body.id}`, { cookie })).body)).not.toContain(created.body.apiKey);

    const issued = await sys.api('POST', `/admin/storefronts/${created.body.id}/keys`, { cookie });
    expect((await sys.api('GET', '/v1/products', { key: issued.body.apiKey })).status).toBe(200);
    const oldKey = created.body.keys[0];
    const revoked = await sys.api('DELETE', `/admin/storefronts/${created.body.id}/keys/${oldKey.id}`, { cookie });
    expect(revoked.body.activeKeys).toBe(1);
    expect((await sys.api('GET', '/v1/products', { key: created.body.apiKey })).status).toBe(401);
    expect((await sys.api('GET', '/v1/products', { key: issued.body.apiKey })).status).toBe(200);
    expect(
      await sys
        .db('audit_log')
        .where({ actor: `user:${owner.email}` })
        .whereLike('action', 'storefront.%')
        .orderBy('id')
        .pluck('action'),
    ).toEqual(['storefront.created', 'storefront.key_issued', 'storefront.key_revoked']);
  });
});
