import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { embeddedDatabaseUrl, embeddedPostgresDir } from '../../db/embedded-postgres';

// What Postgres's busy backends wait for during a sale, sampled from pg_stat_activity: lock
// waits on the hot SKU row, WAL flushes at commit, or nothing (running, or waiting for CPU).
// Usage, beside a running bench: node --import tsx bench/flash-sale/pg-waits.ts <bench data dir> [seconds]

async function main() {
  const dataDir = process.argv[2];
  const seconds = Number(process.argv[3] ?? 60);
  const port = Number(fs.readFileSync(path.join(embeddedPostgresDir(dataDir), 'postmaster.pid'), 'utf8').split('\n')[3]);
  const client = new Client({ connectionString: embeddedDatabaseUrl(embeddedPostgresDir(dataDir), port, 'cardflow') });
  await client.connect();
  const tally = new Map<string, number>();
  let samples = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const { rows } = await client.query(
      `SELECT coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, '-') || ' ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 60) AS k
         FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
    );
    for (const r of rows) tally.set(r.k, (tally.get(r.k) ?? 0) + 1);
    samples++;
    await new Promise((r) => setTimeout(r, 20));
  }
  await client.end();
  console.log(`${samples} samples; active backends per sample, by wait and statement:`);
  for (const [k, n] of [...tally].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${(n / samples).toFixed(3).padStart(7)}  ${k}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
