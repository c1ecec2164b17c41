import { spawn } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../lib/config';

// `npm run dev`: the whole system as `npm start` runs it, plus the console from vite's dev server
// with hot reload (http://localhost:5173/console/), which passes /admin on to the api.

const root = path.resolve(__dirname, '..');
const config = loadConfig();
const vitePkg = require.resolve('vite/package.json', { paths: [root] });

const system = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'start.ts')], { cwd: root, stdio: 'inherit' });
const vite = spawn(process.execPath, [path.join(path.dirname(vitePkg), 'bin', 'vite.js'), '--config', 'admin-ui/vite.config.mts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, PORT: String(config.PORT) },
});

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  vite.kill('SIGTERM');
  system.kill('SIGTERM');
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, stop);
system.on('exit', (code) => {
  stop();
  process.exitCode = code ?? 0;
});
vite.on('exit', stop);
