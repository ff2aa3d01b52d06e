/**
 * Remediation end to end: a real Temporal dev server, the CIM simulator and VMware's vcsim
 * (extended in test/vcsim with RebootHost_Task and AcquireCimServicesTicket) managing the same
 * hosts, and a real worker. Every claim is checked against the simulators' own ground truth:
 * InstallFromURI calls and reboots per host, vCenter's record of maintenance-mode intervals.
 */
import { rolloutProgress, rolloutResult, startRollout as startRolloutApi, type RolloutHandle } from '../../src/api/rollouts';
import { vcentersSource } from '../../src/inventory/vcenterHosts';
import { remediationProgressQuery } from '../../src/workflows/remediateHost';
import { startSimulator, type Simulator, type SimulatorStats } from '../../src/simulator';
import type { FleetRolloutInput } from '../../src/workflows/rolloutInput';
import type { HostRow, RolloutResult } from '../../src/workflows/rolloutState';
import type { RolloutNotice } from '../../src/notify/notices';
import { recordHistoryFixture } from '../support/histories';
import { placeBundle } from '../support/bundles';
import { CANARY_VARIABLE } from '../support/secretCanary';
import { startWebhookReceiver } from '../support/webhookReceiver';
import { startTestWorker, testClient, uniqueTaskQueue, type TestWorker } from '../support/temporal';
import { waitFor } from '../support/waitFor';
import { spawnWorkerProcess, type WorkerProcess } from '../support/workerProcess';

const BUNDLE = 'file:///vmfs/volumes/ds1/drv-2.0.zip';
const DRV2 = [{ name: 'drv', version: '2.0' }];
const started: RolloutHandle[] = [];
let idSeq = 0;

async function startRollout(input: FleetRolloutInput, taskQueue: string): Promise<RolloutHandle> {
  const handle = await startRolloutApi(await testClient(), input, taskQueue);
  started.push(handle);
  return handle;
}

/** No two hosts of one cluster in maintenance mode at once, by vCenter's own record. */
function maintenanceOverlaps(stats: SimulatorStats): string[] {
  const byCluster = new Map<string, { host: string; from: number; to: number }[]>();
  for (const [host, s] of Object.entries(stats.hosts)) {
    for (const interval of s.vcenter?.maintenance ?? []) {
      const list = byCluster.get(s.vcenter?.cluster ?? '') ?? [];
      list.push({ host, from: Date.parse(interval.enteredAt), to: interval.exitedAt ? Date.parse(interval.exitedAt) : Infinity });
      byCluster.set(s.vcenter?.cluster ?? '', list);
    }
  }
  const overlaps: string[] = [];
  for (const [cluster, intervals] of byCluster) {
    for (const a of intervals) for (const b of intervals) if (a.host < b.host && a.from < b.to && b.from < a.to) overlaps.push(`${cluster}: ${a.host} and ${b.host}`);
  }
  return overlaps;
}

/** The same check from the rollout's rows, as a user of the JSON result would make it. */
function rowOverlaps(rows: readonly HostRow[]): string[] {
  const overlaps: string[] = [];
  for (const a of rows) for (const b of rows) {
    if (a.host >= b.host || a.cluster !== b.cluster || !a.maintenanceEnteredAt || !b.maintenanceEnteredAt) continue;
    const [aFrom, aTo, bFrom, bTo] = [a.maintenanceEnteredAt, a.maintenanceExitedAt, b.maintenanceEnteredAt, b.maintenanceExitedAt].map((t) => (t ? Date.parse(t) : Infinity));
    if (aFrom < bTo && bFrom < aTo) overlaps.push(`${a.host} and ${b.host}`);
  }
  return overlaps;
}

