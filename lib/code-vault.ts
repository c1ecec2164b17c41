import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// Codes (卡密) and other secrets are encrypted at rest with AES-256-GCM. Each ciphertext is
// stored beside the id of the key that made it, so keys can rotate: the first key encrypts,
// every listed key still decrypts. The row id is bound in as associated data, so a ciphertext
// copied onto another row does not decrypt.

export interface VaultKeys {
  /** Newest first; keys[0] encrypts. */
  encryptionKeys: { id: string; key: Buffer }[];
  /** HMAC key for fingerprints: equal codes give equal fingerprints without revealing them. */
  fingerprintKey: Buffer;
}

export interface Sealed {
  keyId: string;
  /** iv (12) || tag (16) || ciphertext */
  payload: Buffer;
}

export class CodeVault {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: VaultKeys) {
    if (keys.encryptionKeys.length === 0) throw new Error('at least one encryption key is required');
    for (const k of keys.encryptionKeys) {
      if (k.key.length !== 32) throw new Error(`encryption key ${k.id} must be 32 bytes`);
    }
    if (keys.fingerprintKey.length < 32) throw new Error('fingerprint key must be at least 32 bytes');
    this.byId = new Map(keys.encryptionKeys.map((k) => [k.id, k.key]));
  }

  get activeKeyId(): string {
    return this.keys.encryptionKeys[0].id;
  }

  seal(plaintext: string, boundTo: string): Sealed {
    const { id, key } = this.keys.encryptionKeys[0];
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(boundTo));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId: id, payload: Buffer.concat([iv, cipher.getAuthTag(), body]) };
  }

  open(sealed: Sealed, boundTo: string): string {
    const key = this.byId.get(sealed.keyId);
    // The message names the key id only: never the payload or what it was bound to.
    if (!key) throw new Error(`encryption key "${sealed.keyId}" is not configured`);
    const iv = sealed.payload.subarray(0, 12);
    const tag = sealed.payload.subarray(12, 28);
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(boundTo));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.payload.subarray(28)), decipher.final()]).toString('utf8');
  }

  fingerprint(value: string): string {
    return crypto.createHmac('sha256', this.keys.fingerprintKey).update(value).digest('base64url');
  }
}

function parseKey(text: string, what: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new Error(`${what} must be 32 bytes, base64-encoded (got ${key.length} bytes)`);
  return key;
}

/** `CARDFLOW_ENCRYPTION_KEYS="k2:base64,k1:base64"` (newest first). */
export function parseEncryptionKeys(text: string): VaultKeys['encryptionKeys'] {
  const keys = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((pair) => {
      const sep = pair.indexOf(':');
      if (sep <= 0) throw new Error('CARDFLOW_ENCRYPTION_KEYS entries must look like keyId:base64Key');
      const id = pair.slice(0, sep);
      if (!/^[A-Za-z0-9_.-]{1,32}$/.test(id)) throw new Error(`encryption key id "${id}" must be 1-32 of A-Z a-z 0-9 _ . -`);
      return { id, key: parseKey(pair.slice(sep + 1), `encryption key ${id}`) };
    });
  if (keys.length === 0) throw new Error('CARDFLOW_ENCRYPTION_KEYS lists no key');
  const repeated = keys.find((k, i) => keys.findIndex((o) => o.id === k.id) !== i);
  if (repeated) throw new Error(`CARDFLOW_ENCRYPTION_KEYS repeats the key id "${repeated.id}"`);
  return keys;
}

export interface VaultSettings {
  NODE_ENV?: string;
  CARDFLOW_ENCRYPTION_KEYS?: string;
  CARDFLOW_FINGERPRINT_KEY?: string;
  CARDFLOW_DATA_DIR: string;
}

/**
 * Keys from the environment; on the one-machine default, a key file generated in the data
 * directory on first start. `onGenerated` lets the caller warn that such keys live beside the data.
 */
export function loadVaultKeys(settings: VaultSettings, onGenerated?: (file: string) => void): VaultKeys {
  const fromEnv = settings.CARDFLOW_ENCRYPTION_KEYS;
  const fpFromEnv = settings.CARDFLOW_FINGERPRINT_KEY;
  if (fromEnv && fpFromEnv) {
    return { encryptionKeys: parseEncryptionKeys(fromEnv), fingerprintKey: parseKey(fpFromEnv, 'CARDFLOW_FINGERPRINT_KEY') };
  }
  if (fromEnv || fpFromEnv) {
    throw new Error('set both CARDFLOW_ENCRYPTION_KEYS and CARDFLOW_FINGERPRINT_KEY, or neither (for generated local keys)');
  }
  if (settings.NODE_ENV === 'production') {
    // Keys generated beside the data in production would be lost with a container, and codes with
    // them; a key file found there is not one the operator handed us, so it is not read either.
    throw new Error('NODE_ENV=production needs CARDFLOW_ENCRYPTION_KEYS and CARDFLOW_FINGERPRINT_KEY');
  }
  const file = path.join(settings.CARDFLOW_DATA_DIR, 'keys.json');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(settings.CARDFLOW_DATA_DIR, { recursive: true });
    const generated = {
      encryptionKeys: `k1:${crypto.randomBytes(32).toString('base64')}`,
      fingerprintKey: crypto.randomBytes(32).toString('base64'),
    };
    // wx: two processes starting at once must not overwrite each other's key.
    try {
      fs.writeFileSync(file, JSON.stringify(generated, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
      onGenerated?.(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { encryptionKeys: string; fingerprintKey: string };
  return {
    encryptionKeys: parseEncryptionKeys(stored.encryptionKeys),
    fingerprintKey: parseKey(stored.fingerprintKey, `fingerprintKey in ${file}`),
  };
}
