import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

// Every package a source file imports is declared in package.json. An undeclared one works only
// while some other package happens to pull it in, and breaks on the day that one stops.

const root = path.resolve(__dirname, '..');
const FOLDERS = [
  'activities',
  'admin-ui',
  'api',
  'app',
  'bench',
  'db',
  'lib',
  'orders',
  'risk',
  'scripts',
  'stock',
  'storefronts',
  'supplier-sim',
  'suppliers',
  'test',
  'worker',
  'workflows',
];

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return ['node_modules', 'dist', 'fixtures'].includes(e.name) ? [] : sources(rel);
    return /\.(ts|tsx|mts|js|mjs)$/.test(e.name) ? [rel] : [];
  });
}

// A bare specifier: a package name (scoped or not), maybe a path inside it; not './x', 'node:x' or prose.
const PACKAGE_NAME = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(\/[\w./-]*)?$/;

/** The packages a piece of source imports: bare specifiers of import/export/require/import(), cut to the package name. */
export function importedPackages(text: string): string[] {
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)].map((m) => m[1]);
  return specs
    .filter((s) => PACKAGE_NAME.test(s) && !builtinModules.includes(s.split('/')[0]))
    .map((s) =>
      s
        .split('/')
        .slice(0, s.startsWith('@') ? 2 : 1)
        .join('/'),
    );
}

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]);

test('every imported package is declared in package.json', () => {
  const files = [...FOLDERS.flatMap(sources), 'eslint.config.mjs', 'jest.config.js'];
  const undeclared = files.flatMap((f) =>
    importedPackages(fs.readFileSync(path.join(root, f), 'utf8'))
      .filter((p) => !declared.has(p))
      .map((p) => `${f}: ${p}`),
  );
  expect(undeclared).toEqual([]);
});

test('positive control: the scan sees packages, scoped ones whole, and no built-ins', () => {
  const text = `import express from 'express';\nimport { Worker } from '@temporalio/worker/lib/x';\nimport fs from 'node:fs';\nimport path from 'path';\nconst z = require('zod');\nimport './local';\nimport 'undeclared-thing';\n`;
  expect(importedPackages(text)).toEqual(['express', '@temporalio/worker', 'zod', 'undeclared-thing']);
  expect(importedPackages(fs.readFileSync(path.join(root, 'api', 'app.ts'), 'utf8'))).toContain('express');
});
