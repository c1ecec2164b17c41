import type { RequestHandler } from 'express';
import type { Logger } from '../lib/logger';

// One line per request: what was asked, the answer, how long it took. No headers, no bodies
// (they carry API keys and codes), no query strings.
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const entry = { method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode, ms: Math.round(ms * 10) / 10, storefront: req.storefront?.id };
      if (res.statusCode >= 500) log.error(entry, 'request failed');
      else log.info(entry, 'request');
    });
    next();
  };
}
