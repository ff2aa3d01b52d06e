/**
 * One rollout across several vCenters, as the README's "Many vCenters" promises it, with real
 * parts only: the dev server, a worker in its own process, `vibflow simulator --vcenter --vcenters`
 * (one vcsim process per vCenter, host names repeating across them) and the CLI as a user runs it.
 * The simulators' counters and the vCenters' own maintenance-mode records are the ground truth.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { VcenterFleetStats } from '../../src/simulator';
import type { VcentersInventory } from '../../src/inventory/inventory';
import { datastoresOf, placeBundle } from '../support/bundles';
import { vibflow } from '../support/commands';
import { temporalAddress, uniqueTaskQueue } from '../support/temporal';
import { assertNoCanary } from '../support/secretCanary';
import { spawnWorkerProcess, type WorkerProcess } from '../support/workerProcess';

const BIN = path.resolve(__dirname, '../../bin/vibflow.js');

interface Row {
  host: string;
  vcenter?: string;
  cluster?: string | null;
  state: string;
  outcome?: string;
  error?: string;
  verified?: boolean;
  maintenanceEnteredAt?: string | null;
  maintenanceExitedAt?: string | null;
}
interface VcenterTotalsJson { name: string; unreadable?: string; totals: { hosts: number; succeeded: number; failed: number; skipped: number } }
interface RolloutJson { outcome: string; rows: Row[]; totals: { hosts: number; succeeded: number; failed: number; skipped: number }; vcenters?: VcenterTotalsJson[] }

/** The rows that did not end as `want`, with their errors: what a failed expectation shows first. */
function rowsNot(stdout: string, want: string, except: (row: Row) => boolean = () => false): string[] {
  let result: RolloutJson;
  try {
    result = JSON.parse(stdout) as RolloutJson;
  } catch {
    return [`not JSON: ${stdout.slice(0, 500)}`];
  }
  return result.rows.filter((r) => r.state !== want && !except(r)).map((r) => `${r.host}: ${r.state}: ${r.error ?? ''}`);
}

/** The most intervals open at one moment, per key. */
function peakOverlap(intervals: readonly { key: string; from: number; to: number }[]): Map<string, number> {
  const peaks = new Map<string, number>();
  for (const key of new Set(intervals.map((i) => i.key))) {
    const events = intervals.filter((i) => i.key === key).flatMap((i) => [[i.from, 1], [i.to, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let open = 0;
    let peak = 0;
    for (const [, delta] of events) peak = Math.max(peak, (open += delta));
    peaks.set(key, peak);
  }
  return peaks;
}

function maintenanceIntervals(rows: readonly Row[], keyOf: (row: Row) => string) {
  return rows.map((row) => {
    expect([row.host, typeof row.maintenanceEnteredAt, typeof row.maintenanceExitedAt]).toEqual([row.host, 'string', 'string']);
    return { key: keyOf(row), from: Date.parse(row.maintenanceEnteredAt as string), to: Date.parse(row.maintenanceExitedAt as string) };
  });
}

async function fleetStats(controlUrl: string): Promise<VcenterFleetStats> {
  const res = await fetch(`${controlUrl}/stats`);
  expect(res.status).toBe(200);
  return (await res.json()) as VcenterFleetStats;
}

/** Every host of the named vCenters installed once and rebooted once; the others not at all. */
function expectOneInstallAndRebootPerHost(stats: VcenterFleetStats, remediated: readonly string[]): void {
  for (const [vcenter, perVcenter] of Object.entries(stats.vcenters)) {
    const want = remediated.includes(vcenter) ? [1, 1, false] : [0, 0, false];
    for (const [host, counters] of Object.entries(perVcenter.hosts)) {
      expect([vcenter, host, counters.installFromUri, counters.reboots, counters.vcenter?.inMaintenanceMode]).toEqual([vcenter, host, ...want]);
    }
  }
}

/** `vibflow simulator ...` as a process, until its inventory is written; stopped by its PID. */
async function startSimulatorProcess(args: readonly string[]): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [BIN, 'simulator', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`simulator not ready in 150 s:\n${output}`)), 150_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ctrl-C to stop')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited (${code}) before it was ready:\n${output}`));
    });
  });
  return { child, output: () => output };
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const BUNDLE = 'file:///vmfs/volumes/ds1/drv-2.0.zip';
const REMEDIATE = ['--remediate', '--max-per-cluster', '1', '--max-per-vcenter', '2', '--max-concurrency', '6', '--max-failures', '0', '--poll', '1s'];

