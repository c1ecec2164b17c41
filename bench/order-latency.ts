import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

// One order at a time against a running Cardflow (`npm start`): how long the API takes to
// accept, and how long from acceptance to delivery (the order's own createdAt → deliveredAt,
// stamped by Postgres, so polling does not blur it). It imports the stock it needs first.
//
//   npm run bench:latency -- [--orders 50] [--sku GAME-100] [--api http://localhost:3000]

const { values } = parseArgs({
  options: { orders: { type: 'string', default: '50' }, sku: { type: 'string', default: 'GAME-100' }, api: { type: 'string' } },
});
const api = values.api ?? `http://localhost:${process.env.PORT ?? 3000}`;
const credentials = JSON.parse(fs.readFileSync(path.join(process.env.CARDFLOW_DATA_DIR ?? '.data', 'demo-credentials.json'), 'utf8'));
const key = process.env.CARDFLOW_API_KEY ?? credentials.apiKey;
const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

async function main() {
  const n = Number(values.orders);
  const accept: number[] = [];
  const toDelivered: number[] = [];
  const run = Date.now().toString(36);
  // Stock for this run first, so the bench never measures sold-out answers.
  const codes = Array.from({ length: n }, (_, i) => `BENCH-${run}-${i}----${1000 + i}`).join('\n');
  const stocked = await fetch(`${api}/admin/skus/${values.sku}/codes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${process.env.CARDFLOW_ADMIN_TOKEN ?? credentials.adminToken}`, 'content-type': 'text/plain' },
    body: codes,
  });
  if (stocked.status !== 201) throw new Error(`stock import: HTTP ${stocked.status} ${await stocked.text()}`);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(`${api}/v1/orders`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ externalRef: `bench-${run}-${i}`, items: [{ sku: values.sku, quantity: 1 }] }),
    });
    accept.push(performance.now() - t0);
    const placed = (await res.json()) as { id: string; error?: unknown };
    if (res.status !== 202) throw new Error(`order ${i}: HTTP ${res.status} ${JSON.stringify(placed.error)}`);
    for (;;) {
      const order = (await (await fetch(`${api}/v1/orders/${placed.id}`, { headers })).json()) as { status: string; reason: string | null; deliveredAt: string; createdAt: string };
      if (order.status === 'delivered') {
        toDelivered.push(Date.parse(order.deliveredAt) - Date.parse(order.createdAt));
        break;
      }
      if (order.status !== 'accepted' && order.status !== 'processing') throw new Error(`order ${i} ended ${order.status}: ${order.reason}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  const row = (name: string, xs: number[]) => `| ${name} | ${pct(xs, 50).toFixed(1)} | ${pct(xs, 95).toFixed(1)} | ${Math.max(...xs).toFixed(1)} |`;
  console.log(`${n} orders, one at a time, SKU ${values.sku}, ${api}\n`);
  console.log('| ms | p50 | p95 | max |\n| --- | --- | --- | --- |');
  console.log(row('API accept (POST /v1/orders)', accept));
  console.log(row('accepted → delivered', toDelivered));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
