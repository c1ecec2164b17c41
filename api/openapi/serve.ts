import { Router } from 'express';
import { adminDocument } from './admin-document';
import { referencePage } from './reference-page';
import { storefrontDocument } from './storefront-document';

// GET /v1/openapi.json, /v1/reference, /admin/openapi.json, /admin/reference.
export function apiDocsRouter() {
  const router = Router();
  for (const [base, document] of [
    ['/v1', storefrontDocument],
    ['/admin', adminDocument],
  ] as const) {
    router.get(`${base}/openapi.json`, (_req, res) => void res.json(document()));
    router.get(`${base}/reference`, (_req, res) => {
      // Inline styles only; no scripts, nothing from another origin.
      res.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
      res.type('html').send(referencePage(document(), `${base}/openapi.json`));
    });
  }
  return router;
}
