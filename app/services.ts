import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { createDb, type Db } from '../db';
import { SupplierRegistry } from '../suppliers/registry';
import { CodeVault, loadVaultKeys } from '../lib/code-vault';
import { outboundPolicy, type Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { OutboundHttp } from '../lib/outbound-http';
import { connectTemporal, temporalConnectionOptions } from '../lib/temporal-connection';

// What the api and the worker both need: the database, the code vault, Temporal and the
// supplier adapters.
export interface Services {
  db: Db;
  vault: CodeVault;
  connection: Connection;
  client: Client;
  suppliers: SupplierRegistry;
  /** The guarded client for every call to a merchant-set address. */
  outbound: OutboundHttp;
  close(): Promise<void>;
}

export async function connectServices(config: Config, log: Logger, part: 'api' | 'worker'): Promise<Services> {
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set (npm start sets it for the embedded database)');
  const temporal = temporalConnectionOptions(config);
  const vault = new CodeVault(
    loadVaultKeys(config, (file) => log.warn({ file }, 'generated encryption keys beside the data; set CARDFLOW_ENCRYPTION_KEYS and CARDFLOW_FINGERPRINT_KEY in production')),
  );
  // The worker's queries are fulfilment too: where Postgres runs here, its backends yield to the api's.
  const db = createDb(config.DATABASE_URL, config.DATABASE_POOL_MAX, { part, backendNice: part === 'worker' ? config.FULFILMENT_NICE : 0 });
  const connection = await connectTemporal(temporal, (options) => Connection.connect(options));
  // Workflow starts carry the caller's trace into the workflow (a no-op while tracing is off).
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } });
  const outbound = new OutboundHttp(outboundPolicy(config));
  return {
    db,
    vault,
    connection,
    client,
    suppliers: new SupplierRegistry(db, vault, outbound),
    outbound,
    async close() {
      await connection.close();
      await db.destroy();
    },
  };
}