describe('remediation through vCenter', () => {
  let simulator: Simulator;
  let worker: TestWorker;
  const taskQueue = uniqueTaskQueue('remediate');

  beforeAll(async () => {
    simulator = await startSimulator({
      hosts: 6, basePort: 0, addressBase: '127.51.0.1', installSeconds: 2, datastores: [{ name: 'ds1' }],
      vcenter: { clusters: 2, rebootSeconds: 2, maintenanceSeconds: 1 },
    });
    await placeBundle(simulator, BUNDLE, DRV2);
    await placeBundle(simulator, 'file:///vmfs/volumes/ds1/drv-3.0.zip', [{ name: 'drv', version: '3.0' }]);
    worker = await startTestWorker({ taskQueue });
  }, 180_000);

  afterAll(async () => {
    for (const handle of started) if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate('test cleanup');
    await worker?.shutdown();
    await simulator?.stop();
  });

  function input(extra: Partial<FleetRolloutInput> & { clusters?: string[]; only?: string[] } = {}): FleetRolloutInput {
    const { clusters, only, ...rest } = extra;
    return {
      rolloutId: `remediate-${Date.now().toString(36)}-${++idSeq}`,
      fromVcenters: vcentersSource(simulator.vcenterInventory!, { ...(clusters ? { clusters } : {}), ...(only ? { hosts: only } : {}) }),
      bundleUri: BUNDLE,
      vibs: [{ name: 'drv', version: '2.0' }],
      remediate: {},
      maxConcurrency: 4,
      maxFailures: 0,
      pollInterval: '500ms',
      ...rest,
    };
  }

  it('a dry run pre-checks every host and changes nothing', async () => {
    simulator.setFailure('esx-004', 'revert-on-reboot');
    await simulator.setVcenterFault('esx-006', 'disconnected');
    const result = await rolloutResult(await startRollout(input({ dryRun: true }), taskQueue));
    expect(result).toMatchObject({ reason: 'completed', outcome: 'checked' });
    expect(result.rows.map((r) => [r.host, r.state, r.outcome])).toEqual([
      ['esx-001', 'checked', 'would-install'], ['esx-002', 'checked', 'would-install'], ['esx-003', 'checked', 'would-install'],
      ['esx-004', 'checked', 'would-install'], ['esx-005', 'checked', 'would-install'], ['esx-006', 'skipped', undefined],
    ]);
    expect(result.rows[5].error).toMatch(/^disconnected in vCenter 127\.0\.0\.1:\d+$/);
    expect(result.rows[0].vibs).toEqual([{ name: 'drv', expected: '2.0', found: null }]);
    const stats = await simulator.statsWithVcenter();
    for (const host of Object.values(stats.hosts)) {
      expect(host).toMatchObject({ installFromUri: 0, reboots: 0 });
      expect(host.vcenter).toMatchObject({ enterMaintenanceCalls: 0, inMaintenanceMode: false });
    }
    simulator.setFailure('esx-004', null);
    await simulator.setVcenterFault('esx-006', null);
  });

  it('remediates every host one per cluster: maintenance mode, install, reboot, verified, out of maintenance mode; a second run changes nothing', async () => {
    const handle = await startRollout(input(), taskQueue);
    const result: RolloutResult = await rolloutResult(handle);
    const stats = await simulator.statsWithVcenter();

    expect(result).toMatchObject({ reason: 'completed', outcome: 'succeeded' });
    expect(result.rows).toHaveLength(6);
    for (const row of result.rows) {
      expect(row).toMatchObject({ state: 'succeeded', outcome: 'succeeded', verified: true, step: 'done' });
      expect(row.cluster).toBe(['esx-001', 'esx-002', 'esx-003'].includes(row.host) ? 'cluster-1' : 'cluster-2');
      expect(Date.parse(row.bootTimeAfter as string)).toBeGreaterThan(Date.parse(row.bootTimeBefore as string));
      expect(Date.parse(row.maintenanceExitedAt as string)).toBeGreaterThan(Date.parse(row.maintenanceEnteredAt as string));
      expect(row.vibs).toEqual([{ name: 'drv', expected: '2.0', found: '2.0' }]);
      const host = stats.hosts[row.host];
      expect(host.installFromUri).toBe(1);
      expect(host.reboots).toBe(1);
      expect(host.vcenter).toMatchObject({ inMaintenanceMode: false, enterMaintenanceCalls: 1, exitMaintenanceCalls: 1, connectionState: 'connected' });
    }
    expect(rowOverlaps(result.rows)).toEqual([]);
    expect(maintenanceOverlaps(stats)).toEqual([]);
    // Clusters went in parallel: each cluster's first host entered maintenance mode before the other cluster's first one left it.
    const firstOf = (cluster: string) => result.rows.filter((r) => r.cluster === cluster).sort((a, b) => Date.parse(a.maintenanceEnteredAt as string) - Date.parse(b.maintenanceEnteredAt as string))[0];
    expect(Date.parse(firstOf('cluster-2').maintenanceEnteredAt as string)).toBeLessThan(Date.parse(firstOf('cluster-1').maintenanceExitedAt as string));
    const remediation = (await testClient()).workflow.getHandle(result.rows[0].installWorkflowId as string);
    await recordHistoryFixture(await testClient(), 'remediateHost-succeeded', remediation);

    const again = await rolloutResult(await startRollout(input(), taskQueue));
    expect(again.rows.map((r) => [r.host, r.state, r.outcome])).toEqual(result.rows.map((r) => [r.host, 'succeeded', 'already-compliant']));
    const after = await simulator.statsWithVcenter();
    for (const row of again.rows) {
      expect(after.hosts[row.host].reboots).toBe(1);
      expect(after.hosts[row.host].installFromUri).toBe(1);
      expect(after.hosts[row.host].vcenter?.enterMaintenanceCalls).toBe(1);
    }
  });

  describe('when a step fails, the host is left in a known state, said in words', () => {
    const drv3 = { bundleUri: 'file:///vmfs/volumes/ds1/drv-3.0.zip', vibs: [{ name: 'drv', version: '3.0' }] };
    const only = async (host: string, extra: Partial<FleetRolloutInput> = {}): Promise<RolloutResult> => {
      const result = await rolloutResult(await startRollout(input({ only: [host], ...drv3, ...extra }), taskQueue));
      expect(result.rows).toHaveLength(1);
      return result;
    };
    const vcenterView = async (host: string) => (await simulator.statsWithVcenter()).hosts[host];

    it('a host that does not enter maintenance mode in time fails without being changed, after the retries the policy allows', async () => {
      await simulator.setVcenterFault('esx-001', 'mm-timeout');
      const result = await only('esx-001', { remediate: { maintenance: { timeout: '2s', onFailure: 'retry', retries: 1, retryDelay: '1s' } } });
      expect(result).toMatchObject({ reason: 'failure-budget-exceeded', outcome: 'failed' });
      expect(result.rows[0]).toMatchObject({ state: 'failed', outcome: 'failed', step: 'done', verified: false, maintenanceEnteredAt: null });
      expect(result.rows[0].error).toMatch(/esx-001 did not enter maintenance mode before the timeout \(Timedout\)\. esx-001 was not put in maintenance mode and was not changed/);
      const host = await vcenterView('esx-001');
      // One entry in the first test, then the first attempt and one retry here.
      expect(host.vcenter).toMatchObject({ inMaintenanceMode: false, enterMaintenanceCalls: 3 });
      expect(host.installFromUri).toBe(1);
      await simulator.setVcenterFault('esx-001', null);
    });

    it('a host that never comes back fails with "host did not come back", stays in maintenance mode, and the webhook is told so once', async () => {
      // The webhook URL carries the run's secret canary, as a real one carries its token.
      const receiver = await startWebhookReceiver();
      const hook = `/hooks/maintenance/${process.env[CANARY_VARIABLE]}`;
      process.env.VIBFLOW_TEST_MAINTENANCE_HOOK = receiver.url(hook);
      process.env.VIBFLOW_TEST_MAINTENANCE_KEY = `whk-${Date.now().toString(36)}`;
      try {
        const rebootsBefore = (await vcenterView('esx-002')).reboots;
        await simulator.setVcenterFault('esx-002', 'never-back');
        const result = await only('esx-002', { remediate: { rebootTimeout: '10s' }, notify: { webhooks: [{ webhook: 'env:VIBFLOW_TEST_MAINTENANCE_HOOK' }], secret: 'env:VIBFLOW_TEST_MAINTENANCE_KEY' } });
        expect(result.rows[0]).toMatchObject({ state: 'failed', verified: false, bootTimeAfter: null });
        expect(result.rows[0].error).toMatch(/host did not come back within 10s after the reboot \(last seen notResponding.*\)\. esx-002 stays in maintenance mode \(entered /);
        const host = await vcenterView('esx-002');
        expect(host.vcenter).toMatchObject({ inMaintenanceMode: true, connectionState: 'notResponding' });
        expect(host.reboots).toBe(rebootsBefore + 1);
        // Each notice is delivered by a workflow of its own, in no set order: wait for both.
        const notices = () => receiver.accepted(hook).map((r) => r.json as unknown as RolloutNotice);
        await waitFor(() => notices().some((n) => n.event === 'host-in-maintenance') && notices().some((n) => n.event === 'rollout-failed'), 'the maintenance-mode and end notices', 30_000, 200);
        expect(notices().find((n) => n.event === 'rollout-failed')?.title).toMatch(/failed \(failure-budget-exceeded\): 1 failed, 1 in maintenance mode of 1 host/);
        const inMaintenance = notices().filter((n) => n.event === 'host-in-maintenance');
        expect(inMaintenance).toHaveLength(1);
        expect(inMaintenance[0].title).toMatch(new RegExp(`^rollout ${result.rolloutId}: esx-002 is left in maintenance mode`));
        expect(inMaintenance[0].hosts.map((h) => h.host)).toEqual(['esx-002']);
        expect(inMaintenance[0].links.host).toContain(encodeURIComponent(result.rows[0].installWorkflowId as string));
      } finally {
        delete process.env.VIBFLOW_TEST_MAINTENANCE_HOOK;
        delete process.env.VIBFLOW_TEST_MAINTENANCE_KEY;
        await receiver.close();
      }
    });

    it('RebootHost not supported fails the host; with exit-maintenance-on-failure it leaves maintenance mode again', async () => {
      await simulator.setVcenterFault('esx-003', 'reboot-not-supported');
      const kept = await only('esx-003');
      expect(kept.rows[0].error).toMatch(/vCenter says esx-003 does not support RebootHost \(capability\.rebootSupported is false\)\. esx-003 stays in maintenance mode/);
      expect((await vcenterView('esx-003')).vcenter?.inMaintenanceMode).toBe(true);

      // The same host again: already in maintenance mode (left there), so it is not entered again and stays in it.
      const again = await only('esx-003', { remediate: { exitMaintenanceOnFailure: true } });
      expect(again.rows[0].error).toMatch(/esx-003 was in maintenance mode before the remediation and stays in it/);
      expect((await vcenterView('esx-003')).vcenter?.enterMaintenanceCalls).toBe(2);
    });

    it('exit-maintenance-on-failure takes a failed host out of maintenance mode again', async () => {
      await simulator.setVcenterFault('esx-004', 'reboot-not-supported');
      const result = await only('esx-004', { remediate: { exitMaintenanceOnFailure: true } });
      expect(result.rows[0].error).toMatch(/esx-004 was taken out of maintenance mode again \(exit on failure\)/);
      expect(result.rows[0].maintenanceExitedAt).not.toBeNull();
      expect((await vcenterView('esx-004')).vcenter?.inMaintenanceMode).toBe(false);
      await simulator.setVcenterFault('esx-004', null);
    });

    it('an install the reboot did not keep fails verification as not-applied-after-reboot', async () => {
      simulator.setFailure('esx-005', 'revert-on-reboot');
      const result = await only('esx-005');
      expect(result.rows[0]).toMatchObject({ state: 'failed', verified: false, vibs: [{ name: 'drv', expected: '3.0', found: '2.0' }] });
      expect(result.rows[0].error).toMatch(/after the reboot the host does not have drv 3\.0 \(found 2\.0\)\. esx-005 stays in maintenance mode/);
      simulator.setFailure('esx-005', null);
    });

    it('a ticket the host refuses fails the pre-check, naming the host, and changes nothing', async () => {
      simulator.setRefuseTickets('esx-006', true);
      const result = await only('esx-006');
      expect(result.rows[0]).toMatchObject({ state: 'failed', maintenanceEnteredAt: null });
      expect(result.rows[0].error).toMatch(/the CIM server of esx-006 .* refused a fresh CIM services ticket from vCenter/);
      expect((await vcenterView('esx-006')).vcenter?.inMaintenanceMode).toBe(false);
      simulator.setRefuseTickets('esx-006', false);
    });

    it('a host disconnected in vCenter is skipped with the reason', async () => {
      await simulator.setVcenterFault('esx-006', 'disconnected');
      const result = await only('esx-006');
      expect(result.rows[0]).toMatchObject({ host: 'esx-006', state: 'skipped', error: expect.stringMatching(/^disconnected in vCenter/) });
      await simulator.setVcenterFault('esx-006', null);
    });

    it('refuses a cluster vCenter does not have, listing the real ones, a vCenter that refuses the login, and one that cannot be reached', async () => {
      // A rollout that fails before its hosts carries no rows; its failure says why, with its category.
      const failure = async (handle: RolloutHandle) => {
        const result = await rolloutResult(handle);
        expect(result).toMatchObject({ reason: 'error', outcome: 'failed', rows: [] });
        return { category: result.failure?.category, cause: { message: result.failure?.message } };
      };
      const unknown = await failure(await startRollout(input({ clusters: ['cluster-9'] }), taskQueue));
      expect(unknown.category).toBe('InvalidInput');
      expect(unknown.cause?.message).toMatch(/cluster "cluster-9" does not exist in vCenter 127\.0\.0\.1:\d+; its clusters: cluster-1, cluster-2/);
      process.env.VIBFLOW_TEST_WRONG_VC_PASSWORD = 'not-the-password';
      // The one-vCenter form the Web UI's form takes, with one thing wrong each time.
      const { vcenter, hosts } = simulator.vcenterInventory!;
      const rest = () => {
        const { fromVcenters: _all, ...others } = input();
        return others;
      };
      const wrong = await failure(await startRollout({ ...rest(), fromVcenter: { vcenter: { ...vcenter, credential: 'env:VIBFLOW_TEST_WRONG_VC_PASSWORD' }, overrides: hosts } }, taskQueue));
      expect(wrong.cause?.message).toMatch(/cannot read its hosts from vCenter: Login on 127\.0\.0\.1:\d+ failed: vCenter refused the login for user "administrator@vsphere\.local"/);
      expect(wrong.cause?.message).not.toContain('not-the-password');
      expect(wrong.category).toBe('HostSourceUnavailable');
      const closed = await failure(await startRollout({ ...rest(), fromVcenter: { vcenter: { ...vcenter, url: 'https://127.0.0.1:1/sdk' }, overrides: hosts } }, taskQueue));
      expect(closed.cause?.message).toMatch(/cannot read its hosts from vCenter: RetrieveServiceContent on 127\.0\.0\.1:1 failed: cannot reach vCenter: connect ECONNREFUSED 127\.0\.0\.1:1/);
    });
  });
});

describe('remediation survives a worker killed during maintenance-mode entry and during the reboot wait', () => {
  let simulator: Simulator;
  let worker: WorkerProcess | undefined;
  const taskQueue = uniqueTaskQueue('remediate-crash');

  beforeAll(async () => {
    simulator = await startSimulator({
      hosts: 2, basePort: 0, addressBase: '127.52.0.1', installSeconds: 2, datastores: [{ name: 'ds1' }],
      vcenter: { clusters: 1, rebootSeconds: 8, maintenanceSeconds: 4 },
    });
    await placeBundle(simulator, BUNDLE, DRV2);
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await simulator?.stop();
  });

  it('completes every host with one maintenance-mode entry, one install and one reboot each', async () => {
    worker = await spawnWorkerProcess({ taskQueue });
    const handle = await startRolloutApi(await testClient(), {
      rolloutId: `remediate-crash-${Date.now().toString(36)}`,
      fromVcenters: vcentersSource(simulator.vcenterInventory!),
      bundleUri: BUNDLE,
      vibs: [{ name: 'drv', version: '2.0' }],
      remediate: {},
      maxConcurrency: 2,
      pollInterval: '500ms',
    }, taskQueue);
    // The step is the host's remediation's own (its progress query), not the rollout's.
    const stepOf = async (host: string) => {
      const id = (await rolloutProgress(handle)).rows.find((r) => r.host === host)?.installWorkflowId;
      return id ? (await (await testClient()).workflow.getHandle(id).query(remediationProgressQuery)).step : undefined;
    };
    const killAndReplace = async () => {
      worker?.kill('SIGKILL');
      await worker?.exited;
      worker = await spawnWorkerProcess({ taskQueue });
    };

    await waitFor(async () => (await stepOf('esx-001')) === 'entering-maintenance', 'esx-001 to be entering maintenance mode', 60_000);
    await killAndReplace();
    await waitFor(async () => (await stepOf('esx-001')) === 'waiting-for-host', 'esx-001 to be waiting for its reboot', 90_000);
    await killAndReplace();

    const result = await rolloutResult(handle);
    const stats = await simulator.statsWithVcenter();
    expect(result.rows.map((r) => [r.host, r.state, r.verified])).toEqual([['esx-001', 'succeeded', true], ['esx-002', 'succeeded', true]]);
    for (const name of ['esx-001', 'esx-002']) {
      expect(stats.hosts[name]).toMatchObject({ installFromUri: 1, reboots: 1 });
      expect(stats.hosts[name].vcenter).toMatchObject({ enterMaintenanceCalls: 1, exitMaintenanceCalls: 1, inMaintenanceMode: false });
    }
    expect(maintenanceOverlaps(stats)).toEqual([]);
  });
});
