import path from 'node:path';
import { z } from 'zod';

// Every setting Cardflow reads, validated once at start-up so a typo fails loudly and early.
const port = z.coerce.number().int().min(1).max(65535);

const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CARDFLOW_DATA_DIR: z.string().default(path.resolve(process.cwd(), '.data')),

  PORT: port.default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** Public base URL of the API: printed links, and where suppliers send callbacks. */
  PUBLIC_URL: z.string().url().optional(),

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
  /** Worker tuning (docs/BENCHMARKS.md): activities run at once, workflow tasks run at once, workflows kept in memory. */
  WORKER_MAX_ACTIVITIES: z.coerce.number().int().min(1).max(10_000).optional(),
  WORKER_MAX_LOCAL_ACTIVITIES: z.coerce.number().int().min(1).max(10_000).optional(),
  WORKER_MAX_WORKFLOW_TASKS: z.coerce.number().int().min(2).max(10_000).optional(),
  /**
   * One machine (`npm start`): how much lower the CPU priority of fulfilment (the worker and the
   * Temporal dev server) is than the api's. During a flash sale the storefront's answers come
   * first and fulfilment catches up a few seconds later (docs/BENCHMARKS.md). 0 = equal.
   */
  FULFILMENT_NICE: z.coerce.number().int().min(0).max(19).default(10),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(1_000_000).optional(),
  /** Attempts each order step gets (with backoff up to 30 s) before the order needs attention; unset: 20, about 8 minutes. */
  ORDER_STEP_ATTEMPTS: z.coerce.number().int().min(1).max(1000).optional(),

  /** Comma-separated `keyId:base64Key` pairs, newest first; the first one encrypts. */
  CARDFLOW_ENCRYPTION_KEYS: z.string().optional(),
  /** base64 32-byte key for duplicate-detecting code fingerprints. */
  CARDFLOW_FINGERPRINT_KEY: z.string().optional(),

  /** `npm start` runs the supplier simulator as the demo supplier (off: no demo supplier). */
  DEMO_SUPPLIER: z.enum(['on', 'off']).default('on'),
  SUPPLIER_SIM_PORT: port.default(4100),
  /** How often the worker's Temporal Schedule retrains the risk anomaly models. */
  RISK_MODEL_RETRAIN_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(6),

  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(6000),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(64 * 1024),
  MAX_IMPORT_BYTES: z.coerce.number().int().min(1024).default(32 * 1024 * 1024),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Where suppliers reach this deployment's API (for asynchronous purchase callbacks). */
export function publicBaseUrl(config: Config): string {
  return (config.PUBLIC_URL ?? `http://127.0.0.1:${config.PORT}`).replace(/\/$/, '');
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (FOO= in a compose or env file) means "not set", not "set to nothing".
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = ConfigSchema.safeParse(given);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
