/**
 * fleetRollout against the real dev server and simulator: limits asserted from the simulator's
 * own view of when jobs ran, not from the workflow's report.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { rolloutProgress, rolloutResult, startRollout as startRolloutApi, steer, type RolloutHandle } from '../../src/api/rollouts';
import { startSimulator, type Simulator } from '../../src/simulator';
import { InvalidInputError } from '../../src/workflows/installInput';
import type { FleetRolloutInput } from '../../src/workflows/rolloutInput';
import { recordHistoryFixture } from '../support/histories';
import { startTestWorker, testClient, uniqueTaskQueue, type TestWorker } from '../support/temporal';
import { waitFor } from '../support/waitFor';
import { placeBundle } from '../support/bundles';

const BUNDLE = 'file:///vmfs/volumes/datastore1/fleet-tools-3.0.0.zip';
const started: RolloutHandle[] = [];

/** Starts a rollout and remembers it, so a failed test cannot leave it running into the next. */
async function startRollout(...args: Parameters<typeof startRolloutApi>): Promise<RolloutHandle> {
  const handle = await startRolloutApi(...args);
  started.push(handle);
  return handle;
}

/** An update refused by its validator: the reason is the failure's cause. */
async function refusal(update: Promise<unknown>): Promise<string> {
  try {
    await update;
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    return (err as WorkflowUpdateFailedError).cause?.message ?? '';
  }
  throw new Error('expected the update to be refused');
}
let idSeq = 0;
const rolloutId = (label: string) => `${label}-${Date.now().toString(36)}-${++idSeq}`;

