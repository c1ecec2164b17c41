import { createDb, migrateToLatest } from '../db';
import { loadConfig } from '../lib/config';

// One-shot: brings the database schema up to date, then exits. Deployments run it before
// the api and worker (which never migrate themselves); `npm start` migrates on its own.
async function main() {
  const config = loadConfig(process.env, 'tool');
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set: it names the database to migrate');
  const db = createDb(config.DATABASE_URL, 1);
  try {
    const applied = await migrateToLatest(db);
    console.log(applied.length ? `[cardflow] applied migrations: ${applied.join(', ')}` : '[cardflow] database schema is up to date');
  } finally {
    await db.destroy();
  }
}

// A refused connection to a host with several addresses is an AggregateError with no message.
const describe = (err: unknown): string => (err instanceof AggregateError && !err.message ? err.errors.map(describe).join('; ') : err instanceof Error ? err.message : String(err));

main().catch((err) => {
  console.error(`[cardflow] migration failed: ${describe(err)}`);
  process.exit(1);
});
