import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { generateDataset } from '../risk/eval/generate';
import { datasetDigest, datasetLines } from '../risk/eval/dataset-file';

// Writes the labelled synthetic order stream as JSON lines (first line: seed, period, SKUs).
//   npm run risk:dataset -- --out risk-dataset.jsonl [--seed 42] [--buyers 2000] [--history-days 28] [--evaluation-days 7]
const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    seed: { type: 'string', default: '42' },
    buyers: { type: 'string', default: '2000' },
    'history-days': { type: 'string', default: '28' },
    'evaluation-days': { type: 'string', default: '7' },
  },
});
const dataset = generateDataset({
  seed: Number(values.seed),
  buyers: Number(values.buyers),
  historyDays: Number(values['history-days']),
  evaluationDays: Number(values['evaluation-days']),
});
const counts: Record<string, number> = {};
for (const o of dataset.orders) counts[o.label] = (counts[o.label] ?? 0) + 1;
if (values.out) fs.writeFileSync(values.out, datasetLines(dataset));
console.log(JSON.stringify({ orders: dataset.orders.length, byLabel: counts, sha256: datasetDigest(dataset), written: values.out ?? null }, null, 2));