async function control(controlUrl: string, route: string, body?: unknown): Promise<void> {
  const res = await fetch(`${controlUrl}${route}`, { method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  expect([route, res.status]).toEqual([route, 200]);
}

/**
 * One simulator process with three vCenters of 2 clusters x 2 hosts (esx-001..esx-004 in each),
 * vc-3 refusing the login from the start; the rollout the issue asks for, with vc-2 frozen 60 s.
 */
describe('one rollout across three vCenters (vibflow simulator --vcenters 3)', () => {
  const taskQueue = uniqueTaskQueue('many-vcenters');
  const temporal = () => ['--address', temporalAddress(), '--task-queue', taskQueue];
  let dir: string;
  let simulator: { child: ChildProcess; output: () => string } | undefined;
  let worker: WorkerProcess | undefined;
  let inventoryFile: string;
  let inventory: VcentersInventory;
  const controlUrl = () => inventory.controlUrl as string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-many-vcenters-'));
    inventoryFile = path.join(dir, 'm.json');
    simulator = await startSimulatorProcess(['--vcenter', '--vcenters', '3', '--clusters', '2', '--hosts', '2', '--inventory', inventoryFile,
      '--port', '0', '--address-base', '127.61.0.1', '--install-seconds', '3', '--reboot-seconds', '2', '--datastore', 'ds1']);
    inventory = JSON.parse(await readFile(inventoryFile, 'utf8')) as VcentersInventory;
    // Each vCenter has its own datastores: the same real bundle placed in each vCenter's ds1.
    for (const name of ['vc-1', 'vc-2', 'vc-3']) await placeBundle(await datastoresOf(`${controlUrl()}/vcenters/${name}`), BUNDLE, [{ name: 'drv', version: '2.0' }]);
    worker = await spawnWorkerProcess({ taskQueue });
  }, 240_000);

  afterAll(async () => {
    if (inventory) await fetch(`${controlUrl()}/vcenters/vc-2/thaw`, { method: 'POST' }).catch(() => undefined);
    await worker?.stop();
    await stopProcess(simulator?.child);
    if (simulator) assertNoCanary('the simulator output', simulator.output());
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes one inventory naming three vCenters, each its own process, port, certificate and password, with the same host names', async () => {
    expect(inventory.vcenters.map((v) => v.name)).toEqual(['vc-1', 'vc-2', 'vc-3']);
    expect(new Set(inventory.vcenters.map((v) => new URL(v.url).port)).size).toBe(3);
    expect(new Set(inventory.vcenters.map((v) => v.tls?.thumbprint)).size).toBe(3);
    const passwords = await Promise.all(inventory.vcenters.map((v) => readFile(v.credential.replace(/^file:/, ''), 'utf8')));
    expect(new Set(passwords).size).toBe(3);
    for (const vcenter of inventory.vcenters) expect(vcenter.hosts.map((h) => h.name)).toEqual(['esx-001', 'esx-002', 'esx-003', 'esx-004']);

    const listed = await vibflow(['hosts', '--inventory', inventoryFile, '--json']);
    expect(listed.code).toBe(0);
    const hosts = JSON.parse(listed.stdout) as { name: string; vcenter: string; cluster: string }[];
    expect(hosts.map((h) => h.name)).toEqual(['vc-1', 'vc-2', 'vc-3'].flatMap((v) => ['esx-001', 'esx-002', 'esx-003', 'esx-004'].map((h) => `${v}/${h}`)));
    expect(hosts.slice(0, 3).map((h) => [h.vcenter, h.cluster])).toEqual([['vc-1', 'cluster-1'], ['vc-1', 'cluster-1'], ['vc-1', 'cluster-2']]);
  });

  it('with vc-3 refusing the login, --require-all-vcenters fails the rollout naming vc-3 and changes nothing', async () => {
    await control(controlUrl(), '/vcenters/vc-3/refuse-logins', { refuse: true });
    const run = await vibflow(['rollout', '--inventory', inventoryFile, '--uri', BUNDLE, '--vib', 'drv=2.0', ...REMEDIATE,
      '--require-all-vcenters', '--wait', '--json', ...temporal()], { timeoutMs: 120_000 });
    expect(run.code).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(/vCenter vc-3 could not be read, and the rollout requires all its vCenters: .*refused the login/);
    expectOneInstallAndRebootPerHost(await fleetStats(controlUrl()), []);
  });

  it('skips vc-3\'s hosts with the reason, waits for vc-2 frozen 60 s visibly, survives the worker SIGKILL, and carries on: rows, limits, budget and per-vCenter totals right', async () => {
    const rolloutId = `many-vcenters-${Date.now().toString(36)}`;
    const rollout = vibflow(['rollout', '--inventory', inventoryFile, '--uri', BUNDLE, '--vib', 'drv=2.0', '--id', rolloutId,
      ...REMEDIATE, '--wait', '--json', ...temporal()], { timeoutMs: 300_000 });

    // Freeze vc-2 once one of its hosts is in maintenance mode: mid-rollout, mid-remediation.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const stats = await fleetStats(controlUrl());
      if (Object.values(stats.vcenters['vc-2'].hosts).some((h) => h.vcenter?.inMaintenanceMode)) break;
      if (Date.now() > deadline) throw new Error('no host of vc-2 entered maintenance mode within 120 s');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await control(controlUrl(), '/vcenters/vc-2/freeze');
    const frozenAt = Date.now();

    // While frozen: status names the vCenter whose hosts wait; the worker is SIGKILLed and restarted.
    const seenWaiting: string[] = [];
    let lastStatus = '';
    let killed = false;
    while (Date.now() - frozenAt < 60_000) {
      if (!killed && Date.now() - frozenAt > 20_000) {
        worker?.kill('SIGKILL');
        await worker?.exited;
        killed = true;
        worker = await spawnWorkerProcess({ taskQueue });
      }
      const status = await vibflow(['status', rolloutId, ...temporal().slice(0, 2)]);
      lastStatus = `${status.stdout}${status.stderr}`;
      seenWaiting.push(...status.stdout.split('\n').filter((line) => line.includes('waiting: ')));
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    }
    expect(killed).toBe(true);
    // On failure: the waiting lines seen, else the last status printed.
    const waitingLine = /waiting: vCenter vc-2: \d+ hosts? waiting \(vc-2\/esx-00\d.*\), retrying since 20\d\d-.*Z: \w+ attempt \d+/;
    expect(seenWaiting.some((line) => waitingLine.test(line)) || (seenWaiting.length ? seenWaiting : lastStatus)).toBe(true);
    expect(seenWaiting.filter((line) => !line.includes('vCenter vc-2'))).toEqual([]);
    await control(controlUrl(), '/vcenters/vc-2/thaw');

    const run = await rollout;
    const result = JSON.parse(run.stdout) as RolloutJson;
    // vc-3 could not be read: its hosts are skipped, so the rollout is incomplete (exit 1); no failure spent the budget.
    expect([run.code, result.outcome, result.totals.failed, rowsNot(run.stdout, 'succeeded', (r) => r.vcenter === 'vc-3')]).toEqual([1, 'incomplete', 0, []]);
    const byVcenter = Object.fromEntries((result.vcenters ?? []).map((v) => [v.name, [v.totals.hosts, v.totals.succeeded, v.totals.skipped, v.totals.failed]]));
    expect(byVcenter).toEqual({ 'vc-1': [4, 4, 0, 0], 'vc-2': [4, 4, 0, 0], 'vc-3': [4, 0, 4, 0] });
    expect(result.vcenters?.find((v) => v.name === 'vc-3')?.unreadable).toMatch(/refused the login/);
    expect(result.rows).toHaveLength(12);
    for (const row of result.rows) {
      expect(row.host).toBe(`${row.vcenter}/${row.host.split('/')[1]}`);
      if (row.vcenter === 'vc-3') expect([row.state, row.error]).toEqual(['skipped', expect.stringMatching(/^vCenter vc-3 could not be read: .*vCenter refused the login for user "administrator@vsphere\.local"/)]);
      else expect([row.host, row.state, row.verified]).toEqual([row.host, 'succeeded', true]);
    }
    // The limits held, from the rows' own timestamps: at most 2 hosts in maintenance mode per vCenter, 1 per cluster.
    const remediated = result.rows.filter((r) => r.vcenter !== 'vc-3');
    expect(Math.max(...peakOverlap(maintenanceIntervals(remediated, (row) => row.vcenter as string)).values())).toBeLessThanOrEqual(2);
    expect(Math.max(...peakOverlap(maintenanceIntervals(remediated, (row) => `${row.vcenter}/${row.cluster}`)).values())).toBe(1);
    expectOneInstallAndRebootPerHost(await fleetStats(controlUrl()), ['vc-1', 'vc-2']);
  }, 360_000);
});
