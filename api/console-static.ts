import fs from 'node:fs';
import path from 'node:path';
import type { ServerResponse } from 'node:http';
import express, { Router, type RequestHandler } from 'express';

// The built console (admin-ui/dist, from `npm run build:console`) served at /console by the api
// itself: one process, one origin, so the session cookie can be SameSite=Strict and no CORS is
// needed. Asset names carry content hashes and are cached for good; index.html never is. The build
// leaves a brotli and a gzip copy beside each text file (scripts/build-console.js): a browser
// gets the smallest it accepts, with the original's type.

export function findConsoleDir(): string | undefined {
  // From source (api/) and from compiled JavaScript (dist/api/).
  for (const dir of [path.resolve(__dirname, '..', 'admin-ui', 'dist'), path.resolve(__dirname, '..', '..', 'admin-ui', 'dist')]) {
    if (fs.existsSync(path.join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self' blob:",
  // MUI's emotion writes <style> elements at run time.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

export function consoleRouter(dir: string | undefined): Router {
  const router = Router();
  router.use((_req, res, next) => {
    res.set({ 'Content-Security-Policy': CSP, 'X-Frame-Options': 'DENY', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'same-origin' });
    next();
  });
  if (!dir) {
    router.use((_req, res) => {
      res.status(404).type('text/plain').send('The console is not built. Run `npm run build:console` (npm start and npm test build it when needed).');
    });
    return router;
  }
  router.use('/assets', precompressed(path.join(dir, 'assets'), 'public, max-age=31536000, immutable'));
  router.use('/assets', express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false, setHeaders: varyByEncoding }));
  // index.html and the other unhashed files: compressed too, revalidated on every load.
  router.use(precompressed(dir, 'no-cache', 'index.html'));
  router.use(
    express.static(dir, {
      index: 'index.html',
      setHeaders: (res, file) => {
        if (file.endsWith('.html')) res.set('Cache-Control', 'no-cache');
      },
    }),
  );
  return router;
}

const varyByEncoding = (res: ServerResponse) => void res.setHeader('Vary', 'Accept-Encoding');

/**
 * Sends the .br or .gz copy the build made of a file, when the browser accepts it; otherwise
 * passes on to the plain file. `index` names the file a directory request means.
 */
function precompressed(dir: string, cacheControl: string, index?: string): RequestHandler {
  const root = path.resolve(dir);
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    let relative: string;
    try {
      relative = decodeURIComponent(req.path);
    } catch {
      return next();
    }
    if (relative === '/' || relative === '') {
      if (!index) return next();
      relative = index;
    }
    const file = path.resolve(root, `.${path.posix.normalize(`/${relative}`)}`);
    if (!file.startsWith(root + path.sep)) return next();
    // Brotli whenever accepted (smaller), whatever order the browser lists them in.
    const encoding = req.acceptsEncodings('br') === 'br' ? 'br' : req.acceptsEncodings('gzip') === 'gzip' ? 'gzip' : undefined;
    const suffix = encoding === 'br' ? '.br' : encoding === 'gzip' ? '.gz' : undefined;
    if (!suffix || !fs.existsSync(file + suffix)) return next();
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('Content-Encoding', encoding as string);
    res.setHeader('Cache-Control', cacheControl);
    res.type(path.extname(file));
    res.sendFile(file + suffix, { cacheControl: false, lastModified: true, etag: true }, (err) => err && next(err));
  };
}
