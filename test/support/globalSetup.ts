/**
 * Once per test run: one real Temporal dev server and one workflow bundle, shared by every
 * integration test file through environment variables.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startDevServer, type DevServer } from '../../src/devserver/devServer';
import { writeWorkflowBundle } from '../../src/workflowBundle';
import { CANARY_VARIABLE, newCanary } from './secretCanary';

declare global {
  // eslint-disable-next-line no-var
  var vibflowTestServer: DevServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  const outDir = path.resolve(__dirname, '../../test-output');
  await mkdir(outDir, { recursive: true });
  const bundlePath = path.join(outDir, 'workflow-bundle.js');
  const [server] = await Promise.all([
    startDevServer({ ui: true, log: (line) => process.stdout.write(`\n${line}\n`) }),
    writeWorkflowBundle(bundlePath),
  ]);
  globalThis.vibflowTestServer = server;
  process.env.VIBFLOW_TEST_TEMPORAL_ADDRESS = server.address;
  process.env.VIBFLOW_TEST_TEMPORAL_UI = server.uiUrl;
  process.env.VIBFLOW_TEST_TEMPORAL_PID = String(server.pid);
  process.env.VIBFLOW_TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env[CANARY_VARIABLE] = newCanary();
}
