/**
 * Durability: a worker process is SIGKILLed mid-install, a new one takes over, and the simulator's
 * own counters (not the product's logs) show exactly one InstallFromURI per host.
 */
import { installResult, startInstall } from '../../src/api/installs';
import { rolloutResult, startRollout } from '../../src/api/rollouts';
import { startSimulator, type Simulator } from '../../src/simulator';
import { installProgressQuery } from '../../src/workflows/installVib';
import { spawnWorkerProcess, type WorkerProcess } from '../support/workerProcess';
import { testClient, uniqueTaskQueue } from '../support/temporal';
import { waitFor } from '../support/waitFor';
import { placeBundle } from '../support/bundles';

const BUNDLE = 'file:///vmfs/volumes/datastore1/crash-test-1.0.0.zip';
const VIBS = [{ name: 'crash-test', version: '1.0.0' }];

describe('installVib survives a killed worker', () => {
  let simulator: Simulator;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    simulator = await startSimulator({ hosts: 2, basePort: 0, addressBase: '127.23.0.1', installSeconds: 6, invokeDelayMs: 0 });
    await placeBundle(simulator, BUNDLE, VIBS);
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await simulator?.stop();
  });

  async function worker(taskQueue: string): Promise<WorkerProcess> {
    const started = await spawnWorkerProcess({ taskQueue });
    workers.push(started);
    return started;
  }

  it('while sleeping between polls: a new worker resumes polling and InstallFromURI stays at one', async () => {
    const taskQueue = uniqueTaskQueue('crash-sleep');
    const client = await testClient();
    const first = await worker(taskQueue);
    const handle = await startInstall(
      client,
      { host: simulator.inventory.hosts[0], bundleUri: BUNDLE, pollInterval: '500ms' },
      taskQueue,
    );
    await waitFor(async () => (await handle.query(installProgressQuery)).polls >= 2, 'two polls by the first worker');
    const pollsBefore = simulator.stats().hosts['esx-001'].operations.GetInstance ?? 0;
    first.kill('SIGKILL');
    await first.exited;

    const replacementStarted = Date.now();
    await worker(taskQueue);
    await waitFor(
      () => (simulator.stats().hosts['esx-001'].operations.GetInstance ?? 0) > pollsBefore,
      'a poll by the replacement worker',
      60_000,
    );
    const recoverySeconds = (Date.now() - replacementStarted) / 1000;
    process.stdout.write(`recovery: replacement worker start -> next poll ${recoverySeconds.toFixed(1)} s\n`);

    const result = await installResult(handle);
    expect(result.outcome).toBe('succeeded-reboot-required');
    expect(simulator.stats().hosts['esx-001'].installFromUri).toBe(1);
  });

  it('while InstallFromURI is in flight: the retry adopts the job instead of starting another', async () => {
    const taskQueue = uniqueTaskQueue('crash-invoke');
    const client = await testClient();
    simulator.setInvokeDelayMs(4_000);
    const first = await worker(taskQueue);
    const handle = await startInstall(
      client,
      { host: simulator.inventory.hosts[1], bundleUri: BUNDLE, pollInterval: '500ms' },
      taskQueue,
    );
    // The host has created the job and is holding its answer: kill the worker now.
    await waitFor(() => simulator.stats().hosts['esx-002'].installFromUri === 1, 'InstallFromURI received');
    first.kill('SIGKILL');
    await first.exited;
    simulator.setInvokeDelayMs(0);

    await worker(taskQueue);
    const result = await installResult(handle);
    expect(result.outcome).toBe('succeeded-reboot-required');
    expect(result.adopted).toBe(true);
    expect(simulator.stats().hosts['esx-002'].installFromUri).toBe(1);
  }, 120_000);

  it('in the middle of a 30-host rollout: the rollout completes and every host got exactly one InstallFromURI', async () => {
    const fleet = await startSimulator({ hosts: 30, basePort: 0, addressBase: '127.36.0.1', installSeconds: 3 });
    await placeBundle(fleet, BUNDLE, VIBS);
    try {
      const taskQueue = uniqueTaskQueue('crash-rollout');
      const first = await worker(taskQueue);
      const handle = await startRollout(
        await testClient(),
        { rolloutId: `crash-${Date.now().toString(36)}`, hosts: fleet.inventory.hosts, bundleUri: BUNDLE, pollInterval: '500ms', maxConcurrency: 10 },
        taskQueue,
      );
      await waitFor(() => fleet.stats().fleet.installFromUri >= 12, 'a dozen hosts to start', 60_000);
      first.kill('SIGKILL');
      await first.exited;
      await worker(taskQueue);
      const result = await rolloutResult(handle);
      expect(result.totals).toMatchObject({ hosts: 30, succeeded: 30, failed: 0 });
      const stats = fleet.stats();
      for (const host of fleet.hosts) expect(stats.hosts[host.name].installFromUri).toBe(1);
      expect(stats.fleet.peakConcurrentJobs).toBeLessThanOrEqual(10);
    } finally {
      await fleet.stop();
    }
  }, 150_000);
});
