import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDb, migrateToLatest } from '../db';
import { startEmbeddedPostgres } from '../db/embedded-postgres';
import { CodeVault } from '../lib/code-vault';
import { datasetDigest } from '../risk/eval/dataset-file';
import { generateDataset, type Dataset } from '../risk/eval/generate';
import { openEvaluationShop, playThroughApi } from '../risk/eval/through-api';
import { CardflowSystem } from '../bench/flash-sale/system';
import { vaultFor } from '../bench/flash-sale/shop';
import { ATTACKS, measure, type Metrics } from '../risk/eval/metrics';
import { replayDataset, type Judged } from '../risk/eval/replay';

// Precision and recall of the risk check on the synthetic data set: rules alone, rules plus
// the anomaly model, and a cold shop (no history: rules plus the model's priors). Runs the real
// check against a throwaway embedded Postgres (or the empty database --database-url names) and
// prints the tables docs/RISK.md shows.
//
//   npm run risk:eval -- [--seed 42] [--buyers 2000] [--history-days 28] [--evaluation-days 7]
//   npm run risk:eval -- --through-api [--concurrency 50] [...]
//     the evaluation days through the real storefront API of a fresh shop (the whole Cardflow
//     as the flash-sale bench starts it: api, worker, Postgres, Temporal), bursts at once

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '42' },
    buyers: { type: 'string', default: '2000' },
    'history-days': { type: 'string', default: '28' },
    'evaluation-days': { type: 'string', default: '7' },
    'database-url': { type: 'string' },
    'through-api': { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '50' },
  },
});

async function main() {
  const dataset = generateDataset({
    seed: Number(values.seed),
    buyers: Number(values.buyers),
    historyDays: Number(values['history-days']),
    evaluationDays: Number(values['evaluation-days']),
  });
  const judgedCount = dataset.orders.filter((o) => o.at >= dataset.evaluateFrom).length;
  console.error(`data set: seed ${dataset.seed}, ${dataset.orders.length} orders, ${judgedCount} judged from ${dataset.evaluateFrom}, sha256 ${datasetDigest(dataset)}`);
  if (values['through-api']) return throughApi(dataset, judgedCount);

  let stopPg: (() => Promise<void>) | undefined;
  let url = values['database-url'];
  if (!url) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cardflow-risk-eval-'));
    fs.chmodSync(dir, 0o755);
    const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: 20000 + crypto.randomInt(20000), database: 'risk_eval', persistent: false });
    stopPg = async () => {
      await pg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    };
    url = pg.url;
  }
  const db = createDb(url, 4);
  try {
    await migrateToLatest(db);
    const vault = new CodeVault({ encryptionKeys: [{ id: 'eval', key: crypto.randomBytes(32) }], fingerprintKey: crypto.randomBytes(32) });
    const started = Date.now();
    const results = await replayDataset(
      db,
      vault,
      dataset,
      [
        { name: 'rules alone', model: false },
        { name: 'rules + model', model: true },
        { name: 'cold shop: rules + priors', model: true, history: false },
      ],
      (day) => console.error(`judging ${day} ...`),
    );
    console.error(`replayed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    report(new Map([...results].map(([name, judged]) => [name, measure(judged)])), judgedCount);
    examples(results.get('rules + model')!);
  } finally {
    await db.destroy();
    await stopPg?.();
  }
}

async function throughApi(dataset: Dataset, judgedCount: number) {
  const concurrency = Number(values.concurrency);
  const system = await CardflowSystem.start({ env: { TEMPORAL_TASK_QUEUE: 'cardflow-orders' }, log: (line) => console.error(`[system] ${line}`) });
  try {
    const shop = await openEvaluationShop(system.db, vaultFor(system.env), dataset);
    const started = Date.now();
    const judged = await playThroughApi(system.db, system.apiUrl, shop, dataset, { concurrency, onHour: (hour, n) => console.error(`sending ${hour}h: ${n} orders ...`) });
    console.error(`played in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    report(new Map([[`through the API, cold shop, concurrency ${concurrency}`, measure(judged)]]), judgedCount);
    examples(judged);
  } finally {
    await system.stop();
  }
}

function examples(judged: Judged[]) {
  console.log('\nExample reasons:\n');
  for (const label of [...ATTACKS, 'normal'] as const) {
    const e = judged.find((j) => j.label === label && j.decision !== 'allow');
    if (e) console.log(`- ${label} (${e.decision}, score ${e.score}): ${e.reasons.join('; ')}`);
  }
}

function report(metrics: Map<string, Metrics>, judged: number) {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const names = [...metrics.keys()];
  const m = [...metrics.values()];
  console.log(
    `Judged orders: ${judged} (fraud: ${m[0].perAttack ? Object.values(m[0].perAttack).reduce((s, a) => s + a.orders, 0) : 0}). Positive = held for review or rejected.\n`,
  );
  console.log(`| | ${names.join(' | ')} |`);
  console.log(`| --- |${names.map(() => ' --- |').join('')}`);
  console.log(`| precision | ${m.map((x) => `${pct(x.precision)} (${x.truePositives}/${x.truePositives + x.falsePositives})`).join(' | ')} |`);
  console.log(`| recall | ${m.map((x) => `${pct(x.recall)} (${x.truePositives}/${Object.values(x.perAttack).reduce((s, a) => s + a.orders, 0)})`).join(' | ')} |`);
  for (const attack of ATTACKS) {
    console.log(
      `| recall: ${attack.replace('_', ' ')} | ${m.map((x) => `${pct(x.perAttack[attack].recall)} (${x.perAttack[attack].flagged}/${x.perAttack[attack].orders})`).join(' | ')} |`,
    );
  }
  console.log(`| normal orders held | ${m.map((x) => `${pct(x.normal.held / x.normal.orders)} (${x.normal.held}/${x.normal.orders})`).join(' | ')} |`);
  console.log(`| normal orders rejected | ${m.map((x) => `${pct(x.normal.rejected / x.normal.orders)} (${x.normal.rejected}/${x.normal.orders})`).join(' | ')} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
