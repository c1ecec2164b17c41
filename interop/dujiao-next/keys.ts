import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { DujiaoApiKeyRow } from '../../db/tables';
import type { CodeVault } from '../../lib/code-vault';
import { InvariantBroken } from '../../lib/errors';

// A storefront's dujiao-next API keys (the "API Permissions" of the document's site B). The key
// names the caller in every request and in the callbacks we send, so it is kept as is; the
// secret signs and verifies, so it is sealed like a webhook secret, bound to its key row, and
// shown only once, when it is issued.

export interface DujiaoKey {
  id: string;
  userNo: number;
  merchantId: string;
  storefrontId: string;
  apiKey: string;
  secret: string;
}

const aad = (keyId: string) => `dujiao-key:${keyId}`;

export async function issueDujiaoKey(db: Knex, vault: CodeVault, merchantId: string, storefrontId: string): Promise<{ id: string; apiKey: string; apiSecret: string }> {
  const id = crypto.randomUUID();
  const apiKey = `cfdj_${crypto.randomBytes(12).toString('hex')}`;
  const apiSecret = crypto.randomBytes(32).toString('base64url');
  const sealed = vault.seal(apiSecret, aad(id));
  await db('dujiao_api_keys').insert({ id, merchant_id: merchantId, storefront_id: storefrontId, api_key: apiKey, secret_key_id: sealed.keyId, secret: sealed.payload });
  return { id, apiKey, apiSecret };
}

function opened(vault: CodeVault, row: DujiaoApiKeyRow): DujiaoKey {
  return {
    id: row.id,
    userNo: row.user_no,
    merchantId: row.merchant_id,
    storefrontId: row.storefront_id,
    apiKey: row.api_key,
    secret: vault.open({ keyId: row.secret_key_id, payload: row.secret }, aad(row.id)),
  };
}

/** The live key with this value, secret opened; undefined when unknown or revoked. */
export async function findLiveKey(db: Knex, vault: CodeVault, apiKey: string): Promise<DujiaoKey | undefined> {
  const row = await db('dujiao_api_keys').where({ api_key: apiKey }).whereNull('revoked_at').first();
  return row ? opened(vault, row) : undefined;
}

/** A key by id, revoked or not: callbacks for its orders are still signed with it. */
export async function keyById(db: Knex, vault: CodeVault, id: string): Promise<DujiaoKey> {
  const row = await db('dujiao_api_keys').where({ id }).first();
  // Keys are revoked, never deleted, and every protocol order references its key.
  if (!row) throw new InvariantBroken('dujiao_key_missing', { keyId: id });
  return opened(vault, row);
}
