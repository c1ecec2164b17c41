import express, { type RequestHandler } from 'express';
import { invalidInput } from '../lib/errors';

// Text that Postgres cannot store or that is not Unicode at all: a NUL character (Postgres text
// refuses it) or half of a UTF-16 surrogate pair (no character; invalid once encoded as UTF-8).
// Found anywhere in a request (path, query string, body) it is bad input, answered 400 before
// any handler or query sees it, instead of failing deep inside as a 500.

// eslint-disable-next-line no-control-regex -- the NUL character is exactly what this looks for
const MALFORMED = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Where in `value` (a parsed body or query) a malformed string is, if anywhere. */
function findMalformed(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return MALFORMED.test(value) ? path || '.' : undefined;
  if (value === null || typeof value !== 'object' || depth > 64) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (MALFORMED.test(key)) return `${path}.${key.replace(MALFORMED, '?')}`;
    const found = findMalformed(inner, path ? `${path}.${key}` : key, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** For validators of input parsed from JSON in a query string (filters), which the URL check cannot see into. */
export function assertWellFormed(value: unknown, where: string): void {
  const found = findMalformed(value, '');
  if (found) refuse(where, found);
}

function refuse(where: string, path?: string): never {
  throw invalidInput('malformed_text', `The request ${where} holds a NUL character or a lone UTF-16 surrogate, which is not text`, path ? { where, path } : { where });
}

/** The URL: path (percent-decoded) and query string. Mounted once, before every route. */
export const rejectMalformedUrl: RequestHandler = (req, _res, next) => {
  let path: string;
  try {
    path = decodeURIComponent(req.path);
  } catch {
    throw invalidInput('malformed_url', 'The request path has a malformed percent-encoding');
  }
  if (MALFORMED.test(path)) refuse('path');
  const found = findMalformed(req.query, '');
  if (found) refuse('query', found);
  next();
};

/** After a body parser: the parsed body. */
export const rejectMalformedBody: RequestHandler = (req, _res, next) => {
  const found = findMalformed(req.body, '');
  if (found) refuse('body', found);
  next();
};

/** The JSON body parser of every route that takes JSON: parses, then refuses malformed text. */
export function jsonBody(limit: number | string): RequestHandler {
  const parse = express.json({ limit, strict: true });
  return (req, res, next) =>
    parse(req, res, (err?: unknown) => {
      if (err) return next(err);
      try {
        rejectMalformedBody(req, res, next);
      } catch (malformed) {
        next(malformed);
      }
    });
}
