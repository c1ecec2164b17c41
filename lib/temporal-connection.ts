import fs from 'node:fs';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import type { Config } from './config';

// How every Cardflow process reaches Temporal: the api's and the worker's client connection and the
// worker's native (polling) connection are all built from these options, so a setting that works for
// one works for all. docs/TEMPORAL.md: Temporal Cloud and a self-hosted cluster.

export type TemporalSettings = Pick<
  Config,
  'TEMPORAL_ADDRESS' | 'TEMPORAL_TLS' | 'TEMPORAL_TLS_CERT_PATH' | 'TEMPORAL_TLS_KEY_PATH' | 'TEMPORAL_TLS_SERVER_CA_PATH' | 'TEMPORAL_TLS_SERVER_NAME' | 'TEMPORAL_API_KEY'
>;

export interface TemporalConnectionOptions {
  address: string;
  /** Absent: plain gRPC (a dev server or a cluster inside a private network). */
  tls?: TLSConfig;
  apiKey?: string;
}

/** Whether the connection uses TLS: as set, else on as soon as a certificate, a CA, a server name or an API key is given. */
export function temporalUsesTls(settings: Omit<TemporalSettings, 'TEMPORAL_ADDRESS'>): boolean {
  if (settings.TEMPORAL_TLS) return settings.TEMPORAL_TLS === 'on';
  return Boolean(settings.TEMPORAL_TLS_CERT_PATH || settings.TEMPORAL_TLS_SERVER_CA_PATH || settings.TEMPORAL_TLS_SERVER_NAME || settings.TEMPORAL_API_KEY);
}

/** The options for `Connection.connect` and `NativeConnection.connect`; reads the certificate files. */
export function temporalConnectionOptions(settings: TemporalSettings, readFile: (file: string) => Buffer = (file) => fs.readFileSync(file)): TemporalConnectionOptions {
  if (!settings.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is not set (npm start sets it for the dev server)');
  const options: TemporalConnectionOptions = { address: settings.TEMPORAL_ADDRESS };
  if (temporalUsesTls(settings)) {
    const tls: TLSConfig = {};
    if (settings.TEMPORAL_TLS_SERVER_NAME) tls.serverNameOverride = settings.TEMPORAL_TLS_SERVER_NAME;
    if (settings.TEMPORAL_TLS_SERVER_CA_PATH) tls.serverRootCACertificate = readFile(settings.TEMPORAL_TLS_SERVER_CA_PATH);
    if (settings.TEMPORAL_TLS_CERT_PATH && settings.TEMPORAL_TLS_KEY_PATH) {
      tls.clientCertPair = { crt: readFile(settings.TEMPORAL_TLS_CERT_PATH), key: readFile(settings.TEMPORAL_TLS_KEY_PATH) };
    }
    options.tls = tls;
  }
  if (settings.TEMPORAL_API_KEY) options.apiKey = settings.TEMPORAL_API_KEY;
  return options;
}

/** What is wrong with the Temporal settings, each named with what to set (lib/config.ts refuses to start on any). */
export function temporalSettingProblems(settings: TemporalSettings): string[] {
  const problems: string[] = [];
  const tls = temporalUsesTls(settings);
  if (Boolean(settings.TEMPORAL_TLS_CERT_PATH) !== Boolean(settings.TEMPORAL_TLS_KEY_PATH)) {
    problems.push('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together (the client certificate and its private key for mTLS): set both or neither');
  }
  for (const name of ['TEMPORAL_TLS_CERT_PATH', 'TEMPORAL_TLS_KEY_PATH', 'TEMPORAL_TLS_SERVER_CA_PATH'] as const) {
    const file = settings[name];
    if (!file) continue;
    if (!tls) problems.push(`${name} is set but TEMPORAL_TLS=off: a certificate is only used over TLS`);
    try {
      fs.accessSync(file, fs.constants.R_OK);
    } catch {
      problems.push(`${name}: cannot read ${file}`);
    }
  }
  if (settings.TEMPORAL_API_KEY && !tls) problems.push('TEMPORAL_API_KEY is set but TEMPORAL_TLS=off: the key would cross the network in plain text');
  if (settings.TEMPORAL_TLS_SERVER_NAME && !tls) problems.push('TEMPORAL_TLS_SERVER_NAME is set but TEMPORAL_TLS=off');
  if (settings.TEMPORAL_ADDRESS && /\.tmprl\.cloud(:\d+)?$/.test(settings.TEMPORAL_ADDRESS) && !tls) {
    problems.push('TEMPORAL_ADDRESS is Temporal Cloud, which only accepts TLS: set TEMPORAL_API_KEY, or TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH');
  }
  return problems;
}

/**
 * Connects with `connect` (the client's or the worker's), failing with a message that names the
 * settings to check. The worker's native connection has no deadline of its own: a port that
 * accepts TCP but never finishes the TLS handshake would hang the start, so it gets one here.
 */
export async function connectTemporal<C>(options: TemporalConnectionOptions, connect: (options: TemporalConnectionOptions) => Promise<C>, deadlineMs = 15_000): Promise<C> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${deadlineMs / 1000} s`)), deadlineMs);
  });
  try {
    return await Promise.race([connect(options), deadline]);
  } catch (err) {
    throw temporalConnectError(options, err);
  } finally {
    clearTimeout(timer);
  }
}

/** A failed connection, said so that the operator knows which settings to look at (never the API key). */
function temporalConnectError(options: TemporalConnectionOptions, err: unknown): Error {
  const how = options.tls
    ? `over TLS${options.tls.clientCertPair ? ' with a client certificate' : ''}${options.apiKey ? ' with an API key' : ''}`
    : 'over plain gRPC (TEMPORAL_TLS=off)';
  const hint = options.tls
    ? 'check that the server speaks TLS on that port, TEMPORAL_TLS_SERVER_CA_PATH / TEMPORAL_TLS_SERVER_NAME, and the client certificate or API key'
    : 'check TEMPORAL_ADDRESS, and set TEMPORAL_TLS=on (or the certificate / API key settings) if the server requires TLS';
  return new Error(`could not connect to Temporal at ${options.address} ${how}: ${err instanceof Error ? err.message : String(err)}; ${hint}`, { cause: err });
}
