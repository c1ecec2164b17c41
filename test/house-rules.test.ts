import fs from 'node:fs';
import path from 'node:path';

// Which folder may import which: lib/ is plumbing any part may use, so it imports no domain
// code; the production supplier adapter shares no code with the simulator it is tested against;
// audit rows are written in one place.

const root = path.resolve(__dirname, '..');

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : sources(rel);
    return /\.tsx?$/.test(e.name) ? [rel] : [];
  });
}

/** The repository folders a source file imports from (relative imports and requires only). */
function importedFolders(file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|require\()\s*'(\.[^']*)'/g)].map((m) => m[1]);
  return specs.map((s) => path.relative(root, path.resolve(path.dirname(path.join(root, file)), s)).split(path.sep)[0]);
}

test('lib/ imports nothing but lib/ and the database handle', () => {
  const outside = sources('lib').flatMap((f) =>
    importedFolders(f)
      .filter((d) => d !== 'lib' && d !== 'db')
      .map((d) => `${f} → ${d}/`),
  );
  expect(outside).toEqual([]);
});

test('the production supplier adapters import nothing from the simulator', () => {
  expect(
    sources('suppliers').flatMap((f) =>
      importedFolders(f)
        .filter((d) => d === 'supplier-sim')
        .map(() => f),
    ),
  ).toEqual([]);
});

test('only lib/audit.ts inserts audit rows', () => {
  const folders = ['api', 'orders', 'stock', 'risk', 'suppliers', 'activities', 'workflows', 'storefronts', 'lib', 'app', 'scripts', 'worker'];
  const writers = folders.flatMap(sources).filter((f) => /audit_log'\)\s*\.insert/.test(fs.readFileSync(path.join(root, f), 'utf8')));
  expect(writers).toEqual([path.join('lib', 'audit.ts')]);
});

test('positive control: the import scan sees imports across folders', () => {
  expect(importedFolders(path.join('api', 'app.ts'))).toEqual(expect.arrayContaining(['lib', 'orders']));
  expect(importedFolders(path.join('test', 'supplier-signing.test.ts'))).toEqual(['suppliers', 'supplier-sim']);
});

// A buyer's, a gift recipient's and a list entry's phone number are one rule: a change to what
// counts as a phone number reaches all three.
test('only lib/phone-number.ts says what a phone number looks like', () => {
  const folders = ['api', 'orders', 'stock', 'risk', 'suppliers', 'activities', 'storefronts', 'lib'];
  const writers = folders.flatMap(sources).filter((f) => fs.readFileSync(path.join(root, f), 'utf8').includes('[0-9 ()-]{5,20}'));
  expect(writers).toEqual([path.join('lib', 'phone-number.ts')]);
});
