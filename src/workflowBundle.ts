/**
 * How the workflow code is bundled, the same way for production images, tests and benchmarks.
 * With the SDK's default settings, not webpack's production mode: its minifier renames functions,
 * and `executeChild(installVib)` takes the child workflow type from the function's name.
 */
import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode, type BundleOptions } from '@temporalio/worker';

export const WORKFLOWS_PATH = require.resolve('./workflows');

/** webpack's chatter off; warnings and errors still shown. */
const QUIET: NonNullable<BundleOptions['logger']> = { trace() {}, debug() {}, info() {}, log() {}, warn: console.warn, error: console.error };

export async function bundleWorkflows(): Promise<string> {
  return (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: QUIET })).code;
}

/** Writes the bundle to `file` (for VIBFLOW_WORKFLOW_BUNDLE) and returns its size in bytes. */
export async function writeWorkflowBundle(file: string): Promise<number> {
  const code = await bundleWorkflows();
  await writeFile(file, code);
  return Buffer.byteLength(code);
}
