import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../api/app';
import { CodeVault } from '../lib/code-vault';
import { SupplierRegistry } from '../suppliers/registry';
import { FulfilmentClient } from '../orders/fulfilment-client';
import { allocateCodes } from '../stock/allocate-codes';
import { startReconciler } from '../worker/reconciler';
import { log, startTestSystem, type TestSystem } from './harness';
import { found } from './found';

// Crashes, retries and secrets: the order survives a lost worker with the same codes, a
// repeated step changes nothing, and no code leaks into Temporal history or a database row.

async function unitCodes(sys: TestSystem, orderId: string) {
  return sys.db('order_units as u').leftJoin('codes as c', 'c.unit_id', 'u.id').where('u.order_id', orderId).orderBy('u.seq').select('u.id as unit', 'c.id as code');
}

/** A real worker process (worker/main.ts) on this system's database and task queue. */
async function startWorkerProcess(sys: TestSystem): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'worker', 'main.ts')], {
    env: {
      ...process.env,
      DATABASE_URL: (sys.db.client.config.connection as { connectionString: string }).connectionString,
      TEMPORAL_TASK_QUEUE: sys.taskQueue,
      WORKFLOW_BUNDLE_PATH: process.env.CARDFLOW_TEST_WORKFLOW_BUNDLE,
      CARDFLOW_ENCRYPTION_KEYS: `k1:${vaultKeys.encryption.toString('base64')}`,
      CARDFLOW_FINGERPRINT_KEY: vaultKeys.fingerprint.toString('base64'),
      CARDFLOW_DATA_DIR: os.tmpdir(),
      LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.on('message', (m) => m === 'ready' && resolve());
    child.once('exit', (code) => reject(new Error(`worker process exited (${code}) before it was ready`)));
  });
  return child;
}

