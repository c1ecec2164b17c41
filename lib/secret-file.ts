import fs from 'node:fs';
import path from 'node:path';

// Secrets generated per install (the embedded Postgres' passwords, the demo supplier's secret)
// live in small JSON files only their owner can read, beside the generated encryption keys.

/** The file's secrets; made with `generate` on first use. Two processes starting at once agree on one. */
export function readOrCreateSecretFile<T extends object>(file: string, generate: () => T): T {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      // wx: never overwrite a file another process has just written.
      fs.writeFileSync(file, JSON.stringify(generate(), null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  // A copy restored from a backup may have lost its mode: readable by its owner only.
  if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}
