import crypto from 'node:crypto';

// Cardflow's side of the cardflow-sim protocol's crypto (supplier-sim/PROTOCOL.md, "Signing"
// and "Encrypted card fields"), written from the protocol, not shared with the simulator: a
// bug in one side's signing shows up as a refused request instead of going unseen.
// test/supplier-signing.test.ts checks both sides against the protocol's fixed vectors.

/** How far a callback's X-Timestamp may be from our clock. */
const TOLERANCE_MS = 300_000;

/** Lowercase hex HMAC-SHA256 with the partner secret over `METHOD\nPATH\nTIMESTAMP\nsha256hex(BODY)`. */
export function signRequest(secret: string, method: string, path: string, timestamp: string, body: string): string {
  const bodyHash = crypto.createHash('sha256').update(body, 'utf8').digest('hex');
  return crypto.createHmac('sha256', secret).update(`${method.toUpperCase()}\n${path}\n${timestamp}\n${bodyHash}`).digest('hex');
}

/** True when a callback is signed with this secret and its timestamp is fresh. */
export function verifySignature(secret: string, method: string, path: string, timestamp: string, body: string, signature: string, now = Date.now()): boolean {
  if (!/^\d{1,16}$/.test(timestamp) || Math.abs(now - Number(timestamp)) > TOLERANCE_MS) return false;
  if (!/^[0-9a-f]{64}$/.test(signature)) return false;
  // Constant time, so a caller cannot find a valid signature byte by byte.
  return crypto.timingSafeEqual(Buffer.from(signRequest(secret, method, path, timestamp, body), 'hex'), Buffer.from(signature, 'hex'));
}

/** A card field sent encrypted: base64(iv[12] ‖ ciphertext ‖ tag[16]), AES-256-GCM with key sha256(secret). */
export function decryptCardField(secret: string, value: string): string {
  const raw = Buffer.from(value, 'base64');
  if (raw.length < 12 + 16) throw new Error('encrypted card field is too short');
  const key = crypto.createHash('sha256').update(secret, 'utf8').digest();
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
}
