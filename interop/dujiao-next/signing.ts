import crypto from 'node:crypto';

// The dujiao-next site-integration signature (docs/en/api/integration-open-api.md §2, in the
// dujiao-next/document repository), used by every Cardflow part that speaks the protocol: the
// upstream API Cardflow serves, the callbacks it sends, the supplier adapter that buys from a
// dujiao-next site, and the simulator. One module, so the two sides cannot drift apart; the
// tests check it against a client written from the document's pseudocode on its own.

export const HEADER_API_KEY = 'Dujiao-Next-Api-Key';
export const HEADER_TIMESTAMP = 'Dujiao-Next-Timestamp';
export const HEADER_SIGNATURE = 'Dujiao-Next-Signature';

/** §2.4: a request whose timestamp is further than this from our clock is refused. */
export const TIMESTAMP_TOLERANCE_SECONDS = 60;

/** `hex_lower(hmac_sha256("{METHOD}\n{PATH}\n{TIMESTAMP}\n{md5hex(BODY)}", secret))`; PATH has no domain and no query. */
export function signDujiao(secret: string, method: string, path: string, timestamp: string, body: Buffer | string): string {
  const bodyMd5 = crypto.createHash('md5').update(body).digest('hex');
  return crypto.createHmac('sha256', secret).update(`${method.toUpperCase()}\n${path}\n${timestamp}\n${bodyMd5}`).digest('hex');
}

/** The three headers of a signed request (or callback), timestamped now. */
export function signedHeaders(apiKey: string, secret: string, method: string, path: string, body: Buffer | string, now = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  return { [HEADER_API_KEY]: apiKey, [HEADER_TIMESTAMP]: timestamp, [HEADER_SIGNATURE]: signDujiao(secret, method, path, timestamp, body) };
}

/** Why a request's timestamp is refused (§7.1), or undefined when it is fresh. */
export function timestampProblem(timestamp: string, now = Date.now()): 'invalid_timestamp' | 'timestamp_expired' | undefined {
  if (!/^\d{1,12}$/.test(timestamp)) return 'invalid_timestamp';
  return Math.abs(Math.floor(now / 1000) - Number(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS ? 'timestamp_expired' : undefined;
}

/** Whether `signature` is this request's, compared in constant time. */
export function signatureMatches(secret: string, method: string, path: string, timestamp: string, body: Buffer | string, signature: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(signature)) return false;
  return crypto.timingSafeEqual(Buffer.from(signDujiao(secret, method, path, timestamp, body), 'hex'), Buffer.from(signature, 'hex'));
}

/** A header's value from Node's lower-cased header object. */
export function headerOf(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Checks a signed request or callback against the secret of the key it names (looked up by the
 * caller). Answers the document's error code (§7.1) or undefined when it is genuine and fresh.
 */
export function verifyDujiao(
  headers: Record<string, string | string[] | undefined>,
  secret: string,
  method: string,
  path: string,
  body: Buffer | string,
  now = Date.now(),
): 'missing_auth_headers' | 'invalid_timestamp' | 'timestamp_expired' | 'invalid_signature' | undefined {
  const timestamp = headerOf(headers, HEADER_TIMESTAMP);
  const signature = headerOf(headers, HEADER_SIGNATURE);
  if (!headerOf(headers, HEADER_API_KEY) || !timestamp || !signature) return 'missing_auth_headers';
  const stale = timestampProblem(timestamp, now);
  if (stale) return stale;
  return signatureMatches(secret, method, path, timestamp, body, signature) ? undefined : 'invalid_signature';
}
