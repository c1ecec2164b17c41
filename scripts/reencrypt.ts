import { createDb, embeddedDatabaseUrl } from '../db';
import { CodeVault, loadVaultKeys } from '../lib/code-vault';
import { loadConfig } from '../lib/config';
import { reencryptToActiveKey } from '../stock/reencrypt';

// `npm run reencrypt`: the last step of a key rotation. Put the new key first in
// CARDFLOW_ENCRYPTION_KEYS (keep the old ones), restart, run this, then drop the old keys.
async function main() {
  const config = loadConfig();
  const vault = new CodeVault(loadVaultKeys(config));
  const db = createDb(config.DATABASE_URL ?? embeddedDatabaseUrl(config.EMBEDDED_PG_PORT), 2);
  try {
    const done = await reencryptToActiveKey(db, vault);
    console.log(`[cardflow] re-sealed ${done.codes} codes, ${done.webhookSecrets} webhook secrets and ${done.supplierCredentials} supplier credentials with key "${vault.activeKeyId}"`);
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(`[cardflow] re-encryption failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
