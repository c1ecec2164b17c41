import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type LogEntry, type Worker } from '@temporalio/worker';
import { createActivities, type Activities } from '../activities';
import { createApp } from '../api/app';
import { listenForRequests, stopListening } from '../api/listen';
import type { SignInLimits } from '../api/admin/session';
import { findConsoleDir } from '../api/console-static';
import { createDb, migrateToLatest, type Db } from '../db';
import { createMerchant, createSku, type NewMerchant } from '../db/seed';
import { CodeVault } from '../lib/code-vault';
import { loadConfig, securitySettings, type SecuritySettings } from '../lib/config';
import { hashPassword } from '../lib/passwords';
import type { Role } from '../lib/permissions';
import { createLogger } from '../lib/logger';
import { apiMetrics } from '../lib/metrics';
import type { WorkflowSpans } from '../lib/tracing';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { OutboundHttp, type OutboundPolicy } from '../lib/outbound-http';
import { FulfilmentClient } from '../orders/fulfilment-client';
import { importCodes } from '../stock/import-codes';
import { createOrderWorker, runUntilShutdown } from '../worker/create-worker';
import { startWebhookNotifier, type NotifierOptions } from '../worker/webhook-notifier';
import { PgNotifications } from '../lib/pg-notifications';
import { ensureOrderSearchAttributes } from '../worker/search-attributes';
import { SupplierRateLimits } from '../suppliers/rate-limit';
import { SupplierRegistry } from '../suppliers/registry';
import { ReconciliationRuns } from '../reconciliation/client';
import { createMailer } from '../mail/mailer';
import type { SmsSender } from '../mail/sms';
import type { DeliveryLimits } from '../api/delivery/routes';

// A whole Cardflow per test file, from real parts: its own database on the test Postgres, its
// own task queue on the test Temporal server, a worker and the API on an ephemeral port.

/** Every line the SDK logs in this test file (activity and workflow lines, all levels): tests may listen. */
export const sdkLog = new Set<(entry: LogEntry) => void>();
const printed = new DefaultLogger('ERROR');
try {
  Runtime.install({
    logger: new DefaultLogger('TRACE', (entry) => {
      for (const listen of sdkLog) listen(entry);
      if (entry.level === 'ERROR') printed.log(entry.level, entry.message, entry.meta);
    }),
  });
} catch {
  // already installed in this process
}

