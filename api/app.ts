import express from 'express';
import type { Registry } from 'prom-client';
import type { Db } from '../db';
import type { CodeVault } from '../lib/code-vault';
import type { Logger } from '../lib/logger';
import type { OutboundHttp } from '../lib/outbound-http';
import type { FulfilmentClient } from '../orders/fulfilment-client';
import { loadConfig, securitySettings, type SecuritySettings } from '../lib/config';
import { adminAccountRouter } from './admin/account';
import { adminAuth } from './admin/auth';
import { sameOriginOnly } from './admin/csrf';
import { DEFAULT_SIGN_IN_LIMITS, SignInBackoff } from './admin/sign-in-backoff';
import { adminRiskRouter } from './admin/risk';
import { adminStockRouter } from './admin/stock';
import { adminSuppliersRouter } from './admin/suppliers';
import { adminLedgerRouter } from './admin/ledger';
import { adminReconciliationRouter } from './admin/reconciliation';
import type { ReconciliationRuns } from '../reconciliation/client';
import { adminReportsRouter } from './admin/reports';
import { adminConnectionsRouter } from './admin/connections';
import { adminAlertsRouter } from './admin/alerts';
import { adminManualTasksRouter } from './admin/manual-tasks';
import { supplierCallbacksRouter } from './supplier-callbacks';
import type { SupplierRegistry } from '../suppliers/registry';
import { adminConsoleRouter } from './admin/console';
import type { TemporalUi } from './admin/orders';
import { adminSessionRouter, type SignInLimits } from './admin/session';
import { consoleRouter } from './console-static';
import { errorHandler, notFoundHandler } from './errors';
import { apiDocsRouter } from './openapi/serve';
import { rateLimitPerKey } from './rate-limit';
import { requestLog } from './request-log';
import { metricsHandler } from '../lib/metrics-endpoint';
import { traceRequests } from '../lib/tracing';
import { jsonBody, rejectMalformedUrl } from './well-formed';
import { storefrontAuth } from './storefront/auth';
import { storefrontOrdersRouter } from './storefront/orders';
import { storefrontBulkOrdersRouter } from './storefront/bulk-orders';
import { adminBulkOrdersRouter } from './admin/bulk-orders';
import { DeliveryWaits } from './storefront/wait-for-delivery';
import type { PgNotifications } from '../lib/pg-notifications';
import { storefrontProductsRouter } from './storefront/products';
import { dujiaoUpstreamRouter } from '../interop/dujiao-next/upstream-api';
import type { Mailer } from '../mail/mailer';
import type { SmsSender } from '../mail/sms';
import { deliveryRouter, type DeliveryLimits } from './delivery/routes';
import { storefrontGiftTemplatesRouter } from './storefront/gift-templates';

export interface AppDeps {
  db: Db;
  vault: CodeVault;
  fulfilment: FulfilmentClient;
  suppliers: SupplierRegistry;
  /** Resolves when Temporal answers. */
  temporalReachable: () => Promise<void>;
  log: Logger;
  /** supplierCallbacksPerMinute: per supplier id (default: ratePerMinute). */
  limits: { maxBodyBytes: number; maxImportBytes: number; ratePerMinute: number; supplierCallbacksPerMinute?: number };
  /** The guarded client for merchant-set addresses: webhook URLs and supplier base URLs are checked with it. */
  outbound: OutboundHttp;
  /** The built console to serve at /console (api/console-static.ts finds it). */
  consoleDir?: string;
  /** Where order detail links to a workflow in the Temporal Web UI. */
  temporalUi?: TemporalUi;
  signInLimits?: SignInLimits;
  /** The console's security settings (lib/config.ts securitySettings); the defaults when left out. */
  security?: SecuritySettings;
  /** Postgres notifications: with them, the storefront API honours `Prefer: wait` (api/storefront/wait-for-delivery.ts). */
  notifications?: PgNotifications;
  /** Serves /metrics on the api's own port to holders of this bearer token (METRICS_TOKEN). */
  metrics?: { registry: Registry; token: string };
  /** Runs a supplier reconciliation now, on the worker (reconciliation/client.ts); without it, only the schedule runs them. */
  reconciliation?: ReconciliationRuns;
  /** Lookup codes by email (SMTP_URL); unset, an email lookup sends nothing. */
  mailer?: Mailer;
  /** Lookup codes by text message; unset, a phone lookup sends nothing. */
  sms?: SmsSender;
  /** The buyer pages' rate limits and lockout (api/delivery/routes.ts); the defaults when left out. */
  deliveryLimits?: DeliveryLimits;
}

