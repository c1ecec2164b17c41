import crypto from 'node:crypto';
import type { Dataset } from './generate';

// One JSON line per order (the header line holds the rest), and its SHA-256, so a rerun can
// show it judged exactly the data set docs/RISK.md reports on.
export function datasetLines(dataset: Dataset): string {
  const { orders, ...header } = dataset;
  return [JSON.stringify(header), ...orders.map((o) => JSON.stringify(o))].join('\n') + '\n';
}

export const datasetDigest = (dataset: Dataset) => crypto.createHash('sha256').update(datasetLines(dataset)).digest('hex');
