/**
 * installVib end to end: real Temporal dev server, real simulator over HTTPS with pinned
 * thumbprints, a real worker. Install times and poll intervals are short to keep CI fast.
 */
import { writeFile } from 'node:fs/promises';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { followInstall, installResult, startInstall } from '../../src/api/installs';
import type { HostTarget } from '../../src/esxi/model';
import { startSimulator, type Simulator } from '../../src/simulator';
import { installProgressQuery } from '../../src/workflows/installVib';
import type { InstallVibInput } from '../../src/workflows/installInput';
import { PROGRESS_MEMO, type InstallProgress } from '../../src/workflows/installResult';
import { datastoreFile, placeBundle } from '../support/bundles';
import { startTestWorker, testClient, uniqueTaskQueue, type TestWorker } from '../support/temporal';
import { waitFor } from '../support/waitFor';

const BUNDLE = 'file:///vmfs/volumes/datastore1/vibflow-tools-2.1.0.zip';
const TOOLS = [{ name: 'vibflow-tools', version: '2.1.0' }];

describe('installVib', () => {
  let simulator: Simulator;
  let worker: TestWorker;
  const taskQueue = uniqueTaskQueue('install');

  beforeAll(async () => {
    simulator = await startSimulator({
      hosts: 12,
      basePort: 0,
      installSeconds: 2,
      jobRetentionSeconds: 60,
      failures: {
        'esx-003': 'dependency',
        'esx-005': 'space',
        'esx-006': 'validation',
        'esx-007': 'maintenance-mode',
        'esx-008': 'live-install',
      },
      // The bundle's VIB is partner level: a host that takes only VMware-accepted VIBs refuses it.
      acceptanceLevels: { 'esx-004': 'vmware_accepted' },
      datastores: [{ name: 'datastore1' }, { name: 'nfs-few', hosts: ['esx-001', 'esx-002'] }],
    });
    await placeBundle(simulator, BUNDLE, TOOLS);
    worker = await startTestWorker({ taskQueue });
  });

  afterAll(async () => {
    await worker?.shutdown();
    await simulator?.stop();
  });

  function host(name: string): HostTarget {
    const entry = simulator.inventory.hosts.find((h) => h.name === name);
    if (!entry) throw new Error(`no simulated host ${name}`);
    return entry;
  }

  function input(name: string, extra: Partial<InstallVibInput> = {}): InstallVibInput {
    return { host: host(name), bundleUri: BUNDLE, pollInterval: '250ms', ...extra };
  }

  it("follows the seed's progression to 100 % and reports the reboot and the software change", async () => {
    const client = await testClient();
    const seen = new Set<string>();
    // Long enough for the seed's stages to be seen one poll at a time.
    simulator.setInstallSeconds(8);
    const handle = await startInstall(client, input('esx-001'), taskQueue);
    const polling = (async () => {
      for (let i = 0; i < 200; i++) {
        const progress = await handle.query(installProgressQuery).catch(() => undefined);
        if (progress?.jobStatus) seen.add(`${progress.percent}% ${progress.jobStatus}`);
        if (progress?.phase === 'done') return;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const result = await installResult(handle);
    await polling;
    simulator.setInstallSeconds(2);

    expect(result).toMatchObject({
      host: 'esx-001',
      outcome: 'succeeded-reboot-required',
      percent: 100,
      jobState: 'Completed',
      errorCode: 0,
      errorDescription: null,
      rebootRequired: true,
      adopted: false,
    });
    expect(result.jobStatus).toBe(
      'The update completed successfully, but the system needs to be rebooted for the changes to be effective.',
    );
    expect(result.changes.added).toEqual([expect.objectContaining({ name: 'vibflow-tools', version: '2.1.0' })]);
    expect(result.polls).toBeGreaterThanOrEqual(3);
    expect([...seen].some((s) => s.startsWith('10% Scanning URI for installable packages'))).toBe(true);
    expect(simulator.stats().hosts['esx-001'].installFromUri).toBe(1);
  });

  it('is followed as install --wait does from its progress memo: no query reaches the worker, the stages show as they come', async () => {
    // A client that counts the queries it sends: following an install must send none, since a
    // query that meets a firing timer can cost the install a workflow task timeout.
    let queries = 0;
    const client = new Client({
      connection: (await testClient()).connection,
      interceptors: { workflow: [{ query: (queryInput, next) => ((queries += 1), next(queryInput)) }] },
    });
    simulator.setInstallSeconds(5);
    const bundleUri = await placeBundle(simulator, 'file:///vmfs/volumes/datastore1/watched-1.0.0.zip', [{ name: 'watched', version: '1.0.0' }]);
    const handle = await startInstall(client, input('esx-001', { bundleUri }), taskQueue);
    const seen: InstallProgress[] = [];
    const result = await followInstall(handle, (progress) => seen.push(progress), 100);
    simulator.setInstallSeconds(2);

    expect(result.outcome).toBe('succeeded-reboot-required');
    expect(queries).toBe(0);
    const midway = seen.filter((p) => p.phase === 'installing' && p.percent > 0 && p.percent < 100);
    expect(midway.length).toBeGreaterThanOrEqual(2);
    expect(seen.map((p) => p.polls)).toEqual([...seen.map((p) => p.polls)].sort((a, b) => a - b));
    const memo = (await handle.describe()).memo?.[PROGRESS_MEMO] as InstallProgress;
    expect(memo).toMatchObject({ host: 'esx-001', phase: 'installing', percent: 100 });
    // One memo update per change a watcher can see, never more than one per poll.
    const updates = ((await handle.fetchHistory()).events ?? []).filter((e) => e.workflowPropertiesModifiedEventAttributes).length;
    expect(updates).toBeGreaterThanOrEqual(midway.length);
    expect(updates).toBeLessThanOrEqual(result.polls + 3);
  });

  it('delivers a bundle URI with & < > " \' ]]> and non-ASCII to the host byte for byte', async () => {
    const uri = await placeBundle(simulator, `file:///vmfs/volumes/datastore1/a&b<c>"d'e]]>-ünïcødé-日本-1.0.0.zip`, [{ name: 'odd-names', version: '1.0.0' }]);
    simulator.setFailure('esx-012', null);
    const result = await installResult(await startInstall(await testClient(), { ...input('esx-012'), bundleUri: uri }, taskQueue));
    expect(result.outcome).toBe('succeeded-reboot-required');
    expect(simulator.stats().hosts['esx-012'].jobs.map((j) => j.uri)).toEqual([uri]);
  });

  it('attaches a second start of the same install to the running workflow', async () => {
    const client = await testClient();
    const first = await startInstall(client, input('esx-002'), taskQueue);
    const second = await startInstall(client, input('esx-002'), taskQueue);
    expect(second.firstExecutionRunId).toBe(first.firstExecutionRunId);
    await installResult(first);
    expect(simulator.stats().hosts['esx-002'].installFromUri).toBe(1);
  });

  it.each([
    ['esx-003', 'dependency', '[DependencyError]'],
    ['esx-004', 'acceptance', '[AcceptanceConfigError]'],
    ['esx-005', 'installation', '[InstallationError]'],
    ['esx-006', 'validation', '[VibValidationError]'],
    ['esx-007', 'maintenance-mode', '[MaintenanceModeError]'],
    ['esx-008', 'live-installation', '[LiveInstallationError]'],
  ])('fails %s with the %s category and the host\'s own words', async (name, category, marker) => {
    const client = await testClient();
    const handle = await startInstall(client, input(name), taskQueue);
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const result = await installResult(handle);
    expect(result).toMatchObject({ outcome: 'failed', percent: 100, jobState: 'Exception', errorCategory: category });
    expect(result.errorDescription).toContain(marker);
    expect(result.errorCode).not.toBe(0);
    expect(simulator.stats().hosts[name].installFromUri).toBe(1);
  });

  it.each([
    ['no such file on the datastore', 'file:///vmfs/volumes/datastore1/not-there-2.1.0.zip'],
    ['a datastore the host does not mount', 'file:///vmfs/volumes/nfs-few/vibflow-tools-2.1.0.zip'],
  ])('fails at once, without retrying, when the URI is not accessible: %s', async (_, uri) => {
    await placeBundle(simulator, 'file:///vmfs/volumes/nfs-few/vibflow-tools-2.1.0.zip', TOOLS);
    const client = await testClient();
    const before = simulator.stats().hosts['esx-009'].installFromUri;
    const result = await installResult(await startInstall(client, input('esx-009', { bundleUri: uri }), taskQueue));
    expect(result).toMatchObject({ outcome: 'failed', errorCategory: 'uri-not-accessible' });
    expect(result.reason).toContain('4107');
    expect(simulator.stats().hosts['esx-009'].installFromUri).toBe(before + 1);
  });

  it('fails at once when the file is not an offline bundle, with the host\'s own words', async () => {
    const uri = 'file:///vmfs/volumes/datastore1/readme-2.1.0.zip';
    await writeFile(datastoreFile(simulator, uri), 'this is a text file, not a zip');
    const client = await testClient();
    const handle = await startInstall(client, input('esx-009', { bundleUri: uri }), taskQueue);
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const result = await installResult(handle);
    expect(result).toMatchObject({ outcome: 'failed', percent: 100, jobState: 'Exception' });
    expect(result.errorDescription).toMatch(/^\[MetadataDownloadError\] Could not download from depot at zip:\/vmfs\/volumes\/datastore1\/readme-2\.1\.0\.zip\?index\.xml.*File is not a zip file/);
    expect(simulator.stats().hosts['esx-009'].jobs.filter((j) => j.uri === uri)).toEqual([expect.objectContaining({ outcome: 'failed' })]);
  });

  it('fails with an authentication error on a wrong password, without retrying', async () => {
    const client = await testClient();
    process.env.VIBFLOW_TEST_WRONG_PASSWORD = 'not-the-password';
    const wrong = { ...host('esx-010'), credential: 'env:VIBFLOW_TEST_WRONG_PASSWORD' };
    const result = await installResult(await startInstall(client, { ...input('esx-010'), host: wrong }, taskQueue));
    expect(result).toMatchObject({ outcome: 'failed', errorCategory: 'authentication' });
    expect(result.reason).not.toContain('not-the-password');
    expect(simulator.stats().hosts['esx-010'].installFromUri).toBe(0);
  });

  it('continues-as-new on a small poll budget and still ends with one correct result', async () => {
    const client = await testClient();
    simulator.setInstallSeconds(6);
    const handle = await startInstall(client, input('esx-011', { maxPollsPerRun: 2, pollInterval: '200ms' }), taskQueue);
    const result = await installResult(handle);
    simulator.setInstallSeconds(2);
    expect(result.outcome).toBe('succeeded-reboot-required');
    expect(result.runs).toBeGreaterThan(1);
    expect(result.polls).toBeGreaterThan(2);
    expect(simulator.stats().hosts['esx-011'].installFromUri).toBe(1);
  });

  it('fails with a clear reason when the job stops moving', async () => {
    const client = await testClient();
    const slow = await startSimulator({ hosts: 1, basePort: 0, addressBase: '127.21.0.1', installSeconds: 3600 });
    try {
      await placeBundle(slow, BUNDLE, TOOLS);
      const handle = await startInstall(
        client,
        { host: slow.inventory.hosts[0], bundleUri: BUNDLE, pollInterval: '200ms', stallTimeout: '2s' },
        taskQueue,
      );
      const result = await installResult(handle);
      expect(result).toMatchObject({ outcome: 'failed', errorCategory: 'stalled', percent: 10 });
      expect(result.reason).toMatch(/stalled: no progress for 2s at 10 %/);
    } finally {
      await slow.stop();
    }
  });

  it('gives up on a host that refuses connections after the unreachable timeout, showing attempts and the last error meanwhile', async () => {
    const client = await testClient();
    const closedPort = { ...host('esx-012'), name: 'esx-closed', url: 'https://127.0.0.1:1' };
    const handle = await startInstall(client, { host: closedPort, bundleUri: BUNDLE, unreachableTimeout: '6s' }, taskQueue);
    await waitFor(async () => ((await handle.query(installProgressQuery)).unreachable?.attempts ?? 0) >= 2, 'two attempts to reach the host');
    const retrying = await handle.query(installProgressQuery);
    expect(retrying.phase).toBe('preparing');
    expect(retrying.unreachable?.lastError).toMatch(/127\.0\.0\.1:1.*ECONNREFUSED/);
    const started = Date.now();
    const result = await installResult(handle);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result).toMatchObject({ outcome: 'failed', errorCategory: 'unreachable' });
    expect(result.reason).toMatch(/esx-closed did not answer for 6s \(\d+ attempts\); last error: .*127\.0\.0\.1:1.*ECONNREFUSED/);
    expect((await handle.describe()).searchAttributes.VibflowOutcome).toEqual(['failed']);
  });

  it('ends as cancelled when cancelled, recording it for operators', async () => {
    const client = await testClient();
    const slow = await startSimulator({ hosts: 1, basePort: 0, addressBase: '127.22.0.1', installSeconds: 3600 });
    try {
      await placeBundle(slow, BUNDLE, TOOLS);
      const handle = await startInstall(client, { host: slow.inventory.hosts[0], bundleUri: BUNDLE, pollInterval: '200ms' }, taskQueue);
      await waitFor(async () => (await handle.query(installProgressQuery)).polls >= 2, 'two polls');
      await handle.cancel();
      const result = await installResult(handle);
      expect(result.outcome).toBe('cancelled');
      const description = await handle.describe();
      expect(description.status.name).toBe('CANCELLED');
      expect(description.searchAttributes.VibflowOutcome).toEqual(['cancelled']);
    } finally {
      await slow.stop();
    }
  });
});
