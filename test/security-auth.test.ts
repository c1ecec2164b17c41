import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createMerchant } from '../db/seed';
import { ConfigError, loadConfig, securitySettings } from '../lib/config';
import { canAccess, ROLES, type Role } from '../lib/permissions';
import { snapshot, startTestSystem, type TestSystem } from './harness';
import { found } from './found';

// Issue 12's attacks on the console's accounts, sessions and roles (numbers 7, 8, 10, 11, and
// CSRF's server-side half; the browser half is in security-csrf.test.ts), each through the real
// HTTP API, plus the hardening around them: no-store/nosniff, the Secure cookie, time-ordered
// ids, the reveal limit, changing one's own password and the idle timeout.

const hex = () => crypto.randomBytes(4).toString('hex');

/** A raw request, optionally from another loopback address (127.0.0.2 is another client). */
function request(
  baseUrl: string,
  method: string,
  urlPath: string,
  opts: { body?: string; headers?: Record<string, string>; localAddress?: string } = {},
): Promise<{ status: number; body: any; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${baseUrl}${urlPath}`, { method, headers: opts.headers, localAddress: opts.localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode!, body, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const signInFrom = (sys: TestSystem, email: string, password: string, opts: { localAddress?: string; headers?: Record<string, string> } = {}) =>
  request(sys.baseUrl, 'POST', '/admin/session', {
    body: JSON.stringify({ email, password }),
    headers: { 'content-type': 'application/json', ...opts.headers },
    localAddress: opts.localAddress,
  });

describe('attack 7: nobody can lock the owner out, and addresses are not taken from strangers', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ worker: false });
  });
  afterAll(() => sys.stop());

  test('when a stranger makes many wrong guesses at the owner’s password, then the stranger is slowed (backoff) and the owner, from their own address, still signs in at once', async () => {
    const owner = await sys.addUser('owner');
    const statuses: number[] = [];
    let lastRefusal: Awaited<ReturnType<typeof request>> | undefined;
    for (let i = 0; i < 12; i++) {
      const res = await signInFrom(sys, owner.email, `wrong-guess-${i}`, { localAddress: '127.0.0.2' });
      statuses.push(res.status);
      if (res.status === 429) lastRefusal = res;
    }
    // Five guesses, then the stranger's address waits; its refused attempts are not counted.
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
    expect(Number(lastRefusal!.headers['retry-after'])).toBeGreaterThanOrEqual(14);
    expect(lastRefusal!.body.error.code).toBe('rate_limited');
    // Even the right password waits from the stranger's address...
    expect((await signInFrom(sys, owner.email, owner.password, { localAddress: '127.0.0.2' })).status).toBe(429);
    // ...but not from the owner's.
    const mine = await signInFrom(sys, owner.email, owner.password, { localAddress: '127.0.0.1' });
    expect(mine.status).toBe(200);
    expect(mine.headers['set-cookie']?.[0]).toMatch(/^cardflow_session=/);
  });

  test('when the stranger keeps guessing after each wait, then each wait is twice the last, up to the cap', async () => {
    const owner = await sys.addUser('owner');
    for (let i = 0; i < 5; i++) await signInFrom(sys, owner.email, `wrong-${i}`, { localAddress: '127.0.0.3' });
    const waits: number[] = [];
    for (let round = 0; round < 3; round++) {
      const refused = await signInFrom(sys, owner.email, 'wrong-again', { localAddress: '127.0.0.3' });
      expect(refused.status).toBe(429);
      waits.push(Number(refused.headers['retry-after']));
      // Time passes (the wait is over): the next guess is heard, and is wrong.
      await sys
        .db('sign_in_failures')
        .where({ email: owner.email })
        .update({ last_failure_at: sys.db.raw(`now() - make_interval(secs => ?)`, [waits[round] + 1]) });
      expect((await signInFrom(sys, owner.email, 'wrong-again', { localAddress: '127.0.0.3' })).status).toBe(401);
    }
    expect(waits.map((w) => Math.round(w / 15))).toEqual([1, 2, 4]);
  });

  test('when X-Forwarded-For is sent and TRUST_PROXY is not set, then it is ignored: the audit log and the limits see the real peer', async () => {
    const user = await sys.addUser('viewer');
    // Rotating X-Forwarded-For does not buy a stranger fresh guesses.
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push((await signInFrom(sys, user.email, `nope-${i}`, { localAddress: '127.0.0.4', headers: { 'x-forwarded-for': `198.51.100.${i + 1}` } })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    const ok = await signInFrom(sys, user.email, user.password, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(ok.status).toBe(200);
    const audit = found(
      await sys
        .db('audit_log')
        .where({ actor: `user:${user.email}`, action: 'session.signed_in' })
        .first(),
      'the sign-in audit row',
    );
    expect(audit.detail).toMatchObject({ ip: expect.stringMatching(/127\.0\.0\.1$/) });
  });

  test('when an owner adds a user whose email another merchant already uses, then it is created like any other (no email_taken across merchants), and each signs in to their own merchant', async () => {
    const other = await createMerchant(sys.db, sys.vault, { name: `Other ${hex()}`, ownerEmail: `other-owner-${hex()}@example.com` });
    const shared = `shared-${hex()}@example.com`;
    const mine = await sys.addUser('owner');
    const theirs = await sys.addUser('owner', { merchantId: other.merchantId });
    const theirsCookie = await sys.signIn(theirs.email, theirs.password);
    const myCookie = await sys.signIn(mine.email, mine.password);
    const first = await sys.api('POST', '/admin/users', { cookie: theirsCookie, body: { email: shared, role: 'viewer', password: 'their-password-1' } });
    expect(first.status).toBe(201);
    const second = await sys.api('POST', '/admin/users', { cookie: myCookie, body: { email: shared.toUpperCase(), role: 'support', password: 'my-password-22' } });
    expect(second.status).toBe(201);
    // Within one merchant an email is still one user.
    const again = await sys.api('POST', '/admin/users', { cookie: myCookie, body: { email: shared, role: 'viewer', password: 'my-password-333' } });
    expect([again.status, again.body.error.code]).toEqual([409, 'email_taken']);

    const asTheirs = await signInFrom(sys, shared, 'their-password-1');
    expect([asTheirs.status, asTheirs.body.merchant?.id, asTheirs.body.role]).toEqual([200, other.merchantId, 'viewer']);
    const asMine = await signInFrom(sys, shared, 'my-password-22');
    expect([asMine.status, asMine.body.merchant?.id, asMine.body.role]).toEqual([200, sys.merchant.merchantId, 'support']);
  });

  test('TRUST_PROXY is validated at start-up: off, a hop count, or addresses and ranges', () => {
    const trust = (value: string) => securitySettings(loadConfig({ TRUST_PROXY: value })).trustProxy;
    expect(securitySettings(loadConfig({})).trustProxy).toBe(false);
    expect(trust('off')).toBe(false);
    expect(trust('1')).toBe(1);
    expect(trust('loopback, 10.0.0.0/8, fd00::/8, 192.0.2.7')).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8', '192.0.2.7']);
    for (const bad of ['yes', '10.0.0.0/33', '300.1.1.1', 'loopback,,', 'example.com']) {
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(ConfigError);
    }
  });
});

describe('behind a proxy (TRUST_PROXY set), with the Secure cookie configured', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ worker: false, security: { trustProxy: ['loopback'], cookieSecure: true } });
  });
  afterAll(() => sys.stop());

  test('when clients behind the proxy sign in, then each is its own address: one client’s failures do not hold back another', async () => {
    const owner = await sys.addUser('owner');
    for (let i = 0; i < 6; i++) await signInFrom(sys, owner.email, `guess-${i}`, { headers: { 'x-forwarded-for': '198.51.100.66' } });
    expect((await signInFrom(sys, owner.email, owner.password, { headers: { 'x-forwarded-for': '198.51.100.66' } })).status).toBe(429);
    const res = await signInFrom(sys, owner.email, owner.password, { headers: { 'x-forwarded-for': '203.0.113.10' } });
    expect(res.status).toBe(200);
    expect(
      found(
        await sys
          .db('audit_log')
          .where({ actor: `user:${owner.email}`, action: 'session.signed_in' })
          .first(),
        'the sign-in audit row',
      ).detail,
    ).toMatchObject({
      ip: '203.0.113.10',
    });
  });

  test('when the cookie is configured Secure, then it is Secure even on a plain-http hop (TLS ends at the proxy); the https PUBLIC_URL sets it too', async () => {
    const user = await sys.addUser('viewer');
    const res = await signInFrom(sys, user.email, user.password);
    expect(res.headers['set-cookie']?.[0]).toMatch(/; Secure/);
    expect(securitySettings(loadConfig({ PUBLIC_URL: 'https://cards.example.com' })).cookieSecure).toBe(true);
    expect(securitySettings(loadConfig({ PUBLIC_URL: 'http://127.0.0.1:3000' })).cookieSecure).toBe('auto');
    expect(securitySettings(loadConfig({ SESSION_COOKIE_SECURE: 'on' })).cookieSecure).toBe(true);
  });
});

describe('attack 8 and the account features: roles, admin tokens, own password, idle sessions, reveals', () => {
  let sys: TestSystem;
  let receiver: http.Server;
  const users = {} as Record<Role, { id: string; email: string; password: string; cookie: string }>;
  let manualOrderId: string;
  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200).end('ok'));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    sys = await startTestSystem({ webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, security: { revealsPerHour: 3 } });
    for (const role of ROLES) {
      const user = await sys.addUser(role);
      users[role] = { ...user, cookie: await sys.signIn(user.email, user.password) };
    }
    await sys.addSku('HAND-TOPUP', { mode: 'manual', price: 100 });
    const placed = await sys.api('POST', '/v1/orders', {
      body: { externalRef: `manual-${hex()}`, items: [{ sku: 'HAND-TOPUP', quantity: 1, account: 'buyer-phone-13800138000' }] },
    });
    expect(placed.status).toBe(202);
    manualOrderId = placed.body.id;
    for (let i = 0; i < 300 && !(await sys.db('manual_tasks').where({ order_id: manualOrderId }).first('order_id')); i++) await new Promise((r) => setTimeout(r, 100));
  });
  afterAll(async () => {
    await sys.stop();
    await new Promise((r) => receiver.close(r));
  });

  // Every read that shows a webhook URL or a buyer's top-up account, and what it shows.
  const READS: { name: string; permission: [string, string]; read: (cookie: string) => Promise<{ status: number; shown: boolean }> }[] = [
    {
      name: 'the order view’s webhook URL',
      permission: ['storefronts', 'show'],
      read: async (cookie) => {
        const res = await sys.api('GET', `/admin/orders/${manualOrderId}`, { cookie });
        return { status: res.status, shown: JSON.stringify(res.body).includes('/hook') };
      },
    },
    {
      name: 'the order view’s top-up account',
      permission: ['manual-tasks', 'show'],
      read: async (cookie) => {
        const res = await sys.api('GET', `/admin/orders/${manualOrderId}`, { cookie });
        return { status: res.status, shown: JSON.stringify(res.body).includes('13800138000') };
      },
    },
    {
      name: 'the manual task list',
      permission: ['manual-tasks', 'list'],
      read: async (cookie) => {
        const res = await sys.api('GET', '/admin/manual-tasks', { cookie });
        return { status: res.status, shown: JSON.stringify(res.body).includes('13800138000') };
      },
    },
    {
      name: 'one manual task',
      permission: ['manual-tasks', 'show'],
      read: async (cookie) => {
        const res = await sys.api('GET', `/admin/manual-tasks/${manualOrderId}`, { cookie });
        return { status: res.status, shown: JSON.stringify(res.body).includes('13800138000') };
      },
    },
    {
      name: 'the storefront list',
      permission: ['storefronts', 'list'],
      read: async (cookie) => {
        const res = await sys.api('GET', '/admin/storefronts', { cookie });
        return { status: res.status, shown: JSON.stringify(res.body).includes('/hook') };
      },
    },
    {
      name: 'the webhook attempts',
      permission: ['webhook-attempts', 'list'],
      read: async (cookie) => {
        const res = await sys.api('GET', '/admin/webhook-attempts', { cookie });
        return { status: res.status, shown: res.status === 200 };
      },
    },
  ];
  // Least privilege, as README's role table says it: only those who fulfil orders and look after
  // storefronts read webhook URLs and buyers' top-up accounts.
  const MAY_READ: Record<Role, boolean> = { owner: true, operator: true, support: true, finance: false, viewer: false };

  test.each(ROLES.flatMap((role) => READS.map((read) => [role, read.name] as const)))('when %s reads %s, then it is shown only if the role may', async (role, name) => {
    const read = READS.find((r) => r.name === name)!;
    const [resource, action] = read.permission;
    expect(canAccess(role, { resource, action })).toBe(MAY_READ[role]);
    const result = await read.read(users[role].cookie);
    if (MAY_READ[role]) expect(result).toEqual({ status: 200, shown: true });
    else expect(result.shown).toBe(false);
    // The order itself stays readable to every role; the lists are refused outright.
    if (!MAY_READ[role]) expect(result.status).toBe(name.startsWith('the order view') ? 200 : 403);
  });

  test('README’s role table says what lib/permissions.ts allows: viewer and finance read neither storefronts nor manual tasks', () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '..', 'README.md'), 'utf8');
    const row = (role: Role) => readme.split('\n').find((line) => line.startsWith(`| ${role} |`))!;
    for (const role of ['finance', 'viewer'] as const) {
      expect(row(role)).not.toMatch(/storefronts|manual tasks/i);
      expect(row(role)).toMatch(/without buyers’ top-up accounts or webhook URLs/);
    }
    expect(row('support')).toMatch(/storefronts/);
    expect(row('support')).toMatch(/fulfil orders by hand/);
  });

  test('when a user makes an admin token, then it is shown once, works with their role, is listed without its secret, and stops when revoked or expired', async () => {
    const operator = users.operator;
    const made = await sys.api('POST', '/admin/admin-tokens', { cookie: operator.cookie, body: { name: 'nightly import', expiresInDays: 30 } });
    expect(made.status).toBe(201);
    expect(made.body.token).toMatch(/^cf_pat_/);
    expect(Date.parse(made.body.expiresAt) - Date.now()).toBeGreaterThan(29 * 86400_000);
    expect((await sys.api('GET', '/admin/orders', { key: made.body.token })).status).toBe(200);
    expect((await sys.api('GET', '/admin/users', { key: made.body.token })).status).toBe(403); // an operator's role

    const listed = await sys.api('GET', '/admin/admin-tokens', { cookie: operator.cookie });
    expect(listed.body.map((t: any) => t.name)).toEqual(['nightly import']);
    expect(JSON.stringify(listed.body)).not.toContain(made.body.token);
    expect(listed.body[0].lastUsedAt).not.toBeNull();

    // Expired: refused.
    await sys
      .db('admin_tokens')
      .where({ id: made.body.id })
      .update({ expires_at: sys.db.raw(`now() - interval '1 second'`) });
    expect((await sys.api('GET', '/admin/orders', { key: made.body.token })).status).toBe(401);
    await sys
      .db('admin_tokens')
      .where({ id: made.body.id })
      .update({ expires_at: sys.db.raw(`now() + interval '1 day'`) });
    expect((await sys.api('GET', '/admin/orders', { key: made.body.token })).status).toBe(200);

    // Another non-owner neither sees nor revokes it; the owner sees and may revoke every token.
    expect((await sys.api('GET', '/admin/admin-tokens', { cookie: users.support.cookie })).body).toEqual([]);
    expect((await sys.api('DELETE', `/admin/admin-tokens/${made.body.id}`, { cookie: users.support.cookie })).status).toBe(404);
    expect((await sys.api('GET', '/admin/admin-tokens', { cookie: users.owner.cookie })).body.map((t: any) => t.id)).toContain(made.body.id);
    const revoked = await sys.api('DELETE', `/admin/admin-tokens/${made.body.id}`, { cookie: operator.cookie });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await sys.api('GET', '/admin/orders', { key: made.body.token })).status).toBe(401);
    expect(
      await sys
        .db('audit_log')
        .where({ actor: `user:${operator.email}` })
        .whereIn('action', ['admin_token.created', 'admin_token.revoked'])
        .orderBy('id')
        .pluck('action'),
    ).toEqual(['admin_token.created', 'admin_token.revoked']);

    // No token outlives a year.
    const forever = await sys.api('POST', '/admin/admin-tokens', { cookie: operator.cookie, body: { name: 'forever', expiresInDays: 3650 } });
    expect([forever.status, forever.body.error.code]).toEqual([400, 'validation_failed']);
  });

  test('when the owner resets a user’s password, then the user’s admin tokens stop working with their sessions', async () => {
    const staff = await sys.addUser('support');
    const cookie = await sys.signIn(staff.email, staff.password);
    const made = await sys.api('POST', '/admin/admin-tokens', { cookie, body: { name: 'script' } });
    expect((await sys.api('GET', '/admin/orders', { key: made.body.token })).status).toBe(200);
    const reset = await sys.api('POST', `/admin/users/${staff.id}/password`, { cookie: users.owner.cookie, body: { password: 'a-brand-new-password' } });
    expect(reset.status).toBe(200);
    expect((await sys.api('GET', '/admin/orders', { key: made.body.token })).status).toBe(401);
    expect((await sys.api('GET', '/admin/orders', { cookie })).status).toBe(401);
  });

  test('when a user changes their own password, then the current one is needed, their other sessions end, this one goes on, and the old password no longer signs in', async () => {
    const user = await sys.addUser('finance');
    const here = await sys.signIn(user.email, user.password);
    const elsewhere = await sys.signIn(user.email, user.password);
    const wrong = await sys.api('POST', '/admin/account/password', { cookie: here, body: { currentPassword: 'not-it-at-all', newPassword: 'my-new-password-1' } });
    expect([wrong.status, wrong.body.error.code, wrong.body.errors?.currentPassword]).toEqual([400, 'wrong_current_password', 'Not your current password']);
    const short = await sys.api('POST', '/admin/account/password', { cookie: here, body: { currentPassword: user.password, newPassword: 'short' } });
    expect([short.status, short.body.error.code]).toEqual([400, 'validation_failed']);
    const changed = await sys.api('POST', '/admin/account/password', { cookie: here, body: { currentPassword: user.password, newPassword: 'my-new-password-1' } });
    expect(changed.status).toBe(204);
    expect((await sys.api('GET', '/admin/session', { cookie: here })).status).toBe(200);
    expect((await sys.api('GET', '/admin/session', { cookie: elsewhere })).status).toBe(401);
    expect((await signInFrom(sys, user.email, user.password)).status).toBe(401);
    expect((await signInFrom(sys, user.email, 'my-new-password-1')).status).toBe(200);
    expect(await sys.db('audit_log').where({ action: 'user.password_changed', actor: `user:${user.email}` })).toHaveLength(1);
  });

  test('when a session sits idle longer than the idle timeout, then it is refused; one in use goes on', async () => {
    const user = await sys.addUser('viewer');
    const idle = await sys.signIn(user.email, user.password);
    const busy = await sys.signIn(user.email, user.password);
    // An hour and a minute pass (the default idle timeout is 60 minutes) for one of them.
    const [idleRow] = await sys.db('sessions').where({ user_id: user.id }).orderBy('created_at').limit(1).select('id');
    await sys
      .db('sessions')
      .where({ id: idleRow.id })
      .update({ last_seen_at: sys.db.raw(`now() - interval '61 minutes'`) });
    expect((await sys.api('GET', '/admin/orders', { cookie: idle })).status).toBe(401);
    expect((await sys.api('GET', '/admin/orders', { cookie: busy })).status).toBe(200);
    // Use keeps a session open: 59 minutes idle, a request, and it is fresh again.
    await sys
      .db('sessions')
      .where({ user_id: user.id })
      .whereNot({ id: idleRow.id })
      .update({ last_seen_at: sys.db.raw(`now() - interval '59 minutes'`) });
    expect((await sys.api('GET', '/admin/orders', { cookie: busy })).status).toBe(200);
    const seen = await sys
      .db('sessions')
      .where({ user_id: user.id })
      .whereNot({ id: idleRow.id })
      .first<{ idle: number } | undefined>(sys.db.raw('extract(epoch FROM now() - last_seen_at)::int AS idle'));
    expect(found(seen, 'session').idle).toBeLessThan(5);
  });

  test('when one user reveals codes past the reveal limit, then 429 reveal_limit without the code or an audit row; another user may still reveal', async () => {
    await sys.addSku(`REVEAL-${hex()}`, { codes: 5 });
    const codes = await sys.db('codes').where({ merchant_id: sys.merchant.merchantId, status: 'available' }).limit(5).pluck('id');
    for (const id of codes.slice(0, 3)) expect((await sys.api('POST', `/admin/codes/${id}/reveal`, { cookie: users.operator.cookie })).status).toBe(200);
    const audited = await sys.db('audit_log').where({ action: 'code.revealed' }).count<{ c: number }[]>('* as c');
    const refused = await sys.api('POST', `/admin/codes/${codes[3]}/reveal`, { cookie: users.operator.cookie });
    expect([refused.status, refused.body.error.code]).toEqual([429, 'reveal_limit']);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(JSON.stringify(refused.body)).not.toMatch(/CARD/);
    expect(await sys.db('audit_log').where({ action: 'code.revealed' }).count<{ c: number }[]>('* as c')).toEqual(audited);
    expect((await sys.api('POST', `/admin/codes/${codes[3]}/reveal`, { cookie: users.owner.cookie })).status).toBe(200);
  });

  test('when answers carry codes or admin data, then they are never stored (no-store), and no API answer may be sniffed (nosniff)', async () => {
    await sys.addSku('NOSTORE', { codes: 1 });
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `ns-${hex()}`, items: [{ sku: 'NOSTORE', quantity: 1 }] } });
    const delivered = await sys.waitForOrder(placed.body.id, ['delivered']);
    expect(JSON.stringify(delivered)).toMatch(/NOSTORE-CARD/);
    for (const [p, opts] of [
      [`/v1/orders/${placed.body.id}`, {}],
      [`/v1/orders?externalRef=${encodeURIComponent(placed.body.externalRef)}`, {}],
      ['/admin/orders', { cookie: users.owner.cookie }],
      ['/admin/codes', { cookie: users.owner.cookie }],
      ['/admin/no-such-route', { cookie: users.owner.cookie }],
    ] as const) {
      const res = await sys.api('GET', p, opts);
      expect([p, res.headers.get('cache-control'), res.headers.get('x-content-type-options')]).toEqual([p, 'no-store', 'nosniff']);
    }
    expect((await fetch(`${sys.baseUrl}/healthz`)).headers.get('x-content-type-options')).toBe('nosniff');
  });

  test('when audit rows and webhook attempts are written for two merchants, then their ids are random-looking UUIDs that still sort by time, and say nothing of the other merchant', async () => {
    await sys.addSku('HOOKED', { codes: 1 });
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `hook-${hex()}`, items: [{ sku: 'HOOKED', quantity: 1 }] } });
    // The webhook goes out from the notifier, after the order's workflow has ended.
    await sys.webhookFinished(placed.body.id);
    const attempts = await sys.api('GET', `/admin/webhook-attempts?filter=${encodeURIComponent(JSON.stringify({ orderId: placed.body.id }))}`, { cookie: users.owner.cookie });
    expect(attempts.body.length).toBeGreaterThan(0);
    const v7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (const a of attempts.body) expect(a.id).toMatch(v7);

    const other = await createMerchant(sys.db, sys.vault, { name: `Neighbour ${hex()}`, ownerEmail: `n-${hex()}@example.com` });
    const neighbour = await sys.addUser('owner', { merchantId: other.merchantId });
    const neighbourCookie = await sys.signIn(neighbour.email, neighbour.password);
    await sys.signIn(users.viewer.email, users.viewer.password);
    await sys.signIn(neighbour.email, neighbour.password);
    const mine = (await sys.api('GET', '/admin/audit-log', { cookie: users.owner.cookie })).body;
    const theirs = (await sys.api('GET', '/admin/audit-log', { cookie: neighbourCookie })).body;
    for (const row of [...mine, ...theirs]) expect(row.id).toMatch(v7);
    // Newest first by id is newest first by time.
    const times = mine.map((r: any) => Date.parse(r.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const ids = mine.map((r: any) => r.id);
    expect(ids).toEqual([...ids].sort().reverse());
  });
});

describe('attack 11: every bad string is a 400 that changes nothing', () => {
  let sys: TestSystem;
  let ownerCookie: string;
  beforeAll(async () => {
    sys = await startTestSystem({ worker: false });
    await sys.addSku('GOOD', { codes: 3 });
    const owner = await sys.addUser('owner');
    ownerCookie = await sys.signIn(owner.email, owner.password);
  });
  afterAll(() => sys.stop());

  const NUL = '\u0000';
  const LONE = '\ud800';
  const json = (value: unknown) => JSON.stringify(value); // writes a lone surrogate as the escape \ud800
  const order = (over: Record<string, unknown>) => json({ externalRef: `bad-${Math.random()}`, items: [{ sku: 'GOOD', quantity: 1 }], ...over });
  type Case = [name: string, method: string, path: string, opts: { body?: string; type?: string; cookie?: 'owner' | string; key?: 'storefront' | 'admin' }];
  const CASES: Case[] = [
    ['storefront body: NUL in externalRef', 'POST', '/v1/orders', { body: order({ externalRef: `a${NUL}b` }), key: 'storefront' }],
    ['storefront body: lone surrogate in externalRef', 'POST', '/v1/orders', { body: order({ externalRef: `a${LONE}b` }), key: 'storefront' }],
    ['storefront body: NUL in the buyer email', 'POST', '/v1/orders', { body: order({ buyer: { email: `a${NUL}@example.com` } }), key: 'storefront' }],
    ['storefront body: lone surrogate in a key', 'POST', '/v1/orders', { body: order({ [`x${LONE}`]: 1 }), key: 'storefront' }],
    ['storefront query: NUL in externalRef', 'GET', '/v1/orders?externalRef=a%00b', { key: 'storefront' }],
    ['storefront path: NUL in the order id', 'GET', '/v1/orders/abc%00def', { key: 'storefront' }],
    ['storefront path: broken percent-encoding', 'GET', '/v1/orders/%E0%A4%A', { key: 'storefront' }],
    ['admin query: NUL in a filter', 'GET', `/admin/orders?filter=${encodeURIComponent(json({ q: `x${NUL}` }))}`, { cookie: 'owner' }],
    ['admin query: lone surrogate in a filter', 'GET', `/admin/orders?filter=${encodeURIComponent(json({ buyer: `x${LONE}` }))}`, { cookie: 'owner' }],
    ['admin path: NUL in a SKU', 'GET', '/admin/stock/GO%00OD', { cookie: 'owner' }],
    ['admin path: NUL in a SKU to import to', 'POST', '/admin/skus/GO%00OD/codes', { body: 'CODE-1\n', type: 'text/csv', key: 'admin' }],
    ['admin body: NUL in an imported code', 'POST', '/admin/skus/GOOD/codes?format=txt', { body: `CODE${NUL}1\n`, type: 'text/csv', key: 'admin' }],
    [
      'admin body: NUL in a product name',
      'POST',
      '/admin/skus',
      { body: json({ code: 'NEW-1', name: `Na${NUL}me`, faceValue: 100, price: 100, cost: 50, fulfilmentMode: 'stock' }), cookie: 'owner' },
    ],
    ['admin body: lone surrogate in a refund reason', 'POST', `/admin/orders/${crypto.randomUUID()}/refund`, { body: json({ reason: `because ${LONE}` }), cookie: 'owner' }],
    ['admin body: NUL in a risk list value', 'POST', '/admin/risk/lists', { body: json({ kind: 'email', value: `x${NUL}@example.com`, action: 'block' }), cookie: 'owner' }],
    ['admin body: NUL in a sign-in password', 'POST', '/admin/session', { body: json({ email: 'a@example.com', password: `pass${NUL}word` }) }],
    [
      'admin body: lone surrogate in a user email',
      'POST',
      '/admin/users',
      { body: json({ email: `u${LONE}@example.com`, role: 'viewer', password: 'long-enough-pw' }), cookie: 'owner' },
    ],
    ['header: malformed session cookie (percent)', 'GET', '/admin/orders', { cookie: 'cardflow_session=%' }],
    ['header: malformed session cookie (broken encoding)', 'GET', '/admin/session', { cookie: 'cardflow_session=abc%E0%A4%A' }],
    ['header: session cookie with spaces and quotes', 'GET', '/admin/orders', { cookie: 'cardflow_session="a b"' }],
  ];

  test.each(CASES)('%s → 400', async (_name, method, urlPath, opts) => {
    const before = { ...(await snapshot(sys.db)), audit: await sys.db('audit_log').count<{ c: number }[]>('* as c'), skus: await sys.db('skus').count<{ c: number }[]>('* as c') };
    const headers: Record<string, string> = {};
    if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
    if (opts.key === 'storefront') headers.authorization = `Bearer ${sys.merchant.apiKey}`;
    if (opts.key === 'admin') headers.authorization = `Bearer ${sys.merchant.adminToken}`;
    if (opts.cookie) headers.cookie = opts.cookie === 'owner' ? ownerCookie : opts.cookie;
    const res = await request(sys.baseUrl, method, urlPath, { body: opts.body, headers });
    expect([res.status, typeof res.body.error?.code]).toEqual([400, 'string']);
    expect(['malformed_text', 'malformed_url', 'malformed_session_cookie', 'validation_failed']).toContain(res.body.error.code);
    expect({ ...(await snapshot(sys.db)), audit: await sys.db('audit_log').count<{ c: number }[]>('* as c'), skus: await sys.db('skus').count<{ c: number }[]>('* as c') }).toEqual(
      before,
    );
  });

  test('positive control: the same requests with good text are served', async () => {
    expect((await sys.api('POST', '/v1/orders', { body: { externalRef: `good-${hex()}`, items: [{ sku: 'GOOD', quantity: 1 }] } })).status).toBe(202);
    expect((await sys.api('GET', `/admin/orders?filter=${encodeURIComponent(json({ q: 'x' }))}`, { cookie: ownerCookie })).status).toBe(200);
    expect((await sys.api('GET', '/admin/stock/GOOD', { cookie: ownerCookie })).status).toBe(200);
    expect(
      (await sys.api('POST', '/admin/skus/GOOD/codes?format=txt', { raw: `GOOD-EXTRA-${hex()}\n`, headers: { 'content-type': 'text/csv' }, key: sys.merchant.adminToken })).status,
    ).toBe(201);
    // Text that only looks odd is fine: emoji (a surrogate pair), CJK, a non-breaking space.
    expect((await sys.api('POST', '/v1/orders', { body: { externalRef: `好-😀 ${hex()}`, items: [{ sku: 'GOOD', quantity: 1 }] } })).status).toBe(202);
  });
});

describe('CSRF on the server: cookie-authenticated changes only from the console’s own origin', () => {
  let sys: TestSystem;
  let cookie: string;
  beforeAll(async () => {
    sys = await startTestSystem({ worker: false, security: { publicUrl: 'https://console.example.com' } });
    await sys.addSku('CSRF', { codes: 1 });
    const owner = await sys.addUser('owner');
    cookie = await sys.signIn(owner.email, owner.password);
  });
  afterAll(() => sys.stop());

  const rotate = (headers: Record<string, string>, auth: { cookie?: string; key?: string }) =>
    request(sys.baseUrl, 'POST', `/admin/storefronts/${sys.merchant.storefrontId}/webhook-secret`, {
      headers: { ...headers, ...(auth.cookie ? { cookie: auth.cookie } : {}), ...(auth.key ? { authorization: `Bearer ${auth.key}` } : {}) },
    });

  test.each([
    ['Sec-Fetch-Site: same-site (another port or subdomain)', { 'sec-fetch-site': 'same-site' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['an Origin on another port', { origin: 'http://127.0.0.1:1' }],
    ['Origin: null (a sandboxed page)', { origin: 'null' }],
    ['a text/plain body (a form)', { 'content-type': 'text/plain' }],
    ['a urlencoded body (a form)', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['a multipart body (a form)', { 'content-type': 'multipart/form-data; boundary=x' }],
  ])('when a cookie-authenticated change comes with %s, then 403 and nothing changes', async (_name, headers) => {
    const before = await sys.db('storefronts').where({ id: sys.merchant.storefrontId }).first('webhook_secret');
    const res = await rotate(headers, { cookie });
    expect(res.status).toBe(403);
    expect(['cross_origin_refused', 'form_content_type_refused']).toContain(res.body.error.code);
    expect(await sys.db('storefronts').where({ id: sys.merchant.storefrontId }).first('webhook_secret')).toEqual(before);
  });

  test('positive controls: same-origin, the configured public origin, a non-browser client, and an admin token (even with a form type) all work', async () => {
    const port = new URL(sys.baseUrl).host;
    expect((await rotate({ 'sec-fetch-site': 'same-origin', origin: sys.baseUrl }, { cookie })).status).toBe(200);
    expect((await rotate({ origin: `http://${port}` }, { cookie })).status).toBe(200);
    expect((await rotate({ origin: 'https://console.example.com' }, { cookie })).status).toBe(200);
    expect((await rotate({}, { cookie })).status).toBe(200);
    expect((await rotate({ 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' }, { key: sys.merchant.adminToken })).status).toBe(200);
    const imported = await request(sys.baseUrl, 'POST', '/admin/skus/CSRF/codes?format=txt', {
      body: `CSRF-TOKEN-${hex()}\n`,
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${sys.merchant.adminToken}` },
    });
    expect(imported.status).toBe(201);
    // Reading is never refused: a GET changes nothing.
    expect((await request(sys.baseUrl, 'GET', '/admin/orders', { headers: { cookie, 'sec-fetch-site': 'cross-site' } })).status).toBe(200);
  });
});
