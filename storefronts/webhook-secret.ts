import type { Knex } from 'knex';
import type { CodeVault, Sealed } from '../lib/code-vault';
import { notFound } from '../lib/errors';
import { issueWebhookSecret } from '../lib/tokens';

// A storefront's Standard Webhooks secret must be readable to sign with, so it is sealed like a
// code (not hashed like an API key), bound to its storefront.
//
// Rotation overlaps: the secret being replaced is kept (sealed as it was) for a grace period,
// and webhooks are signed with both until it ends, so a storefront can switch to the new secret
// at its own pace without failing to verify a single message.

/** How long the replaced secret still signs webhooks after a rotation. */
export const WEBHOOK_SECRET_GRACE_HOURS = 24;

interface SecretColumns {
  id: string;
  webhook_secret_key_id: string | null;
  webhook_secret: Buffer | null;
  previous_webhook_secret_key_id?: string | null;
  previous_webhook_secret?: Buffer | null;
  previous_webhook_secret_until?: Date | null;
}

export function sealWebhookSecret(vault: CodeVault, storefrontId: string, secret: string): Sealed {
  return vault.seal(secret, `storefront:${storefrontId}`);
}

export function openWebhookSecret(vault: CodeVault, row: { id: string; webhook_secret_key_id: string | null; webhook_secret: Buffer | null }): string {
  if (!row.webhook_secret_key_id || !row.webhook_secret) throw new Error(`storefront ${row.id} has no webhook secret`);
  return vault.open({ keyId: row.webhook_secret_key_id, payload: row.webhook_secret }, `storefront:${row.id}`);
}

/** The secrets webhooks are signed with now: the current one, and the replaced one during its grace period. */
export function openWebhookSecrets(vault: CodeVault, row: SecretColumns, now = new Date()): string[] {
  const secrets = [openWebhookSecret(vault, row)];
  if (row.previous_webhook_secret && row.previous_webhook_secret_key_id && row.previous_webhook_secret_until && row.previous_webhook_secret_until > now) {
    secrets.push(openWebhookSecret(vault, { id: row.id, webhook_secret_key_id: row.previous_webhook_secret_key_id, webhook_secret: row.previous_webhook_secret }));
  }
  return secrets;
}

/** Issues a new secret; the one it replaces keeps signing until the grace period ends. Answers the new secret (shown once). */
export async function rotateWebhookSecret(trx: Knex, vault: CodeVault, storefrontId: string): Promise<{ webhookSecret: string; previousValidUntil: Date | null }> {
  const current = await trx('storefronts').where({ id: storefrontId }).forUpdate().first('webhook_secret_key_id', 'webhook_secret');
  if (!current) throw notFound('Storefront');
  const secret = issueWebhookSecret();
  const sealed = sealWebhookSecret(vault, storefrontId, secret);
  const previousValidUntil = current.webhook_secret ? new Date(Date.now() + WEBHOOK_SECRET_GRACE_HOURS * 3600_000) : null;
  await trx('storefronts').where({ id: storefrontId }).update({
    webhook_secret_key_id: sealed.keyId,
    webhook_secret: sealed.payload,
    previous_webhook_secret_key_id: current.webhook_secret_key_id,
    previous_webhook_secret: current.webhook_secret,
    previous_webhook_secret_until: previousValidUntil,
  });
  return { webhookSecret: secret, previousValidUntil };
}
