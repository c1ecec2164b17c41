import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { DRILL_NAMES, type DrillName } from './drills';
import { formatReport } from './report';
import { runFlashSale } from './run';

// npm run bench:flash-sale -- [--orders 10000] [--codes 2000] [--rate 100 | --concurrency 50]
//   [--supplier] [--latency 50-200] [--pool 10] [--no-ceilings] [--drill worker-kill] [--json out.json]
//   [--pg-statements]: also where Postgres's time went, by statement (pg_stat_statements)
//   [--apis 2 --workers 2]: several api and worker processes on one Postgres and one Temporal
//   [--soak-minutes 30 --rate 20]: a steady stream with a code for every order, to see memory stay flat
// Everything it needs it starts itself (embedded Postgres, Temporal dev server, api, worker),
// in a temporary directory it removes afterwards. Exit code 1 if an invariant failed.

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '10000' },
    codes: { type: 'string', default: '2000' },
    concurrency: { type: 'string' },
    rate: { type: 'string' },
    supplier: { type: 'boolean', default: false },
    latency: { type: 'string', default: '50-200' },
    pool: { type: 'string', default: '10' },
    apis: { type: 'string', default: '1' },
    workers: { type: 'string', default: '1' },
    'no-ceilings': { type: 'boolean', default: false },
    'pg-statements': { type: 'boolean', default: false },
    drill: { type: 'string' },
    json: { type: 'string' },
    'soak-minutes': { type: 'string' },
  },
});

Runtime.install({ logger: new DefaultLogger('WARN') });

async function main() {
  const drill = values.drill as DrillName | undefined;
  if (drill && !DRILL_NAMES.includes(drill)) throw new Error(`--drill must be one of ${DRILL_NAMES.join(', ')}`);
  const [min, max] = values.latency.split('-').map(Number);
  const soak = values['soak-minutes'] ? Number(values['soak-minutes']) : undefined;
  const rate = values.rate ? Number(values.rate) : values.concurrency ? undefined : soak ? 20 : 100;
  const orders = soak ? Math.round(soak * 60 * rate!) : Number(values.orders);
  const report = await runFlashSale({
    orders,
    codes: soak ? orders : Number(values.codes),
    concurrency: values.concurrency ? Number(values.concurrency) : undefined,
    ratePerSecond: rate,
    supplier: values.supplier,
    supplierLatencyMs: [min, max ?? min],
    poolMax: Number(values.pool),
    apis: Number(values.apis),
    workers: Number(values.workers),
    ceilings: !values['no-ceilings'] && !soak,
    pgStatements: values['pg-statements'],
    drill,
    log: (line) => console.error(`[bench] ${line}`),
  });
  console.log(formatReport(report));
  if (values.json) fs.writeFileSync(values.json, JSON.stringify(report, null, 2) + '\n');
  process.exit(report.invariants.every((i) => i.ok) ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
