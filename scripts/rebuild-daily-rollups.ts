import { createDb } from '../db';
import { embeddedDatabaseUrl, embeddedPostgresDir } from '../db/embedded-postgres';
import { loadConfig } from '../lib/config';
import { rebuildDailyRollups } from '../orders/daily-rollup';

// `npm run rollups:rebuild`: counts the dashboard's daily rollups again from the orders, after a
// merchant's time zone (merchants.time_zone) changed or a restore lost them. Safe while Cardflow
// runs, but changes to orders (acceptance too) wait until it is done: run it at a quiet hour.
async function main() {
  const config = loadConfig(process.env, 'tool');
  const db = createDb(config.DATABASE_URL ?? embeddedDatabaseUrl(embeddedPostgresDir(config.CARDFLOW_DATA_DIR), config.EMBEDDED_PG_PORT), 2);
  try {
    await rebuildDailyRollups(db);
    console.log('[cardflow] daily rollups rebuilt from the orders');
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(`[cardflow] rebuilding the daily rollups failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
