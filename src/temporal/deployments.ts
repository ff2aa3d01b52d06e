/**
 * Worker Deployments over the client's raw WorkflowService calls (the TypeScript client has no
 * high-level deployment API): what a deployment's versions are doing, which version pollers serve
 * a task queue, and making a version current. Nothing here knows vibflow's workflows.
 */
import type { Client } from '@temporalio/client';

/** What these calls need of a client (a Client or a WorkflowClient). */
export type ServiceClient = Pick<Client, 'workflowService'> & { readonly options: { readonly namespace: string } };

// temporal.api.enums.v1 values (WorkerDeploymentVersionStatus, VersionDrainageStatus, ...).
const VersionStatus = { CURRENT: 2, RAMPING: 3, DRAINING: 4, DRAINED: 5 } as const;
const DrainageStatus = { DRAINING: 1, DRAINED: 2 } as const;
const WORKER_VERSIONING_MODE_VERSIONED = 2;
const TASK_QUEUE_TYPE_WORKFLOW = 1;

export type VersionState = 'current' | 'ramping' | 'draining' | 'drained' | 'inactive';

export interface DeploymentVersionView {
  readonly buildId: string;
  readonly state: VersionState;
  /** Executions still running on this version (visibility; counts pinned and not yet moved ones). */
  readonly openExecutions: number;
  readonly createdAt?: string;
  /** When the server last checked whether a draining version still has open pinned executions. */
  readonly drainageCheckedAt?: string;
}

export interface DeploymentView {
  readonly name: string;
  readonly currentBuildId?: string;
  /** When the current version last changed (the moment new work moved to it). */
  readonly currentSince?: string;
  readonly rampingBuildId?: string;
  readonly rampingPercent?: number;
  readonly versions: readonly DeploymentVersionView[];
  /** Passed back to setCurrentVersion: the change is refused if the deployment changed since. */
  readonly conflictToken: Uint8Array;
}

interface Timestamp { seconds?: { toNumber(): number } | number | null; nanos?: number | null }

function isoTime(ts: Timestamp | null | undefined): string | undefined {
  if (!ts?.seconds) return undefined;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

const GRPC_NOT_FOUND = 5;
const isNotFound = (err: unknown) => (err as { code?: number }).code === GRPC_NOT_FOUND;

/** The value of the TemporalWorkerDeploymentVersion search attribute for a version. */
export const versionSearchValue = (deployment: string, buildId: string) => `${deployment}:${buildId}`;

const quoted = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export async function openExecutionsOnVersion(client: ServiceClient, deployment: string, buildId: string): Promise<number> {
  const { count } = await client.workflowService.countWorkflowExecutions({
    namespace: client.options.namespace,
    query: `TemporalWorkerDeploymentVersion = ${quoted(versionSearchValue(deployment, buildId))} AND ExecutionStatus = 'Running'`,
  });
  return Number(count ?? 0);
}

/** A version's state from the routing (which wins) and the server's version and drainage status. */
export function versionState(
  buildId: string,
  routing: { current?: string; ramping?: string },
  status: number | null | undefined,
  drainage: number | null | undefined,
): VersionState {
  if (routing.current === buildId || status === VersionStatus.CURRENT) return 'current';
  if (routing.ramping === buildId || status === VersionStatus.RAMPING) return 'ramping';
  if (status === VersionStatus.DRAINED || drainage === DrainageStatus.DRAINED) return 'drained';
  if (status === VersionStatus.DRAINING || drainage === DrainageStatus.DRAINING) return 'draining';
  return 'inactive';
}

/** The deployment's versions and routing, or undefined when no worker of it ever polled. */
export async function describeDeployment(client: ServiceClient, name: string): Promise<DeploymentView | undefined> {
  let response: Awaited<ReturnType<ServiceClient['workflowService']['describeWorkerDeployment']>>;
  try {
    response = await client.workflowService.describeWorkerDeployment({ namespace: client.options.namespace, deploymentName: name });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  const info = response.workerDeploymentInfo;
  const routingConfig = info?.routingConfig;
  const routing = {
    current: routingConfig?.currentDeploymentVersion?.buildId || undefined,
    ramping: routingConfig?.rampingDeploymentVersion?.buildId || undefined,
  };
  const versions = await Promise.all((info?.versionSummaries ?? []).map(async (summary) => {
    const buildId = summary.deploymentVersion?.buildId ?? '';
    const drainage = summary.drainageInfo?.status ?? summary.drainageStatus;
    const drainageCheckedAt = isoTime(summary.drainageInfo?.lastCheckedTime);
    const createdAt = isoTime(summary.createTime);
    return {
      buildId,
      state: versionState(buildId, routing, summary.status, drainage),
      openExecutions: await openExecutionsOnVersion(client, name, buildId),
      ...(createdAt ? { createdAt } : {}),
      ...(drainageCheckedAt ? { drainageCheckedAt } : {}),
    };
  }));
  const currentSince = routing.current ? isoTime(routingConfig?.currentVersionChangedTime) : undefined;
  return {
    name,
    ...(routing.current ? { currentBuildId: routing.current } : {}),
    ...(currentSince ? { currentSince } : {}),
    ...(routing.ramping ? { rampingBuildId: routing.ramping, rampingPercent: routingConfig?.rampingVersionPercentage ?? 0 } : {}),
    versions: versions.sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '')),
    conflictToken: response.conflictToken ?? new Uint8Array(),
  };
}

