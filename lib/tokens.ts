import crypto from 'node:crypto';

// API keys and admin tokens: 256 random bits, shown once, stored only as a SHA-256 hash.
// A fast hash is right here (unlike passwords): the input is random, not guessable.

export interface IssuedToken {
  token: string;
  /** Safe to show in lists: identifies a key without revealing it. */
  prefix: string;
  hash: string;
}

export function issueToken(kind: 'sk' | 'pat'): IssuedToken {
  const token = `cf_${kind}_${crypto.randomBytes(32).toString('base64url')}`;
  return { token, prefix: token.slice(0, 12), hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/** A Standard Webhooks signing secret (`whsec_` + base64). */
export function issueWebhookSecret(): string {
  return `whsec_${crypto.randomBytes(24).toString('base64')}`;
}
