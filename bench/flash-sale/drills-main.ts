import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { DRILLS, DRILL_NAMES, webhookDown, type DrillName } from './drills';
import { formatReport } from './report';
import { runFlashSale, type FlashSaleReport } from './run';

// npm run bench:drills -- [--only worker-kill,postgres-restart] [--orders 2000] [--codes 1000]
//   [--concurrency 20] [--webhook-down-seconds 180] [--json drills.json]
// Each drill is a fresh Cardflow and a flash sale with one fault struck 30% of the way in;
// each ends with the invariant check. Exit code 1 if any invariant failed in any drill.

Runtime.install({ logger: new DefaultLogger('ERROR') });

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    orders: { type: 'string', default: '2000' },
    codes: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '20' },
    'webhook-down-seconds': { type: 'string', default: '180' },
    json: { type: 'string' },
  },
});

async function main() {
  const names = (values.only ? values.only.split(',') : DRILL_NAMES) as DrillName[];
  const unknown = names.filter((n) => !DRILL_NAMES.includes(n));
  if (unknown.length) throw new Error(`unknown drill ${unknown.join(', ')}; drills: ${DRILL_NAMES.join(', ')}`);
  webhookDown.seconds = Number(values['webhook-down-seconds']);
  const reports: FlashSaleReport[] = [];
  for (const name of names) {
    console.error(`[drill] ${name}: ${DRILLS[name].describe}`);
    const report = await runFlashSale({
      orders: Number(values.orders),
      codes: Number(values.codes),
      concurrency: Number(values.concurrency),
      drill: name,
      ceilings: false,
      log: (line) => console.error(`[drill] ${line}`),
    });
    console.log(`\n## ${name}\n`);
    console.log(formatReport(report));
    reports.push(report);
  }
  console.log('\n| drill | accepted | delivered | failed | resubmitted | last order done after recovery | invariants |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of reports) {
    const ok = r.invariants.every((i) => i.ok);
    console.log(
      `| ${r.drill!.name} | ${r.checkouts.accepted} | ${r.deliveredOrders} | ${r.failedOrders} | ${r.checkouts.retried} | ${r.drill!.recoveredSeconds === null ? '—' : `${r.drill!.recoveredSeconds.toFixed(1)} s`} | ${
        ok
          ? 'all hold'
          : `FAILED: ${r.invariants
              .filter((i) => !i.ok)
              .map((i) => i.name)
              .join(', ')}`
      } |`,
    );
  }
  if (values.json) fs.writeFileSync(values.json, JSON.stringify(reports, null, 2) + '\n');
  process.exit(reports.every((r) => r.invariants.every((i) => i.ok)) ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
