import fs from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';

// The built console (admin-ui/dist, from `npm run build:console`) served at /console by the api
// itself: one process, one origin, so the session cookie can be SameSite=Strict and no CORS is
// needed. Asset names carry content hashes and are cached for good; index.html never is.

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
  router.use('/assets', express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }));
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
