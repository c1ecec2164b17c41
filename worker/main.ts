import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createMailer } from '../mail/mailer';
import { loadConfig, publicBaseUrl } from '../lib/config';
import { SupplierRateLimits } from '../suppliers/rate-limit';
import { createLogger } from '../lib/logger';
import { registry } from '../lib/metrics';
import { startMetricsServer } from '../lib/metrics-endpoint';
import { startTracing } from '../lib/tracing';
import { exitWithParent, onShutdown } from '../lib/process';
import { connectTemporal, temporalConnectionOptions } from '../lib/temporal-connection';
import { connectServices } from '../app/services';
import { FulfilmentClient } from '../orders/fulfilment-client';
import { priorModel } from '../risk/model/priors';
import { ensureRiskModelSchedule } from '../risk/schedule';
import { ensureReconciliationSchedule } from '../reconciliation/schedule';
import { refingerprintCodes } from '../stock/refingerprint';
import { createOrderWorker, runUntilShutdown, workerTuning } from './create-worker';
import { startWorkerHealth, workerReadinessChecks } from './health';
import { PgNotifications } from '../lib/pg-notifications';
import { startReconciler } from './reconciler';
import { startDujiaoCallbackSweep } from '../interop/dujiao-next/callbacks';
import { startCatalogueSync } from '../suppliers/catalogue-sync';
import { SummarisingSdkLogger } from './sdk-logger';
import { ensureOrderSearchAttributes } from './search-attributes';
import { startWebhookNotifier } from './webhook-notifier';
import { startNotificationNotifier } from '../notifications/notifier';

const hostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

