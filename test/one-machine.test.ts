import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../lib/free-port';

// `npm start` as a person runs it: embedded Postgres, Temporal dev server, api and worker from
// one command; demo data on first start only; data that survives a restart; a clean stop.

const root = path.resolve(__dirname, '..');

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `ownGroup`: like a terminal, which sends Ctrl-C to the whole foreground process group. */
function startCardflow(env: Record<string, string>, ownGroup = false): Started {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: '', TEMPORAL_ADDRESS: '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: ownGroup,
  });
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

async function waitFor(what: string, check: () => boolean, started: Started, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline || started.child.exitCode !== null) throw new Error(`${what} did not happen:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Processes whose command line mentions the data directory (Postgres, Temporal), or api/worker children of ours. */
function processesOf(dataDir: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => l.includes(dataDir));
}

describe('npm start on one machine', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cardflow-start-'));
  let env: Record<string, string>;

  beforeAll(async () => {
    fs.chmodSync(dataDir, 0o755);
    env = {
      CARDFLOW_DATA_DIR: dataDir,
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      SUPPLIER_SIM_PORT: String(await freePort()),
      TEMPORAL_TASK_QUEUE: 'one-machine-test',
    };
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  test('when started, then an order placed with the printed demo key is delivered; stopped (SIGTERM, then Ctrl-C), nothing is left running; started again, the data is still there', async () => {
    const first = startCardflow(env);
    try {
      await waitFor('ready', () => first.output().includes('press Ctrl-C to stop'), first);
      const out = first.output();
      expect(out).toContain(`API:              http://localhost:${env.PORT}`);
      expect(out).toContain(`Temporal Web UI:  http://127.0.0.1:${env.TEMPORAL_UI_PORT}`);
      const printedKey = /demo API key:\s+(\S+)/.exec(out)?.[1];
      const credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8'));
      expect(printedKey).toBe(credentials.apiKey);
      // Secrets of this install alone, readable by their owner only (no constant ones).
      for (const file of ['keys.json', 'postgres-credentials.json', 'demo-supplier.json', 'temporal.sqlite']) {
        expect([file, fs.statSync(path.join(dataDir, file)).mode & 0o777]).toEqual([file, 0o600]);
      }

      const api = `http://127.0.0.1:${env.PORT}`;
      const auth = { authorization: `Bearer ${credentials.apiKey}`, 'content-type': 'application/json' };
      const placed = await fetch(`${api}/v1/orders`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ externalRef: 'one-machine-1', items: [{ sku: 'GAME-100', quantity: 1 }] }),
      });
      expect(placed.status).toBe(202);
      expect(placed.headers.get('keep-alive')).toBe('timeout=65'); // idle connections outlive a load balancer's (HTTP_KEEP_ALIVE_SECONDS)
      const { id } = (await placed.json()) as { id: string };
      let order: any;
      for (let i = 0; i < 100 && order?.status !== 'delivered'; i++) {
        await new Promise((r) => setTimeout(r, 200));
        order = await (await fetch(`${api}/v1/orders/${id}`, { headers: auth })).json();
      }
      expect(order.status).toBe('delivered');
      expect(order.items[0].units[0].code.number).toMatch(/^[A-Z0-9]{16}$/);

      // The demo's supplier-backed SKU and top-up SKU work against the demo supplier.
      for (const [ref, item] of [
        ['one-machine-steam', { sku: 'STEAM-50', quantity: 1 }],
        ['one-machine-topup', { sku: 'DIAMONDS-60', quantity: 1, account: '12345678' }],
      ] as const) {
        const res = await fetch(`${api}/v1/orders`, { method: 'POST', headers: auth, body: JSON.stringify({ externalRef: ref, items: [item] }) });
        expect(res.status).toBe(202);
        const placedId = ((await res.json()) as { id: string }).id;
        let bought: any;
        for (let i = 0; i < 100 && bought?.status !== 'delivered'; i++) {
          await new Promise((r) => setTimeout(r, 200));
          bought = await (await fetch(`${api}/v1/orders/${placedId}`, { headers: auth })).json();
        }
        expect(bought.status).toBe('delivered');
        expect(bought.items[0].units[0].code?.number ?? bought.items[0].units[0].receipt?.receipt).toBeTruthy();
      }
      // The console is served by the api, and the demo owner's printed password signs in.
      const consolePage = await fetch(`${api}/console/`);
      expect(consolePage.status).toBe(200);
      expect(await consolePage.text()).toContain('<div id="root">');
      expect(out).toContain(`demo console:     ${credentials.console.email} / ${credentials.console.password}`);
      const signIn = await fetch(`${api}/admin/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: credentials.console.email, password: credentials.console.password }),
      });
      expect(signIn.status).toBe(200);
      expect(await signIn.json()).toMatchObject({ role: 'owner', merchant: { name: 'Demo Merchant' } });

      // The import script goes through the admin API with the demo admin token.
      const file = path.join(dataDir, 'new-codes.txt');
      fs.writeFileSync(file, 'NEWCODE0000000001----11111111\nNEWCODE0000000002----22222222\nNEWCODE0000000001----11111111\n');
      const imported = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/import-codes.ts', '--sku', 'COFFEE-TALL', '--file', file], {
        cwd: root,
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
      expect(imported).toContain('SKU COFFEE-TALL: 2 imported, 1 duplicates skipped, 52 now available.');

      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(first.output()).toContain('[cardflow] stopped');
      expect(processesOf(dataDir)).toEqual([]);
      await expect(fetch(`${api}/healthz`)).rejects.toThrow();

      const second = startCardflow(env, true);
      try {
        await waitFor('ready again', () => second.output().includes('press Ctrl-C to stop'), second);
        expect(second.output()).not.toContain('demo API key:'); // seeded on first start only
        const again = (await (await fetch(`${api}/v1/orders/${id}`, { headers: auth })).json()) as any;
        expect(again.status).toBe('delivered');
        expect(again.items[0].units[0].code).toEqual(order.items[0].units[0].code);
        // Temporal kept its history in its database file too.
        const connection = await Connection.connect({ address: `127.0.0.1:${env.TEMPORAL_PORT}` });
        const described = await new Client({ connection }).workflow.getHandle(id).describe();
        expect(described.status.name).toBe('COMPLETED');
        await connection.close();
        // Ctrl-C: SIGINT to the whole process group, as a terminal sends it.
        process.kill(-second.child.pid!, 'SIGINT');
        expect(await second.exited).toBe(0);
        expect(second.output()).toContain('[cardflow] stopped');
      } finally {
        if (second.child.exitCode === null) process.kill(-second.child.pid!, 'SIGKILL');
        await second.exited;
      }
      expect(processesOf(dataDir)).toEqual([]);
    } finally {
      if (first.child.exitCode === null) first.child.kill('SIGKILL');
    }
  }, 180_000);

  test('when a port is taken, then it says which port and which variable changes it, and starts nothing', async () => {
    const holder = net.createServer();
    const port = await new Promise<number>((r) => holder.listen(0, '0.0.0.0', () => r((holder.address() as net.AddressInfo).port)));
    try {
      const started = startCardflow({ ...env, PORT: String(port) });
      expect(await started.exited).toBe(1);
      expect(started.output()).toContain(`Port ${port} (API) is already in use. Stop what holds it, or set PORT to another port.`);
      expect(processesOf(dataDir)).toEqual([]);
    } finally {
      holder.close();
    }
  });
});