export function createApp(deps: AppDeps) {
  const { db, vault, fulfilment, suppliers, log, limits } = deps;
  const security = deps.security ?? securitySettings(loadConfig({}));
  const app = express();
  app.disable('x-powered-by');
  // Whose X-Forwarded-For to believe: nobody's unless TRUST_PROXY names the proxies.
  app.set('trust proxy', security.trustProxy);
  app.use(traceRequests());
  app.use(requestLog(log));
  // No answer is ever to be taken for another content type than it says (scripts, HTML).
  app.use((_req, res, next) => void (res.set('X-Content-Type-Options', 'nosniff'), next()));
  app.use(rejectMalformedUrl);
  // Answers that can carry a code or a key are never kept by a browser or a proxy.
  const noStore: express.RequestHandler = (_req, res, next) => void (res.set('Cache-Control', 'no-store'), next());

  if (deps.metrics) app.get('/metrics', metricsHandler(deps.metrics.registry, deps.metrics.token));
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const check = async (probe: () => Promise<unknown>) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise((_, reject) => (timer = setTimeout(reject, 2000)));
      try {
        await Promise.race([probe(), timeout]);
        return 'ok';
      } catch {
        return 'unreachable';
      } finally {
        clearTimeout(timer);
      }
    };
    const [postgres, temporal] = await Promise.all([check(() => db.raw('select 1')), check(deps.temporalReachable)]);
    const ready = postgres === 'ok' && temporal === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', postgres, temporal });
  });

  // The API descriptions and their reference pages are public: they hold no merchant's data.
  app.use(apiDocsRouter());

  // Bulk orders take up to 50,000 recipients: a bigger body than any other storefront request.
  app.use('/v1/bulk-orders', noStore, storefrontAuth(db, limits.ratePerMinute), jsonBody(limits.maxImportBytes), storefrontBulkOrdersRouter({ db, fulfilment }));

  const json = jsonBody(limits.maxBodyBytes);
  const storefront = express.Router();
  storefront.use(noStore, storefrontAuth(db, limits.ratePerMinute), json);
  storefront.use(
    '/orders',
    storefrontOrdersRouter({ db, vault, fulfilment, suppliers, deliveryWaits: deps.notifications && new DeliveryWaits(deps.notifications), publicUrl: security.publicUrl }),
  );
  storefront.use('/gift-templates', storefrontGiftTemplatesRouter(db));
  storefront.use('/products', storefrontProductsRouter(db));
  app.use('/v1', storefront);

  const admin = express.Router();
  admin.use(noStore, sameOriginOnly({ publicUrl: security.publicUrl }));
  const signInLimits = deps.signInLimits ?? DEFAULT_SIGN_IN_LIMITS;
  admin.use(adminSessionRouter({ db, maxBodyBytes: limits.maxBodyBytes, limits: signInLimits, cookieSecure: security.cookieSecure }));
  admin.use(
    adminAuth(db, { sessionIdleMinutes: security.sessionIdleMinutes }),
    rateLimitPerKey(db, limits.ratePerMinute, (req) => req.admin && `admin:${req.admin.userId}`),
  );
  admin.use(adminAccountRouter({ db, maxBodyBytes: limits.maxBodyBytes, backoff: new SignInBackoff(db, signInLimits) }));
  admin.use(adminStockRouter({ db, vault, maxImportBytes: limits.maxImportBytes }));
  admin.use(adminSuppliersRouter({ db, vault, suppliers, outbound: deps.outbound }));
  admin.use(adminLedgerRouter({ db }));
  admin.use(adminReconciliationRouter({ db, suppliers, runs: deps.reconciliation, maxImportBytes: limits.maxImportBytes }));
  admin.use(adminReportsRouter({ db }));
  admin.use(adminBulkOrdersRouter({ db, vault, fulfilment, maxImportBytes: limits.maxImportBytes }));
  admin.use(adminConnectionsRouter({ db, vault, suppliers, maxBodyBytes: limits.maxBodyBytes }));
  admin.use(adminAlertsRouter({ db }));
  admin.use(adminManualTasksRouter({ db, vault, wake: (orderId) => fulfilment.wake(orderId, 'manual') }));
  admin.use('/risk', json, adminRiskRouter({ db, fulfilment }));
  admin.use(
    adminConsoleRouter({ db, vault, fulfilment, temporalUi: deps.temporalUi, maxBodyBytes: limits.maxBodyBytes, revealsPerHour: security.revealsPerHour, outbound: deps.outbound }),
  );
  app.use('/admin', admin);
  app.use('/console', consoleRouter(deps.consoleDir));
  // Buyers' delivery pages, gift pages and the order lookup (查单): opened by a link's token or a one-time code.
  app.use('/d', deliveryRouter({ db, vault, fulfilment, mailer: deps.mailer, sms: deps.sms, limits: deps.deliveryLimits }));
  app.get('/', (_req, res) => res.redirect('/console/'));

  // Suppliers authenticate with their request signature, checked by their adapter.
  app.use('/supplier-callbacks', supplierCallbacksRouter({ db, vault, suppliers, fulfilment, callsPerMinute: limits.supplierCallbacksPerMinute ?? limits.ratePerMinute }));

  // dujiao-next shops buying from Cardflow: signed with their key's secret (interop/dujiao-next/).
  app.use(
    '/api/v1/upstream',
    dujiaoUpstreamRouter({ db, vault, fulfilment, outbound: deps.outbound, log, maxBodyBytes: limits.maxBodyBytes, ratePerMinute: limits.ratePerMinute }),
  );

  app.use(notFoundHandler);
  app.use(errorHandler(log));
  return app;
}
