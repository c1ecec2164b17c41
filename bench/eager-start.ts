import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { freePort } from '../lib/free-port';
import { acceptOrder } from '../orders/accept-order';
import { startTemporalDevServer } from '../scripts/temporal-dev-server';
import globalSetup from '../test/global-setup';
import globalTeardown from '../test/global-teardown';
import { startTestSystem } from '../test/harness';
import { addSupplier, card, route } from '../test/supplier-helpers';
import { createOrderWorker, runUntilShutdown } from '../worker/create-worker';
import { devServerSearchAttributeArgs } from '../workflows/search-attributes';

// Do eager workflow start and eager activity dispatch make an order faster at low load?
// One order at a time, alternating the two settings order by order so the machine's other work
// falls on both alike; each order timed from the workflow start request to its result
// (delivered and settled). A dev server with both eager features enabled by dynamic config.
//
//   node --import tsx bench/eager-start.ts [--orders 40] [--server-defaults]
//
// - Eager workflow start (`requestEagerStart`): the server hands the first workflow task back in
//   the start call's answer, to a worker in the same process on the same NativeConnection. Stock
//   orders (local activities only), started with and without it.
// - Eager activity dispatch: when a workflow task schedules an activity on its own task queue, the
//   server hands the activity back in that task's answer. Supplier orders (one ordinary activity per
//   unit), on a worker with the SDK default and on one with `maxEagerActivityReservationsPerWorkflowTask: 0`.

const { values } = parseArgs({ options: { orders: { type: 'string', default: '40' }, 'server-defaults': { type: 'boolean', default: false } } });
const n = Number(values.orders);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

async function main() {
  // --server-defaults: the dev server as `npm start` runs it, to see what it grants unasked.
  const eagerFlags = values['server-defaults']
    ? []
    : ['--dynamic-config-value', 'system.enableEagerWorkflowStart=true', '--dynamic-config-value', 'system.enableActivityEagerExecution=true'];
  const temporal = await startTemporalDevServer({ port: await freePort(), extraArgs: [...devServerSearchAttributeArgs(), ...eagerFlags] });
  process.env.TEMPORAL_ADDRESS = temporal.address;
  process.env.TZ = 'UTC';
  await globalSetup();
  const sys = await startTestSystem({ worker: false, notifier: false });
  const supplier = await addSupplier(sys, 'Eager', [card('EAGER-CARD', 450)]);
  const workers: { worker: Worker; stopped: Promise<void> }[] = [];
  const native = await NativeConnection.connect({ address: temporal.address });
  try {
    await sys.addSku('STOCK', { codes: 2 * n + 10, currency: 'USD', price: 600 });
    await sys.addSku('BOUGHT', { mode: 'supplier', currency: 'USD', price: 600 });
    await route(sys, 'BOUGHT', [{ supplier, product: 'EAGER-CARD', maxUnitCost: 500 }]);

    // Two workers in this process on one NativeConnection: the default, and one that never takes
    // activities eagerly. The client shares the connection, as eager start needs.
    const queues = { default: sys.taskQueue, noEagerActivities: `${sys.taskQueue}-no-eager` };
    for (const [taskQueue, tuning] of [
      [queues.default, {}],
      [queues.noEagerActivities, { maxEagerActivityReservationsPerWorkflowTask: 0 }],
    ] as const) {
      const worker = await createOrderWorker({
        connection: native,
        namespace: 'default',
        taskQueue,
        activities: sys.activities,
        workflowBundlePath: process.env.CARDFLOW_TEST_WORKFLOW_BUNDLE,
        tuning,
      });
      workers.push({ worker, stopped: runUntilShutdown(worker) });
    }
    const client = new Client({ connection: native });

    let eagerStarts = 0;
    let eagerAsked = 0;
    const storefront = { id: sys.merchant.storefrontId, merchantId: sys.merchant.merchantId };
    const oneOrder = async (sku: string, taskQueue: string, requestEagerStart: boolean) => {
      const { orderId } = await acceptOrder(
        sys.db,
        storefront,
        { externalRef: `eager-${crypto.randomBytes(6).toString('hex')}`, items: [{ sku, quantity: 1 }], buyer: {} },
        () => undefined,
      );
      const t0 = performance.now();
      const handle = await client.workflow.start('fulfilOrder', { workflowId: orderId, taskQueue, args: [{ orderId }], requestEagerStart });
      const result = (await handle.result()) as { status: string };
      if (result.status !== 'delivered') throw new Error(`order ${orderId} ended ${result.status}`);
      if (requestEagerStart) [eagerAsked, eagerStarts] = [eagerAsked + 1, eagerStarts + (handle.eagerlyStarted ? 1 : 0)];
      return performance.now() - t0;
    };

    // Warm up both workers and both paths, unmeasured.
    for (const [sku, queue] of [
      ['STOCK', queues.default],
      ['BOUGHT', queues.default],
      ['BOUGHT', queues.noEagerActivities],
    ]) {
      await oneOrder(sku, queue, false);
      await oneOrder(sku, queue, true);
    }

    const times: Record<string, number[]> = {
      'stock, plain start': [],
      'stock, eager start': [],
      'supplier, eager activities (SDK default)': [],
      'supplier, no eager activities': [],
    };
    for (let i = 0; i < n; i++) {
      times['stock, plain start'].push(await oneOrder('STOCK', queues.default, false));
      times['stock, eager start'].push(await oneOrder('STOCK', queues.default, true));
      times['supplier, eager activities (SDK default)'].push(await oneOrder('BOUGHT', queues.default, false));
      times['supplier, no eager activities'].push(await oneOrder('BOUGHT', queues.noEagerActivities, false));
    }
    console.log(`${n} orders per row, one at a time, alternating rows; start request → workflow result (delivered and settled)`);
    // Whether the server did hand the first workflow task back in the start's answer.
    console.log(`eager start granted: ${eagerStarts} of ${eagerAsked} requested\n`);
    console.log('| ms | p50 | p95 | max |\n| --- | --- | --- | --- |');
    for (const [name, xs] of Object.entries(times)) console.log(`| ${name} | ${pct(xs, 50).toFixed(1)} | ${pct(xs, 95).toFixed(1)} | ${Math.max(...xs).toFixed(1)} |`);
  } finally {
    for (const { worker, stopped } of workers) {
      worker.shutdown();
      await stopped;
    }
    await native.close();
    await sys.stop();
    await supplier.stop();
    await globalTeardown();
    await temporal.stop();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
