import type { CodeVault, Sealed } from '../lib/code-vault';

// A storefront's Standard Webhooks secret must be readable to sign with, so it is sealed like a
// code (not hashed like an API key), bound to its storefront.

export function sealWebhookSecret(vault: CodeVault, storefrontId: string, secret: string): Sealed {
  return vault.seal(secret, `storefront:${storefrontId}`);
}

export function openWebhookSecret(vault: CodeVault, row: { id: string; webhook_secret_key_id: string; webhook_secret: Buffer }): string {
  return vault.open({ keyId: row.webhook_secret_key_id, payload: row.webhook_secret }, `storefront:${row.id}`);
}
