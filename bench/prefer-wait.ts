import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import { CardflowSystem } from './flash-sale/system';
import { openShop, vaultFor } from './flash-sale/shop';
import { percentile } from './flash-sale/load';
import { WebhookReceiver } from './flash-sale/webhook-receiver';

// Codes in the checkout's own answer (`Prefer: wait`, api/storefront/wait-for-delivery.ts): at a
// steady rate, how long from the request to an answer that holds the code. Open loop: request i
// is due at start + i / rate and is timed from then, so a slow answer cannot delay the next
// request and hide itself. Real api and worker processes, Postgres and Temporal, as `npm start`.
//
//   node --import tsx bench/prefer-wait.ts [--rate 5] [--orders 300] [--wait 10]

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '5' },
    orders: { type: 'string', default: '300' },
    wait: { type: 'string', default: '10' },
    'warm-up': { type: 'string', default: '30' },
  },
});
const rate = Number(values.rate);
const orders = Number(values.orders);
const warmUp = Number(values['warm-up']);

interface Answer {
  ms: number;
  status: number;
  hasCode: boolean;
}

async function checkout(apiUrl: string, apiKey: string, sku: string, ref: string): Promise<Omit<Answer, 'ms'>> {
  const res = await fetch(`${apiUrl}/v1/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', prefer: `wait=${values.wait}` },
    body: JSON.stringify({ externalRef: ref, items: [{ sku, quantity: 1 }] }),
  });
  const body = (await res.json()) as { items?: { units: { code: { number?: string } | null }[] }[] };
  const hasCode = Boolean(body.items?.every((i) => i.units.every((u) => u.code?.number)));
  return { status: res.status, hasCode };
}

async function main() {
  const receiver = await new WebhookReceiver().start();
  console.error('starting Postgres, Temporal, a worker and an api ...');
  const system = await CardflowSystem.start({ log: (l) => console.error(l) });
  try {
    const shop = await openShop(system.db, vaultFor(system.env), { webhookUrl: receiver.url, codes: orders + warmUp });
    const run = crypto.randomBytes(4).toString('hex');
    console.error(`warming up with ${warmUp} orders, one at a time ...`);
    for (let i = 0; i < warmUp; i++) await checkout(system.apiUrl, shop.merchant.apiKey, shop.sku, `warm-${run}-${i}`);

    console.error(`${orders} checkouts at ${rate}/s with Prefer: wait=${values.wait} ...`);
    const start = performance.now();
    const answers = await Promise.all(
      Array.from({ length: orders }, async (_, i): Promise<Answer> => {
        const due = start + (i * 1000) / rate;
        await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
        const answer = await checkout(system.apiUrl, shop.merchant.apiKey, shop.sku, `wait-${run}-${i}`);
        return { ...answer, ms: performance.now() - due };
      }),
    );
    const withCode = answers.filter((a) => a.status === 200 && a.hasCode);
    const ms = withCode.map((a) => a.ms);
    const f = (x: number) => x.toFixed(1);
    console.log(`| Prefer: wait=${values.wait}, ${orders} checkouts at ${rate}/s | |`);
    console.log('| --- | --- |');
    console.log(`| answered 200 with the code | ${withCode.length} of ${orders} |`);
    console.log(
      `| other answers | ${
        answers
          .filter((a) => !(a.status === 200 && a.hasCode))
          .map((a) => a.status)
          .join(', ') || 'none'
      } |`,
    );
    if (ms.length > 0)
      console.log(
        `| request → answer with the code, ms p50 / p95 / p99 / max | ${f(percentile(ms, 50))} / ${f(percentile(ms, 95))} / ${f(percentile(ms, 99))} / ${f(Math.max(...ms))} |`,
      );
    console.log(
      `| load average at the end | ${(await import('node:os'))
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} |`,
    );
  } finally {
    await system.stop();
    await receiver.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
