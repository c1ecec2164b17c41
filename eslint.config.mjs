// ESLint for the whole repository: server code, workflows, tests, scripts, bench and the console.
// Type-aware (typescript-eslint's recommendedTypeChecked), so that rules like no-floating-promises
// see what a call returns. Each TypeScript file is checked against the tsconfig nearest to it:
// tsconfig.json for the server side, admin-ui/tsconfig.json for the console.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'admin-ui/dist/', '.tools/', '.data/', 'coverage/', 'test-artifacts/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', '*.js', 'scripts/*.js', 'test/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // The point of running ESLint here: a promise nobody awaits loses its errors. Fire-and-forget
      // must be said out loud with `void` (and a comment why); IIFEs get no pass.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreIIFE: false }],
      // Rows from knex and pg, JSON bodies and Temporal payloads arrive as `any` at the edges; the
      // unsafe-* family would flag every use of them (thousands of findings) and needs the typed
      // tables (db/tables.ts) to reach every query first. Explicit `any` is refused outside the tests:
      // a row, a JSON body or a form's values gets a type that says which fields are read.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-explicit-any': 'error',
      // knex's where-callbacks (`.where((q) => q.where(...).orWhere(...))`) return the builder, which
      // is a thenable, so checking callbacks passed as arguments reports every grouped condition (20
      // findings, all knex). Event handlers in the console (attributes) stay checked.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      // tsc's noUnusedLocals already fails the build on unused names; a second report adds nothing,
      // and this rule also flags the `_`-prefixed parameters kept for a signature.
      '@typescript-eslint/no-unused-vars': 'off',
      // Template literals with numbers and nullable values are how log and error texts are built
      // throughout (`${count} units`); the rule's defaults refuse numbers in some versions.
      // An async function without await is how an implementation meets a Promise-returning contract
      // (a resolver, a migration source, a jest hook) and turns a throw into a rejection; 20 such
      // places, none a bug.
      '@typescript-eslint/require-await': 'off',
      // Flags methods declared in an object literal's type (`log(...)`) when destructured from a plain
      // record; no finding here involved a class method whose `this` matters.
      '@typescript-eslint/unbound-method': 'off',
      // `'out_of_stock' | 'rate_limited' | string` is written on purpose: it lists the codes a reader
      // should expect while accepting any a supplier sends.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      // Workflows and the code import throw small sentinel classes for control flow (caught a few
      // lines later), and rethrow caught values unchanged; everything else must throw an Error.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingUnknown: true, allow: [{ from: 'file', name: ['Resolved', 'NothingNew'] }] }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
    },
  },
  {
    // Tests may keep an `any` where an answer's whole shape would be written out only to be asserted on.
    files: ['test/**', '**/*.test.ts', '**/*.test.tsx'],
    rules: { '@typescript-eslint/no-explicit-any': 'warn' },
  },
  {
    // Plain JavaScript (build scripts, jest config, this file) runs under Node as CommonJS or ESM
    // without types: lint it for plain mistakes only.
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
);
