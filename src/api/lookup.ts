/**
 * Finding vibflow's work by the id a person has at hand: an install's workflow id, a rollout id,
 * a rollout's workflow id (`vibflow-rollout:ID`, also a scheduled run's `vibflow-rollout:ID-<time>`),
 * a host remediation's workflow id (as a rollout's rows and `report --json` print it), or any
 * workflow id a rollout was started under from the Web UI. What it is comes from the workflow type.
 */
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import { rolloutWorkflowId } from '../shared/ids';
import type { InstallHandle, RemediationHandle, RolloutHandle } from './handles';

export type Found =
  | { readonly kind: 'install'; readonly handle: InstallHandle; readonly description: WorkflowExecutionDescription }
  | { readonly kind: 'rollout'; readonly handle: RolloutHandle; readonly description: WorkflowExecutionDescription }
  | { readonly kind: 'remediation'; readonly handle: RemediationHandle; readonly description: WorkflowExecutionDescription };

const KINDS: Readonly<Record<string, Found['kind']>> = { installVib: 'install', fleetRollout: 'rollout', remediateHost: 'remediation' };

/** The install, rollout or remediation known by `id` (in `runId`, when given); undefined when there is none (or it is not vibflow's). */
export async function findWork(client: Client, id: string, runId?: string): Promise<Found | undefined> {
  // A rollout id may itself hold colons (a scheduled run's time): always try both readings.
  const candidates = id.startsWith(rolloutWorkflowId('')) ? [id] : [id, rolloutWorkflowId(id)];
  for (const workflowId of candidates) {
    const handle = client.workflow.getHandle(workflowId, runId);
    const description = await handle.describe().catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    });
    const kind = description && KINDS[description.type];
    if (kind) return { kind, handle, description } as Found;
  }
  return undefined;
}

/** How long a query may wait for a worker to answer; without one it would wait out the RPC deadline (30 s and more). */
const QUERY_WAIT_MS = 5_000;

/** The query's answer, or undefined when no worker answered within a few seconds. */
export function answeredQuery<T>(handle: WorkflowHandle, query: QueryDefinition<T, []>): Promise<T | undefined> {
  return handle.client.withDeadline(Date.now() + QUERY_WAIT_MS, () => handle.query(query)).catch(() => undefined);
}
