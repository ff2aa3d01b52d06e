/**
 * Finding vibflow's work by the id a person has at hand: an install's workflow id, a rollout id,
 * or a rollout's workflow id (`vibflow-rollout:ID`). What it is comes from the workflow type.
 */
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import { rolloutWorkflowId } from '../shared/ids';
import type { InstallHandle } from './installs';
import type { RolloutHandle } from './rollouts';

export type Found =
  | { readonly kind: 'install'; readonly handle: InstallHandle; readonly description: WorkflowExecutionDescription }
  | { readonly kind: 'rollout'; readonly handle: RolloutHandle; readonly description: WorkflowExecutionDescription };

const KINDS: Readonly<Record<string, Found['kind']>> = { installVib: 'install', fleetRollout: 'rollout' };

/** The install or rollout known by `id`; undefined when there is none (or it is not vibflow's). */
export async function findWork(client: Client, id: string): Promise<Found | undefined> {
  const candidates = id.includes(':') ? [id] : [id, rolloutWorkflowId(id)];
  for (const workflowId of candidates) {
    const handle = client.workflow.getHandle(workflowId);
    const description = await handle.describe().catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    });
    const kind = description && KINDS[description.type];
    if (kind) return { kind, handle, description } as Found;
  }
  return undefined;
}

/** Whether any worker polled the task queue lately: without one, a started install only waits. */
export async function hasWorkers(client: Client, taskQueue: string): Promise<boolean> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
  });
  return (pollers?.length ?? 0) > 0;
}

/** How long a query may wait for a worker to answer; without one it would wait out the RPC deadline (30 s and more). */
const QUERY_WAIT_MS = 5_000;

/** The query's answer, or undefined when no worker answered within a few seconds. */
export function answeredQuery<T>(handle: WorkflowHandle, query: QueryDefinition<T, []>): Promise<T | undefined> {
  return handle.client.withDeadline(Date.now() + QUERY_WAIT_MS, () => handle.query(query)).catch(() => undefined);
}
