// Builds the console: type-checks admin-ui and bundles it with vite into admin-ui/dist, which
// the api serves at /console. With --if-stale (npm start) it builds only when the console's
// sources, the shared modules it imports, or the installed packages changed since the last build:
// a hash of them is kept beside the build.
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'admin-ui', 'dist');
const stamp = path.join(dist, '.source-hash');
// The console imports lib/permissions.ts, stock/parse-codes.ts, risk/vocabulary.ts and
// orders/lifecycle.ts; hashing those folders (and that file) is enough.
const inputs = ['admin-ui', 'lib', 'stock', 'risk', 'orders/lifecycle.ts', 'package-lock.json'];

function files(p) {
  const abs = path.join(root, p);
  if (!fs.existsSync(abs)) return [];
  if (fs.statSync(abs).isFile()) return [p];
  return fs
    .readdirSync(abs)
    .filter((name) => name !== 'dist' && name !== 'node_modules')
    .flatMap((name) => files(path.join(p, name)));
}

function sourceHash() {
  const h = crypto.createHash('sha256');
  for (const f of inputs.flatMap(files).sort())
    h.update(f)
      .update('\0')
      .update(fs.readFileSync(path.join(root, f)))
      .update('\0');
  return h.digest('hex');
}

function run(args, what) {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[cardflow] console: ${what} failed`);
    process.exit(r.status ?? 1);
  }
}

const hash = sourceHash();
if (process.argv.includes('--if-stale') && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) process.exit(0);

const bin = (pkg, file) => path.join(path.dirname(require.resolve(`${pkg}/package.json`, { paths: [root] })), file);
let vite;
try {
  vite = bin('vite', 'bin/vite.js');
} catch {
  console.error('[cardflow] console: vite is not installed (run `npm ci` with dev dependencies to build the console)');
  process.exit(1);
}
console.log('[cardflow] building the console ...');
run([bin('typescript', 'bin/tsc'), '-p', 'admin-ui/tsconfig.json'], 'type-check');
run([vite, 'build', '--config', 'admin-ui/vite.config.mts', '--logLevel', 'warn'], 'vite build');
precompress(dist);
fs.writeFileSync(stamp, hash);

// Every text file of the build also as .br and .gz beside it, made once here at the highest
// settings, so the api sends the smaller copy a browser accepts without compressing per request
// (api/console-static.ts). Fonts (woff2) are compressed already.
function precompress(dir) {
  const zlib = require('node:zlib');
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    if (fs.statSync(file).isDirectory()) precompress(file);
    else if (/\.(js|css|html|svg|json|txt|map)$/.test(name) && fs.statSync(file).size >= 1024) {
      const raw = fs.readFileSync(file);
      fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }));
      fs.writeFileSync(`${file}.gz`, zlib.gzipSync(raw, { level: 9 }));
    }
  }
}
