import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowInterceptorModules } from '../worker/create-worker';

// `npm run build`, second step: the workflow code bundled once at build time, so production
// workers load it (WORKFLOW_BUNDLE_PATH) instead of running webpack at every start-up.
// Run from the source tree with tsx; an optional argument overrides the output file.
async function main() {
  const out = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'dist', 'workflow-bundle.js'));
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), workflowInterceptorModules });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, code);
  console.log(`[cardflow] workflow bundle written to ${out} (${(code.length / 1024).toFixed(0)} KiB)`);
}

main().catch((err) => {
  console.error('[cardflow] bundling the workflows failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
