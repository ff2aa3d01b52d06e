/** Which Worker Deployment version a running execution is pinned to, and whether any worker of it polls. */
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { versionPolls, type ServiceClient } from '../temporal/deployments';

const VERSIONING_BEHAVIOR_PINNED = 1;

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
  if (await versionPolls(client, description.taskQueue, version.deployment, version.buildId)) return undefined;
  return `no worker of version ${version.buildId} (deployment "${version.deployment}") polls task queue "${description.taskQueue}": ` +
    `it is pinned to that version and waits until one is back (vibflow worker --deployment ${version.deployment} --build-id ${version.buildId}, with that version's workflow code)`;
}
