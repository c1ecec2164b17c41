import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { tracedBundlePath, workflowInterceptorModules } from '../worker/create-worker';

// `npm run build`, second step: the workflow code bundled once at build time, so production
// workers load it (WORKFLOW_BUNDLE_PATH) instead of running webpack at every start-up. Two
// files: the plain bundle, and beside it the one with OpenTelemetry's workflow interceptors,
// which a worker with tracing on loads instead (worker/create-worker.ts).
// Run from the source tree with tsx; an optional argument overrides the plain bundle's file.
async function main() {
  const out = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'dist', 'workflow-bundle.js'));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  for (const [file, traced] of [
    [out, false],
    [tracedBundlePath(out), true],
  ] as const) {
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), workflowInterceptorModules: workflowInterceptorModules({ traced }) });
    fs.writeFileSync(file, code);
    console.log(`[cardflow] workflow bundle written to ${file} (${(code.length / 1024).toFixed(0)} KiB)`);
  }
}

main().catch((err) => {
  console.error('[cardflow] bundling the workflows failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
