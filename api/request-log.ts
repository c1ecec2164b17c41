import type { RequestHandler } from 'express';
import { requestIdFrom } from '../lib/request-id';
import type { Logger } from '../lib/logger';

declare module 'express-serve-static-core' {
  interface Request {
    /** X-Request-Id as given (when a plain token) or made here; answered back and carried into the workflow. */
    requestId?: string;
  }
}

// One line per request: what was asked, the answer, how long it took, and its request id. No
// headers, no bodies (they carry API keys and codes), no query strings.
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    req.requestId = requestIdFrom(req.get('x-request-id'));
    res.set('X-Request-Id', req.requestId);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const entry = {
        method: req.method,
        // A delivery page's token is the buyer's key to their codes: never written down.
        path: req.originalUrl.split('?')[0].replace(/^\/d\/[A-Za-z0-9_-]{43}/, '/d/:token'),
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
        storefront: req.storefront?.id,
        requestId: req.requestId,
      };
      if (res.statusCode >= 500) log.error(entry, 'request failed');
      else log.info(entry, 'request');
    });
    next();
  };
}
