import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console: built into admin-ui/dist and served by the api at /console; `npm run dev` serves
// it with hot reload and sends /admin to the api (PORT, default 3000).
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

export default defineConfig({
  root: here,
  base: '/console/',
  plugins: [react()],
  resolve: {
    // The import preview runs the server's own parser (stock/parse-codes.ts) in a web worker.
    alias: [{ find: /^csv-parse\/sync$/, replacement: 'csv-parse/browser/esm/sync' }],
  },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2500, sourcemap: false },
  worker: { format: 'es' },
  server: {
    port: Number(process.env.CONSOLE_DEV_PORT ?? 5173),
    fs: { allow: [root] },
    proxy: { '/admin': `http://127.0.0.1:${process.env.PORT ?? 3000}` },
  },
});