// The worker process: runs order workflows and their activities. Scale out by running more.
async function main() {
  const config = loadConfig(process.env, 'worker');
  const log = createLogger(config.LOG_LEVEL, 'worker');
  const tracing = startTracing({ serviceName: config.OTEL_SERVICE_NAME ?? 'cardflow-worker', endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  // The SDK's own chatter (bundler output, state changes) only when debugging.
  const sdkLevel = config.LOG_LEVEL === 'trace' ? 'TRACE' : config.LOG_LEVEL === 'debug' ? 'DEBUG' : 'WARN';
  // A failing activity's retries are summarised, not written once per attempt per order.
  const sdkLogger = new SummarisingSdkLogger(new DefaultLogger(sdkLevel));
  Runtime.install({
    logger: sdkLogger,
    // The SDK's own metrics (schedule-to-start latency, task slots, polls), in Prometheus format.
    ...(config.TEMPORAL_METRICS_PORT === undefined
      ? {}
      : {
          telemetryOptions: {
            metrics: { prometheus: { bindAddress: hostPort(config.METRICS_HOST, config.TEMPORAL_METRICS_PORT), countersTotalSuffix: true, useSecondsForDurations: true } },
          },
        }),
  });
  // The cold-start priors take a fraction of a second to compute: before the first order, not during it.
  priorModel();
  const services = await connectServices(config, log, 'worker');
  // Codes stored before the current fingerprint version (migration 009) get theirs re-made.
  const refingerprinted = await refingerprintCodes(services.db, services.vault);
  if (refingerprinted.refingerprinted > 0) log.warn(refingerprinted, 're-made code fingerprints; duplicates found were voided where unsold (audit log: code.duplicate_*)');
  // Before any order workflow runs here: they tag themselves with these.
  const added = await ensureOrderSearchAttributes(services.client, config.TEMPORAL_NAMESPACE).catch((err) => {
    log.warn({ err: (err as Error).message }, 'could not check the order search attributes; register them (docs/OPERATIONS.md#finding-orders-in-temporal)');
    return [];
  });
  if (added.length) log.info({ added }, 'registered order search attributes');
  const connection = await connectTemporal(temporalConnectionOptions(config), (options) => NativeConnection.connect(options));
  // Gifts' emails and people's notifications: one SMTP connection pool.
  const mailer = config.SMTP_URL ? createMailer(config.SMTP_URL, config.MAIL_FROM) : undefined;
  const worker = await createOrderWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities: createActivities({
      db: services.db,
      vault: services.vault,
      registry: services.suppliers,
      outbound: services.outbound,
      rateLimits: new SupplierRateLimits(services.db),
      callbackBaseUrl: publicBaseUrl(config),
      // Gifts' emails; their links start with the public address too.
      mailer,
      publicBaseUrl: publicBaseUrl(config),
    }),
    workflowBundlePath: config.WORKFLOW_BUNDLE_PATH,
    tuning: workerTuning(),
    workflowSpans: tracing,
  });
  const stopReconciler = startReconciler({
    db: services.db,
    fulfilment: new FulfilmentClient(services.client, config.TEMPORAL_TASK_QUEUE, log, config.ORDER_STEP_ATTEMPTS),
    log,
  });
  // Storefront webhooks queued in the outbox, sent from every worker side by side.
  const notifications = new PgNotifications(services.db, log);
  await notifications.start();
  const notifier = startWebhookNotifier({ db: services.db, vault: services.vault, outbound: services.outbound, log, notifications });
  // People's notifications (alerts by email and chat-bot webhook), likewise from every worker.
  const peopleNotifier = startNotificationNotifier({
    db: services.db,
    vault: services.vault,
    outbound: services.outbound,
    mailer,
    log,
    notifications,
    consoleUrl: `${publicBaseUrl(config)}/console/#/alerts`,
  });
  // dujiao-next shops hear of their orders' delivery and cancellation (interop/dujiao-next/callbacks.ts).
  const stopDujiaoCallbacks = startDujiaoCallbackSweep({ db: services.db, client: services.client, taskQueue: config.TEMPORAL_TASK_QUEUE, log });
  // Supplier catalogues with a listing (dujiao-next) are synced every 10 minutes; drift raises an alert.
  const stopCatalogueSync = startCatalogueSync({ db: services.db, registry: services.suppliers, log });
  // A worker that cannot reach the schedule still fulfils orders; the next start tries again.
  await ensureRiskModelSchedule(services.client, { taskQueue: config.TEMPORAL_TASK_QUEUE, everyHours: config.RISK_MODEL_RETRAIN_HOURS }).catch((err) =>
    log.warn({ err: (err as Error).message }, 'could not ensure the risk-model training schedule'),
  );
  // Daily supplier reconciliation (docs/MONEY.md); the same rule: orders go on without it.
  await ensureReconciliationSchedule(services.client, { taskQueue: config.TEMPORAL_TASK_QUEUE }).catch((err) =>
    log.warn({ err: (err as Error).message }, 'could not ensure the reconciliation schedule'),
  );
  const metricsServer =
    config.WORKER_METRICS_PORT === undefined
      ? undefined
      : await startMetricsServer({ registry, host: config.METRICS_HOST, port: config.WORKER_METRICS_PORT, token: config.METRICS_TOKEN });
  if (metricsServer) log.info({ url: metricsServer.url }, 'worker metrics listening');
  const running = runUntilShutdown(worker); // resolves once shutdown has drained in-flight tasks
  log.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker running');
  const health =
    config.WORKER_HEALTH_PORT === undefined
      ? undefined
      : await startWorkerHealth({ host: config.WORKER_HEALTH_HOST, port: config.WORKER_HEALTH_PORT, checks: workerReadinessChecks(worker, services) });
  if (health) log.info({ url: health.url }, 'worker health at /livez and /readyz');
  process.send?.('ready'); // tells `npm start` the worker polls
  exitWithParent();
  onShutdown(async () => {
    await health?.close();
    stopReconciler();
    await notifier.stop();
    await peopleNotifier.stop();
    mailer?.close();
    await notifications.close();
    stopDujiaoCallbacks();
    stopCatalogueSync();
    // The SDK's runtime drains the worker on SIGTERM itself; shutting down a draining worker throws.
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await connection.close();
    await metricsServer?.close();
    await services.close();
    sdkLogger.flush();
    await tracing?.shutdown();
  }, log);
  await running;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