export interface TaskQueuePoller {
  readonly identity: string;
  /** Undefined for a worker without Worker Versioning. */
  readonly deployment?: string;
  readonly buildId?: string;
  /** When the server last saw a poll from it (a live idle worker re-polls about once a minute). */
  readonly lastAccessAt?: number;
}

/** The workers that polled the task queue's workflow tasks lately (the server keeps a few minutes of history). */
export async function workflowPollers(client: ServiceClient, taskQueue: string): Promise<TaskQueuePoller[]> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (pollers ?? []).map((p) => {
    const options = p.deploymentOptions;
    const versioned = options?.workerVersioningMode === WORKER_VERSIONING_MODE_VERSIONED;
    const lastAccess = isoTime(p.lastAccessTime);
    return {
      identity: p.identity ?? '',
      ...(lastAccess ? { lastAccessAt: Date.parse(lastAccess) } : {}),
      ...(versioned && options?.deploymentName ? { deployment: options.deploymentName, buildId: options.buildId ?? '' } : {}),
    };
  });
}

/** A worker that works re-polls at once after each task; one that waits for work polls again within a long poll. */
const RECENT_POLL_MS = 10_000;
const LONG_POLL_MS = 75_000;
/** Tasks of the version waiting this long on its task queue: nobody takes them. */
const STUCK_BACKLOG_MS = 10_000;