async function until(check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const vaultKeys = { encryption: crypto.randomBytes(32), fingerprint: crypto.randomBytes(32) };

describe('durability', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    // Known keys, so a worker process can open the codes this test system seals.
    const vault = new CodeVault({ encryptionKeys: [{ id: 'k1', key: vaultKeys.encryption }], fingerprintKey: vaultKeys.fingerprint });
    sys = await startTestSystem({ worker: false, vault });
  });
  afterAll(() => sys.stop());

  test('when the worker process is killed (kill -9) after allocation and a new one starts, then the order completes with the same codes', async () => {
    await sys.addSku('DURABLE', { codes: 6 });
    // Delivery cannot commit while this lock is held: the first worker gets as far as
    // delivering, and is killed there.
    const blockDelivery = await sys.db.transaction();
    await blockDelivery.raw('LOCK TABLE deliveries IN EXCLUSIVE MODE');
    const first = await startWorkerProcess(sys);
    try {
      const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: 'durable-1', items: [{ sku: 'DURABLE', quantity: 2 }] } });
      expect(placed.status).toBe(202);
      await until(async () => (await sys.db.raw(`SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'deliveries'::regclass AND NOT granted`)).rows[0].n > 0);
      const allocated = await unitCodes(sys, placed.body.id);
      expect(allocated.every((u) => u.code)).toBe(true);

      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      await blockDelivery.rollback();
      expect((await sys.api('GET', `/v1/orders/${placed.body.id}`)).body.status).toBe('processing');

      await sys.startWorker();
      const order = await sys.waitForOrder(placed.body.id, ['delivered'], 45_000);
      expect(await unitCodes(sys, placed.body.id)).toEqual(allocated);
      expect(order.items[0].units.every((u: any) => u.code?.number)).toBe(true);
      const sku = found(await sys.db('skus').where({ code: 'DURABLE' }).first(), 'SKU DURABLE');
      expect(await sys.db('codes').where({ sku_id: sku.id, status: 'allocated' })).toHaveLength(2);
      expect(await sys.db('deliveries').where({ order_id: placed.body.id })).toHaveLength(2);
      expect(sku.stock_available).toBe(4);
      await sys.stopWorker();
    } finally {
      if (!blockDelivery.isCompleted()) await blockDelivery.rollback();
      first.kill('SIGKILL');
    }
  });

  test('when the allocation step runs again (a retry after a crash), then the units keep the codes they had', async () => {
    await sys.stopWorker();
    await sys.addSku('RETRY', { codes: 5 });
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: 'retry-1', items: [{ sku: 'RETRY', quantity: 3 }] } });
    await sys.activities.checkRisk(placed.body.id);

    const first = await allocateCodes(sys.db, placed.body.id);
    const codes = await unitCodes(sys, placed.body.id);
    const second = await allocateCodes(sys.db, placed.body.id);
    expect(first).toEqual({ units: 3, newlyAllocated: 3 });
    expect(second).toEqual({ units: 3, newlyAllocated: 0 });
    expect(await unitCodes(sys, placed.body.id)).toEqual(codes);
    expect(new Set(codes.map((c) => c.code)).size).toBe(3);

    // And concurrent attempts of the same step still give each unit exactly one code.
    await sys.addSku('RETRY-2', { codes: 5 });
    const other = await sys.api('POST', '/v1/orders', { body: { externalRef: 'retry-2', items: [{ sku: 'RETRY-2', quantity: 2 }] } });
    await sys.activities.checkRisk(other.body.id);
    const results = await Promise.all([allocateCodes(sys.db, other.body.id), allocateCodes(sys.db, other.body.id), allocateCodes(sys.db, other.body.id)]);
    expect(results.map((r) => r.newlyAllocated).sort()).toEqual([0, 0, 2]);
    const sku = found(await sys.db('skus').where({ code: 'RETRY-2' }).first(), 'SKU RETRY-2');
    expect(await sys.db('codes').where({ sku_id: sku.id, status: 'allocated' })).toHaveLength(2);
  });

  test('when the only codes left have expired, then the order fails with the reason, gets no code, and its reservation is released', async () => {
    await sys.startWorker();
    await sys.addSku('STALE', { codes: 1 });
    const sku = found(await sys.db('skus').where({ code: 'STALE' }).first(), 'SKU STALE');
    await sys
      .db('codes')
      .where({ sku_id: sku.id })
      .update({ expires_at: sys.db.raw("now() - interval '1 minute'") });

    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: 'stale-1', items: [{ sku: 'STALE', quantity: 1 }] } });
    expect(placed.status).toBe(202);
    const order = await sys.waitForOrder(placed.body.id, ['failed']);
    expect(order.reason).toMatch(/^StockShortfall: SKU STALE has 1 fewer usable codes/);
    expect(order.items[0].units).toEqual([expect.objectContaining({ status: 'released', code: null })]);
    expect(order.timeline.map((e: any) => e.type)).toEqual(['accepted', 'risk_checked', 'failed']);
    expect(await sys.db('reservations').where({ order_id: order.id }).pluck('status')).toEqual(['released']);
    expect(await sys.db('codes').where({ sku_id: sku.id }).pluck('status')).toEqual(['available']);
    expect(await sys.client.workflow.getHandle(order.id).result()).toMatchObject({ status: 'failed', step: 'done' });
    await sys.stopWorker();
  });

  test('when the reconciler asks which waiting orders have no running workflow, then an order with one is left alone, and one without or with a closed run (a retried order) is named', async () => {
    await sys.startWorker();
    await sys.addSku('HAS-RUN', { codes: 2 });
    const finished = await sys.api('POST', '/v1/orders', { body: { externalRef: 'has-run-1', items: [{ sku: 'HAS-RUN', quantity: 1 }] } });
    await sys.finished(finished.body.id);
    await sys.stopWorker();
    // No worker: this one's run waits, still running.
    const waiting = await sys.api('POST', '/v1/orders', { body: { externalRef: 'has-run-2', items: [{ sku: 'HAS-RUN', quantity: 1 }] } });
    for (let i = 0; i < 100; i++) {
      if ((await sys.fulfilment.describe(waiting.body.id))?.status === 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const never = crypto.randomUUID();
    expect(await sys.fulfilment.withoutRunningWorkflow([finished.body.id, waiting.body.id, never])).toEqual([finished.body.id, never]);
  });

  test('when Temporal is down as an order arrives, then it is still accepted at once, and the reconciler starts its workflow later', async () => {
    await sys.addSku('ORPHAN', { codes: 2 });
    // An api whose Temporal is unreachable (nothing listens on port 1).
    const deadTemporal = new FulfilmentClient(new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }), sys.taskQueue, log);
    const app = createApp({
      db: sys.db,
      vault: sys.vault,
      suppliers: new SupplierRegistry(sys.db, sys.vault, sys.outbound),
      outbound: sys.outbound,
      fulfilment: deadTemporal,
      temporalReachable: async () => Promise.reject(new Error('down')),
      log,
      limits: { maxBodyBytes: 65536, maxImportBytes: 65536, ratePerMinute: 1000 },
    });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect((await fetch(`${url}/readyz`)).status).toBe(503);
      const started = Date.now();
      const res = await fetch(`${url}/v1/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sys.merchant.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ externalRef: 'orphan-1', items: [{ sku: 'ORPHAN', quantity: 1 }] }),
      });
      expect(res.status).toBe(202);
      expect(Date.now() - started).toBeLessThan(10_000);
      const { id } = (await res.json()) as { id: string };
      await expect(sys.client.workflow.getHandle(id).describe()).rejects.toThrow(/not found/i);

      await sys.startWorker();
      const stop = startReconciler({ db: sys.db, fulfilment: sys.fulfilment, log, intervalMs: 200, graceSeconds: 0 });
      try {
        await sys.waitForOrder(id, ['delivered']);
      } finally {
        stop();
      }
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('secrets', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(() => sys.stop());

  /** Every string in a value, with byte arrays (Temporal payloads) read as UTF-8. */
  function texts(value: unknown, out: string[] = []): string[] {
    if (typeof value === 'string') out.push(value);
    else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
    else if (Array.isArray(value)) value.forEach((v) => texts(v, out));
    else if (value && typeof value === 'object') Object.values(value).forEach((v) => texts(v, out));
    return out;
  }

  test('when an order is delivered, then neither its Temporal history nor any database row holds a code in plaintext', async () => {
    await sys.addSku('SECRET', { codes: 3 });
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: 'secret-1', items: [{ sku: 'SECRET', quantity: 2 }] } });
    const handle = sys.client.workflow.getHandle(placed.body.id);
    await sys.finished(placed.body.id);
    const order = (await sys.api('GET', `/v1/orders/${placed.body.id}`)).body;
    const secrets = order.items[0].units.flatMap((u: any) => [u.code.number, u.code.pin]);
    expect(secrets).toHaveLength(4);

    const history = texts(await handle.fetchHistory()).join('\n');
    expect(history).toContain(placed.body.id); // the search does see payloads
    for (const s of secrets) expect(history).not.toContain(s);

    const tables: string[] = (await sys.db('pg_tables').where({ schemaname: 'public' }).pluck('tablename')) as string[];
    let rows = '';
    for (const table of tables) {
      const result = await sys.db.raw(`SELECT coalesce(string_agg(row_to_json(t)::text, E'\\n'), '') AS dump FROM "${table}" t`);
      rows += result.rows[0].dump;
    }
    expect(rows).toContain(secrets[0].slice(-4)); // the mask is there: the dump covers codes
    for (const s of secrets) {
      expect(rows).not.toContain(s);
      expect(rows).not.toContain(Buffer.from(s).toString('hex'));
    }
    expect(rows).not.toContain(sys.merchant.webhookSecret);
    expect(rows).not.toContain(sys.merchant.apiKey);
    expect(rows).not.toContain(sys.merchant.adminToken);
  });
});