describe('fleetRollout', () => {
  let simulator: Simulator;
  let worker: TestWorker;
  const taskQueue = uniqueTaskQueue('rollout');

  beforeAll(async () => {
    worker = await startTestWorker({ taskQueue });
  });

  afterAll(async () => {
    await worker?.shutdown();
  });

  // A fleet per test: an aborted install's job keeps running on its host, as on ESXi.
  beforeEach(async () => {
    simulator = await startSimulator({ hosts: 12, basePort: 0, addressBase: '127.26.0.1', installSeconds: 2 });
    await placeBundle(simulator, BUNDLE, [{ name: 'fleet-tools', version: '3.0.0' }]);
  });

  afterEach(async () => {
    for (const handle of started.splice(0)) {
      if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate('test cleanup');
    }
    await simulator.stop();
  });

  function input(extra: Partial<FleetRolloutInput> & { hostCount?: number } = {}): FleetRolloutInput {
    const { hostCount = 12, ...rest } = extra;
    return {
      rolloutId: rolloutId('r'),
      hosts: simulator.inventory.hosts.slice(0, hostCount),
      bundleUri: BUNDLE,
      pollInterval: '300ms',
      maxConcurrency: 3,
      ...rest,
    };
  }

  const jobsOf = (name: string) => simulator.stats().hosts[name].jobs;

  it('runs canary batches in order, then a sliding window that never exceeds the limit, within the failure budget', async () => {
    simulator.setFailure('esx-010', 'dependency');
    const handle = await startRollout(await testClient(), input({ canary: [1, 2], maxFailures: 1 }), taskQueue);
    const result = await rolloutResult(handle);

    expect(result).toMatchObject({ reason: 'completed', outcome: 'completed-with-failures' });
    expect(result.totals).toMatchObject({ hosts: 12, succeeded: 11, failed: 1, skipped: 0, cancelled: 0 });
    expect(result.rows.find((r) => r.host === 'esx-010')).toMatchObject({ state: 'failed', outcome: 'failed' });
    expect(result.rows.find((r) => r.host === 'esx-010')?.error).toContain('[DependencyError]');
    const stats = simulator.stats();
    expect(stats.fleet.peakConcurrentJobs).toBeLessThanOrEqual(3);
    expect(stats.fleet.peakConcurrentJobs).toBe(3);
    for (const host of simulator.hosts) expect(stats.hosts[host.name].installFromUri).toBe(1);
    // Canary: esx-001 alone, then esx-002 and esx-003 only after it ended, then the rest after them.
    const first = jobsOf('esx-001')[0];
    const second = [jobsOf('esx-002')[0], jobsOf('esx-003')[0]];
    for (const job of second) expect(job.startedAt).toBeGreaterThanOrEqual(first.endedAt);
    for (const host of simulator.hosts.slice(3)) expect(jobsOf(host.name)[0].startedAt).toBeGreaterThanOrEqual(Math.max(...second.map((j) => j.endedAt)));
    await recordHistoryFixture(await testClient(), 'fleetRollout-canary-window-one-failure', handle);
  });

  it('stops starting hosts once the failure budget is exceeded, and ends failed', async () => {
    for (const host of simulator.hosts) simulator.setFailure(host.name, 'maintenance-mode');
    const handle = await startRollout(await testClient(), input({ hostCount: 6, maxConcurrency: 1, maxFailures: 1 }), taskQueue);
    const result = await rolloutResult(handle);
    expect(result).toMatchObject({ reason: 'failure-budget-exceeded', outcome: 'failed' });
    expect(result.totals).toMatchObject({ failed: 2, skipped: 4 });
    expect(simulator.stats().fleet.installFromUri).toBe(2);
    await recordHistoryFixture(await testClient(), 'fleetRollout-budget-exceeded', handle);
  });

  it('holds new starts while paused, lets in-flight hosts finish, and continues on resume', async () => {
    simulator.setInstallSeconds(3);
    const client = await testClient();
    const handle = await startRollout(client, input({ hostCount: 3, maxConcurrency: 1 }), taskQueue);
    await waitFor(() => simulator.stats().fleet.installFromUri === 1, 'the first host to start');
    const paused = await steer.pause(handle);
    expect(paused.paused).toBe(true);
    expect(await refusal(steer.pause(handle))).toMatch(/already paused/);
    await waitFor(async () => (await rolloutProgress(handle)).totals.succeeded === 1, 'the in-flight host to finish', 30_000);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(simulator.stats().fleet.installFromUri).toBe(1);
    expect((await rolloutProgress(handle)).phase).toBe('paused');
    await steer.resume(handle);
    const result = await rolloutResult(handle);
    expect(result.totals.succeeded).toBe(3);
    await recordHistoryFixture(client, 'fleetRollout-paused-resumed', handle);
  });

  it('aborts: in-flight installs are cancelled and nothing new starts', async () => {
    simulator.setInstallSeconds(3600);
    const handle = await startRollout(await testClient(), input({ hostCount: 5, maxConcurrency: 2 }), taskQueue);
    await waitFor(() => simulator.stats().fleet.installFromUri === 2, 'two hosts to start');
    await steer.abort(handle, 'change freeze');
    const result = await rolloutResult(handle);
    expect(result).toMatchObject({ reason: 'aborted', outcome: 'aborted', abortReason: 'change freeze' });
    expect(result.totals).toMatchObject({ cancelled: 2, skipped: 3, succeeded: 0 });
    expect(simulator.stats().fleet.installFromUri).toBe(2);
    await recordHistoryFixture(await testClient(), 'fleetRollout-aborted', handle);
  });

  it('waits for approval after the canary and refuses approval before that', async () => {
    const client = await testClient();
    const handle = await startRollout(client, input({ hostCount: 4, canary: [1], approveAfterCanary: true }), taskQueue);
    expect(await refusal(steer.approve(handle))).toMatch(/not waiting for approval/);
    await waitFor(async () => (await rolloutProgress(handle)).phase === 'awaiting-approval', 'the approval gate', 30_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(simulator.stats().fleet.installFromUri).toBe(1);
    await steer.approve(handle);
    const result = await rolloutResult(handle);
    expect(result.totals.succeeded).toBe(4);
    await recordHistoryFixture(client, 'fleetRollout-approved-after-canary', handle);
  });

  it('starts nothing after the window cutoff', async () => {
    simulator.setInstallSeconds(3);
    const handle = await startRollout(await testClient(), input({ hostCount: 4, maxConcurrency: 1, window: { duration: '4s', cutoff: '2s' } }), taskQueue);
    const result = await rolloutResult(handle);
    expect(result).toMatchObject({ reason: 'window-closed', outcome: 'incomplete' });
    expect(result.totals).toMatchObject({ succeeded: 1, skipped: 3 });
    expect(simulator.stats().fleet.installFromUri).toBe(1);
  });

  it('pages through hosts with continue-as-new and still gives one correct result', async () => {
    const handle = await startRollout(await testClient(), input({ hostCount: 5, maxConcurrency: 2, pageSize: 2 }), taskQueue);
    const result = await rolloutResult(handle);
    expect(result.totals.succeeded).toBe(5);
    expect(result.runs).toBeGreaterThanOrEqual(3);
    expect(simulator.stats().fleet.installFromUri).toBe(5);
    await recordHistoryFixture(await testClient(), 'fleetRollout-continued-as-new', handle);
  });

  it('reads its hosts a page at a time from an inventory file the workers read, carrying only totals and failures across runs', async () => {
    simulator.setFailure('esx-002', 'dependency');
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'vibflow-paged-')), 'inventory.json');
    await writeFile(file, JSON.stringify(simulator.inventory));
    const { hosts: _inline, ...rest } = input({ maxConcurrency: 3, maxFailures: 1, pageSize: 4 });
    const handle = await startRollout(await testClient(), { ...rest, fromFile: { path: file } }, taskQueue);
    const result = await rolloutResult(handle);
    expect(result).toMatchObject({ reason: 'completed', outcome: 'completed-with-failures' });
    expect(result.totals).toMatchObject({ hosts: 12, succeeded: 11, failed: 1, pending: 0, skipped: 0 });
    expect(result.runs).toBe(3);
    // The last run's rows, and the failure from the first run.
    expect(result.rows.map((r) => r.host)).toEqual(['esx-002', 'esx-009', 'esx-010', 'esx-011', 'esx-012']);
    expect(result.rows[0]).toMatchObject({ state: 'failed', outcome: 'failed' });
    for (const host of simulator.hosts) expect(simulator.stats().hosts[host.name].installFromUri).toBe(1);
  });

  it('ends at once, naming the file, when the workers cannot read it', async () => {
    const { hosts: _inline, ...rest } = input();
    const handle = await startRollout(await testClient(), { ...rest, fromFile: { path: '/nonexistent/inventory.json' } }, taskQueue);
    const { failure } = await rolloutResult(handle);
    expect(failure?.category).toBe('InvalidInput');
    expect(failure?.message).toMatch(/inventory \/nonexistent\/inventory\.json: the worker cannot read it \(ENOENT\)/);
    expect(simulator.stats().fleet.installFromUri).toBe(0);
  });

  it.each([
    ['an empty host list', { hosts: [] }, 'hosts: must list at least one host'],
    ['duplicate hosts', { hostsDuplicated: true }, 'duplicate host "esx-001"'],
    ['concurrency 0', { maxConcurrency: 0 }, 'maxConcurrency'],
    ['a percentage over 100', { maxFailures: '120%' }, 'maxFailures: a percentage cannot exceed 100%'],
    ['a window already past', { window: { endsAt: '2020-01-01T00:00:00Z' } }, 'window: the window (less its cutoff) has already passed'],
    ['a bad bundle URI', { bundleUri: 'http://depot/b.zip' }, 'bundleUri: must be an offline bundle'],
  ])('refuses %s at start and starts nothing', async (_what, change, message) => {
    const { hostsDuplicated, ...rest } = change as Partial<FleetRolloutInput> & { hostsDuplicated?: boolean };
    const bad = { ...input(), ...rest, ...(hostsDuplicated ? { hosts: [simulator.inventory.hosts[0], simulator.inventory.hosts[0]] } : {}) };
    const client = await testClient();
    await expect(startRollout(client, bad as FleetRolloutInput, taskQueue)).rejects.toThrow(InvalidInputError);
    await expect(startRollout(client, bad as FleetRolloutInput, taskQueue)).rejects.toThrow(message);
    expect(simulator.stats().fleet.installFromUri).toBe(0);
  });
});
