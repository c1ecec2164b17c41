import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CodeVault, loadVaultKeys, parseEncryptionKeys, type Sealed } from '../lib/code-vault';

// The vault that keeps codes (卡密) and webhook secrets encrypted at rest: what it must do for a
// merchant's secrets to stay secret, to survive key rotation, and to refuse misconfiguration.

const key = () => crypto.randomBytes(32);
const vaultWith = (ids: { id: string; key: Buffer }[], fingerprintKey = key()) => new CodeVault({ encryptionKeys: ids, fingerprintKey });

/** The payload with one byte flipped at `index`. */
function flipped(sealed: Sealed, index: number): Sealed {
  const payload = Buffer.from(sealed.payload);
  payload[index] ^= 0x01;
  return { keyId: sealed.keyId, payload };
}

describe('sealing and opening codes', () => {
  const k1 = { id: 'k1', key: key() };
  const vault = vaultWith([k1]);
  const plaintext = JSON.stringify({ number: 'GAME-1234-5678-9012', pin: '88886666' });

  test('when a code is sealed for a row and opened for that row, then the plaintext comes back and the payload does not reveal it', () => {
    const sealed = vault.seal(plaintext, 'code:row-1');
    expect(sealed.keyId).toBe('k1');
    expect(sealed.payload.includes(Buffer.from('GAME-1234'))).toBe(false);
    expect(sealed.payload.includes(Buffer.from('88886666'))).toBe(false);
    expect(vault.open(sealed, 'code:row-1')).toBe(plaintext);

    // Random IV: sealing the same code twice gives two different payloads that both open.
    const again = vault.seal(plaintext, 'code:row-1');
    expect(again.payload.equals(sealed.payload)).toBe(false);
    expect(vault.open(again, 'code:row-1')).toBe(plaintext);
  });

  test('when non-ASCII and empty secrets are sealed, then they round-trip exactly', () => {
    for (const text of ['', '卡号----密码', 'x'.repeat(10_000)]) {
      expect(vault.open(vault.seal(text, 'code:row-2'), 'code:row-2')).toBe(text);
    }
  });

  test('when a ciphertext sealed for one row is opened for another row, then it is refused', () => {
    const sealed = vault.seal(plaintext, 'code:row-a');
    expect(vault.open(sealed, 'code:row-a')).toBe(plaintext); // positive control
    expect(() => vault.open(sealed, 'code:row-b')).toThrow();
    expect(() => vault.open(sealed, 'storefront:row-a')).toThrow();
  });

  test('when any byte of the payload is tampered with (IV, tag or ciphertext), then opening fails instead of returning altered text', () => {
    const sealed = vault.seal(plaintext, 'code:row-3');
    expect(vault.open(sealed, 'code:row-3')).toBe(plaintext); // positive control
    for (const index of [0, 11, 12, 27, 28, sealed.payload.length - 1]) {
      expect(() => vault.open(flipped(sealed, index), 'code:row-3')).toThrow();
    }
    expect(() => vault.open({ keyId: 'k1', payload: sealed.payload.subarray(0, sealed.payload.length - 1) }, 'code:row-3')).toThrow();
    expect(() => vault.open({ keyId: 'k1', payload: Buffer.concat([sealed.payload, Buffer.from([0])]) }, 'code:row-3')).toThrow();
  });

  test('when a ciphertext is labelled with another configured key id, then opening fails', () => {
    const two = vaultWith([{ id: 'k2', key: key() }, k1]);
    const sealed = two.seal(plaintext, 'code:row-4');
    expect(two.open(sealed, 'code:row-4')).toBe(plaintext); // positive control
    expect(() => two.open({ keyId: 'k1', payload: sealed.payload }, 'code:row-4')).toThrow();
  });

  test('when keys are rotated to [k2, k1], then new codes are sealed with k2 and codes sealed under k1 alone still open', () => {
    const old = vaultWith([k1]);
    const sealedBefore = old.seal(plaintext, 'code:row-5');
    expect(sealedBefore.keyId).toBe('k1');

    const rotated = vaultWith([{ id: 'k2', key: key() }, k1]);
    expect(rotated.activeKeyId).toBe('k2');
    expect(rotated.open(sealedBefore, 'code:row-5')).toBe(plaintext);

    const sealedAfter = rotated.seal(plaintext, 'code:row-6');
    expect(sealedAfter.keyId).toBe('k2');
    expect(rotated.open(sealedAfter, 'code:row-6')).toBe(plaintext);
    // The old configuration does not know k2: the new key really was used.
    expect(() => old.open(sealedAfter, 'code:row-6')).toThrow(/k2/);
  });

  test('when the vault lacks the key a ciphertext names, then the error names that key id and reveals neither the code nor the row', () => {
    const other = vaultWith([{ id: 'k9', key: key() }]);
    const sealed = other.seal(plaintext, 'code:row-secret-id');
    expect(other.open(sealed, 'code:row-secret-id')).toBe(plaintext); // positive control

    let message = '';
    try {
      vault.open(sealed, 'code:row-secret-id');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('"k9"');
    expect(message).toMatch(/not configured/);
    expect(message).not.toContain('GAME-1234');
    expect(message).not.toContain('88886666');
    expect(message).not.toContain('row-secret-id');
    expect(message).not.toContain(sealed.payload.toString('base64'));
    expect(message).not.toContain(sealed.payload.toString('hex'));
  });

  test('when a vault is built with no key, a short key or a short fingerprint key, then it refuses to start', () => {
    expect(() => new CodeVault({ encryptionKeys: [], fingerprintKey: key() })).toThrow(/at least one encryption key/);
    expect(() => vaultWith([{ id: 'short', key: crypto.randomBytes(16) }])).toThrow(/encryption key short must be 32 bytes/);
    expect(() => vaultWith([k1], crypto.randomBytes(16))).toThrow(/fingerprint key must be at least 32 bytes/);
    expect(() => vaultWith([k1], key())).not.toThrow(); // positive control
  });
});

describe('fingerprints', () => {
  test('when the same value is fingerprinted twice, then the fingerprints are equal; a different value gives a different one', () => {
    const fpKey = key();
    const a = vaultWith([{ id: 'k1', key: key() }], fpKey);
    // Same fingerprint key, different encryption key: fingerprints still match (rotation keeps duplicates detectable).
    const b = vaultWith([{ id: 'k2', key: key() }], fpKey);
    expect(a.fingerprint('ABCD-1234\u0000PIN')).toBe(a.fingerprint('ABCD-1234\u0000PIN'));
    expect(b.fingerprint('ABCD-1234\u0000PIN')).toBe(a.fingerprint('ABCD-1234\u0000PIN'));
    expect(a.fingerprint('ABCD-1234\u0000PIN')).not.toBe(a.fingerprint('ABCD-1235\u0000PIN'));
    expect(a.fingerprint('ABCD-1234\u0000PIN')).not.toContain('ABCD');
  });

  test('when two vaults have different fingerprint keys, then the same value fingerprints differently', () => {
    const a = vaultWith([{ id: 'k1', key: key() }], key());
    const b = vaultWith([{ id: 'k1', key: key() }], key());
    expect(a.fingerprint('ABCD-1234')).toBe(a.fingerprint('ABCD-1234')); // positive control
    expect(a.fingerprint('ABCD-1234')).not.toBe(b.fingerprint('ABCD-1234'));
  });
});

describe('CARDFLOW_ENCRYPTION_KEYS', () => {
  const k2 = crypto.randomBytes(32);
  const k1 = crypto.randomBytes(32);

  /** The message of what `fn` throws; fails the test if it does not throw. */
  function errorOf(fn: () => unknown): string {
    try {
      fn();
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('expected an error, got none');
  }

  test('when keys are listed newest first, then they come back in that order with their bytes', () => {
    const keys = parseEncryptionKeys(` k2:${k2.toString('base64')} , k1:${k1.toString('base64')} ,`);
    expect(keys.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(keys[0].key.equals(k2)).toBe(true);
    expect(keys[1].key.equals(k1)).toBe(true);
  });

  test('when an entry has no colon (or no id before it), then it is refused with the expected form, without echoing the key', () => {
    const b64 = k1.toString('base64');
    for (const text of [b64, `:${b64}`, `k2:${k2.toString('base64')},${b64}`]) {
      const message = errorOf(() => parseEncryptionKeys(text));
      expect(message).toBe('CARDFLOW_ENCRYPTION_KEYS entries must look like keyId:base64Key');
      expect(message).not.toContain(b64);
    }
  });

  test('when a key is not 32 bytes, then it is refused naming the key id and the length, without echoing the key', () => {
    const short = crypto.randomBytes(16).toString('base64');
    const message = errorOf(() => parseEncryptionKeys(`k1:${short}`));
    expect(message).toMatch(/^encryption key k1 must be 32 bytes, base64-encoded \(got 16 bytes\)$/);
    expect(message).not.toContain(short);

    expect(errorOf(() => parseEncryptionKeys(`k1:${crypto.randomBytes(33).toString('base64')}`))).toMatch(/encryption key k1 must be 32 bytes.*got 33 bytes/);
    expect(errorOf(() => parseEncryptionKeys('k1:'))).toMatch(/encryption key k1 must be 32 bytes.*got 0 bytes/);
  });

  test('when a key id repeats, then the list is refused', () => {
    expect(errorOf(() => parseEncryptionKeys(`k1:${k2.toString('base64')},k1:${k1.toString('base64')}`))).toBe('CARDFLOW_ENCRYPTION_KEYS repeats the key id "k1"');
    expect(parseEncryptionKeys(`k2:${k2.toString('base64')},k1:${k1.toString('base64')}`)).toHaveLength(2); // positive control
  });

  test('when the list is empty or an id has characters outside A-Z a-z 0-9 _ . -, then it is refused with a message saying so', () => {
    expect(errorOf(() => parseEncryptionKeys(''))).toBe('CARDFLOW_ENCRYPTION_KEYS lists no key');
    expect(errorOf(() => parseEncryptionKeys(' , '))).toBe('CARDFLOW_ENCRYPTION_KEYS lists no key');
    expect(errorOf(() => parseEncryptionKeys(`key one:${k1.toString('base64')}`))).toMatch(/encryption key id "key one" must be 1-32 of/);
    expect(errorOf(() => parseEncryptionKeys(`${'k'.repeat(33)}:${k1.toString('base64')}`))).toMatch(/must be 1-32 of/);
  });
});

describe('loading vault keys', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cardflow-vault-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('when no keys are configured and the data dir is empty, then keys.json is generated (mode 0600) once, and later starts use the same keys', () => {
    const dataDir = path.join(dir, 'data', 'nested');
    const generated: string[] = [];
    const first = loadVaultKeys({ CARDFLOW_DATA_DIR: dataDir }, (file) => generated.push(file));

    const file = path.join(dataDir, 'keys.json');
    expect(generated).toEqual([file]);
    expect(fs.existsSync(file)).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(first.encryptionKeys).toHaveLength(1);
    expect(first.encryptionKeys[0].key).toHaveLength(32);
    expect(first.fingerprintKey.length).toBeGreaterThanOrEqual(32);

    const second = loadVaultKeys({ CARDFLOW_DATA_DIR: dataDir }, (f) => generated.push(f));
    expect(generated).toHaveLength(1); // not generated again
    expect(second.encryptionKeys.map((k) => k.id)).toEqual(first.encryptionKeys.map((k) => k.id));
    expect(second.encryptionKeys[0].key.equals(first.encryptionKeys[0].key)).toBe(true);
    expect(second.fingerprintKey.equals(first.fingerprintKey)).toBe(true);

    // What was sealed before a restart opens after it, and duplicates are still recognised.
    const before = new CodeVault(first);
    const after = new CodeVault(second);
    expect(after.open(before.seal('CODE-1', 'code:x'), 'code:x')).toBe('CODE-1');
    expect(after.fingerprint('CODE-1')).toBe(before.fingerprint('CODE-1'));
  });

  test('when two data dirs generate keys, then the keys differ (they are random, not a fixed default)', () => {
    const a = loadVaultKeys({ CARDFLOW_DATA_DIR: path.join(dir, 'a') });
    const b = loadVaultKeys({ CARDFLOW_DATA_DIR: path.join(dir, 'b') });
    expect(a.encryptionKeys[0].key.equals(b.encryptionKeys[0].key)).toBe(false);
    expect(a.fingerprintKey.equals(b.fingerprintKey)).toBe(false);
  });

  test('when only one of CARDFLOW_ENCRYPTION_KEYS and CARDFLOW_FINGERPRINT_KEY is set, then loading refuses and generates no key file', () => {
    const enc = `k1:${key().toString('base64')}`;
    const fp = key().toString('base64');
    const both = /set both CARDFLOW_ENCRYPTION_KEYS and CARDFLOW_FINGERPRINT_KEY, or neither/;
    expect(() => loadVaultKeys({ CARDFLOW_DATA_DIR: dir, CARDFLOW_ENCRYPTION_KEYS: enc })).toThrow(both);
    expect(() => loadVaultKeys({ CARDFLOW_DATA_DIR: dir, CARDFLOW_FINGERPRINT_KEY: fp })).toThrow(both);
    expect(fs.readdirSync(dir)).toEqual([]);

    // Positive control: both set loads them from the environment, still without a key file.
    const keys = loadVaultKeys({ CARDFLOW_DATA_DIR: dir, CARDFLOW_ENCRYPTION_KEYS: enc, CARDFLOW_FINGERPRINT_KEY: fp });
    expect(keys.encryptionKeys[0].id).toBe('k1');
    expect(keys.encryptionKeys[0].key.toString('base64')).toBe(enc.slice(3));
    expect(keys.fingerprintKey.toString('base64')).toBe(fp);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('when the fingerprint key in the environment is not 32 bytes, then loading refuses naming the variable', () => {
    expect(() =>
      loadVaultKeys({ CARDFLOW_DATA_DIR: dir, CARDFLOW_ENCRYPTION_KEYS: `k1:${key().toString('base64')}`, CARDFLOW_FINGERPRINT_KEY: crypto.randomBytes(8).toString('base64') }),
    ).toThrow(/CARDFLOW_FINGERPRINT_KEY must be 32 bytes/);
  });

  test('when NODE_ENV is production and no keys are configured, then loading refuses instead of generating keys beside the data', () => {
    const dataDir = path.join(dir, 'prod');
    expect(() => loadVaultKeys({ NODE_ENV: 'production', CARDFLOW_DATA_DIR: dataDir })).toThrow('NODE_ENV=production needs CARDFLOW_ENCRYPTION_KEYS and CARDFLOW_FINGERPRINT_KEY');
    expect(fs.existsSync(path.join(dataDir, 'keys.json'))).toBe(false);
    expect(loadVaultKeys({ NODE_ENV: 'development', CARDFLOW_DATA_DIR: dataDir }).encryptionKeys).toHaveLength(1);
  });
});
