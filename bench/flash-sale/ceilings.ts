import crypto from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { createDb } from '../../db';
import { createSku } from '../../db/seed';
import type { CodeVault } from '../../lib/code-vault';
import { acceptOrder } from '../../orders/accept-order';
import { allocateCodes } from '../../stock/allocate-codes';
import { importCodes } from '../../stock/import-codes';
import { workerTuning } from '../../worker/create-worker';
import { cpuSecondsOf } from './memory';
import type { Shop } from './shop';

// What this machine can do at all, measured on the same servers right after the sale:
// (a) Temporal alone: as many order-shaped workflows doing nothing, (b) Postgres alone: the
// same acceptance and allocation code, in a tight loop with no Temporal in between.

export interface Ceiling {
  orders: number;
  seconds: number;
  perSecond: number;
  /** CPU ms per workflow (or order) of the server measured (Temporal for (e), (l), (a); Postgres for (b)) and of the bench process running the ceiling's worker and client. */
  cpuMsPerOrder?: { server: number; bench: number };
}

const rate = (orders: number, ms: number): Ceiling => ({ orders, seconds: ms / 1000, perSecond: orders / (ms / 1000) });

/** Runs a ceiling and weighs it: CPU of the server's processes and of this process, per order. */
export async function weighed(serverPids: () => number[], measure: () => Promise<Ceiling>): Promise<Ceiling> {
  const server0 = cpuSecondsOf(serverPids());
  const bench0 = process.cpuUsage();
  const ceiling = await measure();
  const server = cpuSecondsOf(serverPids()) - server0;
  const bench = process.cpuUsage(bench0);
  const per = (seconds: number) => Math.round(((seconds * 1000) / ceiling.orders) * 10) / 10;
  return { ...ceiling, cpuMsPerOrder: { server: per(server), bench: per((bench.user + bench.system) / 1e6) } };
}

export async function temporalCeiling(opts: {
  address: string;
  workflows: number;
  localSteps: number;
  remoteSteps: number;
  concurrency: number;
  env: Record<string, string>;
}): Promise<Ceiling> {
  const taskQueue = `noop-ceiling-${crypto.randomBytes(4).toString('hex')}`;
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'ceiling-workflows'), logger: quiet });
  const native = await NativeConnection.connect({ address: opts.address });
  const worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowBundle: { code },
    activities: { step: async () => undefined },
    ...workerTuning(opts.env),
  });
  const running = worker.run();
  const connection = await Connection.connect({ address: opts.address });
  const client = new Client({ connection });
  try {
    const started = performance.now();
    let next = 0;
    const handles: { result(): Promise<unknown> }[] = [];
    const lane = async () => {
      while (next < opts.workflows) {
        const i = next++;
        handles.push(
          await client.workflow.start('noopOrder', { taskQueue, workflowId: `${taskQueue}-${i}`, args: [{ localSteps: opts.localSteps, remoteSteps: opts.remoteSteps }] }),
        );
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, lane));
    for (const handle of handles) await handle.result();
    return rate(opts.workflows, performance.now() - started);
  } finally {
    worker.shutdown();
    await running;
    await native.close();
    await connection.close();
  }
}

export async function postgresCeiling(opts: { databaseUrl: string; vault: CodeVault; shop: Shop; orders: number; concurrency: number; poolMax: number }): Promise<Ceiling> {
  const db = createDb(opts.databaseUrl, opts.poolMax);
  try {
    const sku = `CEILING-${crypto.randomBytes(3).toString('hex').toUpperCase()}`;
    await createSku(db, { merchantId: opts.shop.merchant.merchantId, code: sku, name: 'Postgres ceiling', faceValue: 1000, price: 950, cost: 900, currency: 'USD' });
    const content = Array.from({ length: opts.orders }, (_, i) => `CEIL-${crypto.randomBytes(8).toString('hex')}-${i}`).join('\n');
    await importCodes(db, opts.vault, { merchantId: opts.shop.merchant.merchantId, sku, content, format: 'txt', source: 'ceiling', importedBy: 'bench' });
    const storefront = { id: opts.shop.merchant.storefrontId, merchantId: opts.shop.merchant.merchantId };
    const started = performance.now();
    let next = 0;
    const lane = async () => {
      while (next < opts.orders) {
        const i = next++;
        const { orderId } = await acceptOrder(db, storefront, { externalRef: `${sku}-${i}`, items: [{ sku, quantity: 1 }], buyer: {} }, async () => undefined);
        // What the risk step's write does before allocation may run.
        await db('orders').where({ id: orderId }).update({ status: 'processing' });
        await allocateCodes(db, orderId);
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, lane));
    return rate(opts.orders, performance.now() - started);
  } finally {
    await db.destroy();
  }
}

const noop = () => undefined;
const quiet = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };
