/** Starting, steering and following fleet rollouts from any Temporal client. */
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, WorkflowIdConflictPolicy } from '@temporalio/common';
import { rolloutWorkflowId } from '../shared/ids';
import { VIBFLOW_ROLLOUT_ID } from '../shared/searchAttributes';
import {
  abortUpdate,
  approveUpdate,
  fleetRollout,
  pauseUpdate,
  resumeUpdate,
  rolloutProgressQuery,
} from '../workflows/fleetRollout';
import { parseRolloutInput, type FleetRolloutInput } from '../workflows/rolloutInput';
import type { RolloutProgress, RolloutResult } from '../workflows/rolloutState';

export type RolloutHandle = WorkflowHandle<typeof fleetRollout>;

/** The options a rollout is started with, shared by direct starts and schedules. */
export function rolloutStartOptions(input: FleetRolloutInput) {
  const plan = parseRolloutInput(input, Date.now());
  return {
    workflowId: rolloutWorkflowId(plan.rolloutId),
    args: [input] as [FleetRolloutInput],
    typedSearchAttributes: [{ key: VIBFLOW_ROLLOUT_ID, value: plan.rolloutId }],
    staticSummary: `Rollout ${plan.rolloutId}: ${input.bundleUri} on ${plan.hosts.length} hosts`,
    staticDetails:
      `max concurrency ${plan.maxConcurrency}, failure budget ${plan.maxFailures}` +
      (plan.canary.length ? `, canary ${plan.canary.join(', ')}` : '') +
      (plan.approveAfterCanary ? ', approval after canary' : '') +
      (plan.window ? `, no start after ${new Date(plan.window.startsUntil).toISOString()}` : ''),
  };
}

/** Validates first (InvalidInputError names the field; nothing starts), then starts the rollout. */
export async function startRollout(client: Client, input: FleetRolloutInput, taskQueue: string): Promise<RolloutHandle> {
  return client.workflow.start(fleetRollout, {
    ...rolloutStartOptions(input),
    taskQueue,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
  });
}

export function rolloutHandle(client: Client, rolloutId: string): RolloutHandle {
  return client.workflow.getHandle(rolloutWorkflowId(rolloutId));
}

export const steer = {
  pause: (handle: RolloutHandle) => handle.executeUpdate(pauseUpdate),
  resume: (handle: RolloutHandle) => handle.executeUpdate(resumeUpdate),
  abort: (handle: RolloutHandle, reason = '') => handle.executeUpdate(abortUpdate, { args: [reason] }),
  approve: (handle: RolloutHandle) => handle.executeUpdate(approveUpdate),
};

export function rolloutProgress(handle: RolloutHandle): Promise<RolloutProgress> {
  return handle.query(rolloutProgressQuery);
}

/** The typed result, also when the rollout ended early (it then fails carrying the result). */
export async function rolloutResult(handle: RolloutHandle): Promise<RolloutResult> {
  try {
    return await handle.result();
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure && err.cause.details?.[0]) {
      return err.cause.details[0] as RolloutResult;
    }
    throw err;
  }
}
