import type { CodeVault } from '../lib/code-vault';

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

/** Duplicates are the same card number and PIN within a SKU. */
export function fingerprintCode(vault: CodeVault, secret: CodeSecret): string {
  return vault.fingerprint(`${secret.number.trim()}\u0000${(secret.pin ?? '').trim()}`);
}

/** Shown in lists instead of the code: enough to tell codes apart, not to redeem one. */
export function maskCode(secret: CodeSecret): string {
  const n = secret.number.trim();
  return n.length <= 4 ? '*'.repeat(n.length) : `${'*'.repeat(Math.min(n.length - 4, 8))}${n.slice(-4)}`;
}
