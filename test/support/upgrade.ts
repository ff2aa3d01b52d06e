/**
 * An upgrade of vibflow while a rollout runs, with Worker Versioning: v1 workers run the rollout,
 * v2 (workflow code that fails v1's histories on replay, built from a modified copy of src/) is
 * started beside them and made current with `vibflow deployment set-current`. Shared by the dev
 * server test and the cluster test.
 */
import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { startInstall } from '../../src/api/installs';
import { rolloutResult, startRollout } from '../../src/api/rollouts';
import { rolloutWorkflowId } from '../../src/shared/ids';
import { pinnedVersion } from '../../src/api/versions';
import { startSimulator } from '../../src/simulator';
import { createWorker } from '../../src/worker';
import { placeBundle } from './bundles';
import { vibflow } from './commands';
import { waitFor } from './waitFor';
import { spawnWorkerProcess, type WorkerProcess } from './workerProcess';

const ROOT = path.resolve(__dirname, '../..');
const BUNDLE = 'file:///vmfs/volumes/datastore1/upgrade-1.0.0.zip';
const ROLLOUT_HOSTS = 20;
/** v2's change: a timer before the install's first activity, a new first command for v1's histories. */
const V2_MARKER = "await sleep('1 ms'); // v2\n  const plan = await validated(checkInstallInput(request));";

/**
 * v2's workflow bundle: src/ copied under test-output (so its imports resolve as the original's),
 * installVib given a command v1 never issued, bundled as the product bundles its workflows.
 */
export async function buildV2Bundle(): Promise<string> {
  const dir = path.join(ROOT, 'test-output', `v2-${randomUUID().slice(0, 8)}`);
  mkdirSync(dir, { recursive: true });
  try {
    cpSync(path.join(ROOT, 'src'), path.join(dir, 'src'), { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), readFileSync(path.join(ROOT, 'package.json')));
    const file = path.join(dir, 'src', 'workflows', 'installVib.ts');
    const original = readFileSync(file, 'utf8');
    const changed = original.replace('  const plan = await validated(checkInstallInput(request));', `  ${V2_MARKER}`);
    if (changed === original) throw new Error('installVib.ts changed: the v2 test edit no longer applies');
    writeFileSync(file, changed);
    const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error: console.error };
    const { code } = await bundleWorkflowCode({ workflowsPath: path.join(dir, 'src', 'workflows', 'index.ts'), logger: quiet });
    const out = path.join(ROOT, 'test-output', `workflow-bundle-v2-${randomUUID().slice(0, 8)}.js`);
    writeFileSync(out, code);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface DeploymentStatusJson {
  currentBuildId?: string;
  currentSince?: string;
  versions: { buildId: string; state: string; openExecutions: number; workers: number }[];
}

export interface UpgradeOptions {
  readonly client: Client;
  readonly address: string;
  readonly v2BundlePath: string;
  /** Loopback base address of the simulated hosts. */
  readonly addressBase: string;
  /** SIGKILL the v1 worker once v2 is up; restart it after `status` said no worker of v1 polls. */
  readonly killV1: boolean;
  readonly label: string;
}

export interface UpgradeFigures {
  readonly seconds: number;
  readonly drainedAfterSeconds: number;
  /** When each step was reached, for the test's output. */
  readonly phases: readonly string[];
}

async function executionsOf(client: Client, query: string): Promise<WorkflowExecutionDescription[]> {
  const found: WorkflowExecutionDescription[] = [];
  for await (const execution of client.workflow.list({ query })) {
    found.push(await client.workflow.getHandle(execution.workflowId, execution.runId).describe());
  }
  return found;
}

async function failedTasks(client: Client, d: WorkflowExecutionDescription): Promise<string[]> {
  const history = await client.workflow.getHandle(d.workflowId, d.runId).fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.workflowTaskFailedEventAttributes)
    .map((e) => `${d.workflowId}/${d.runId}: ${e.workflowTaskFailedEventAttributes?.failure?.message ?? 'workflow task failed'}`);
}

/**
 * Whether an execution ran v2's code: its first workflow task's commands (a patch marker and the
 * progress memo in both versions) include v2's 1 ms timer, which v1 never starts.
 */
async function ranV2Code(client: Client, d: WorkflowExecutionDescription): Promise<boolean> {
  const history = await client.workflow.getHandle(d.workflowId, d.runId).fetchHistory();
  const events = history.events ?? [];
  const firstTaskDone = events.findIndex((e) => e.workflowTaskCompletedEventAttributes);
  const nextTask = events.findIndex((e, i) => i > firstTaskDone && e.workflowTaskScheduledEventAttributes);
  const firstCommands = events.slice(firstTaskDone + 1, nextTask < 0 ? undefined : nextTask);
  return firstCommands.some((e) => {
    const t = e.timerStartedEventAttributes?.startToFireTimeout;
    return Boolean(t && Number(t.seconds ?? 0) === 0 && Number(t.nanos ?? 0) === 1_000_000);
  });
}

