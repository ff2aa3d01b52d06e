/** Starting, steering and following fleet rollouts from any Temporal client. */
import { WorkflowFailedError, type Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { rolloutWorkflowId } from '../shared/ids';
import { sourceLabel } from '../staging/bundleSource';
import { VIBFLOW_ROLLOUT_ID } from '../shared/searchAttributes';
import type { RolloutHandle } from './handles';
import { answeredQuery, findWork } from './lookup';
import { failureInWords } from './workflowFailure';
import {
  abortUpdate,
  approveUpdate,
  fleetRollout,
  pauseUpdate,
  resumeUpdate,
  rolloutProgressQuery,
} from '../workflows/fleetRollout';
import { parseRolloutInput, type FleetRolloutInput, type RolloutPlan } from '../workflows/rolloutInput';
import { failedRollout, type RolloutProgress, type RolloutResult } from '../workflows/rolloutState';

export type { RolloutHandle } from './handles';

const WORKFLOW_ID_PREFIX = rolloutWorkflowId('');

/** A rollout id as people write it: the bare id, or its workflow id `vibflow-rollout:ID`. */
export function bareRolloutId(idOrWorkflowId: string): string {
  return idOrWorkflowId.startsWith(WORKFLOW_ID_PREFIX) ? idOrWorkflowId.slice(WORKFLOW_ID_PREFIX.length) : idOrWorkflowId;
}

/** "6 hosts", "the hosts of vCenter vc01.lab (clusters gold, silver)", "the hosts of vCenters a, b", "the hosts of /srv/fleet.json". */
export function fleetText(plan: RolloutPlan): string {
  const source = plan.source;
  if (!source) return `${plan.hosts.length} hosts`;
  if ('file' in source) return `the hosts of ${source.file.path}${source.file.hosts ? ` (${source.file.hosts.length} named)` : ''}`;
  const { vcenters, clusters, hosts } = source.vcenters;
  const only = [...(clusters?.length ? [`clusters ${clusters.join(', ')}`] : []), ...(hosts?.length ? [`hosts ${hosts.join(', ')}`] : [])];
  const names = vcenters.length === 1 ? `vCenter ${vcenters[0].name}` : `vCenters ${vcenters.map((v) => v.name).join(', ')}`;
  return `the hosts of ${names}${only.length ? ` (${only.join('; ')})` : ''}`;
}

/** "Rollout", "Remediation", "Dry run" or "Compliance check": what starting it will do. */
export function rolloutKind(plan: RolloutPlan): string {
  if (plan.dryRun) return plan.install.bundleUri === undefined && plan.bundle === undefined ? 'Compliance check' : 'Dry run';
  return plan.remediation ? 'Remediation' : 'Rollout';
}

/** "remediation r1 on the hosts of vCenter vc01.lab": what a start says it started. Validates. */
export function rolloutDescription(input: FleetRolloutInput): string {
  const plan = parseRolloutInput(input, Date.now());
  return `${rolloutKind(plan).toLowerCase()} ${plan.rolloutId} on ${fleetText(plan)}`;
}

/** The options a rollout is started with, shared by direct starts and schedules. Validates: no Temporal call. */
export function rolloutStartOptions(input: FleetRolloutInput) {
  const plan = parseRolloutInput(input, Date.now());
  return {
    workflowId: rolloutWorkflowId(plan.rolloutId),
    args: [input] as [FleetRolloutInput],
    typedSearchAttributes: [{ key: VIBFLOW_ROLLOUT_ID, value: plan.rolloutId }],
    staticSummary: `${rolloutKind(plan)} ${plan.rolloutId}: ${input.bundleUri ?? bundleText(plan) ?? (input.vibs as { name: string }[] | undefined)?.map((v) => v.name).join(', ') ?? ''} on ${fleetText(plan)}`,
    staticDetails:
      `max concurrency ${plan.maxConcurrency}, failure budget ${plan.maxFailures}` +
      (plan.canary.length ? `, canary ${plan.canary.join(', ')}` : '') +
      (plan.approveAfterCanary ? ', approval after canary' : '') +
      (plan.window ? `, no start after ${new Date(plan.window.startsUntil).toISOString()}` : '') +
      (plan.remediation ? `, reboot ${plan.remediation.reboot}, ${plan.maxPerCluster} per cluster` : '') +
      (plan.bundle ? `, bundle staged from ${bundleText(plan)} (sha256 ${plan.bundle.sha256.slice(0, 12)})${plan.datastore ? ` on ${plan.datastore}` : ''}${plan.keepStaged ? ', copies kept' : ''}` : ''),
  };
}

/** A staged bundle's source as shown: its path, or a URL without its user or query. */
function bundleText(plan: RolloutPlan): string | undefined {
  return plan.bundle ? sourceLabel(plan.bundle.source) : undefined;
}

/** The rollout id is taken: by a running rollout, or (unless reuse was asked for) by one that ended. */
export class RolloutIdTakenError extends Error {
  override readonly name = 'RolloutIdTakenError';
  constructor(
    readonly rolloutId: string,
    /** The run holding the id: still running, or the last run of the ended rollout. */
    readonly holder: { readonly runId: string; readonly running: boolean; readonly status: string; readonly closeTime?: Date },
  ) {
    super(`rollout ${rolloutId} ${holder.running ? 'is running' : `already ran (${holder.status.toLowerCase()})`}`);
  }
}

export interface StartRolloutOptions {
  /** Start again under the id of a rollout that ended (its report stays reachable by its run id). */
  readonly reuseEndedId?: boolean;
}

/**
 * Validates first (InvalidInputError names the field; nothing starts), then starts the rollout.
 * An id in use is refused with RolloutIdTakenError: a running rollout is never joined by a second
 * start, and an ended one is only started again when asked.
 */
export async function startRollout(client: Client, input: FleetRolloutInput, taskQueue: string, options: StartRolloutOptions = {}): Promise<WorkflowHandleWithFirstExecutionRunId<typeof fleetRollout>> {
  const start = rolloutStartOptions(input);
  try {
    return await client.workflow.start(fleetRollout, {
      ...start,
      taskQueue,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      workflowIdReusePolicy: options.reuseEndedId ? WorkflowIdReusePolicy.ALLOW_DUPLICATE : WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const { runId, status, closeTime } = await client.workflow.getHandle(start.workflowId).describe();
    throw new RolloutIdTakenError(bareRolloutId(start.workflowId), { runId, running: status.name === 'RUNNING', status: status.name, ...(closeTime ? { closeTime } : {}) });
  }
}

/** The rollout by id (bare or `vibflow-rollout:ID`); with `runId`, that run of an id that was reused. */
export function rolloutHandle(client: Client, rolloutId: string, runId?: string): RolloutHandle {
  return client.workflow.getHandle(rolloutWorkflowId(bareRolloutId(rolloutId)), runId);
}

/** No rollout under the id given; `found` says what the id is instead, when it is vibflow's. */
export class RolloutNotFoundError extends Error {
  override readonly name = 'RolloutNotFoundError';
  constructor(readonly id: string, readonly found?: 'install' | 'remediation') {
    super(found ? `${id} is ${found === 'install' ? 'an install' : "a host's remediation"}, not a rollout: vibflow status ${id}` : `no rollout ${id}`);
  }
}

/**
 * The rollout a person names: its rollout id, its workflow id, a scheduled run's id, or the
 * workflow id it was started under from the Web UI (any id, with the workflow type fleetRollout).
 */
export async function findRollout(client: Client, id: string, runId?: string): Promise<RolloutHandle> {
  const found = await findWork(client, id, runId);
  if (found?.kind === 'rollout') return found.handle;
  throw new RolloutNotFoundError(id, found?.kind);
}

/** The id to give `vibflow report` for a rollout's workflow: the rollout id where that finds it, else the workflow id. */
export function reportableId(workflowId: string): string {
  return workflowId.startsWith(WORKFLOW_ID_PREFIX) ? bareRolloutId(workflowId) : workflowId;
}

export type SteeringVerb = 'pause' | 'resume' | 'abort' | 'approve';
const UPDATES = { pause: pauseUpdate, resume: resumeUpdate, abort: abortUpdate, approve: approveUpdate } as const;

function update(verb: SteeringVerb) {
  return (handle: RolloutHandle, reason = ''): Promise<RolloutProgress> =>
    handle.executeUpdate<RolloutProgress, [string]>(UPDATES[verb].name, { args: [reason] });
}

/**
 * Steering a running rollout; each answers the progress as the change left it. The reason travels
 * as the update's argument, so Temporal records it with the request in the rollout's history;
 * abort also keeps it in the result (`abortReason`). The workflow refuses what makes no sense
 * (WorkflowUpdateFailedError with its reason).
 */
export const steer: Readonly<Record<SteeringVerb, (handle: RolloutHandle, reason?: string) => Promise<RolloutProgress>>> = {
  pause: update('pause'),
  resume: update('resume'),
  abort: update('abort'),
  approve: update('approve'),
};

export function rolloutProgress(handle: RolloutHandle): Promise<RolloutProgress> {
  return handle.query(rolloutProgressQuery);
}

/**
 * The typed result, also when the rollout ended early (it then fails carrying the result), and
 * when it failed without one (bad input, hosts that cannot be read, terminated): then a failed
 * result with no rows whose `failure` says why, with its category.
 */
export async function rolloutResult(handle: RolloutHandle): Promise<RolloutResult> {
  try {
    return await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    if (err.cause instanceof ApplicationFailure && err.cause.details?.[0]) return err.cause.details[0] as RolloutResult;
    return failedRollout(reportableId(handle.workflowId), failureInWords(err));
  }
}

/** The result once the rollout ended, else its live progress (which takes a worker to answer). */
export async function rolloutState(handle: RolloutHandle): Promise<RolloutProgress | RolloutResult> {
  const { status, taskQueue } = await handle.describe();
  if (status.name !== 'RUNNING') return rolloutResult(handle);
  const progress = await answeredQuery(handle, rolloutProgressQuery);
  if (!progress) throw new Error(`rollout ${bareRolloutId(handle.workflowId)} is running, but no worker answered for its progress: is one polling task queue "${taskQueue}"?`);
  return progress;
}
