/** Which Worker Deployment version a running execution is pinned to, and whether any worker of it polls. */
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { versionPolls, type ServiceClient } from '../temporal/deployments';

const VERSIONING_BEHAVIOR_PINNED = 1;
const PENDING_WORKFLOW_TASK_SCHEDULED = 1;
/** Pending children looked at: a rollout waiting on its installs has no task of its own. */
const CHILDREN_LOOKED_AT = 5;

interface Timestamp { seconds?: { toNumber(): number } | number | null; nanos?: number | null }
type RawDescription = WorkflowExecutionDescription['raw'];

/** How long the execution's workflow task has waited to be taken, if one waits. */
function waitingTaskMs(raw: RawDescription): number | undefined {
  const task = raw.pendingWorkflowTask;
  const at = (task?.originalScheduledTime ?? task?.scheduledTime) as Timestamp | null | undefined;
  if (task?.state !== PENDING_WORKFLOW_TASK_SCHEDULED || !at?.seconds) return undefined;
  const seconds = typeof at.seconds === 'number' ? at.seconds : at.seconds.toNumber();
  return Date.now() - (seconds * 1000 + Math.floor((at.nanos ?? 0) / 1e6));
}

/** The oldest workflow task waiting to be taken, of the execution or of a few of its pending children. */
async function oldestWaitingTaskMs(client: ServiceClient, description: WorkflowExecutionDescription): Promise<number | undefined> {
  const children = (description.raw.pendingChildren ?? []).slice(0, CHILDREN_LOOKED_AT);
  const described = await Promise.all(children.map((c) => client.workflowService.describeWorkflowExecution({
    namespace: client.options.namespace,
    execution: { workflowId: c.workflowId, runId: c.runId },
  }).catch(() => undefined)));
  const ages = [description.raw, ...described].map((raw) => (raw ? waitingTaskMs(raw as RawDescription) : undefined)).filter((a): a is number => a !== undefined);
  return ages.length ? Math.max(...ages) : undefined;
}

export interface PinnedVersion {
  readonly deployment: string;
  readonly buildId: string;
}

export function pinnedVersion(description: WorkflowExecutionDescription): PinnedVersion | undefined {
  const info = description.raw.workflowExecutionInfo?.versioningInfo;
  const version = info?.versioningOverride?.pinned?.version ?? info?.deploymentVersion;
  if (info?.behavior !== VERSIONING_BEHAVIOR_PINNED && !info?.versioningOverride?.pinned) return undefined;
  return version?.deploymentName && version.buildId ? { deployment: version.deploymentName, buildId: version.buildId } : undefined;
}

/**
 * For a running execution pinned to a version no worker of which polls its task queue: why it
 * waits and what brings it on (a worker of that version; a newer version never takes it over).
 */
export async function missingVersionWorker(client: ServiceClient, description: WorkflowExecutionDescription): Promise<string | undefined> {
  if (description.status.name !== 'RUNNING') return undefined;
  const version = pinnedVersion(description);
  if (!version) return undefined;
  if (await versionPolls(client, description.taskQueue, version.deployment, version.buildId, await oldestWaitingTaskMs(client, description))) return undefined;
  return `no worker of version ${version.buildId} (deployment "${version.deployment}") polls task queue "${description.taskQueue}": ` +
    `it is pinned to that version and waits until one is back (vibflow worker --deployment ${version.deployment} --build-id ${version.buildId}, with that version's workflow code)`;
}
