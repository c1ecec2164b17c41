import type { Db } from '../db';
import type { CodeVault } from '../lib/code-vault';
import { openWebhookSecret, sealWebhookSecret } from '../storefronts/webhook-secret';
import { openCode, sealCode } from './code-secret';

// Finishing a key rotation: after a new key is put first in CARDFLOW_ENCRYPTION_KEYS, new writes
// use it at once; this re-seals what older keys sealed (codes, webhook secrets), a batch per
// transaction, so the old key can then be removed. Safe to stop and run again at any point.

export async function reencryptToActiveKey(db: Db, vault: CodeVault, batchSize = 1000): Promise<{ codes: number; webhookSecrets: number }> {
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
  return { codes, webhookSecrets: storefronts.length };
}
