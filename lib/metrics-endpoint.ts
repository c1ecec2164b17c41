import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import type { Registry } from 'prom-client';

// /metrics is not for the public: it is served either on its own listener (METRICS_PORT, bound
// to 127.0.0.1 unless METRICS_HOST says otherwise) or behind a bearer token (METRICS_TOKEN).

/** The Prometheus text exposition of `registry`; with a token, only for `Authorization: Bearer <token>`. */
export function metricsHandler(registry: Registry, token?: string): RequestHandler {
  const expected = token && crypto.createHash('sha256').update(token).digest();
  return async (req, res) => {
    if (expected) {
      const given = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1] ?? '';
      if (!crypto.timingSafeEqual(expected, crypto.createHash('sha256').update(given).digest())) {
        res.status(401).json({ error: { code: 'unauthorized', message: 'metrics need the METRICS_TOKEN bearer token' } });
        return;
      }
    }
    res
      .set('Content-Type', registry.contentType)
      .set('Cache-Control', 'no-store')
      .send(await registry.metrics());
  };
}

/** A listener serving only /metrics. Port 0 picks a free port (tests). */
export async function startMetricsServer(opts: { registry: Registry; host: string; port: number; token?: string }): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metricsHandler(opts.registry, opts.token));
  const server = app.listen(opts.port, opts.host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}/metrics`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
