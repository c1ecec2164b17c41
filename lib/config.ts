import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import type { OutboundPolicy } from './outbound-http';
import { temporalSettingProblems } from './temporal-connection';

// Every setting Cardflow reads, validated once at start-up so a typo fails loudly and early.
const port = z.coerce.number().int().min(1).max(65535);

const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CARDFLOW_DATA_DIR: z.string().default(path.resolve(process.cwd(), '.data')),

  PORT: port.default(3000),
  HOST: z.string().default('0.0.0.0'),
  /**
   * How long the API keeps an idle keep-alive connection open. Longer than the load balancers in
   * front of it keep theirs (60 s for nginx and AWS's ALB): with Node's 5 s, a balancer reuses a
   * connection the API has just closed and answers the buyer 502.
   */
  HTTP_KEEP_ALIVE_SECONDS: z.coerce.number().int().min(1).max(3600).default(65),
  /** Public base URL of the API: printed links, and where suppliers send callbacks. */
  PUBLIC_URL: z.string().url().optional(),

  /** Email (mail/mailer.ts): smtp://user:password@host:587, or smtps:// for TLS from the start. Unset: no email is sent. */
  SMTP_URL: z.string().url().optional(),
  /** The sender of Cardflow's email. */
  MAIL_FROM: z.string().default('Cardflow <noreply@localhost>'),

  DATABASE_URL: z.string().url().optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  EMBEDDED_PG_PORT: port.default(54329),

  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('cardflow-orders'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_UI_URL: z.string().url().optional(),
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
  /**
   * A secured Temporal cluster or Temporal Cloud (lib/temporal-connection.ts, docs/TEMPORAL.md).
   * TEMPORAL_TLS unset: TLS as soon as any of the settings below is given.
   */
  TEMPORAL_TLS: z.enum(['on', 'off']).optional(),
  /** mTLS: the client certificate and its private key (PEM files). */
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  /** The CA that signed the server's certificate, when the operating system does not trust it. */
  TEMPORAL_TLS_SERVER_CA_PATH: z.string().optional(),
  /** The name the server's certificate carries, when it differs from TEMPORAL_ADDRESS's host. */
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  /** A Temporal Cloud API key (sent as a bearer token, over TLS only). */
  TEMPORAL_API_KEY: z.string().optional(),
  /** The worker's /livez and /readyz (worker/health.ts): off unless a port is set; 0 picks a free one. */
  WORKER_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Where they listen: loopback unless an orchestrator's probes must reach them (0.0.0.0 in a pod). */
  WORKER_HEALTH_HOST: z.string().default('127.0.0.1'),
  /** Worker tuning (docs/BENCHMARKS.md): activities run at once, workflow tasks run at once, workflows kept in memory. */
  WORKER_MAX_ACTIVITIES: z.coerce.number().int().min(1).max(10_000).optional(),
  WORKER_MAX_LOCAL_ACTIVITIES: z.coerce.number().int().min(1).max(10_000).optional(),
  WORKER_MAX_WORKFLOW_TASKS: z.coerce.number().int().min(2).max(10_000).optional(),
  /**
   * One machine: how much lower the CPU priority of fulfilment is than the api's: the worker and
   * the Temporal dev server (`npm start`), and the worker's own Postgres backends when Postgres
   * runs on this machine (the worker renices them as it connects). During a flash sale the
   * storefront's answers come first and fulfilment catches up a few seconds later
   * (docs/BENCHMARKS.md). 0 = equal.
   */
  FULFILMENT_NICE: z.coerce.number().int().min(0).max(19).default(10),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(1_000_000).optional(),
  /** Attempts each order step gets (with backoff up to 30 s) before the order needs attention; unset: 20, about 8 minutes. */
  ORDER_STEP_ATTEMPTS: z.coerce.number().int().min(1).max(1000).optional(),

  /** Comma-separated `keyId:base64Key` pairs, newest first; the first one encrypts. */
  CARDFLOW_ENCRYPTION_KEYS: z.string().optional(),
  /** base64 32-byte key for duplicate-detecting code fingerprints. */
  CARDFLOW_FINGERPRINT_KEY: z.string().optional(),

  /** `npm start` runs the supplier simulator as the demo supplier (off: no demo supplier; the default in production, where `on` is refused). */
  DEMO_SUPPLIER: z.enum(['on', 'off']).optional(),
  SUPPLIER_SIM_PORT: port.default(4100),
  /** The demo supplier's partner secret; unset, `npm start` generates one per install (CARDFLOW_DATA_DIR/demo-supplier.json). */
  SUPPLIER_SIM_SECRET: z.string().min(16).optional(),
  /** How often the worker's Temporal Schedule retrains the risk anomaly models. */
  RISK_MODEL_RETRAIN_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(6),

  /**
   * Which proxies in front of the api to believe about the client's address (X-Forwarded-For):
   * unset or `off` believes none (the address is the TCP peer's); a number believes that many
   * hops; otherwise a comma-separated list of addresses, CIDR ranges or `loopback`, `linklocal`,
   * `uniquelocal`. Sign-in limits count per client address, so set it when behind a proxy.
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .refine((v) => /^(off|\d{1,2})$/.test(v) || v.split(',').every((part) => isProxyAddress(part.trim())), {
      message: 'off, a hop count, or a comma-separated list of addresses, CIDR ranges, loopback, linklocal or uniquelocal',
    })
    .optional(),
  /** Console sessions end after this long without a request (and 12 hours after sign-in at the latest). */
  SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(12 * 60)
    .default(60),
  /** The session cookie's Secure flag: `auto` sets it when PUBLIC_URL is https or the request came over https. */
  SESSION_COOKIE_SECURE: z.enum(['auto', 'on', 'off']).default('auto'),
  /** Codes one console user may reveal per hour. */
  REVEALS_PER_HOUR: z.coerce.number().int().min(1).max(100_000).default(60),
  /**
   * Development only: outbound calls to merchant-set addresses (webhooks, supplier APIs) may use
   * plain http and reach loopback and private addresses (the one-machine simulator and receivers).
   */
  ALLOW_PRIVATE_OUTBOUND: z.enum(['0', '1']).default('0'),

  // Observability (docs/OPERATIONS.md#metrics-traces-and-logs).
  /** The api's /metrics on a listener of its own at this port (bound to METRICS_HOST). */
  METRICS_PORT: port.optional(),
  /** The worker's /metrics (its activities' counters) on this port (bound to METRICS_HOST). */
  WORKER_METRICS_PORT: port.optional(),
  /** The worker's Temporal SDK metrics (schedule-to-start latency, slots, polls) on this port, at /metrics. */
  TEMPORAL_METRICS_PORT: port.optional(),
  /** Where the metrics listeners bind: loopback unless you say otherwise (a scraper in the same pod or host). */
  METRICS_HOST: z.string().default('127.0.0.1'),
  /** Bearer token for /metrics; set, the api also serves /metrics on its own port to holders of it. */
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  /** OTLP/HTTP endpoint (e.g. http://otel-collector:4318) traces are exported to; unset, no tracing. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  OTEL_SERVICE_NAME: z.string().optional(),

  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(6000),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024),
  MAX_IMPORT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(32 * 1024 * 1024),
});

/** Every setting's name (deploy/k8s is checked against it: a misspelt variable is silently ignored). */
export const CONFIG_KEYS: readonly string[] = Object.keys(ConfigSchema.shape);

export type Config = Omit<z.infer<typeof ConfigSchema>, 'DEMO_SUPPLIER'> & { DEMO_SUPPLIER: 'on' | 'off' };

/**
 * Which process reads the configuration, so that production checks what it uses: `start` is
 * `npm start` (everything), `tool` a one-shot script (migrate, reencrypt) that only needs the database.
 */
export type ConfigReader = 'start' | 'api' | 'worker' | 'tool';

/** Where suppliers reach this deployment's API (for asynchronous purchase callbacks). */
export function publicBaseUrl(config: Config): string {
  return (config.PUBLIC_URL ?? `http://127.0.0.1:${config.PORT}`).replace(/\/$/, '');
}

function isProxyAddress(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address, bits, ...rest] = entry.split('/');
  const family = net.isIP(address);
  if (!family || rest.length) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

/** TRUST_PROXY as Express's `trust proxy` setting. */
export function trustProxy(config: Pick<Config, 'TRUST_PROXY'>): false | number | string[] {
  const value = config.TRUST_PROXY;
  if (value === undefined || value === 'off') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((part) => part.trim());
}

/** Whether the session cookie is always Secure ('auto': only when the request came over https). */
export function sessionCookieSecure(config: Pick<Config, 'SESSION_COOKIE_SECURE' | 'PUBLIC_URL'>): boolean | 'auto' {
  if (config.SESSION_COOKIE_SECURE === 'on') return true;
  if (config.SESSION_COOKIE_SECURE === 'off') return false;
  return config.PUBLIC_URL?.startsWith('https:') ? true : 'auto';
}

/** What the api needs to know for the console's security (api/app.ts). */
export interface SecuritySettings {
  trustProxy: false | number | string[];
  sessionIdleMinutes: number;
  cookieSecure: boolean | 'auto';
  revealsPerHour: number;
  /** Requests from this origin count as the console's own (csrf.ts), beside the request's host. */
  publicUrl?: string;
}

export function securitySettings(config: Config): SecuritySettings {
  return {
    trustProxy: trustProxy(config),
    sessionIdleMinutes: config.SESSION_IDLE_MINUTES,
    cookieSecure: sessionCookieSecure(config),
    revealsPerHour: config.REVEALS_PER_HOUR,
    publicUrl: config.PUBLIC_URL,
  };
}

/** What the guarded outbound client (lib/outbound-http.ts) lets through. */
export function outboundPolicy(config: Config): OutboundPolicy {
  const development = config.ALLOW_PRIVATE_OUTBOUND === '1';
  return { allowPlainHttp: development, allowPrivateAddresses: development };
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, reader: ConfigReader = 'api'): Config {
  // An empty variable (FOO= in a compose or env file) means "not set", not "set to nothing".
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = ConfigSchema.safeParse(given);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const temporalProblems = temporalSettingProblems(parsed.data);
  if (temporalProblems.length > 0) throw new ConfigError(`Invalid Temporal connection settings:\n${temporalProblems.map((p) => `  - ${p}`).join('\n')}`);
  const production = parsed.data.NODE_ENV === 'production';
  const config: Config = { ...parsed.data, DEMO_SUPPLIER: parsed.data.DEMO_SUPPLIER ?? (production ? 'off' : 'on') };
  if (production) {
    const problems = productionProblems(config, given, reader);
    if (problems.length > 0) {
      throw new ConfigError(`NODE_ENV=production refuses to start with development settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    }
  }
  return config;
}

/**
 * What makes a production start unsafe, each named with what to set instead. The one-machine
 * defaults (embedded Postgres, Temporal dev server, keys and demo secrets generated into the
 * data directory, every interface) are for a laptop.
 */
function productionProblems(config: Config, given: Record<string, string | undefined>, reader: ConfigReader): string[] {
  const problems: string[] = [];
  const runs = reader !== 'tool';
  if (!config.DATABASE_URL) {
    problems.push('DATABASE_URL is not set, so the embedded Postgres would run: it is for development; point DATABASE_URL at your Postgres server');
  }
  if (runs && !config.TEMPORAL_ADDRESS) {
    problems.push('TEMPORAL_ADDRESS is not set, so the Temporal dev server (a SQLite file) would run: it is for development; point TEMPORAL_ADDRESS at your Temporal cluster');
  }
  if (runs && (!config.CARDFLOW_ENCRYPTION_KEYS || !config.CARDFLOW_FINGERPRINT_KEY)) {
    problems.push(
      'CARDFLOW_ENCRYPTION_KEYS and CARDFLOW_FINGERPRINT_KEY must both come from the environment: a key file in the data directory ' +
        `(${path.join(config.CARDFLOW_DATA_DIR, 'keys.json')}) is for development and is never read in production`,
    );
  }
  if (config.ALLOW_PRIVATE_OUTBOUND === '1') {
    problems.push(
      'ALLOW_PRIVATE_OUTBOUND=1 lets webhooks and supplier calls reach plain http and private addresses: it is for development; in production they must be public https addresses',
    );
  }
  if (given.DEMO_SUPPLIER === 'on') {
    problems.push('DEMO_SUPPLIER=on runs the supplier simulator, a demo with no real money: set DEMO_SUPPLIER=off');
  }
  if (runs && reader !== 'worker' && given.HOST === undefined) {
    problems.push(
      'HOST is not set, so the api would listen on 0.0.0.0 (every interface): set HOST explicitly (0.0.0.0 behind a firewall or in a container, or the address to serve on)',
    );
  }
  if (runs) {
    if (!config.PUBLIC_URL) problems.push('PUBLIC_URL is not set, so suppliers would be told to call back on plain http://127.0.0.1: set it to the https:// address of the api');
    else if (new URL(config.PUBLIC_URL).protocol !== 'https:')
      problems.push(`PUBLIC_URL must be an https:// address in production (it is ${new URL(config.PUBLIC_URL).protocol}//…)`);
  }
  return problems;
}
