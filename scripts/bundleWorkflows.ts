/**
 * Bundles the workflow code once at build time, so production workers start from a prebuilt bundle
 * (VIBFLOW_WORKFLOW_BUNDLE) instead of running webpack on every start.
 *
 *   node dist/scripts/bundleWorkflows.js [OUT]     (OUT defaults to dist/workflow-bundle.js)
 *
 * The bundle is made with the SDK's own webpack settings, the same ones the tests use, and not
 * with webpack's production mode: its minifier renames functions, and `executeChild(installVib)`
 * takes the child workflow type from the function's name.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? path.join('dist', 'workflow-bundle.js'));
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    logger: { trace() {}, debug() {}, info() {}, log() {}, warn: console.warn, error: console.error },
  });
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, code);
  process.stdout.write(`workflow bundle: ${out} (${Buffer.byteLength(code)} bytes)\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
