import crypto from 'node:crypto';

// The simulator's side of the protocol's crypto: request signing and card-field encryption.
// Cardflow's adapter has its own (suppliers/adapters/cardflow-sim-signing.ts), so a bug shared
// by both sides cannot go unseen; both are checked against PROTOCOL.md's fixed vectors. See
// PROTOCOL.md, "Signing" and "POST /v1/orders".

/** How far a request's X-Timestamp may be from the receiver's clock. */
export const SIGNATURE_TOLERANCE_MS = 300_000;

export function sha256Hex(data: string | Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/**
 * Lowercase hex HMAC-SHA256 over `METHOD\nPATH\nTIMESTAMP\nsha256hex(BODY)`.
 * `path` is the request target as sent, query string included; `body` the exact bytes sent
 * ('' for a GET); `timestamp` Unix milliseconds, exactly as put in X-Timestamp.
 */
export function signRequest(secret: string, method: string, path: string, timestamp: number | string, body: string | Buffer): string {
  const canonical = `${method.toUpperCase()}\n${path}\n${timestamp}\n${sha256Hex(body)}`;
  return crypto.createHmac('sha256', secret).update(canonical).digest('hex');
}

/** The three headers of a signed request (or callback). */
export function signedHeaders(
  partnerId: string,
  secret: string,
  method: string,
  path: string,
  body: string | Buffer,
  now: number = Date.now(),
): Record<'X-Partner-Id' | 'X-Timestamp' | 'X-Signature', string> {
  const timestamp = String(now);
  return { 'X-Partner-Id': partnerId, 'X-Timestamp': timestamp, 'X-Signature': signRequest(secret, method, path, timestamp, body) };
}

/**
 * Why a received request's X-Timestamp / X-Signature do not hold, or null when they do.
 * Arguments as for signRequest, plus the header values as received.
 */
export function signatureProblem(
  secret: string,
  method: string,
  path: string,
  timestamp: string | undefined,
  body: string | Buffer,
  signature: string | undefined,
  now: number = Date.now(),
): string | null {
  if (!timestamp || !/^\d{1,16}$/.test(timestamp)) return 'X-Timestamp must be Unix time in milliseconds';
  if (Math.abs(now - Number(timestamp)) > SIGNATURE_TOLERANCE_MS) return 'X-Timestamp is more than 300 s from the server clock';
  if (!signature || !/^[0-9a-f]{64}$/.test(signature)) return 'X-Signature must be 64 lowercase hex characters';
  const expected = Buffer.from(signRequest(secret, method, path, timestamp, body), 'hex');
  // Constant time: a byte-by-byte compare would let a caller find a signature one byte at a time.
  if (!crypto.timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return 'X-Signature does not match';
  return null;
}

/** True when a received request (or callback) is signed with this secret and is fresh. */
export function verifySignature(
  secret: string,
  method: string,
  path: string,
  timestamp: string | undefined,
  body: string | Buffer,
  signature: string | undefined,
  now: number = Date.now(),
): boolean {
  return signatureProblem(secret, method, path, timestamp, body, signature, now) === null;
}

// Card fields for partners with `encryptCards`: base64(iv[12] ‖ ciphertext ‖ tag[16]),
// AES-256-GCM with key sha256(partner secret), as wholesalers do so codes never cross a proxy
// or a log in the clear.

function cardKey(secret: string): Buffer {
  return crypto.createHash('sha256').update(secret).digest();
}

export function encryptCardField(secret: string, plaintext: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', cardKey(secret), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
}

/** Throws when the value was not made with this secret or was altered (GCM authenticates it). */
export function decryptCardField(secret: string, value: string): string {
  const raw = Buffer.from(value, 'base64');
  if (raw.length < 12 + 16) throw new Error('encrypted card field is too short');
  const decipher = crypto.createDecipheriv('aes-256-gcm', cardKey(secret), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
}
