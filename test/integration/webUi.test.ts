/**
 * What an operator sees: the dev server's Web UI in headless Chromium finds a running rollout by
 * its search attribute and shows its summary and live details. Leaves a screenshot.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startRollout, steer } from '../../src/api/rollouts';
import { startSimulator, type Simulator } from '../../src/simulator';
import { placeBundle } from '../support/bundles';
import { startTestWorker, testClient, uniqueTaskQueue, type TestWorker } from '../support/temporal';
import { waitFor } from '../support/waitFor';

const SCREENSHOTS = path.resolve(__dirname, '../../test-output/screenshots');

describe('the Temporal Web UI shows rollouts', () => {
  let simulator: Simulator;
  let worker: TestWorker;
  let browser: Browser;
  const taskQueue = uniqueTaskQueue('ui');

  beforeAll(async () => {
    simulator = await startSimulator({ hosts: 4, basePort: 0, addressBase: '127.37.0.1', installSeconds: 120, datastores: [{ name: 'ds1' }] });
    await placeBundle(simulator, 'file:///vmfs/volumes/ds1/ui-tools-1.0.0.zip', [{ name: 'ui-tools', version: '1.0.0' }]);
    worker = await startTestWorker({ taskQueue });
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await worker?.shutdown();
    await simulator?.stop();
  });

  it('finds a running rollout by VibflowRolloutId and shows its summary and current details', async () => {
    const uiUrl = process.env.VIBFLOW_TEST_TEMPORAL_UI;
    if (!uiUrl) throw new Error('the dev server runs without its UI; the browser test needs it');
    const rolloutId = `ui-${Date.now().toString(36)}`;
    const handle = await startRollout(
      await testClient(),
      { rolloutId, hosts: simulator.inventory.hosts, bundleUri: 'file:///vmfs/volumes/ds1/ui-tools-1.0.0.zip', maxConcurrency: 2, pollInterval: '1s' },
      taskQueue,
    );
    try {
      await waitFor(() => simulator.stats().fleet.installFromUri === 2, 'two hosts installing');
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const query = encodeURIComponent(`VibflowRolloutId="${rolloutId}" AND WorkflowType="fleetRollout"`);
      await page.goto(`${uiUrl}/namespaces/default/workflows?query=${query}`);
      const link = page.getByText(`vibflow-rollout:${rolloutId}`, { exact: true }).first();
      await link.waitFor({ timeout: 30_000 });
      await link.click();
      await page.getByText('User Metadata', { exact: true }).first().click();
      // The UI renders summary, details and current details as markdown inside iframes.
      const framesText = async () => (await Promise.all(page.frames().map((f) => f.innerText('body').catch(() => '')))).join('\n');
      await waitFor(async () => {
        const text = await framesText();
        return text.includes(`Rollout ${rolloutId}: file:///vmfs/volumes/ds1/ui-tools-1.0.0.zip on 4 hosts`) && text.includes('max concurrency 2, failure budget 0');
      }, 'the static summary and details', 30_000, 500);
      await waitFor(async () => /rollout \S+: rolling[\s\S]*hosts\s+pending\s+running[\s\S]*4\s+2\s+2/.test(await framesText()), 'the current details table', 30_000, 500);
      await mkdir(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'rollout-in-web-ui.png'), fullPage: true });
      await page.close();
    } finally {
      await steer.abort(handle, 'end of the UI test');
    }
  });
});
