import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { launchChromium } from '../test/browser';

// The console's first load, as a new support agent's browser sees it: a signed-in session with an
// empty cache opens the order list, on an unthrottled line, on 4G and on fast 3G (Chromium's own
// throttling, CDP Network.emulateNetworkConditions). Prints the bytes that crossed the wire and the
// time until the order list shows an order (a row link one can click). With --identity it asks
// for uncompressed files too (Accept-Encoding: identity), which is what the console sent before
// it was compressed. Runs against a running Cardflow (`npm start`) and its demo merchant.
//
//   npm run bench:console -- [--runs 3] [--identity] [--api http://localhost:3000]

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, identity: { type: 'boolean', default: false }, api: { type: 'string' } } });
const api = values.api ?? `http://localhost:${process.env.PORT ?? 3000}`;
const credentials = JSON.parse(fs.readFileSync(path.join(process.env.CARDFLOW_DATA_DIR ?? '.data', 'demo-credentials.json'), 'utf8'));

// WebPageTest's 4G and Chrome DevTools' "Fast 3G" (latency is the round trip Chromium adds).
const PROFILES = [
  { name: 'unthrottled', latency: 0, downloadThroughput: -1, uploadThroughput: -1 },
  { name: '4G (9 Mbps, 170 ms)', latency: 170, downloadThroughput: (9_000_000 / 8) | 0, uploadThroughput: (9_000_000 / 8) | 0 },
  { name: 'fast 3G (1.44 Mbps, 562 ms)', latency: 562.5, downloadThroughput: (1_474_560 / 8) | 0, uploadThroughput: (675_000 / 8) | 0 },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function ensureOrders() {
  // An order list to wait for: a few delivered orders of the demo's stock product.
  const listed = await fetch(`${api}/admin/orders?range=[0,0]`, { headers: { authorization: `Bearer ${credentials.adminToken}` } });
  if (listed.ok && ((await listed.json()) as unknown[]).length > 0) return;
  const run = Date.now().toString(36);
  const stocked = await fetch(`${api}/admin/skus/GAME-100/codes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${credentials.adminToken}`, 'content-type': 'text/plain' },
    body: Array.from({ length: 3 }, (_, i) => `FIRSTLOAD-${run}-${i}----${1000 + i}`).join('\n'),
  });
  if (stocked.status !== 201) throw new Error(`stock import: HTTP ${stocked.status} ${await stocked.text()}`);
  for (let i = 0; i < 3; i++) {
    const placed = await fetch(`${api}/v1/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${credentials.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ externalRef: `first-load-${run}-${i}`, items: [{ sku: 'GAME-100', quantity: 1 }] }),
    });
    if (placed.status !== 202 && placed.status !== 201) throw new Error(`order: HTTP ${placed.status} ${await placed.text()}`);
  }
}

async function main() {
  await ensureOrders();
  const browser = await launchChromium();
  try {
    // Sign in once; every measured load reuses the session cookie with an empty cache.
    const signIn = await browser.newContext({ locale: 'en-US' });
    const page = await signIn.newPage();
    await page.goto(`${api}/console/`);
    await page.getByLabel('Email').fill(credentials.console.email);
    await page.getByLabel('Password').fill(credentials.console.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('dashboard').waitFor();
    const state = await signIn.storageState();
    await signIn.close();

    const encodings = values.identity ? ['compressed', 'identity'] : ['compressed'];
    console.log(`Console first load: ${api}/console/#/orders, cold cache, median of ${values.runs} runs`);
    console.log('| encoding | network | bytes over the wire | requests | to a usable order list |');
    console.log('|---|---|---:|---:|---:|');
    for (const encoding of encodings) {
      for (const profile of PROFILES) {
        const times: number[] = [];
        const bytes: number[] = [];
        const requests: number[] = [];
        for (let run = 0; run < Number(values.runs); run++) {
          const context = await browser.newContext({ locale: 'en-US', storageState: state, viewport: { width: 1440, height: 900 } });
          const tab = await context.newPage();
          const cdp = await context.newCDPSession(tab);
          await cdp.send('Network.enable');
          await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
          if (encoding === 'identity') await cdp.send('Network.setExtraHTTPHeaders', { headers: { 'Accept-Encoding': 'identity' } });
          await cdp.send('Network.emulateNetworkConditions', { offline: false, ...profile });
          let wire = 0;
          let count = 0;
          cdp.on('Network.loadingFinished', (e: { encodedDataLength: number }) => {
            wire += e.encodedDataLength;
            count++;
          });
          const t0 = Date.now();
          await tab.goto(`${api}/console/#/orders`);
          await tab.getByTestId('order-row-link').first().waitFor({ timeout: 120_000 });
          times.push(Date.now() - t0);
          bytes.push(wire);
          requests.push(count);
          await context.close();
        }
        const kb = Math.round(median(bytes) / 1024);
        console.log(`| ${encoding} | ${profile.name} | ${kb.toLocaleString('en-US')} KB | ${median(requests)} | ${(median(times) / 1000).toFixed(2)} s |`);
      }
    }
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