const durationMs = (d: { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined) =>
  d ? (typeof d.seconds === 'number' ? d.seconds : d.seconds?.toNumber() ?? 0) * 1000 + Math.floor((d.nanos ?? 0) / 1e6) : 0;

/** The age of the oldest task of this version waiting on the task queue (workflow or activity), if the server reports it. */
async function versionBacklogAgeMs(client: ServiceClient, taskQueue: string, deployment: string, buildId: string): Promise<number | undefined> {
  try {
    const { versionTaskQueues } = await client.workflowService.describeWorkerDeploymentVersion({
      namespace: client.options.namespace,
      deploymentVersion: { deploymentName: deployment, buildId },
      reportTaskQueueStats: true,
    });
    const ours = (versionTaskQueues ?? []).filter((q) => q.name === taskQueue && q.stats);
    if (!ours.length) return undefined;
    return Math.max(...ours.map((q) => (Number(q.stats?.approximateBacklogCount ?? 0) > 0 ? durationMs(q.stats?.approximateBacklogAge) : 0)));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Whether a worker of this version serves the task queue. The server lists a poller for minutes
 * after its last poll, a killed worker's too: one seen in the last seconds serves; one seen within
 * a long poll serves unless tasks of the version wait unanswered (waitingTaskAgeMs: the oldest
 * workflow task of the caller's executions waiting to be taken; else the version's backlog, where
 * the server reports it); anything older is gone.
 */
export async function versionPolls(client: ServiceClient, taskQueue: string, deployment: string, buildId: string, waitingTaskAgeMs?: number): Promise<boolean> {
  const seen = (await workflowPollers(client, taskQueue))
    .filter((p) => p.deployment === deployment && p.buildId === buildId)
    .map((p) => p.lastAccessAt ?? Date.now());
  if (!seen.length) return false;
  const age = Date.now() - Math.max(...seen);
  if (age < RECENT_POLL_MS) return true;
  if (age > LONG_POLL_MS) return false;
  // A workflow task of the version's work scheduled this long ago and not taken: nobody polls.
  if (waitingTaskAgeMs !== undefined && waitingTaskAgeMs >= STUCK_BACKLOG_MS) return false;
  const backlog = await versionBacklogAgeMs(client, taskQueue, deployment, buildId);
  return backlog === undefined || backlog < STUCK_BACKLOG_MS;
}

export class DeploymentError extends Error {
  override readonly name = 'DeploymentError';
}

/** Makes the version current. With a conflict token the change is refused if the deployment changed since it was read. */
export async function setCurrentVersion(client: ServiceClient, deployment: string, buildId: string, identity: string, conflictToken?: Uint8Array): Promise<{ previousBuildId?: string }> {
  try {
    const response = await client.workflowService.setWorkerDeploymentCurrentVersion({
      namespace: client.options.namespace,
      deploymentName: deployment,
      buildId,
      identity,
      ...(conflictToken?.length ? { conflictToken } : {}),
    });
    const previous = response.previousDeploymentVersion?.buildId;
    return previous ? { previousBuildId: previous } : {};
  } catch (err) {
    if (isNotFound(err)) throw new DeploymentError(`no version ${buildId} in deployment "${deployment}": start a worker of it first (vibflow worker --deployment ${deployment} --build-id ${buildId})`);
    throw err;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The deployment once the server lists the version (a worker's first polls register it). */
export async function waitForVersion(client: ServiceClient, deployment: string, buildId: string, timeoutMs = 30_000): Promise<DeploymentView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await describeDeployment(client, deployment);
    if (view?.versions.some((v) => v.buildId === buildId)) return view;
    if (Date.now() > deadline) throw new DeploymentError(`the server did not register version ${buildId} of deployment "${deployment}" within ${timeoutMs / 1000} s of its worker's first polls`);
    await sleep(250);
  }
}

export type CurrentCheck =
  | { readonly current: true; readonly madeCurrent: boolean }
  | { readonly current: false; readonly currentBuildId?: string; readonly reason: string };

/**
 * Makes the version current only where that takes nothing from anyone: the deployment has no
 * current and no ramping version, and no unversioned worker polls the task queue (that is an
 * installation moving to Worker Versioning, where the operator chooses the moment). The change
 * carries the conflict token of the read, so two workers starting at once cannot both win, and a
 * version made current meanwhile by someone else stays current.
 */
export async function makeCurrentIfNone(client: ServiceClient, options: { deployment: string; buildId: string; taskQueue: string; identity: string }): Promise<CurrentCheck> {
  const { deployment, buildId, taskQueue } = options;
  const view = await waitForVersion(client, deployment, buildId);
  const notCurrent = (v: DeploymentView): CurrentCheck | undefined => {
    if (v.currentBuildId === buildId) return { current: true, madeCurrent: false };
    if (v.currentBuildId) return { current: false, currentBuildId: v.currentBuildId, reason: `the current version is ${v.currentBuildId}` };
    if (v.rampingBuildId) return { current: false, reason: `version ${v.rampingBuildId} is ramping` };
    return undefined;
  };
  const decided = notCurrent(view);
  if (decided) return decided;
  const unversioned = (await workflowPollers(client, taskQueue)).filter((p) => !p.deployment);
  if (unversioned.length) {
    return { current: false, reason: `${unversioned.length} unversioned worker(s) poll task queue "${taskQueue}" (${unversioned.map((p) => p.identity).join(', ')}): moving an installation to Worker Versioning is done by hand` };
  }
  try {
    await setCurrentVersion(client, deployment, buildId, options.identity, view.conflictToken);
    return { current: true, madeCurrent: true };
  } catch (err) {
    // Someone else changed the deployment since it was read (another worker starting, an operator).
    const now = await describeDeployment(client, deployment);
    const after = now ? notCurrent(now) : undefined;
    if (after) return after;
    throw err;
  }
}

/**
 * Why work started now on the task queue would only wait, in words; undefined when a worker
 * would take it. Unversioned workers take new work; versioned ones only when they serve their
 * deployment's current version (a deployment without one lets its first worker make itself so).
 */
export async function whyNewWorkWaits(client: ServiceClient, taskQueue: string): Promise<string | undefined> {
  const pollers = (await workflowPollers(client, taskQueue)).filter((p) => p.lastAccessAt === undefined || Date.now() - p.lastAccessAt <= LONG_POLL_MS);
  if (!pollers.length) return `no worker polls task queue "${taskQueue}": nothing moves until one starts (vibflow worker --task-queue ${taskQueue})`;
  if (pollers.some((p) => p.deployment === undefined)) return undefined;
  const waiting: string[] = [];
  for (const deployment of new Set(pollers.map((p) => p.deployment as string))) {
    const current = (await describeDeployment(client, deployment))?.currentBuildId;
    if (current === undefined || (await versionPolls(client, taskQueue, deployment, current))) return undefined;
    const served = [...new Set(pollers.filter((p) => p.deployment === deployment).map((p) => p.buildId))];
    waiting.push(`no worker of version ${current}, the current version of deployment "${deployment}", polls task queue "${taskQueue}" ` +
      `(the workers there serve ${served.join(', ')}): new work waits until one does; make a running version current ` +
      `(vibflow deployment set-current ${served[0]} --deployment ${deployment}) or start a worker of ${current}`);
  }
  return waiting.join('; ');
}