export async function upgradeWhileRolling(options: UpgradeOptions): Promise<UpgradeFigures> {
  const { client, address } = options;
  const started = Date.now();
  const phases: string[] = [];
  const mark = (what: string) => phases.push(`${what} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const id = randomUUID().slice(0, 8);
  const taskQueue = `upgrade-${options.label}-${id}`;
  const deployment = `upgrade-${options.label}-${id}`;
  const temporal = ['--address', address, '--task-queue', taskQueue, '--deployment', deployment];
  const deploymentStatus = async (): Promise<DeploymentStatusJson> => {
    const run = await vibflow(['deployment', 'status', '--json', ...temporal]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(run.stdout) as DeploymentStatusJson;
  };
  const versionOf = (s: DeploymentStatusJson, buildId: string) => s.versions.find((v) => v.buildId === buildId);
  const workerArgs = ['--deployment', deployment];
  // 20 hosts for the rollout on v1, one for a lone install on v1, two for a rollout on v2.
  const simulator = await startSimulator({ hosts: ROLLOUT_HOSTS + 3, basePort: 0, addressBase: options.addressBase, installSeconds: 8 });
  await placeBundle(simulator, BUNDLE, [{ name: 'upgrade', version: '1.0.0' }]);
  const workers: WorkerProcess[] = [];
  try {
    // v1: the first version of a new deployment makes itself current, no step needed.
    const v1 = await spawnWorkerProcess({ taskQueue, address, args: workerArgs });
    mark('v1 worker ready');
    workers.push(v1);
    const v1Build = String(v1.ready.buildId);
    expect(v1.ready).toMatchObject({ deployment, current: true });
    expect(v1.output()).toContain(`serving version ${v1Build} of deployment \\"${deployment}\\" on task queue \\"${taskQueue}\\": current (made current`);

    const hosts = simulator.inventory.hosts;
    const rolloutId = `upgrade-${options.label}-${id}`;
    const rollout = await startRollout(client, { rolloutId, hosts: hosts.slice(0, ROLLOUT_HOSTS), bundleUri: BUNDLE, maxConcurrency: 4, pageSize: 4, pollInterval: '1s' }, taskQueue);
    // A lone install that continues-as-new every 2 polls: each new run must stay on v1 too.
    const lone = await startInstall(client, { host: hosts[ROLLOUT_HOSTS], bundleUri: BUNDLE, pollInterval: '1s', maxPollsPerRun: 2 }, taskQueue);

    // v2 started beside v1 while the rollout's first installs run: not current, since v1 is.
    const v2 = await spawnWorkerProcess({ taskQueue, address, args: workerArgs, bundlePath: options.v2BundlePath });
    mark('v2 worker ready');
    workers.push(v2);
    const v2Build = String(v2.ready.buildId);
    expect(v2Build).not.toBe(v1Build);
    expect(v2.ready).toMatchObject({ deployment, current: false });
    expect(v2.output()).toContain(`not current (the current version is ${v1Build})`);
    await waitFor(() => simulator.stats().fleet.installFromUri >= 4, 'the rollout\'s first installs', 60_000);
    expect(simulator.stats().fleet.installFromUri).toBeLessThan(ROLLOUT_HOSTS); // the rollout is far from done

    // The lone install has continued as new once on v1 before the upgrade (else, with v1 killed, its
    // job could end while no worker runs and its first run see the end: one run, nothing tested).
    await waitFor(async () => (await client.workflow.getHandle(lone.workflowId).describe()).runId !== lone.firstExecutionRunId, 'the lone install\'s second run', 30_000);

    let installsWhileV1Down = 0;
    if (options.killV1) {
      v1.kill('SIGKILL');
      await v1.exited;
    }
    const setStartedAt = new Date();
    const set = await vibflow(['deployment', 'set-current', v2Build, ...temporal]);
    mark('v2 made current');
    expect({ code: set.code, stderr: set.stderr }).toEqual({ code: 0, stderr: '' });
    expect(set.stdout).toContain(`current version of deployment "${deployment}": ${v2Build} (was ${v1Build})`);
    const afterSet = await deploymentStatus();
    expect(afterSet.currentBuildId).toBe(v2Build);
    // The moment new work moved to v2, as the server recorded it.
    const v2CurrentSince = new Date(afterSet.currentSince ?? NaN);
    expect(v2CurrentSince.getTime()).toBeGreaterThanOrEqual(setStartedAt.getTime() - 1_000);
    // From here on installs are short: the ones running now span the upgrade, the rest need not wait long.
    simulator.setInstallSeconds(2);
    expect(versionOf(afterSet, v1Build)).toMatchObject({ state: expect.stringMatching(/^draining$|^inactive$/), openExecutions: expect.any(Number) });
    expect(versionOf(afterSet, v1Build)?.openExecutions).toBeGreaterThan(0); // the rollout, its installs, the lone install

    if (options.killV1) {
      // The rollout waits: nothing of v1's runs moves to v2, and status says why.
      const countAtKill = simulator.stats().fleet.installFromUri;
      let said = '';
      await waitFor(async () => {
        const s = await vibflow(['status', rolloutId, '--address', address]);
        said = s.stderr;
        return s.code === 1 && s.stderr.includes(`no worker of version ${v1Build} (deployment "${deployment}") polls task queue "${taskQueue}"`);
      }, 'status to say that no worker of v1 polls', 60_000, 1_000);
      mark('status said no worker of v1 polls');
      expect(said).toContain('it is pinned to that version and waits until one is back');
      installsWhileV1Down = simulator.stats().fleet.installFromUri - countAtKill;
      const back = await spawnWorkerProcess({ taskQueue, address, args: workerArgs });
      mark('a v1 worker back');
      workers.push(back);
      expect(back.ready).toMatchObject({ buildId: v1Build, current: false });
      expect(back.output()).toContain(`not current (the current version is ${v2Build})`);
    }
    expect(installsWhileV1Down).toBe(0);

    // New work runs on v2.
    const next = await startRollout(client, { rolloutId: `${rolloutId}-v2`, hosts: hosts.slice(ROLLOUT_HOSTS + 1), bundleUri: BUNDLE, maxConcurrency: 2, pollInterval: '1s' }, taskQueue);

    const [result, nextResult, loneResult] = await Promise.all([rolloutResult(rollout), rolloutResult(next), lone.result()]);
    mark('rollouts ended');
    expect(result.totals).toMatchObject({ hosts: ROLLOUT_HOSTS, succeeded: ROLLOUT_HOSTS, failed: 0 });
    expect(nextResult.totals).toMatchObject({ hosts: 2, succeeded: 2, failed: 0 });
    expect(loneResult.outcome).toMatch(/^succeeded/);
    expect(loneResult.runs).toBeGreaterThan(1);
    const stats = simulator.stats();
    expect(Object.fromEntries(hosts.map((h) => [h.name, stats.hosts[h.name].installFromUri]))).toEqual(Object.fromEntries(hosts.map((h) => [h.name, 1])));

    // Every run of the first rollout, its installs and the lone install's runs: pinned to v1, not a task failed.
    // (The lone install's workflow id is derived from host and bundle: the same in every scenario.)
    const since = new Date(started).toISOString();
    const onV1 = await executionsOf(client, `WorkflowId = '${rolloutWorkflowId(rolloutId)}' OR VibflowRolloutId = '${rolloutId}' OR (WorkflowId = '${lone.workflowId}' AND StartTime >= '${since}')`);
    const onV2 = await executionsOf(client, `WorkflowId = '${rolloutWorkflowId(`${rolloutId}-v2`)}' OR VibflowRolloutId = '${rolloutId}-v2'`);
    expect(onV1.filter((d) => d.workflowId === rolloutWorkflowId(rolloutId)).length).toBeGreaterThanOrEqual(ROLLOUT_HOSTS / 4); // continued-as-new per page of 4
    expect(onV1.filter((d) => d.workflowId === lone.workflowId).length).toBe(loneResult.runs);
    expect(onV1.length).toBeGreaterThanOrEqual(ROLLOUT_HOSTS + ROLLOUT_HOSTS / 4 + loneResult.runs);
    expect(onV1.filter((d) => pinnedVersion(d)?.buildId !== v1Build).map((d) => d.workflowId)).toEqual([]);
    // The upgrade happened mid-rollout: installs of v1's rollout ran while v2 was made current, and
    // others started after it was, all on v1.
    const rolloutInstalls = onV1.filter((d) => d.type === 'installVib' && d.workflowId !== lone.workflowId);
    const spanning = rolloutInstalls.filter((d) => d.startTime < v2CurrentSince && (d.closeTime ?? new Date()) > v2CurrentSince);
    const late = rolloutInstalls.filter((d) => d.startTime > v2CurrentSince);
    expect({ spanning: spanning.length > 0, late: late.length >= 4 }).toEqual({ spanning: true, late: true });
    expect(onV2.filter((d) => pinnedVersion(d)?.buildId !== v2Build).map((d) => d.workflowId)).toEqual([]);
    expect(onV2.length).toBe(3);
    expect((await Promise.all([...onV1, ...onV2].map((d) => failedTasks(client, d)))).flat()).toEqual([]);
    // The code each ran: v2's timer in v2's installs only.
    const installs = (ds: WorkflowExecutionDescription[]) => ds.filter((d) => d.type === 'installVib');
    expect(await Promise.all(installs(onV2).map((d) => ranV2Code(client, d)))).toEqual(installs(onV2).map(() => true));
    expect((await Promise.all(installs(onV1).map((d) => ranV2Code(client, d)))).filter(Boolean).length).toBe(0);

    // v2 would have failed v1's histories: replay one on each bundle.
    const v1Install = installs(onV1).find((d) => d.workflowId !== lone.workflowId) as WorkflowExecutionDescription;
    const history = await client.workflow.getHandle(v1Install.workflowId, v1Install.runId).fetchHistory();
    const replay = (codePath: string) => Worker.runReplayHistory({ workflowBundle: { codePath } }, history, v1Install.workflowId);
    await expect(replay(options.v2BundlePath)).rejects.toThrow(/[Nn]ondeterminis/);
    const v1Bundle = process.env.VIBFLOW_TEST_WORKFLOW_BUNDLE as string;
    await replay(v1Bundle);

    // v1 drains; then its workers are stopped.
    const endedAt = Date.now();
    let last: DeploymentStatusJson | undefined;
    await waitFor(async () => {
      last = await deploymentStatus();
      return versionOf(last, v1Build)?.state === 'drained';
    }, 'deployment status to show v1 drained', 120_000, 1_000).catch((err: Error) => {
      throw new Error(`${err.message}; last status: ${JSON.stringify(last)}`);
    });
    const drainedAfterSeconds = Math.round((Date.now() - endedAt) / 100) / 10;
    expect(versionOf(last as DeploymentStatusJson, v1Build)).toMatchObject({ openExecutions: 0 });
    expect(versionOf(last as DeploymentStatusJson, v2Build)).toMatchObject({ state: 'current', workers: 1 });
    const v1Workers = workers.filter((w) => w !== v2);
    await Promise.all(v1Workers.map((w) => w.stop()));
    expect(await Promise.all(v1Workers.filter((w) => w !== v1 || !options.killV1).map((w) => w.exited))).toEqual(v1Workers.filter((w) => w !== v1 || !options.killV1).map(() => 0));
    mark('v1 drained and stopped');
    return { seconds: Math.round((Date.now() - started) / 100) / 10, drainedAfterSeconds, phases };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await simulator.stop();
  }
}

export interface MigrationOptions {
  readonly client: Client;
  readonly address: string;
  readonly addressBase: string;
  readonly label: string;
}

/**
 * An unversioned installation moves to Worker Versioning, as the README describes: versioned
 * workers start beside the unversioned one (same workflow code) and do not make themselves
 * current; `deployment set-current`; running unversioned executions move to the version at their
 * next workflow task and are pinned there; the unversioned worker is stopped once none is left.
 */
export async function migrateFromUnversioned(options: MigrationOptions): Promise<{ seconds: number; phases: readonly string[] }> {
  const { client, address } = options;
  const started = Date.now();
  const phases: string[] = [];
  const mark = (what: string) => phases.push(`${what} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const id = randomUUID().slice(0, 8);
  const taskQueue = `migrate-${options.label}-${id}`;
  const deployment = `migrate-${options.label}-${id}`;
  const temporal = ['--address', address, '--task-queue', taskQueue, '--deployment', deployment];
  const simulator = await startSimulator({ hosts: 6, basePort: 0, addressBase: options.addressBase, installSeconds: 20 });
  await placeBundle(simulator, BUNDLE, [{ name: 'upgrade', version: '1.0.0' }]);
  // The installation before Worker Versioning: an unversioned worker (no deployment options).
  const old = await createWorker({ address, taskQueue, workflowBundlePath: process.env.VIBFLOW_TEST_WORKFLOW_BUNDLE });
  const oldRunning = old.worker.run();
  let oldStopped = false;
  const stopOld = async () => {
    if (oldStopped) return;
    oldStopped = true;
    old.worker.shutdown();
    await oldRunning;
    await old.connection.close();
  };
  const workers: WorkerProcess[] = [];
  try {
    const hosts = simulator.inventory.hosts;
    const rolloutId = `migrate-${options.label}-${id}`;
    const rollout = await startRollout(client, { rolloutId, hosts: hosts.slice(0, 4), bundleUri: BUNDLE, maxConcurrency: 2, pageSize: 2, pollInterval: '1s' }, taskQueue);
    await waitFor(() => simulator.stats().fleet.installFromUri >= 2, 'the unversioned rollout\'s first installs', 60_000);
    expect(pinnedVersion(await rollout.describe())).toBeUndefined();
    mark('rollout running unversioned');

    // A versioned worker beside it: not current, because an unversioned worker polls.
    const versioned = await spawnWorkerProcess({ taskQueue, address, args: ['--deployment', deployment] });
    workers.push(versioned);
    const buildId = String(versioned.ready.buildId);
    expect(versioned.ready).toMatchObject({ deployment, current: false });
    expect(versioned.output()).toContain(`unversioned worker(s) poll task queue \\"${taskQueue}\\"`);
    mark('versioned worker ready, not current');

    const setAt = new Date();
    const set = await vibflow(['deployment', 'set-current', buildId, ...temporal]);
    expect({ code: set.code, stderr: set.stderr }).toEqual({ code: 0, stderr: '' });
    expect(set.stdout).toContain(`current version of deployment "${deployment}": ${buildId}\n`);
    mark('versioned worker made current');

    // New work starts on the version.
    const next = await startRollout(client, { rolloutId: `${rolloutId}-new`, hosts: hosts.slice(4), bundleUri: BUNDLE, maxConcurrency: 2, pollInterval: '1s' }, taskQueue);
    await waitFor(async () => pinnedVersion(await next.describe())?.buildId === buildId, 'the new rollout to run on the version', 30_000, 500);
    // What still runs unversioned while the unversioned worker polls.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const query = `WorkflowId = '${rolloutWorkflowId(rolloutId)}' OR VibflowRolloutId = '${rolloutId}'`;
    const running = (await executionsOf(client, `(${query}) AND ExecutionStatus = 'Running'`));
    // Some move while the unversioned worker polls, not all (one it holds in its cache may stay there).
    phases.push(`5 s after set-current: ${running.filter((d) => !pinnedVersion(d)).length} of ${running.length} running executions of the old rollout still unversioned`);
    await stopOld();
    mark('unversioned worker stopped');
    simulator.setInstallSeconds(2);

    // Their next workflow tasks go to the current version: they finish there, pinned to it.
    const [result, nextResult] = await Promise.all([rolloutResult(rollout), rolloutResult(next)]);
    mark('rollouts ended');
    expect(result.totals).toMatchObject({ hosts: 4, succeeded: 4, failed: 0 });
    expect(nextResult.totals).toMatchObject({ hosts: 2, succeeded: 2, failed: 0 });
    const stats = simulator.stats();
    expect(Object.fromEntries(hosts.map((h) => [h.name, stats.hosts[h.name].installFromUri]))).toEqual(Object.fromEntries(hosts.map((h) => [h.name, 1])));
    const all = await executionsOf(client, `${query} OR WorkflowId = '${rolloutWorkflowId(`${rolloutId}-new`)}' OR VibflowRolloutId = '${rolloutId}-new'`);
    // Started unversioned, ran past set-current (20 s installs: none ended before the unversioned worker stopped).
    const moved = all.filter((d) => d.startTime < setAt && (d.closeTime ?? new Date()) > setAt);
    expect(moved.length).toBeGreaterThanOrEqual(3); // the rollout's first run and its first two installs
    expect(moved.filter((d) => pinnedVersion(d)?.buildId !== buildId).map((d) => `${d.workflowId} ${JSON.stringify(d.raw.workflowExecutionInfo?.versioningInfo ?? null)}`)).toEqual([]);
    const startedAfter = all.filter((d) => d.startTime > setAt);
    expect(startedAfter.filter((d) => pinnedVersion(d)?.buildId !== buildId).map((d) => d.workflowId)).toEqual([]);
    expect((await Promise.all(all.map((d) => failedTasks(client, d)))).flat()).toEqual([]);

    const s = await vibflow(['deployment', 'status', '--json', ...temporal]);
    expect({ code: s.code, stderr: s.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(s.stdout)).toMatchObject({ currentBuildId: buildId, versions: [{ buildId, state: 'current', openExecutions: 0, workers: 1 }] });
    return { seconds: Math.round((Date.now() - started) / 100) / 10, phases };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await stopOld();
    await simulator.stop();
  }
}
