/**
 * Installs whose job record is gone or whose host misbehaves: the outcome comes from evidence
 * (inventory, the simulator's counters), never from a guess.
 */
import { installResult, startInstall } from '../../src/api/installs';
import { startSimulator, type Simulator } from '../../src/simulator';
import { installProgressQuery } from '../../src/workflows/installVib';
import { startTestWorker, testClient, uniqueTaskQueue } from '../support/temporal';
import { waitFor } from '../support/waitFor';
import { placeBundle } from '../support/bundles';

const BUNDLE = 'file:///vmfs/volumes/datastore1/recovery-4.0.0.zip';
const VIBS = [{ name: 'recovery', version: '4.0.0' }];

describe('installVib recovery', () => {
  let simulator: Simulator;

  afterEach(async () => {
    await simulator?.stop();
  });

  it('reconciles from the inventory when the job was removed while no worker ran', async () => {
    simulator = await startSimulator({ hosts: 1, basePort: 0, addressBase: '127.30.0.1', installSeconds: 3, jobRetentionSeconds: 1 });
    await placeBundle(simulator, BUNDLE, VIBS);
    const taskQueue = uniqueTaskQueue('vanished');
    const client = await testClient();
    const first = await startTestWorker({ taskQueue });
    const handle = await startInstall(client, { host: simulator.inventory.hosts[0], bundleUri: BUNDLE, pollInterval: '1s' }, taskQueue);
    await waitFor(async () => (await handle.query(installProgressQuery)).polls >= 1, 'the first poll');
    await first.shutdown();
    // The job ends at 3 s and its record is removed 1 s later, while nobody watches.
    await waitFor(() => simulator.stats().hosts['esx-001'].jobs[0].outcome === 'succeeded', 'the job to end', 10_000);
    await new Promise((r) => setTimeout(r, 1_500));

    const second = await startTestWorker({ taskQueue });
    try {
      const result = await installResult(handle);
      expect(result.outcome).toBe('verified-by-inventory');
      expect(result.changes.added).toEqual([expect.objectContaining({ name: 'recovery', version: '4.0.0' })]);
      expect(result.reason).toMatch(/removed before its end was seen/);
      expect(simulator.stats().hosts['esx-001'].installFromUri).toBe(1);
    } finally {
      await second.shutdown();
    }
  });

  it('ends as unknown, never as success, when the host rebooted and lost the job', async () => {
    simulator = await startSimulator({ hosts: 1, basePort: 0, addressBase: '127.31.0.1', installSeconds: 30 });
    await placeBundle(simulator, BUNDLE, VIBS);
    const taskQueue = uniqueTaskQueue('reboot');
    const worker = await startTestWorker({ taskQueue });
    try {
      const handle = await startInstall(await testClient(), { host: simulator.inventory.hosts[0], bundleUri: BUNDLE, pollInterval: '500ms' }, taskQueue);
      await waitFor(async () => (await handle.query(installProgressQuery)).polls >= 1, 'the first poll');
      simulator.rebootHost('esx-001', 2);
      const result = await installResult(handle);
      expect(result.outcome).toBe('unknown');
      expect(result.reason).toMatch(/installed software is unchanged/);
      expect(simulator.stats().hosts['esx-001'].jobs[0].outcome).toBe('lost');
    } finally {
      await worker.shutdown();
    }
  });

  it('succeeds through 20 % transport faults, with exactly one InstallFromURI per host', async () => {
    simulator = await startSimulator({ hosts: 4, basePort: 0, addressBase: '127.32.0.1', installSeconds: 3, faultRate: 0.2, seed: 7 });
    await placeBundle(simulator, BUNDLE, VIBS);
    const taskQueue = uniqueTaskQueue('faults');
    const worker = await startTestWorker({ taskQueue });
    try {
      const client = await testClient();
      const handles = await Promise.all(simulator.inventory.hosts.map((host) => startInstall(client, { host, bundleUri: BUNDLE, pollInterval: '500ms' }, taskQueue)));
      const results = await Promise.all(handles.map((h) => installResult(h)));
      expect(results.map((r) => r.outcome)).toEqual(Array(4).fill('succeeded-reboot-required'));
      const stats = simulator.stats();
      expect(stats.fleet.faultsInjected).toBeGreaterThan(0);
      for (const host of simulator.hosts) expect(stats.hosts[host.name].installFromUri).toBe(1);
    } finally {
      await worker.shutdown();
    }
  });
});
