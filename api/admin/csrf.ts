import type { RequestHandler } from 'express';
import { AppError } from '../../lib/errors';

// Cross-site request forgery: a page on another origin makes the browser send the console's
// session cookie with a request of its choosing. SameSite=Strict stops other sites, but not
// another port of the same host or a sibling subdomain (the same "site"), so a change that the
// cookie authenticates must also come from the console's own origin. The console is served by
// this api, so same-origin is all it ever needs.
//
// The check is the one browsers make possible without a token (as Go's CrossOriginProtection):
// - `Sec-Fetch-Site` (every current browser sends it) must be `same-origin` (or `none`: the user
//   typed or bookmarked the request);
// - without it, an `Origin` header must name this host;
// - without either the request is not from a browser, which is no CSRF.
// And, for browsers too old for either header, the content types an HTML form can send without
// script are refused on POST: such a request can only be a form's.
// Requests authenticated by an `Authorization` header are not affected: a foreign page cannot
// make a browser add one without CORS, which this api never grants.

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

export function sameOriginOnly(opts: { publicUrl?: string } = {}): RequestHandler {
  const publicOrigin = opts.publicUrl ? new URL(opts.publicUrl).origin : undefined;
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || req.get('authorization')) return next();
    const type = (req.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    // Forms (and no-cors fetches) can only POST; other methods across origins need CORS, never granted.
    if (req.method === 'POST' && FORM_TYPES.has(type)) {
      throw new AppError(
        'forbidden',
        'form_content_type_refused',
        `The console's API does not accept ${type} with a session cookie; send JSON (or text/csv for imports), or use an admin token`,
      );
    }
    const site = req.get('sec-fetch-site');
    if (site !== undefined) {
      if (site === 'same-origin' || site === 'none') return next();
      throw crossOrigin();
    }
    const origin = req.get('origin');
    if (origin === undefined) return next();
    if (origin === publicOrigin || hostOf(origin) === req.get('host')) return next();
    throw crossOrigin();
  };
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined; // `null` (a sandboxed or file page) and garbage match nothing
  }
}

const crossOrigin = () => new AppError('forbidden', 'cross_origin_refused', 'This request came from a page on another origin; the console can only be used from its own address');
