import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

// `npm test` runs ESLint over the repository (npm run lint). This proves the configuration it
// runs still catches what it is there for: a file with a promise nobody awaits fails, and the
// same file with the promise awaited passes (so the failure is the rule's, not a broken setup).
// ESLint runs as its CLI, as `npm run lint` does: it loads eslint.config.mjs with a dynamic
// import, which jest's module sandbox does not allow in-process.

const root = path.resolve(__dirname, '..');
const eslint = path.join(root, 'node_modules', '.bin', 'eslint');

/** Lints each body, wrapped in a module beside a promise-returning function, in one ESLint run. */
async function lintProbes(bodies: string[]): Promise<string[][]> {
  // Real files inside the type-checked project: the rule needs the types to see a promise.
  const files = bodies.map((body, i) => {
    const file = path.join(root, 'test', `lint-probe-${process.pid}-${i}.ts`);
    fs.writeFileSync(file, `async function save(): Promise<void> {}\n\nexport async function handle() {\n  ${body}\n}\n`);
    return file;
  });
  try {
    // ESLint exits 1 when it finds an error; its report is on stdout either way.
    const stdout = await promisify(execFile)(eslint, ['--format', 'json', ...files], { cwd: root }).then(
      (r) => r.stdout,
      (err: { code?: number; stdout?: string }) => {
        if (err.code === 1 && err.stdout) return err.stdout;
        throw err;
      },
    );
    const results = JSON.parse(stdout) as { filePath: string; messages: { ruleId: string | null; severity: number }[] }[];
    return files.map((f) =>
      results
        .find((r) => r.filePath === f)!
        .messages.filter((m) => m.severity === 2)
        .map((m) => m.ruleId ?? 'fatal'),
    );
  } finally {
    for (const f of files) fs.rmSync(f, { force: true });
  }
}

let floating: string[];
let awaited: string[];
beforeAll(async () => {
  [floating, awaited] = await lintProbes(['save();', 'await save();']);
}, 120_000);

test('a floating promise is a lint error', () => {
  expect(floating).toEqual(['@typescript-eslint/no-floating-promises']);
});

test('positive control: the same promise awaited lints clean', () => {
  expect(awaited).toEqual([]);
});
