import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDb, migrateToLatest } from '../db';
import { APP_ROLE, embeddedCredentialsFile } from '../db/embedded-postgres';
import { createMerchant, createSku } from '../db/seed';
import { loadVaultKeys } from '../lib/code-vault';
import { ConfigError, loadConfig } from '../lib/config';
import { freePort } from '../lib/free-port';
import { startTemporalDevServer } from '../scripts/temporal-dev-server';
import { FINGERPRINT_VERSION, openCode } from '../stock/code-secret';
import { refingerprintCodes } from '../stock/refingerprint';
import { openConsoleBrowser } from './console-browser';
import { found } from './found';
import { legacyCodeRow } from './legacy-codes';
import { startTestSystem, type TestSystem } from './harness';

// Issue 12, attacks 2 and 5 and the production start-up gaps, each replayed against the real
// thing: the admin API of a running Cardflow, a real embedded Postgres, the real start script.

const hex = () => crypto.randomBytes(4).toString('hex').toUpperCase();

describe('a code is sold once (attack 5)', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(() => sys.stop());

  function importFile(sku: string, content: string, token = sys.merchant.adminToken) {
    return sys.api('POST', `/admin/skus/${sku}/codes`, { raw: content, key: token, headers: { 'content-type': 'text/csv' } });
  }

  async function waitingOnPerson(orderId: string) {
    for (let i = 0; i < 300; i++) {
      if (await sys.db('manual_tasks').where({ order_id: orderId, status: 'open' }).first('id')) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`order ${orderId} has no open manual task after 30 s`);
  }

  test('when a code is imported again in lower case, with a zero-width space, with surrounding spaces, with another PIN or into another SKU, then each line is refused and named; a new code imports, and another merchant may hold the same code', async () => {
    await sys.addSku('ONCE-A');
    await sys.addSku('ONCE-B');
    const code = `GIFT-${hex()}-${hex()}`;
    const first = await importFile('ONCE-A', `${code},1111`);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ imported: 1, refused: [] });

    const fresh = `GIFT-${hex()}-NEW`;
    const again = [
      `${code.toLowerCase()},1111`, //                 1 lower case
      `${code.slice(0, 5)}\u200B${code.slice(5)},1111`, // 2 a zero-width space inside
      `"  ${code}\u00A0 ",1111`, //                     3 surrounding spaces (one of them no-break)
      `${code},9999`, //                               4 the same card with another PIN
      `${code}`, //                                    5 the same card without a PIN
      `${fresh},2222`, //                              6 positive control: a new code
      `${fresh.toLowerCase()},2222`, //                7 repeats line 6
    ].join('\n');
    const res = await importFile('ONCE-A', again);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      imported: 1,
      duplicates: 6,
      duplicateLines: [1, 2, 3, 4, 5, 7],
      refused: [
        { line: 1, reason: 'already_in_stock' },
        { line: 2, reason: 'already_in_stock' },
        { line: 3, reason: 'already_in_stock' },
        { line: 4, reason: 'already_in_stock' },
        { line: 5, reason: 'already_in_stock' },
        { line: 7, reason: 'duplicate_in_file' },
      ],
    });

    // Another SKU of the same merchant: still the same code.
    const otherSku = await importFile('ONCE-B', `${code.toLowerCase()},3333`);
    expect(otherSku.status).toBe(200);
    expect(otherSku.body).toMatchObject({ imported: 0, refused: [{ line: 1, reason: 'already_in_stock' }] });

    // Another merchant's stock is its own business.
    const other = await createMerchant(sys.db, sys.vault, { name: 'Other Merchant', ownerEmail: `other-${hex()}@example.com` });
    await createSku(sys.db, { merchantId: other.merchantId, code: 'ONCE-A', name: 'Other', faceValue: 100, price: 100, cost: 80 });
    const theirs = await importFile('ONCE-A', `${code},1111`, other.adminToken);
    expect(theirs.status).toBe(201);
    expect(theirs.body).toMatchObject({ imported: 1, refused: [] });
  });

  test('when a delivered code is imported again, then it is refused as already sold', async () => {
    await sys.addSku('SOLD-A');
    await sys.addSku('SOLD-B');
    const code = `SOLD-${hex()}`;
    expect((await importFile('SOLD-A', `${code},1`)).status).toBe(201);
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `sold-${hex()}`, items: [{ sku: 'SOLD-A', quantity: 1 }] } });
    expect(placed.status).toBe(202);
    await sys.waitForOrder(placed.body.id, ['delivered']);

    for (const sku of ['SOLD-A', 'SOLD-B']) {
      const res = await importFile(sku, ` ${code.toLowerCase()} ,2`);
      expect(res.body).toMatchObject({ imported: 0, refused: [{ line: 1, reason: 'already_sold' }] });
    }
  });

  test("when support enters another order's delivered code in manual fulfilment (in any case, with any PIN), then it is refused and nothing is saved; a new code is accepted", async () => {
    await sys.addSku('DELIVERED-STOCK');
    await sys.addSku('BY-HAND', { mode: 'manual' });
    const delivered = `HAND-${hex()}`;
    expect((await importFile('DELIVERED-STOCK', `${delivered},1`)).status).toBe(201);
    const sold = await sys.api('POST', '/v1/orders', { body: { externalRef: `d-${hex()}`, items: [{ sku: 'DELIVERED-STOCK', quantity: 1 }] } });
    await sys.waitForOrder(sold.body.id, ['delivered']);

    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `m-${hex()}`, items: [{ sku: 'BY-HAND', quantity: 1 }] } });
    await waitingOnPerson(placed.body.id);
    const support = await sys.addUser('support');
    const cookie = await sys.signIn(support.email, support.password);
    const fulfil = (number: string, pin: string) =>
      sys.api('POST', `/admin/orders/${placed.body.id}/manual-fulfilment`, { key: null, cookie, headers: { origin: sys.baseUrl }, body: { codes: [{ number, pin }] } });

    for (const attempt of [delivered, delivered.toLowerCase(), `\u200B${delivered} `]) {
      const refused = await fulfil(attempt, '9999');
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'duplicate_code', details: { index: 0, reason: 'already_sold' } });
    }
    expect(await sys.db('codes').join('skus', 'skus.id', 'codes.sku_id').where('skus.code', 'BY-HAND').count<{ c: number }[]>('* as c')).toEqual([{ c: 0 }]);
    expect(await sys.db('manual_tasks').where({ order_id: placed.body.id }).first('status')).toEqual({ status: 'open' });

    const ok = await fulfil(`HAND-NEW-${hex()}`, '1234');
    expect(ok.status).toBe(200);
    await sys.waitForOrder(placed.body.id, ['delivered']);
  });

  test('when a SKU says its codes are case-sensitive, then abc and ABC are two codes there, and the rule cannot change once it has codes', async () => {
    const created = await sys.api('POST', '/admin/skus', {
      key: sys.merchant.adminToken,
      body: { code: 'CASE-SENS', name: 'Case-sensitive vouchers', faceValue: 100, price: 100, cost: 80, fulfilmentMode: 'stock', codesCaseSensitive: true },
    });
    expect(created.status).toBe(201);
    expect(created.body.codesCaseSensitive).toBe(true);
    const base = `vCh${hex()}x`;
    const res = await importFile('CASE-SENS', `${base.toLowerCase()}\n${base.toUpperCase()}\n${base.toLowerCase()}`);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ imported: 2, refused: [{ line: 3, reason: 'duplicate_in_file' }] });
    expect((await importFile('CASE-SENS', base.toUpperCase())).body).toMatchObject({ imported: 0, refused: [{ line: 1, reason: 'already_in_stock' }] });
    // A case-insensitive SKU of the same merchant may not take either spelling again.
    await sys.addSku('CASE-INSENS');
    expect((await importFile('CASE-INSENS', base.toUpperCase())).body).toMatchObject({ imported: 0, refused: [{ line: 1, reason: 'already_in_stock' }] });

    const edit = await sys.api('PUT', '/admin/skus/CASE-SENS', { key: sys.merchant.adminToken, body: { ...created.body, codesCaseSensitive: false } });
    expect(edit.status).toBe(409);
    expect(edit.body.error.code).toBe('codes_case_rule_fixed');
    const stillSensitive = await sys.api('GET', '/admin/skus/CASE-SENS', { key: sys.merchant.adminToken });
    expect(stillSensitive.body.codesCaseSensitive).toBe(true);
  });

  test('when the owner marks a product case-sensitive in the console, then its import keeps abc and ABC apart and names the line already in stock', async () => {
    const ui = await openConsoleBrowser(sys);
    try {
      const owner = await sys.addUser('owner');
      const { page } = await ui.signedIn(owner);
      await ui.go(page, '/skus/create');
      await page.getByLabel('SKU code').fill('CASE-UI');
      await page.getByLabel('Name').fill('Case-sensitive voucher');
      await page.getByLabel('Face value').fill('10');
      await page.getByLabel('Price').fill('10');
      await page.getByLabel('Default cost').fill('8');
      await page.getByLabel(/Codes are case-sensitive/).check();
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('row').filter({ hasText: 'CASE-UI' }).waitFor();
      expect(await sys.db('skus').where({ merchant_id: sys.merchant.merchantId, code: 'CASE-UI' }).first('codes_case_sensitive')).toEqual({ codes_case_sensitive: true });

      const base = `uiK${hex()}q`;
      expect((await importFile('CASE-UI', base)).status).toBe(201);
      await ui.go(page, '/stock/CASE-UI/show');
      await page.getByTestId('import-open').click();
      await page.getByTestId('import-text').fill([base, base.toUpperCase(), base.toLowerCase()].join('\n'));
      await page.getByTestId('import-check').click();
      await page.getByTestId('import-found').getByText('3 codes on 3 lines').waitFor();
      expect(await page.getByTestId('import-file-duplicates').count()).toBe(0); // three spellings, three codes here
      await page.getByTestId('import-upload').click();
      await page.getByTestId('import-duplicate-lines').getByText('Already in stock (this or another product): 1').waitFor();
      expect(ui.takePageErrors()).toEqual([]);
    } finally {
      await ui.close();
    }
  });

  test('when codes stored before this version repeat each other, then re-making their fingerprints keeps the sold one, voids the unsold twin, and the database then refuses a third', async () => {
    await sys.addSku('LEGACY-A');
    await sys.addSku('LEGACY-B');
    const skus = await sys.db('skus').where({ merchant_id: sys.merchant.merchantId }).whereIn('code', ['LEGACY-A', 'LEGACY-B']).orderBy('code').select('id', 'code');
    const code = `LEGACY-${hex()}`;
    // As version 1 stored them: per SKU, so the same card sat in two SKUs, one of them delivered.
    const soldId = crypto.randomUUID();
    const twinId = crypto.randomUUID();
    const legacyRow = (id: string, skuId: string, number: string, status: 'available' | 'voided') => legacyCodeRow(sys, { id, skuId, number, status });
    await sys.db('codes').insert([legacyRow(soldId, skus[0].id, code, 'voided'), legacyRow(twinId, skus[1].id, ` ${code.toLowerCase()}`, 'available')]);
    await sys.db('skus').where({ id: skus[1].id }).increment('stock_available', 1);

    const result = await refingerprintCodes(sys.db, sys.vault);
    expect(result).toMatchObject({ duplicates: 1, voided: 1 });
    expect(result.refingerprinted).toBeGreaterThanOrEqual(2);
    const rows = await sys.db('codes').whereIn('id', [soldId, twinId]).select('id', 'status', 'fingerprint_version', 'duplicate_of', 'key_id', 'secret');
    const sold = rows.find((r) => r.id === soldId);
    const twin = rows.find((r) => r.id === twinId);
    expect(sold).toMatchObject({ status: 'voided', fingerprint_version: FINGERPRINT_VERSION, duplicate_of: null });
    expect(twin).toMatchObject({ status: 'voided', fingerprint_version: FINGERPRINT_VERSION, duplicate_of: soldId });
    expect(openCode(sys.vault, found(twin, 'the twin code')).number).toBe(` ${code.toLowerCase()}`); // the stored code itself is untouched
    expect(await sys.db('skus').where({ id: skus[1].id }).first('stock_available')).toEqual({ stock_available: 0 });
    expect(
      await sys
        .db('audit_log')
        .where({ action: 'code.duplicate_voided', target: `code:${twinId}` })
        .first('id'),
    ).toBeDefined();
    // Nothing left to do on a second run.
    expect(await refingerprintCodes(sys.db, sys.vault)).toEqual({ refingerprinted: 0, duplicates: 0, voided: 0 });
    // Now the import sees it, in any SKU.
    expect((await importFile('LEGACY-B', code)).body).toMatchObject({ imported: 0, refused: [{ line: 1, reason: 'voided' }] });
  });
});

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;
const root = path.resolve(__dirname, '..');

