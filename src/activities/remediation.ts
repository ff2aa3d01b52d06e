/**
 * The remediation activities: thin adapters over vsphere/ (maintenance mode, reboot, host state)
 * and esxi/ (pre-check, verification). Every step that changes something first reads the host's
 * state and adopts what an earlier attempt did (architecture decision 10): a retried step never
 * starts a second maintenance-mode task or a second reboot. Long waits heartbeat, so a worker
 * that dies mid-wait is noticed in seconds and the retry picks the same task up.
 */
import path from 'node:path';
import { Context, heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { checkVibs, type ExpectedVib, type VibPresence } from '../esxi/compliance';
import { classifyCimFailure } from '../esxi/errors';
import { discoverHost } from '../esxi/discovery';
import { listJobs } from '../esxi/job';
import type { HostTarget } from '../esxi/model';
import { snapshotSoftware } from '../esxi/software';
import { TERMINAL_FAILED_JOB_STATES, JOB_STATE } from '../esxi/valueMaps';
import type { BundleFacts } from '../remediation/bundleCheck';
import { isHostBusyTask, precheckVerdict, type CimFacts, type PrecheckReport, type VcenterFacts } from '../remediation/precheck';
import type { StagedForHost } from '../staging/model';
import { copyForHost, noCopyReason } from '../staging/plan';
import { VsphereError, VsphereFault, type VsphereClient } from '../vsphere';
import type { HostState, MoRef, TaskInfo, VcenterTarget } from '../vsphere/model';
import { VIBFLOW_HOST } from '../shared/searchAttributes';
import { classified } from './failures';
import { withCimClient } from './connections';
import { vcenterSession } from './vcenterSessions';

/** A host as vCenter knows it; `host` is its name, for messages. */
export interface VcenterHostInput {
  readonly vcenter: VcenterTarget;
  readonly hostRef: string;
  readonly host: string;
}

const hostRef = (input: VcenterHostInput): MoRef => ({ type: 'HostSystem', value: input.hostRef });

/** Runs a vCenter call, turning vsphere/ failures into retryable or final ApplicationFailures. */
async function withVcenter<T>(input: VcenterHostInput, body: (vcenter: VsphereClient) => Promise<T>): Promise<T> {
  try {
    return await body(await vcenterSession(input.vcenter));
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    if (err instanceof VsphereError) {
      throw ApplicationFailure.create({ message: err.message, type: err.category, nonRetryable: !err.retryable, details: [{ category: err.category }] });
    }
    throw err;
  }
}

const later = (a: string | null, b: string | null): boolean => a !== null && (b === null || Date.parse(a) > Date.parse(b));
const newest = (tasks: readonly TaskInfo[]): TaskInfo | undefined =>
  [...tasks].sort((a, b) => Date.parse(b.queueTime ?? '') - Date.parse(a.queueTime ?? ''))[0];
const isTask = (task: TaskInfo, method: string) => new RegExp(method, 'i').test(`${task.name} ${task.descriptionId ?? ''}`);

/** Waits for a task, heartbeating its progress so a dead worker is noticed and the retry resumes it. */
async function waitWithHeartbeats(vcenter: VsphereClient, task: MoRef, timeoutMs: number): Promise<TaskInfo> {
  const context = Context.current();
  heartbeat({ task: task.value, progress: null });
  return vcenter.waitForTask(task, {
    pollIntervalMs: 1_000,
    timeoutMs,
    signal: context.cancellationSignal,
    onProgress: (info) => heartbeat({ task: task.value, progress: info.progress }),
  });
}

export async function readHostState(input: VcenterHostInput): Promise<HostState> {
  return withVcenter(input, (vcenter) => vcenter.hostState(hostRef(input)));
}

export interface MaintenanceInput extends VcenterHostInput {
  readonly timeoutSeconds: number;
  readonly evacuatePoweredOffVms?: boolean;
}

export interface MaintenanceChange {
  /** vCenter's time of the change (the task's completion), ISO 8601. */
  readonly at: string;
  /** True when an earlier attempt's task had already done it or was doing it. */
  readonly adopted: boolean;
}

/** A maintenance-mode task that failed, as a final failure the workflow's policy decides about. */
function maintenanceFailure(input: VcenterHostInput, direction: 'enter' | 'exit', err: unknown): ApplicationFailure | undefined {
  if (!(err instanceof VsphereFault)) return undefined;
  const type = err.faultType === 'Timedout' ? 'maintenance-mode-timeout' : 'maintenance-mode';
  const what = direction === 'enter' ? 'enter' : 'exit';
  const text = err.faultType === 'Timedout'
    ? `${input.host} did not ${what} maintenance mode before the timeout (Timedout)`
    : `${input.host} could not ${what} maintenance mode: ${err.faultType}${err.faultMessage ? `: ${err.faultMessage}` : ''}`;
  return ApplicationFailure.create({ message: text, type, nonRetryable: true });
}

async function changeMaintenanceMode(input: MaintenanceInput, direction: 'enter' | 'exit'): Promise<MaintenanceChange> {
  const method = direction === 'enter' ? 'EnterMaintenanceMode' : 'ExitMaintenanceMode';
  return withVcenter(input, async (vcenter) => {
    const ref = hostRef(input);
    const state = await vcenter.hostState(ref);
    const tasks = (await vcenter.recentTasks(ref)).filter((t) => isTask(t, method));
    if (state.inMaintenanceMode === (direction === 'enter')) {
      const done = newest(tasks.filter((t) => t.state === 'success'));
      return { at: done?.completeTime ?? new Date().toISOString(), adopted: true };
    }
    const running = newest(tasks.filter((t) => t.state === 'queued' || t.state === 'running'));
    const task = running?.ref ?? (direction === 'enter'
      ? await vcenter.enterMaintenanceMode(ref, { timeoutSeconds: input.timeoutSeconds, evacuatePoweredOffVms: input.evacuatePoweredOffVms ?? false })
      : await vcenter.exitMaintenanceMode(ref, { timeoutSeconds: input.timeoutSeconds }));
    try {
      const info = await waitWithHeartbeats(vcenter, task, (input.timeoutSeconds + 120) * 1000);
      return { at: info.completeTime ?? new Date().toISOString(), adopted: running !== undefined };
    } catch (err) {
      throw maintenanceFailure(input, direction, err) ?? err;
    }
  });
}

export async function enterMaintenanceMode(input: MaintenanceInput): Promise<MaintenanceChange> {
  return changeMaintenanceMode(input, 'enter');
}

export async function exitMaintenanceMode(input: MaintenanceInput): Promise<MaintenanceChange> {
  return changeMaintenanceMode(input, 'exit');
}

export interface RebootInput extends VcenterHostInput {
  /** The boot time before the remediation: a later one proves the reboot happened. */
  readonly bootTimeBefore: string | null;
  /** vCenter's clock at the pre-check: a reboot task queued since then is this remediation's. */
  readonly notBefore: string | null;
}

/** RebootHost_Task once: adopted when the host already rebooted, is down, or our task exists. */
export async function rebootHost(input: RebootInput): Promise<MaintenanceChange> {
  return withVcenter(input, async (vcenter) => {
    const ref = hostRef(input);
    const state = await vcenter.hostState(ref);
    if (later(state.bootTime, input.bootTimeBefore) || state.connectionState !== 'connected') {
      return { at: new Date().toISOString(), adopted: true };
    }
    const ours = newest((await vcenter.recentTasks(ref)).filter((t) => isTask(t, 'RebootHost') && t.state !== 'error' && !later(input.notBefore, t.queueTime)));
    try {
      const task = ours?.ref ?? (await vcenter.rebootHost(ref, { force: false }));
      const info = await waitWithHeartbeats(vcenter, task, 5 * 60_000);
      return { at: info.completeTime ?? new Date().toISOString(), adopted: ours !== undefined };
    } catch (err) {
      if (err instanceof VsphereFault && err.faultType === 'NotSupported') {
        throw ApplicationFailure.create({ message: `vCenter says ${input.host} does not support RebootHost (capability.rebootSupported is false)`, type: 'reboot-not-supported', nonRetryable: true });
      }
      throw err;
    }
  });
}

export interface PrecheckInput {
  readonly host: HostTarget;
  /** The vCenter that manages the host, for a remediation; absent for installs and compliance. */
  readonly managed?: { readonly vcenter: VcenterTarget; readonly hostRef: string };
  readonly bundleUri?: string;
  readonly vibs: readonly ExpectedVib[];
  /** The remediation's reboot policy says "always": the host must support RebootHost. */
  readonly rebootAlways?: boolean;
  /** The remediation asking, so it does not find itself among the running ones. */
  readonly remediationId?: string;
  /** A staged bundle: the copies in the host's vCenter and the bundle's VIBs. */
  readonly staged?: StagedForHost;
}

async function otherRemediations(host: string, self: string | undefined): Promise<string[]> {
  const query = `WorkflowType = 'remediateHost' AND ExecutionStatus = 'Running' AND ${VIBFLOW_HOST.name} = '${host}'`;
  const ids: string[] = [];
  for await (const execution of Context.current().client.workflow.list({ query })) {
    if (execution.workflowId !== self) ids.push(execution.workflowId);
    if (ids.length >= 5) break;
  }
  return ids;
}

async function vcenterFacts(input: PrecheckInput, managed: NonNullable<PrecheckInput['managed']>): Promise<VcenterFacts> {
  const target = { ...managed, host: input.host.name };
  return withVcenter(target, async (vcenter) => {
    const ref = hostRef(target);
    const [time, state, tasks] = await Promise.all([vcenter.currentTime(), vcenter.hostState(ref), vcenter.recentTasks(ref)]);
    return { time, state, busyTasks: tasks.filter(isHostBusyTask), otherRemediations: await otherRemediations(input.host.name, input.remediationId) };
  });
}

const jobRunning = (jobState: number | null, percent: number) =>
  percent < 100 && jobState !== JOB_STATE.completed && !(jobState !== null && TERMINAL_FAILED_JOB_STATES.has(jobState));

async function cimFacts(host: HostTarget): Promise<CimFacts> {
  return withCimClient(host, async (client) => {
    let objects;
    try {
      objects = await discoverHost(client);
    } catch (err) {
      const failure = classifyCimFailure(err);
      if (failure.category !== 'service-not-present') throw err;
      return { serviceProblem: failure.message, runningJob: null, software: [] };
    }
    const software = await snapshotSoftware(client, objects.computerSystem);
    const jobs = await listJobs(client, objects.installService.namespace ?? 'root/cimv2');
    const running = jobs.find((job) => jobRunning(job.jobState, job.percent));
    return { serviceProblem: null, runningJob: running ? { id: running.instanceId, percent: running.percent } : null, software };
  });
}

/**
 * The pre-check: changes nothing. vCenter first (a host it cannot reach is skipped without
 * trying CIM), then the host's CIM server; a CIM server that does not answer is a retryable
 * failure the workflow retries for its unreachable timeout.
 */
export async function precheckHost(input: PrecheckInput): Promise<PrecheckReport> {
  const vcenter = input.managed ? await vcenterFacts(input, input.managed) : undefined;
  const base = { host: input.host.name, vibs: input.vibs, ...(input.bundleUri ? { bundleUri: input.bundleUri } : {}), ...(input.rebootAlways ? { rebootAlways: true } : {}) };
  if (vcenter && vcenter.state.connectionState !== 'connected') return precheckVerdict({ ...base, vcenter });
  const bundle = input.staged && input.managed ? await bundleFacts(input, input.managed, input.staged) : undefined;
  const cim = await classified(() => cimFacts(input.host));
  return precheckVerdict({ ...base, ...(vcenter ? { vcenter } : {}), ...(bundle ? { bundle } : {}), cim });
}

/** Whether the host can read a complete staged copy, and what its acceptance level admits. */
async function bundleFacts(input: PrecheckInput, managed: NonNullable<PrecheckInput['managed']>, staged: StagedForHost): Promise<BundleFacts> {
  const target = { ...managed, host: input.host.name };
  return withVcenter(target, async (vcenter) => {
    const datastores = await vcenter.listDatastores();
    const copy = copyForHost(managed.hostRef, staged.copies, datastores) ?? null;
    let copySizeBytes: number | null = null;
    if (copy && !staged.planned) {
      const ds = datastores.find((d) => d.name === copy.datastore);
      const name = path.posix.basename(copy.path);
      const files = ds ? await vcenter.searchDatastore(ds, path.posix.dirname(copy.path), name) : [];
      copySizeBytes = files.find((f) => f.datastorePath.endsWith(`/${name}`))?.sizeBytes ?? null;
    }
    const acceptance = await vcenter.hostAcceptanceLevel(hostRef(target));
    const sizeBytes = staged.copies[0]?.sizeBytes;
    const unreachable = !copy && sizeBytes !== undefined ? { noCopyReason: noCopyReason({ name: input.host.name, hostRef: managed.hostRef }, datastores, sizeBytes) } : {};
    return { copies: staged.copies, copy, ...unreachable, copySizeBytes, acceptance, vibs: staged.vibs, ...(staged.planned ? { planned: true } : {}) };
  });
}

export interface VerifyInput {
  readonly host: HostTarget;
  readonly expected: readonly ExpectedVib[];
}

/** The host's software inventory (CIM) against the expected VIBs. */
export async function verifySoftware(input: VerifyInput): Promise<VibPresence[]> {
  return classified(() => withCimClient(input.host, async (client) => {
    const objects = await discoverHost(client);
    return checkVibs(await snapshotSoftware(client, objects.computerSystem), input.expected);
  }));
}
