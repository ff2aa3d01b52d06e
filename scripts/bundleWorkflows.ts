/**
 * Bundles the workflow code once at build time, so production workers start from a prebuilt bundle
 * (VIBFLOW_WORKFLOW_BUNDLE) instead of running webpack on every start.
 *
 *   node dist/scripts/bundleWorkflows.js [OUT]     (OUT defaults to dist/workflow-bundle.js)
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeWorkflowBundle } from '../src/workflowBundle';

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? path.join('dist', 'workflow-bundle.js'));
  await mkdir(path.dirname(out), { recursive: true });
  const bytes = await writeWorkflowBundle(out);
  process.stdout.write(`workflow bundle: ${out} (${bytes} bytes)\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
