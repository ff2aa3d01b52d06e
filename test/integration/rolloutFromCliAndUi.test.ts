/**
 * The rollout issue's acceptance run: 100 simulated hosts, maxConcurrency 20, canary [1, 5], one
 * failing host. Started once as a user does from a terminal (`vibflow rollout ... --wait`) and
 * once the way the Web UI's Start Workflow form does it (workflow type, task queue and pasted
 * JSON, here through `temporal workflow start --input-file`); both must end with the same table.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { rolloutHandle, rolloutResult } from '../../src/api/rollouts';
import { rolloutWorkflowId } from '../../src/shared/ids';
import { startSimulator, type Simulator } from '../../src/simulator';
import type { RolloutResult } from '../../src/workflows/rolloutState';
import { startLikeUiForm, vibflow } from '../support/commands';
import { startTestWorker, temporalAddress, testClient, uniqueTaskQueue, type TestWorker } from '../support/temporal';
import { waitFor } from '../support/waitFor';
import { placeBundle } from '../support/bundles';

const HOSTS = 100;
const FAILING = 'esx-042';
const INSTALL_SECONDS = 2;
const BUNDLE = 'file:///vmfs/volumes/datastore1/fleet-agent-4.2.0.zip';

describe('a 100-host rollout, from the CLI and from the UI form', () => {
  let worker: TestWorker;
  let dir: string;
  const taskQueue = uniqueTaskQueue('hundred');

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-hundred-'));
    worker = await startTestWorker({ taskQueue });
  });

  afterAll(async () => {
    await worker?.shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  /** A fresh fleet per start, with the same failing host, and the run's figures printed. */
  async function onFleet(label: string, addressBase: string, start: (inventoryFile: string) => Promise<RolloutResult>) {
    const inventoryFile = path.join(dir, `${label}-inventory.json`);
    const simulator: Simulator = await startSimulator({
      hosts: HOSTS, basePort: 0, addressBase, installSeconds: INSTALL_SECONDS, failures: { [FAILING]: 'dependency' }, inventoryFile,
    });
    try {
      await placeBundle(simulator, BUNDLE, [{ name: 'fleet-agent', version: '4.2.0' }]);
      const began = Date.now();
      const result = await start(inventoryFile);
      const seconds = (Date.now() - began) / 1000;
      const stats = simulator.stats();
      // canary 1, canary 5, then ceil(94 / 20) = 5 full waves
      const ideal = (2 + Math.ceil((HOSTS - 6) / 20)) * INSTALL_SECONDS;
      process.stdout.write(`${label}: ${HOSTS} hosts in ${seconds.toFixed(1)} s (ideal ${ideal} s, ratio ${(seconds / ideal).toFixed(2)}), peak ${stats.fleet.peakConcurrentJobs} concurrent jobs\n`);
      expect(stats.fleet.peakConcurrentJobs).toBeLessThanOrEqual(20);
      for (const host of simulator.hosts) expect(stats.hosts[host.name].installFromUri).toBe(1);
      // Canary: esx-001 alone, esx-002..006 after it, everyone else after those.
      const job = (name: string) => stats.hosts[name].jobs[0];
      const canary2 = ['esx-002', 'esx-003', 'esx-004', 'esx-005', 'esx-006'].map(job);
      for (const j of canary2) expect(j.startedAt).toBeGreaterThanOrEqual(job('esx-001').endedAt);
      const canaryEnd = Math.max(...canary2.map((j) => j.endedAt));
      for (const host of simulator.hosts.slice(6)) expect(job(host.name).startedAt).toBeGreaterThanOrEqual(canaryEnd);
      return result;
    } finally {
      await simulator.stop();
    }
  }

  const comparable = (result: RolloutResult) => ({
    reason: result.reason,
    outcome: result.outcome,
    totals: result.totals,
    rows: result.rows.map(({ host, state, attempt, outcome, error }) => ({ host, state, attempt, outcome, error })),
  });

  it('ends with the same table either way', async () => {
    const stamp = Date.now().toString(36);
    const fromCli = await onFleet('from the CLI', '127.61.0.1', async (inventoryFile) => {
      const cli = await vibflow(['rollout', '--address', temporalAddress(), '--task-queue', taskQueue, '--id', `cli-${stamp}`,
        '--inventory', inventoryFile, '--uri', BUNDLE, '--max-concurrency', '20', '--max-failures', '1', '--canary', '1,5',
        '--poll', '1s', '--wait', '--json'], { timeoutMs: 150_000 });
      expect(cli.stderr).toBe('');
      expect(cli.code).toBe(1); // not every host succeeded
      return JSON.parse(cli.stdout) as RolloutResult;
    });

    const fromUiForm = await onFleet('from the UI form', '127.62.0.1', async (inventoryFile) => {
      const inventory = JSON.parse(await readFile(inventoryFile, 'utf8')) as { hosts: unknown[] };
      const rolloutId = `ui-${stamp}`;
      const started = await startLikeUiForm({
        type: 'fleetRollout', taskQueue, workflowId: rolloutWorkflowId(rolloutId), address: temporalAddress(), inputFile: path.join(dir, 'ui-input.json'),
        input: { rolloutId, hosts: inventory.hosts, bundleUri: BUNDLE, maxConcurrency: 20, maxFailures: 1, canary: [1, 5], pollInterval: '1s' },
      });
      expect(started.code).toBe(0);
      const handle = rolloutHandle(await testClient(), rolloutId);
      const result = await rolloutResult(handle);
      const events = (await handle.fetchHistory()).events?.length ?? 0;
      process.stdout.write(`parent history: ${events} events for ${HOSTS} hosts (${(events / HOSTS).toFixed(1)} per host), ${result.runs} run\n`);
      return result;
    });

    expect(fromCli).toMatchObject({ reason: 'completed', outcome: 'completed-with-failures' });
    expect(fromCli.totals).toMatchObject({ hosts: HOSTS, succeeded: HOSTS - 1, failed: 1, skipped: 0, cancelled: 0 });
    expect(fromCli.rows.find((r) => r.host === FAILING)?.error).toContain('[DependencyError]');
    expect(comparable(fromUiForm)).toEqual(comparable(fromCli));

    // The form-started rollout is as findable in the UI as the CLI's: it sets its own search attributes.
    const client = await testClient();
    const failedHosts = async () => {
      const ids: string[] = [];
      for await (const execution of client.workflow.list({ query: `VibflowRolloutId = "ui-${stamp}" AND VibflowOutcome = "failed"` })) {
        ids.push(execution.workflowId);
      }
      return ids;
    };
    // Visibility is eventually consistent: wait for the listing rather than read it once.
    await waitFor(async () => (await failedHosts()).length > 0, 'the failed host in the workflow list');
    expect(await failedHosts()).toEqual([`vibflow-rollout:ui-${stamp}:install:${FAILING}`]);
  }, 300_000);
});
