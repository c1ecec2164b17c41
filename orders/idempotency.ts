import crypto from 'node:crypto';
import type { Db } from '../db';
import { conflict, invalidInput, InvariantBroken } from '../lib/errors';

// The one idempotency rule of the storefront API: a request identified by something the
// storefront chose (an order's externalRef, an `Idempotency-Key` header) and sent again with the
// same body gets the original answer; with a different body, 409 idempotency_conflict.

/** A validated request's hash; key order is fixed by its schema, so equal requests hash equally. */
export function hashRequest(request: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

/** Refuses a request whose identity was first used with a different body. */
export function requireSameRequest(storedHash: string, requestHash: string, message: string, details: Record<string, unknown>): void {
  if (storedHash !== requestHash) throw conflict('idempotency_conflict', message, details);
}

/** What an `Idempotency-Key` may be: printable ASCII, as the header draft and the common APIs allow. */
const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Binds an `Idempotency-Key` to this storefront's request (operation + validated body) the first
 * time it is seen; a repeat with the same request passes (the operation then answers as the
 * original did), one with a different request is refused. Without a key, nothing happens.
 * Says whether the key was new, a repeat of the same request, or not given.
 */
export async function bindIdempotencyKey(db: Db, storefrontId: string, key: string | undefined, operation: string, request: unknown): Promise<'first' | 'repeat' | 'none'> {
  if (key === undefined) return 'none';
  if (!KEY.test(key)) throw invalidInput('invalid_idempotency_key', 'The Idempotency-Key header must be 1 to 255 printable ASCII characters', { header: 'Idempotency-Key' });
  const requestHash = hashRequest({ operation, request });
  // The first request to write the key owns it, however many race for it.
  const written = await db('storefront_idempotency_keys')
    .insert({ storefront_id: storefrontId, key, request_hash: requestHash })
    .onConflict(['storefront_id', 'key'])
    .ignore()
    .returning('key');
  if (written.length > 0) return 'first';
  const bound = await db('storefront_idempotency_keys').where({ storefront_id: storefrontId, key }).first('request_hash');
  // The insert above conflicted, so the key's row is there.
  if (!bound) throw new InvariantBroken('idempotency_key_missing', { storefrontId });
  requireSameRequest(bound.request_hash, requestHash, `Idempotency-Key ${key} was already used for a different request`, { idempotencyKey: key });
  return 'repeat';
}
