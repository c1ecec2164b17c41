import type { CodeVault, Sealed } from '../lib/code-vault';

// A supplier's credentials (partner id, API secret…) must be readable to sign requests with, so
// they are sealed like codes, bound to their supplier row, and never returned by the API.

export function sealSupplierCredentials(vault: CodeVault, supplierId: string, credentials: Record<string, string>): Sealed {
  return vault.seal(JSON.stringify(credentials), `supplier:${supplierId}`);
}

export function openSupplierCredentials(vault: CodeVault, row: { id: string; credentials_key_id: string | null; credentials: Buffer | null }): Record<string, string> {
  if (!row.credentials_key_id || !row.credentials) throw new Error(`supplier ${row.id} has no credentials`);
  return JSON.parse(vault.open({ keyId: row.credentials_key_id, payload: row.credentials }, `supplier:${row.id}`));
}
