import type { Db } from '../db';
import type { CodeVault } from '../lib/code-vault';
import { openWebhookSecret, sealWebhookSecret } from '../storefronts/webhook-secret';
import { openSupplierCredentials, sealSupplierCredentials } from '../suppliers/credentials';
import { openCode, sealCode } from './code-secret';

// Finishing a key rotation: after a new key is put first in CARDFLOW_ENCRYPTION_KEYS, new writes
// use it at once; this re-seals what older keys sealed (codes, webhook secrets, supplier credentials), a batch per
// transaction, so the old key can then be removed. Safe to stop and run again at any point.

export async function reencryptToActiveKey(db: Db, vault: CodeVault, batchSize = 1000): Promise<{ codes: number; webhookSecrets: number; supplierCredentials: number }> {
  const active = vault.activeKeyId;
  let codes = 0;
  for (;;) {
    const moved = await db.transaction(async (trx) => {
      const rows = await trx('codes').whereNot({ key_id: active }).orderBy('id').limit(batchSize).forUpdate().select('id', 'key_id', 'secret');
      for (const row of rows) {
        const sealed = sealCode(vault, row.id, openCode(vault, row));
        await trx('codes').where({ id: row.id }).update({ key_id: sealed.keyId, secret: sealed.payload });
      }
      return rows.length;
    });
    codes += moved;
    if (moved < batchSize) break;
  }

  const storefronts = await db('storefronts').whereNotNull('webhook_secret').whereNot({ webhook_secret_key_id: active }).select('id', 'webhook_secret_key_id', 'webhook_secret');
  for (const s of storefronts) {
    const sealed = sealWebhookSecret(vault, s.id, openWebhookSecret(vault, s));
    await db('storefronts').where({ id: s.id, webhook_secret_key_id: s.webhook_secret_key_id }).update({ webhook_secret_key_id: sealed.keyId, webhook_secret: sealed.payload });
  }

  // A rotated-away webhook secret still signs during its grace period (storefronts/webhook-secret.ts).
  const previous = await db('storefronts')
    .whereNotNull('previous_webhook_secret')
    .whereNot({ previous_webhook_secret_key_id: active })
    .select('id', 'previous_webhook_secret_key_id', 'previous_webhook_secret');
  for (const s of previous) {
    const sealed = sealWebhookSecret(
      vault,
      s.id,
      openWebhookSecret(vault, { id: s.id, webhook_secret_key_id: s.previous_webhook_secret_key_id, webhook_secret: s.previous_webhook_secret }),
    );
    await db('storefronts')
      .where({ id: s.id, previous_webhook_secret_key_id: s.previous_webhook_secret_key_id })
      .update({ previous_webhook_secret_key_id: sealed.keyId, previous_webhook_secret: sealed.payload });
  }

  const suppliers = await db('suppliers').whereNotNull('credentials').whereNot({ credentials_key_id: active }).select('id', 'credentials_key_id', 'credentials');
  for (const s of suppliers) {
    const sealed = sealSupplierCredentials(vault, s.id, openSupplierCredentials(vault, s));
    // updated_at moves so every worker rebuilds its adapter with the re-sealed row.
    await db('suppliers')
      .where({ id: s.id, credentials_key_id: s.credentials_key_id })
      .update({ credentials_key_id: sealed.keyId, credentials: sealed.payload, updated_at: db.fn.now() });
  }
  return { codes, webhookSecrets: storefronts.length + previous.length, supplierCredentials: suppliers.length };
}