export const log = createLogger((process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent', 'test');

export function newVault(): CodeVault {
  return new CodeVault({
    encryptionKeys: [{ id: 'test1', key: crypto.randomBytes(32) }],
    fingerprintKey: crypto.randomBytes(32),
  });
}

export async function createTestDatabase(): Promise<Db> {
  const serverUrl = process.env.DATABASE_URL!;
  const name = `cardflow_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = createDb(serverUrl, 1);
  await admin.raw(`CREATE DATABASE ${name}`);
  await admin.destroy();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = createDb(url.toString(), 20);
  await migrateToLatest(db);
  return db;
}

export interface TestSystem {
  db: Db;
  vault: CodeVault;
  client: Client;
  taskQueue: string;
  baseUrl: string;
  merchant: NewMerchant;
  fulfilment: FulfilmentClient;
  suppliers: SupplierRegistry;
  /** The guarded client for webhooks and suppliers, with this system's policy. */
  outbound: OutboundHttp;
  activities: Activities;
  /** Starts a worker on this system's task queue; the default one is started for you. */
  startWorker(activities?: Activities): Promise<{ worker: Worker; stopped: Promise<void> }>;
  stopWorker(): Promise<void>;
  /** Postgres notifications of this system's database (delivery, queued webhooks). */
  notifications: PgNotifications;
  /** Starts the webhook notifier (the worker process runs one); the default one is started for you. */
  startNotifier(opts?: Partial<NotifierOptions>): ReturnType<typeof startWebhookNotifier>;
  stopNotifier(): Promise<void>;
  api(
    method: string,
    path: string,
    opts?: { body?: unknown; key?: string | null; raw?: string; headers?: Record<string, string>; cookie?: string },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  /** A console user of this system's merchant (or another's), with a password to sign in with. */
  addUser(role: Role, opts?: { merchantId?: string }): Promise<{ id: string; email: string; password: string }>;
  /** Signs in through the API; the session cookie to send back. */
  signIn(email: string, password: string): Promise<string>;
  addSku(
    code: string,
    opts?: {
      codes?: number;
      price?: number;
      cost?: number;
      maxPerOrder?: number;
      currency?: string;
      mode?: 'stock' | 'supplier' | 'topup' | 'link' | 'manual';
      supplierFallback?: boolean;
      manualEscalateAfterSeconds?: number;
      manualCancelAfterSeconds?: number;
    },
  ): Promise<string[]>;
  waitForOrder(orderId: string, statuses: string[], timeoutMs?: number): Promise<any>;
  /** Waits until the outbox has sent the order's webhook of this event, or given up; answers its outbox row. */
  webhookFinished(orderId: string, eventType?: 'order.delivered' | 'order.refunded', timeoutMs?: number): Promise<any>;
  /** Waits for the order's workflow to finish: after delivery it still settles. Its webhook is the notifier's: webhookFinished. */
  finished(orderId: string): Promise<unknown>;
  /** Closes the API's idle keep-alive sockets, as its keep-alive timeout (HTTP_KEEP_ALIVE_SECONDS) does. */
  closeIdleConnections(): void;
  /** Closes the API's server (open connections too), as if it went down; startApi() listens again on the same port. */
  stopApi(): Promise<void>;
  startApi(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestSystem(
  opts: {
    vault?: CodeVault;
    worker?: boolean;
    webhookUrl?: string;
    ratePerMinute?: number;
    supplierCallbacksPerMinute?: number;
    /** Default: the development setting (ALLOW_PRIVATE_OUTBOUND), as simulators and receivers listen on loopback. */
    outbound?: OutboundPolicy;
    riskMaxOrderAmount?: number;
    riskMaxOrderQuantity?: number;
    temporalUiUrl?: string;
    signInLimits?: SignInLimits;
    security?: Partial<SecuritySettings>;
    stepAttempts?: number;
    /** Where the worker sends workflow spans (test/tracing.test.ts); unset: nowhere. */
    workflowSpans?: WorkflowSpans;
    /** Serves the api's /metrics on its own port to holders of this bearer token. */
    metricsToken?: string;
    /** false: no webhook notifier until the test starts one. */
    notifier?: boolean;
    /** Another Temporal server than the shared dev server (the time-skipping one); its owner closes it. */
    temporal?: { client: Client; nativeConnection: NativeConnection };
    /** An SMTP server (test/smtp-sink.ts) for the api's and the worker's mail. */
    smtpUrl?: string;
    /** The text-message adapter (mail/sms.ts SimulatedSms) for the api and the worker. */
    sms?: SmsSender;
    deliveryLimits?: DeliveryLimits;
  } = {},
): Promise<TestSystem> {
  const db = await createTestDatabase();
  const vault = opts.vault ?? newVault();
  const connection = opts.temporal ? undefined : await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const client = opts.temporal?.client ?? new Client({ connection, interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } });
  // A Temporal given by TEMPORAL_ADDRESS may not know the order search attributes yet (the worker
  // does this at start); the time-skipping server gets them from test/time-skipping.ts.
  if (!opts.temporal) await ensureOrderSearchAttributes(client, 'default');
  const taskQueue = `test-${crypto.randomBytes(6).toString('hex')}`;
  const fulfilment = new FulfilmentClient(client, taskQueue, log, opts.stepAttempts);
  const merchant = await createMerchant(db, vault, {
    name: 'Test Merchant',
    ownerEmail: `owner-${crypto.randomBytes(4).toString('hex')}@example.com`,
    webhookUrl: opts.webhookUrl,
    riskMaxOrderAmount: opts.riskMaxOrderAmount,
    riskMaxOrderQuantity: opts.riskMaxOrderQuantity,
  });
  const outbound = new OutboundHttp(opts.outbound ?? { allowPlainHttp: true, allowPrivateAddresses: true });
  const suppliers = new SupplierRegistry(db, vault, outbound);
  const notifications = new PgNotifications(db, log);
  await notifications.start();
  const mailer = opts.smtpUrl ? createMailer(opts.smtpUrl, 'Cardflow <noreply@cardflow.test>') : undefined;
  const app = createApp({
    mailer,
    sms: opts.sms,
    deliveryLimits: opts.deliveryLimits,
    notifications,
    db,
    vault,
    suppliers,
    outbound,
    fulfilment,
    temporalReachable: async () => void (await client.connection.workflowService.getSystemInfo({})),
    log,
    limits: {
      maxBodyBytes: 64 * 1024,
      maxImportBytes: 32 * 1024 * 1024,
      ratePerMinute: opts.ratePerMinute ?? 100_000,
      supplierCallbacksPerMinute: opts.supplierCallbacksPerMinute,
    },
    // The built console (npm test builds it first), served at /console as in production.
    consoleDir: findConsoleDir(),
    temporalUi: opts.temporalUiUrl ? { url: opts.temporalUiUrl, namespace: 'default' } : undefined,
    signInLimits: opts.signInLimits,
    security: { ...securitySettings(loadConfig({})), ...opts.security },
    metrics: opts.metricsToken ? { registry: apiMetrics(db), token: opts.metricsToken } : undefined,
    reconciliation: new ReconciliationRuns(client, taskQueue),
  });
  const keepAliveSeconds = loadConfig({}).HTTP_KEEP_ALIVE_SECONDS;
  let server: Server = await listenForRequests(app, { port: 0, host: '127.0.0.1', keepAliveSeconds });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  let apiUp = true;
  // Built after the API listens: suppliers call back on its address.
  const activities = createActivities({
    db,
    vault,
    registry: suppliers,
    rateLimits: new SupplierRateLimits(db),
    outbound,
    callbackBaseUrl: baseUrl,
    mailer,
    sms: opts.sms,
    publicBaseUrl: baseUrl,
  });

  const nativeConnection = opts.temporal?.nativeConnection ?? (await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! }));
  let current: { worker: Worker; stopped: Promise<void> } | undefined;
  const startWorker = async (acts: Activities = activities) => {
    const worker = await createOrderWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      activities: acts,
      // The shared bundle is built without tracing; a traced worker bundles its own at start.
      workflowBundlePath: opts.workflowSpans ? undefined : process.env.CARDFLOW_TEST_WORKFLOW_BUNDLE,
      shutdownGraceTime: '0s', // tests stop workers to play a lost worker
      workflowSpans: opts.workflowSpans,
    });
    current = { worker, stopped: runUntilShutdown(worker) };
    return current;
  };
  const stopWorker = async () => {
    if (!current) return;
    const { worker, stopped } = current;
    current = undefined;
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await stopped;
  };
  if (opts.worker !== false) await startWorker();
  let notifier: ReturnType<typeof startWebhookNotifier> | undefined;
  const stopNotifier = async () => {
    await notifier?.stop();
    notifier = undefined;
  };
  const startNotifier = (o: Partial<NotifierOptions> = {}) => {
    notifier = startWebhookNotifier({ db, vault, outbound, log, notifications, ...o });
    return notifier;
  };
  if (opts.notifier !== false) startNotifier();

  const system: TestSystem = {
    db,
    vault,
    client,
    taskQueue,
    baseUrl,
    merchant,
    fulfilment,
    suppliers,
    outbound,
    activities,
    startWorker,
    stopWorker,
    notifications,
    startNotifier,
    stopNotifier,
    async api(method, path, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      const key = o.key === undefined ? (o.cookie ? null : merchant.apiKey) : o.key;
      if (key) headers.authorization = `Bearer ${key}`;
      if (o.cookie) headers.cookie = o.cookie;
      let body: string | undefined = o.raw;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] = 'application/json';
      } else if (o.raw !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
      const res = await fetchRetryingClosedSocket(`${baseUrl}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async addUser(role, o = {}) {
      const id = crypto.randomUUID();
      const email = `${role}-${crypto.randomBytes(4).toString('hex')}@example.com`;
      const password = `pw-${crypto.randomBytes(9).toString('base64url')}`;
      await db('users').insert({ id, merchant_id: o.merchantId ?? merchant.merchantId, email, role, password_hash: await hashPassword(password) });
      return { id, email, password };
    },
    async signIn(email, password) {
      const res = await fetch(`${baseUrl}/admin/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
      if (res.status !== 200) throw new Error(`sign-in as ${email} answered ${res.status}: ${await res.text()}`);
      return res.headers.get('set-cookie')!.split(';')[0];
    },
    async addSku(code, o = {}) {
      await createSku(db, {
        merchantId: merchant.merchantId,
        code,
        name: `Test ${code}`,
        faceValue: o.price ?? 1000,
        price: o.price ?? 1000,
        cost: o.cost ?? 800,
        maxPerOrder: o.maxPerOrder,
        currency: o.currency,
        fulfilmentMode: o.mode,
        supplierFallback: o.supplierFallback,
        manualEscalateAfterSeconds: o.manualEscalateAfterSeconds,
        manualCancelAfterSeconds: o.manualCancelAfterSeconds,
      });
      const codes = Array.from({ length: o.codes ?? 0 }, (_, i) => `${code}-CARD-${i}-${crypto.randomBytes(6).toString('hex')}`);
      if (codes.length) {
        await importCodes(db, vault, { merchantId: merchant.merchantId, sku: code, content: codes.map((c, i) => `${c},PIN${i}`).join('\n'), format: 'csv', importedBy: 'test' });
      }
      return codes;
    },
    async waitForOrder(orderId, statuses, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res = await system.api('GET', `/v1/orders/${orderId}`);
        if (statuses.includes(res.body?.status)) return res.body;
        if (Date.now() > deadline) throw new Error(`order ${orderId} is ${res.body?.status}, not ${statuses.join('/')}, after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async webhookFinished(orderId, eventType = 'order.delivered', timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const row = await db('webhook_outbox').where({ order_id: orderId, event_type: eventType }).orderBy('id', 'desc').first();
        if (row && row.status !== 'pending') return row;
        if (Date.now() > deadline) throw new Error(`the ${eventType} webhook of order ${orderId} is ${row?.status ?? 'not queued'} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async finished(orderId) {
      // The API starts a workflow just after answering: give it a moment to exist.
      for (let tries = 0; ; tries++) {
        try {
          return await client.workflow.getHandle(orderId).result();
        } catch (err) {
          if ((err as Error).name !== 'WorkflowNotFoundError' || tries > 50) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    closeIdleConnections() {
      server.closeIdleConnections();
    },
    async stopApi() {
      apiUp = false;
      const closed = new Promise((r) => server.close(r));
      server.closeAllConnections();
      await closed;
    },
    async startApi() {
      server = await listenForRequests(app, { port, host: '127.0.0.1', keepAliveSeconds });
      apiUp = true;
    },
    async stop() {
      await stopWorker();
      await stopNotifier();
      await notifications.close();
      if (apiUp) await stopListening(server);
      if (!opts.temporal) await nativeConnection.close();
      await connection?.close();
      mailer?.close();
      await db.destroy();
    },
  };
  return system;
}

/** Orders, reservations and stock counters: what bad input must leave unchanged. */
export async function snapshot(db: Db) {
  const count = async (table: string) => Number((await db(table).count<{ c: number }[]>('* as c'))[0].c);
  return {
    orders: await count('orders'),
    units: await count('order_units'),
    reservations: await count('reservations'),
    events: await count('order_events'),
    stock: await db('skus').orderBy('code').select('code', 'stock_available'),
  };
}

/**
 * fetch, sent again once when a safe request (GET, HEAD) fails on a pooled socket the API had
 * just closed. The API closes an idle keep-alive socket in the end; a request sent on it in the
 * same instant is reset (ECONNRESET, or "other side closed") before the API reads it.
 * Under a loaded machine the test's polling lands in that instant now and then. Retrying is
 * what HTTP clients are told to do here (nodejs/undici#3141); the second try opens a new
 * socket. Requests that change something are never sent twice: a failure there is the test's.
 */
async function fetchRetryingClosedSocket(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const safe = ['GET', 'HEAD'].includes((init.method ?? 'GET').toUpperCase());
    const code = (err as { cause?: { code?: string } }).cause?.code;
    if (!safe || (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET')) throw err;
    return fetch(url, init);
  }
}
