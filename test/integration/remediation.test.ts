/**
 * Remediation end to end: a real Temporal dev server, the CIM simulator and VMware's vcsim
 * (extended in test/vcsim with RebootHost_Task and AcquireCimServicesTicket) managing the same
 * hosts, and a real worker. Every claim is checked against the simulators' own ground truth:
 * InstallFromURI calls and reboots per host, vCenter's record of maintenance-mode intervals.
 */
import { rolloutResult, startRollout as startRolloutApi, type RolloutHandle } from '../../src/api/rollouts';
import { vcenterSource } from '../../src/inventory/vcenterHosts';
import { startSimulator, type Simulator, type SimulatorStats } from '../../src/simulator';
import type { FleetRolloutInput } from '../../src/workflows/rolloutInput';
import type { HostRow, RolloutResult } from '../../src/workflows/rolloutState';
import { recordHistoryFixture } from '../support/histories';
import { startTestWorker, testClient, uniqueTaskQueue, type TestWorker } from '../support/temporal';

const BUNDLE = 'file:///vmfs/volumes/ds1/drv-2.0.zip';
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
      hosts: 6, basePort: 0, addressBase: '127.51.0.1', installSeconds: 2,
      vcenter: { clusters: 2, rebootSeconds: 2, maintenanceSeconds: 1 },
    });
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
      fromVcenter: vcenterSource(simulator.vcenterInventory!, { ...(clusters ? { clusters } : {}), ...(only ? { hosts: only } : {}) }),
      bundleUri: BUNDLE,
      vibs: [{ name: 'drv', version: '2.0' }],
      remediate: {},
      maxConcurrency: 4,
      maxFailures: 0,
      pollInterval: '500ms',
      ...rest,
    };
  }

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
});
