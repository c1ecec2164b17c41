import crypto from 'node:crypto';
import knex, { Knex } from 'knex';
import pg from 'pg';
import { lowerPriority } from '../lib/process';
import * as initialSchema from './migrations/001_initial_schema';
import * as supplierNetwork from './migrations/002_supplier_network';
import * as riskControl from './migrations/003_risk_control';
import * as consoleSchema from './migrations/004_console';
import * as orderLifecycle from './migrations/005_order_lifecycle';
import * as needsAttention from './migrations/006_needs_attention';
import * as outboundGuard from './migrations/007_outbound_guard';
import * as consoleSecurity from './migrations/008_console_security';
import * as codeFingerprints from './migrations/009_code_fingerprints';
import * as velocityAtAcceptance from './migrations/010_velocity_at_acceptance';
import * as idempotencyKeys from './migrations/012_idempotency_keys';
import * as webhookOutbox from './migrations/014_webhook_outbox';
import * as ledger from './migrations/019_ledger';
import * as supplierTerms from './migrations/020_supplier_terms';
import * as orderSearch from './migrations/016_order_search';
import * as consoleScale from './migrations/018_console_scale';
import * as outOfStockAlert from './migrations/017_out_of_stock_alert';
import * as acceptanceHotPath from './migrations/015_acceptance_hot_path';
import * as dujiaoNextInterop from './migrations/021_dujiao_next_interop';
import * as notifications from './migrations/023_notifications';
import * as bundlesAndCustomAmounts from './migrations/029_bundles_and_custom_amounts';
import * as reconciliation from './migrations/026_reconciliation';
import * as reports from './migrations/027_reports';
import * as buyerDelivery from './migrations/031_buyer_delivery';
import * as giftStartsAndRefetchedParts from './migrations/035_gift_starts_and_refetched_parts';
import * as rollupSlots from './migrations/037_rollup_slots';
import * as notificationErrorCodes from './migrations/036_notification_error_codes';
import * as storefrontPrepaidBalance from './migrations/028_storefront_prepaid_balance';
import * as connectionFailures from './migrations/033_connection_failures';
import * as bulkOrders from './migrations/032_bulk_orders';
import * as codedOldReasons from './migrations/038_coded_old_reasons';
import * as codedVoidReasons from './migrations/039_coded_void_reasons';

export type Db = Knex;

// pg hands int8 back as strings. Counts and money here are far below 2^53, so take them as
// numbers, and refuse loudly rather than round if one ever is not.
pg.types.setTypeParser(pg.types.builtins.INT8, (text: string) => {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${text} exceeds the safe integer range`);
  return n;
});

export function createDb(connectionString: string, poolMax = 10, opts: { part?: string; backendNice?: number } = {}): Db {
  const backendNice = opts.backendNice && onThisMachine(connectionString) ? opts.backendNice : 0;
  return knex({
    client: 'pg',
    // pg_stat_activity tells the api's connections from the worker's.
    connection: { connectionString, application_name: opts.part ? `cardflow-${opts.part}` : 'cardflow' },
    pool: {
      min: 0,
      max: poolMax,
      ...(backendNice > 0 && {
        afterCreate: (conn: pg.Client, done: (err: Error | null, conn: pg.Client) => void) => {
          conn.query('SELECT pg_backend_pid() AS pid').then(
            ({ rows }) => {
              lowerPriority(rows[0].pid, backendNice);
              done(null, conn);
            },
            (err: Error) => done(err, conn),
          );
        },
      }),
    },
  });
}

/**
 * Whether the database server runs here, so a backend's pid is a process of this machine. Only
 * then may a connection's server process be reniced; a pid from another host would name some
 * unrelated local process.
 */
function onThisMachine(connectionString: string): boolean {
  const host = new URL(connectionString).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host === '';
}

/**
 * Names a statement so that each connection plans it once (a prepared statement) instead of at
 * every run. For the hot path's large statements: the accepting statement took as long to plan
 * as to run (1.6-2.2 ms each, EXPLAIN's summary), CPU spent on every checkout of a flash sale.
 * The name is the text's digest, so each variant of a statement has its own; a list goes in as
 * one array binding (`= ANY(?)`), not a placeholder per item, or every length would be another
 * prepared statement on every connection. (A pooler between
 * Cardflow and Postgres must keep prepared statements per server connection, as PgBouncer does
 * from 1.21 with max_prepared_statements.)
 */
export function plannedOnce<Q extends Knex.Raw>(query: Q): Q {
  const { sql } = query.toSQL();
  let name = statementNames.get(sql);
  if (!name) {
    // A prepared statement's result may not change shape: one that reads `*` fails on every
    // connection ("cached plan must not change result type") once a migration adds a column
    // while the process runs. Checked once per text, not per run.
    if (/(SELECT|RETURNING|,)\s*(\w+\.)?\*\s*(,|FROM\b|$)/i.test(sql)) throw new Error('a statement planned once must name its columns, not *');
    statementNames.set(sql, (name = `cf_${crypto.createHash('sha256').update(sql).digest('hex').slice(0, 24)}`));
  }
  return query.options({ name });
}
const statementNames = new Map<string, string>();

/**
 * Runs a step's statements on one pooled connection, each still its own transaction: under load
 * a step of several statements would otherwise queue for the pool again before each one. `pin`
 * puts a query on that connection.
 */
export async function onOneConnection<T>(db: Db, work: (pin: <Q extends Knex.ChainableInterface>(query: Q) => Q) => Promise<T>): Promise<T> {
  const connection = await db.client.acquireConnection();
  try {
    return await work((query) => query.connection(connection));
  } finally {
    await db.client.releaseConnection(connection);
  }
}

// Migrations are listed in code rather than found on disk, so the same list works under tsx,
// under jest and from compiled JavaScript.
const migrations: Record<string, Knex.Migration> = {
  '001_initial_schema': initialSchema,
  '002_supplier_network': supplierNetwork,
  '003_risk_control': riskControl,
  '004_console': consoleSchema,
  '005_order_lifecycle': orderLifecycle,
  '006_needs_attention': needsAttention,
  '007_outbound_guard': outboundGuard,
  '008_console_security': consoleSecurity,
  '009_code_fingerprints': codeFingerprints,
  '010_velocity_at_acceptance': velocityAtAcceptance,
  '012_idempotency_keys': idempotencyKeys,
  '014_webhook_outbox': webhookOutbox,
  '019_ledger': ledger,
  '020_supplier_terms': supplierTerms,
  '016_order_search': orderSearch,
  '018_console_scale': consoleScale,
  '017_out_of_stock_alert': outOfStockAlert,
  '015_acceptance_hot_path': acceptanceHotPath,
  '021_dujiao_next_interop': dujiaoNextInterop,
  '023_notifications': notifications,
  '029_bundles_and_custom_amounts': bundlesAndCustomAmounts,
  '026_reconciliation': reconciliation,
  '027_reports': reports,
  '031_buyer_delivery': buyerDelivery,
  '028_storefront_prepaid_balance': storefrontPrepaidBalance,
  '032_bulk_orders': bulkOrders,
  '033_connection_failures': connectionFailures,
  '035_gift_starts_and_refetched_parts': giftStartsAndRefetchedParts,
  '036_notification_error_codes': notificationErrorCodes,
  '037_rollup_slots': rollupSlots,
  '038_coded_old_reasons': codedOldReasons,
  '039_coded_void_reasons': codedVoidReasons,
};

const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name],
};

export async function migrateToLatest(db: Db): Promise<string[]> {
  const [, applied] = await db.migrate.latest({ migrationSource });
  return applied as string[];
}
