import { loadConfig, securitySettings } from '../lib/config';
import { createLogger } from '../lib/logger';
import { connectServices } from '../app/services';
import { FulfilmentClient } from '../orders/fulfilment-client';
import { ReconciliationRuns } from '../reconciliation/client';
import { createApp } from './app';
import { listenForRequests, stopListening } from './listen';
import { apiMetrics } from '../lib/metrics';
import { startMetricsServer } from '../lib/metrics-endpoint';
import { startTracing } from '../lib/tracing';
import { findConsoleDir } from './console-static';
import { exitWithParent, onShutdown } from '../lib/process';
import { PgNotifications } from '../lib/pg-notifications';
import { createMailer } from '../mail/mailer';

// The api process: storefront API, admin API. Stateless; run as many as you like.
async function main() {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL, 'api');
  const tracing = startTracing({ serviceName: config.OTEL_SERVICE_NAME ?? 'cardflow-api', endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const services = await connectServices(config, log, 'api');
  const fulfilment = new FulfilmentClient(services.client, config.TEMPORAL_TASK_QUEUE, log, config.ORDER_STEP_ATTEMPTS);
  const metrics = apiMetrics(services.db);
  // Wakes storefront requests that wait for their order's delivery (Prefer: wait).
  const notifications = new PgNotifications(services.db, log);
  await notifications.start();
  const app = createApp({
    notifications,
    db: services.db,
    vault: services.vault,
    suppliers: services.suppliers,
    outbound: services.outbound,
    fulfilment,
    temporalReachable: async () => void (await services.connection.workflowService.getSystemInfo({})),
    log,
    limits: { maxBodyBytes: config.MAX_BODY_BYTES, maxImportBytes: config.MAX_IMPORT_BYTES, ratePerMinute: config.RATE_LIMIT_PER_MINUTE },
    consoleDir: findConsoleDir(),
    security: securitySettings(config),
    temporalUi: config.TEMPORAL_UI_URL ? { url: config.TEMPORAL_UI_URL, namespace: config.TEMPORAL_NAMESPACE } : undefined,
    metrics: config.METRICS_TOKEN ? { registry: metrics, token: config.METRICS_TOKEN } : undefined,
    reconciliation: new ReconciliationRuns(services.client, config.TEMPORAL_TASK_QUEUE),
    // Buyers' lookup codes go by email when SMTP_URL is set (no SMS provider ships: mail/sms.ts).
    mailer: config.SMTP_URL ? createMailer(config.SMTP_URL, config.MAIL_FROM) : undefined,
  });
  const metricsServer =
    config.METRICS_PORT === undefined
      ? undefined
      : await startMetricsServer({ registry: metrics, host: config.METRICS_HOST, port: config.METRICS_PORT, token: config.METRICS_TOKEN });
  if (metricsServer) log.info({ url: metricsServer.url }, 'api metrics listening');
  const server = await listenForRequests(app, { port: config.PORT, host: config.HOST, keepAliveSeconds: config.HTTP_KEEP_ALIVE_SECONDS });
  log.info({ port: config.PORT }, 'api listening');
  exitWithParent();
  onShutdown(async () => {
    await stopListening(server);
    await metricsServer?.close();
    // Accepted orders whose workflow start is still queued; any left over, the reconciler starts.
    await fulfilment.drainStarts(10_000);
    await notifications.close();
    await services.close();
    await tracing?.shutdown();
  }, log);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