describe('no constant secrets (attack 2)', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cardflow-secrets-'));
  const running = new Set<ChildProcess>();
  beforeAll(() => fs.chmodSync(scratch, 0o755)); // the embedded Postgres may run as its own system user
  afterAll(async () => {
    for (const child of running) await stop(child);
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  /** The embedded Postgres in its own process (test/embedded-postgres-process.ts); its app URL once ready. */
  async function startPostgres(dataDir: string, port: number, legacy = false): Promise<{ url: string; child: ChildProcess }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/embedded-postgres-process.ts', dataDir, String(port), ...(legacy ? ['legacy'] : [])], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let out = '';
    child.stderr.on('data', (c) => (out += c));
    return new Promise((resolve, reject) => {
      child.stdout.on('data', (c) => {
        out += c;
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve({ url: JSON.parse(line).url, child });
      });
      child.once('exit', (code) => reject(new Error(`embedded Postgres exited (${code}):\n${out}`)));
    });
  }

  async function stop(child: ChildProcess) {
    running.delete(child);
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  const tryConnect = async (port: number, user: string, password: string) => {
    const client = new pg.Client({ host: '127.0.0.1', port, user, password, database: 'cardflow' });
    try {
      await client.connect();
      return 'connected';
    } catch (err) {
      return (err as { code?: string }).code;
    } finally {
      await client.end().catch(() => undefined);
    }
  };

  test('when two embedded Postgres data directories start, then each has its own passwords in a file only its owner reads, the constant password opens nothing, and the app connects as a role that migrates but is no superuser', async () => {
    const dirs = [path.join(scratch, 'a', 'postgres'), path.join(scratch, 'b', 'postgres')];
    const ports = [await freePort(), await freePort()];
    const started = [await startPostgres(dirs[0], ports[0]), await startPostgres(dirs[1], ports[1])];

    const files = dirs.map(embeddedCredentialsFile);
    for (const file of files) expect(modeOf(file)).toBe(0o600);
    const [a, b] = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
    expect(a.superuserPassword).not.toBe(b.superuserPassword);
    expect(a.appPassword).not.toBe(b.appPassword);
    expect(a.superuserPassword.length).toBeGreaterThanOrEqual(32);

    // The attack: the constant password of before, for the superuser or the app's role.
    for (const user of ['postgres', APP_ROLE]) expect(await tryConnect(ports[0], user, 'cardflow-local')).toBe('28P01');
    // Positive control: the directory's own password gets in.
    expect(await tryConnect(ports[0], 'postgres', a.superuserPassword)).toBe('connected');
    expect(await tryConnect(ports[0], APP_ROLE, b.appPassword)).toBe('28P01'); // another directory's password does not

    const db = createDb(started[0].url, 2);
    try {
      await migrateToLatest(db); // the app's role owns its database, so migrations work
      const role = (await db.raw('SELECT current_user AS name, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles WHERE rolname = current_user')).rows[0];
      expect(role).toEqual({ name: APP_ROLE, rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false });
      // What a superuser could do, and the app's role cannot: run programs, read server files, make roles, take over the superuser.
      await expect(db.raw(`COPY (SELECT 1) TO PROGRAM 'true'`)).rejects.toThrow(/permission denied|must be superuser/);
      await expect(db.raw(`SELECT pg_read_file('postgresql.conf')`)).rejects.toThrow(/permission denied/);
      await expect(db.raw(`CREATE ROLE intruder LOGIN SUPERUSER PASSWORD 'intruder-pass'`)).rejects.toThrow(/permission denied/);
      await expect(db.raw(`ALTER ROLE postgres PASSWORD 'taken-over'`)).rejects.toThrow(/permission denied|must be superuser/);
      await expect(db.raw(`ALTER ROLE ${APP_ROLE} SUPERUSER`)).rejects.toThrow(/permission denied|must be superuser/);
      // Positive control: its own tables are its own.
      expect((await db.raw(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tableowner = ?`, [APP_ROLE])).rows[0].n).toBeGreaterThan(10);
    } finally {
      await db.destroy();
    }
  });

  test("when a data directory from before (constant superuser password, tables the superuser made) starts, then its password is replaced and its tables become the app role's", async () => {
    const dataDir = path.join(scratch, 'legacy', 'postgres');
    const port = await freePort();
    // As the old code made it: the superuser's constant password, the schema made by the superuser.
    const old = await startPostgres(dataDir, port, true);
    const before = createDb(old.url, 1);
    await migrateToLatest(before);
    await before.destroy();
    await stop(old.child);

    const now = await startPostgres(dataDir, port);
    expect(await tryConnect(port, 'postgres', 'cardflow-local')).toBe('28P01');
    const db = createDb(now.url, 1);
    try {
      expect((await db.raw(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tableowner <> ?`, [APP_ROLE])).rows[0].n).toBe(0);
      expect(
        (
          await db.raw(`SELECT count(*)::int AS n FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> ?`, [
            APP_ROLE,
          ])
        ).rows[0].n,
      ).toBe(0);
      // As a later migration would.
      await db.raw('ALTER TABLE codes ADD COLUMN probe integer');
      await db.raw('ALTER TABLE codes DROP COLUMN probe');
      await db.raw('SELECT nextval(pg_get_serial_sequence(?, ?))', ['order_events', 'id']);
    } finally {
      await db.destroy();
    }
  });

  test('when the standalone supplier simulator is started without a secret of its own, then it refuses; given one, it runs (there is no published default secret)', async () => {
    const run = (extra: Record<string, string>) => {
      const env: Record<string, string> = { ...(process.env as Record<string, string>), SUPPLIER_SIM_PORT: '0', ...extra };
      if (!extra.SUPPLIER_SIM_SECRET) delete env.SUPPLIER_SIM_SECRET;
      const child = spawn(process.execPath, ['--import', 'tsx', 'supplier-sim/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (out += c));
      return { child, out: () => out, exited: new Promise<number | null>((r) => child.once('exit', r)) };
    };
    const refused = run({});
    expect(await refused.exited).toBe(1);
    expect(refused.out()).toContain('set SUPPLIER_SIM_SECRET');

    const running = run({ SUPPLIER_SIM_SECRET: crypto.randomBytes(24).toString('base64url') });
    for (let i = 0; i < 100 && !running.out().includes('listening'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(running.out()).toContain('partners cardflow-demo');
    running.child.kill('SIGTERM');
    await running.exited;
  });

  test("when the Temporal dev server keeps its state in a SQLite file, then the file (one from before included) is its owner's alone and its directory is not listable by others", async () => {
    const dir = path.join(scratch, 'temporal');
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.chmodSync(dir, 0o755);
    const dbFile = path.join(dir, 'temporal.sqlite');
    const sqliteFiles = () => fs.readdirSync(dir).filter((f) => f.startsWith('temporal.sqlite'));
    const port = await freePort();
    const first = await startTemporalDevServer({ port, dbFile });
    try {
      expect(sqliteFiles().length).toBeGreaterThanOrEqual(2); // the database and its write-ahead log
      for (const f of sqliteFiles()) expect([f, modeOf(path.join(dir, f))]).toEqual([f, 0o600]);
      expect(modeOf(dir) & 0o066).toBe(0);
    } finally {
      await first.stop();
    }
    // As the dev server left them before: readable by everyone.
    fs.chmodSync(dir, 0o755);
    for (const f of sqliteFiles()) fs.chmodSync(path.join(dir, f), 0o644);
    const second = await startTemporalDevServer({ port, dbFile });
    try {
      for (const f of sqliteFiles()) expect([f, modeOf(path.join(dir, f))]).toEqual([f, 0o600]);
      expect(modeOf(dir) & 0o066).toBe(0);
    } finally {
      await second.stop();
    }
  });
});

describe('production refuses development settings', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cardflow-prod-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const key = () => crypto.randomBytes(32).toString('base64');
  const production = {
    NODE_ENV: 'production',
    CARDFLOW_DATA_DIR: dataDir,
    DATABASE_URL: 'postgres://cardflow:secret@db.internal:5432/cardflow',
    TEMPORAL_ADDRESS: 'temporal.internal:7233',
    CARDFLOW_ENCRYPTION_KEYS: `k1:${key()}`,
    CARDFLOW_FINGERPRINT_KEY: key(),
    HOST: '0.0.0.0',
    PUBLIC_URL: 'https://cards.example.com',
  };
  const refusal = (env: Record<string, string | undefined>, reader?: Parameters<typeof loadConfig>[1]) => {
    try {
      loadConfig(env, reader);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    return 'started';
  };

  test('when every setting is a production one, then the configuration loads, without the demo supplier (positive control)', () => {
    expect(refusal(production)).toBe('started');
    expect(loadConfig(production).DEMO_SUPPLIER).toBe('off');
    expect(loadConfig({ CARDFLOW_DATA_DIR: dataDir }).DEMO_SUPPLIER).toBe('on'); // development keeps its demo
  });

  test.each([
    ['the embedded Postgres', { DATABASE_URL: undefined }, /DATABASE_URL is not set, so the embedded Postgres would run/],
    ['the Temporal dev server', { TEMPORAL_ADDRESS: undefined }, /TEMPORAL_ADDRESS is not set/],
    [
      'keys from a file',
      { CARDFLOW_ENCRYPTION_KEYS: undefined, CARDFLOW_FINGERPRINT_KEY: undefined },
      /CARDFLOW_ENCRYPTION_KEYS and CARDFLOW_FINGERPRINT_KEY must both come from the environment/,
    ],
    ['the demo supplier', { DEMO_SUPPLIER: 'on' }, /DEMO_SUPPLIER=on/],
    ['a plain-http public URL', { PUBLIC_URL: 'http://cards.example.com' }, /PUBLIC_URL must be an https:\/\/ address/],
    ['no public URL', { PUBLIC_URL: undefined }, /PUBLIC_URL is not set/],
    ['every interface without saying so', { HOST: undefined }, /HOST is not set, so the api would listen on 0\.0\.0\.0/],
  ])('when production is given %s, then it refuses, naming it', (_what, change, named) => {
    const message = refusal({ ...production, ...change });
    expect(message).toMatch(/^NODE_ENV=production refuses to start/);
    expect(message).toMatch(named);
    expect(message.split('\n')).toHaveLength(2); // that problem alone
  });

  test('when a migration runs in production, then only the database matters (it needs no keys, no address)', () => {
    expect(refusal({ NODE_ENV: 'production', DATABASE_URL: production.DATABASE_URL }, 'tool')).toBe('started');
    expect(refusal({ NODE_ENV: 'production' }, 'tool')).toMatch(/DATABASE_URL is not set/);
  });

  test('when a key file was generated in the data directory, then production does not read it', () => {
    expect(loadVaultKeys({ NODE_ENV: 'development', CARDFLOW_DATA_DIR: dataDir }).encryptionKeys).toHaveLength(1);
    expect(fs.existsSync(path.join(dataDir, 'keys.json'))).toBe(true);
    expect(() => loadVaultKeys({ NODE_ENV: 'production', CARDFLOW_DATA_DIR: dataDir })).toThrow('NODE_ENV=production needs CARDFLOW_ENCRYPTION_KEYS and CARDFLOW_FINGERPRINT_KEY');
  });

  test('when the real start script is run in production with every development default, then it exits naming each problem and starts nothing', async () => {
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      NODE_ENV: 'production',
      CARDFLOW_DATA_DIR: dataDir,
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
      DEMO_SUPPLIER: 'on',
      PUBLIC_URL: 'http://cards.example.com',
    };
    for (const name of ['HOST', 'CARDFLOW_ENCRYPTION_KEYS', 'CARDFLOW_FINGERPRINT_KEY']) delete env[name];
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    for (const named of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'CARDFLOW_ENCRYPTION_KEYS', 'DEMO_SUPPLIER=on', 'HOST is not set', 'PUBLIC_URL must be an https'])
      expect(output).toContain(named);
    expect(fs.existsSync(path.join(dataDir, 'postgres'))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'temporal.sqlite'))).toBe(false);
  });
});
