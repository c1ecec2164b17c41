import { hash, verify } from '@node-rs/argon2';

// Console passwords: argon2id with the library's defaults (19 MiB, 2 passes — OWASP's minimum),
// run off the event loop by the native binding. Unlike API keys, passwords are guessable, so a
// slow, salted hash is what stands between a stolen database and the accounts.

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

// Verified when the email is unknown, so an answer takes as long whether or not the account exists.
let decoy: Promise<string> | undefined;

export async function verifyPassword(storedHash: string | null | undefined, password: string): Promise<boolean> {
  if (!storedHash) {
    decoy ??= hash('not a real password; equalises timing');
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  try {
    return await verify(storedHash, password);
  } catch {
    return false; // a malformed stored hash never signs anyone in
  }
}
