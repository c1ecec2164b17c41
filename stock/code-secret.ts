import type { CodeVault } from '../lib/code-vault';
import { codeIdentitiesOfOtherKind, codeIdentity } from './code-identity';

// What a code (卡密) holds. Sealed as one JSON document bound to the code's row id.
export interface CodeSecret {
  number: string;
  pin?: string;
  url?: string;
}

export function sealCode(vault: CodeVault, codeId: string, secret: CodeSecret) {
  return vault.seal(JSON.stringify(secret), `code:${codeId}`);
}

export function openCode(vault: CodeVault, row: { id: string; key_id: string; secret: Buffer }): CodeSecret {
  return JSON.parse(vault.open({ keyId: row.key_id, payload: row.secret }, `code:${row.id}`)) as CodeSecret;
}

/** How codes' fingerprints are made; rows of an older version are re-made by stock/refingerprint.ts. */
export const FINGERPRINT_VERSION = 2;

export interface CodeFingerprints {
  /** What the code is stored under: unique per merchant (the database enforces it). */
  own: string;
  /** Where a SKU with the other case rule would hold the same code (checked before storing). */
  otherKind: string;
}

/** A code is the same code across the merchant's SKUs, with or without its PIN (stock/code-identity.ts). */
export function fingerprintCode(vault: CodeVault, number: string, caseSensitive: boolean): CodeFingerprints {
  return { own: vault.fingerprint(codeIdentity(number, caseSensitive)), otherKind: vault.fingerprint(codeIdentitiesOfOtherKind(number, caseSensitive)) };
}

/** Shown in lists instead of the code: enough to tell codes apart, not to redeem one. */
export function maskCode(secret: CodeSecret): string {
  const n = secret.number.trim();
  return n.length <= 4 ? '*'.repeat(n.length) : `${'*'.repeat(Math.min(n.length - 4, 8))}${n.slice(-4)}`;
}
