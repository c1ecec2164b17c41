import { createDb } from '../db';
import { embeddedDatabaseUrl, embeddedPostgresDir } from '../db/embedded-postgres';
import { CodeVault, loadVaultKeys } from '../lib/code-vault';
import { loadConfig } from '../lib/config';
import { reencryptToActiveKey } from '../stock/reencrypt';
import { refingerprintCodes } from '../stock/refingerprint';

// `npm run reencrypt`: the last step of a key rotation. Put the new key first in
// CARDFLOW_ENCRYPTION_KEYS (keep the old ones), restart, run this, then drop the old keys.
// It also re-makes code fingerprints of an older version (the worker does that at start too).
async function main() {
  const config = loadConfig(process.env, 'tool');
  const vault = new CodeVault(loadVaultKeys(config));
  const db = createDb(config.DATABASE_URL ?? embeddedDatabaseUrl(embeddedPostgresDir(config.CARDFLOW_DATA_DIR), config.EMBEDDED_PG_PORT), 2);
  try {
    const refingerprinted = await refingerprintCodes(db, vault);
    if (refingerprinted.refingerprinted > 0) {
      console.log(
        `[cardflow] re-made ${refingerprinted.refingerprinted} code fingerprints; ${refingerprinted.duplicates} repeated another code (${refingerprinted.voided} unsold ones voided; audit log: code.duplicate_*)`,
      );
    }
    const done = await reencryptToActiveKey(db, vault);
    console.log(
      `[cardflow] re-sealed ${done.codes} codes, ${done.webhookSecrets} webhook secrets and ${done.supplierCredentials} supplier credentials with key "${vault.activeKeyId}"`,
    );
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(`[cardflow] re-encryption failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
