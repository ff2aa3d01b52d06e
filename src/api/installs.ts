/**
 * Starting and following installs from any Temporal client: the CLI, the demo, tests and other
 * tools use this rather than raw workflow calls, so ids, summaries and results stay consistent.
 */
import {
  CancelledFailure,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandleWithFirstExecutionRunId,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { installWorkflowId } from '../shared/ids';
import { VIBFLOW_HOST } from '../shared/searchAttributes';
import { parseInstallInput, type InstallVibInput } from '../workflows/installInput';
import { PROGRESS_MEMO, RESULT_MEMO, type InstallProgress, type InstallResult } from '../workflows/installResult';
import { installVib } from '../workflows/installVib';
import type { InstallHandle } from './handles';

export type { InstallHandle } from './handles';

/** How an install starts: everything but the Temporal call, so that callers can validate before they connect. */
export type InstallStart = WorkflowStartOptions<typeof installVib> & { readonly workflowId: string };

/**
 * Validates the input (throws InvalidInputError naming the field: nothing is started on bad input)
 * and says how to start it. The workflow id derives from host and bundle: a second start of the
 * same install attaches to the running one.
 */
export function installStart(input: InstallVibInput, taskQueue: string): InstallStart {
  const { plan } = parseInstallInput(input);
  return {
    taskQueue,
    workflowId: installWorkflowId(plan.host.name, plan.bundleUri),
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    typedSearchAttributes: [{ key: VIBFLOW_HOST, value: plan.host.name }],
    staticSummary: `Install ${plan.bundleUri} on ${plan.host.name}`,
    staticDetails: `Host ${plan.host.name} (${plan.host.url}), bundle ${plan.bundleUri}, poll every ${plan.pollIntervalMs / 1000}s`,
  };
}

/** Validates, then starts the install, or attaches to the one already running for this host and bundle. */
export async function startInstall(
  client: Client,
  input: InstallVibInput,
  taskQueue: string,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof installVib>> {
  return client.workflow.start(installVib, installStart(input, taskQueue));
}

/** Starts the install, or attaches to the one already running; `attached` says which happened. */
export async function startOrAttachInstall(
  client: Client,
  start: InstallStart,
): Promise<{ handle: WorkflowHandleWithFirstExecutionRunId<typeof installVib>; attached: boolean }> {
  // Temporal's start answer does not say whether it attached; a running install seen just before
  // is what it attaches to (one that ends in between only makes this say "started").
  const running = await client.workflow
    .getHandle(start.workflowId)
    .describe()
    .then((d) => d.status.name === 'RUNNING')
    .catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    });
  return { handle: await client.workflow.start(installVib, start), attached: running };
}

/**
 * The typed result carried by an install that ended badly: failures carry it as details, a
 * cancelled install in its memo; one cancelled by older code is rebuilt from the last progress seen.
 */
async function resultOfEndedInstall(handle: InstallHandle, err: unknown, lastSeen: InstallProgress | undefined): Promise<InstallResult> {
  if (!(err instanceof WorkflowFailedError)) throw err;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure && cause.details?.[0]) return cause.details[0] as InstallResult;
  if (!(cause instanceof CancelledFailure)) throw err;
  const kept = (await handle.describe()).memo?.[RESULT_MEMO] as InstallResult | undefined;
  if (kept) return kept;
  if (!lastSeen) throw err;
  return {
    ...lastSeen,
    phase: 'done',
    outcome: 'cancelled',
    errorCode: null,
    errorDescription: null,
    reason: 'cancelled by request; the job may still run on the host',
    rebootRequired: false,
    adopted: false,
    changes: { added: [], updated: [], removed: [] },
  };
}

/** The install's typed result, whether the workflow completed, failed or was cancelled. */
export async function installResult(handle: InstallHandle): Promise<InstallResult> {
  return followInstall(handle, () => undefined);
}

/**
 * Follows an install until it ends, reporting progress as it moves. The progress comes from the
 * install's progress memo, read with describe(): the server answers that alone, so following an
 * install never sends the worker a query, and no query can race the install's timers (a query that
 * arrives as a timer fires can cost the install a workflow task timeout, 10 s). An install started
 * by older code, which writes no progress memo, is followed to its end without progress reports.
 */
export async function followInstall(
  handle: InstallHandle,
  onProgress: (progress: InstallProgress) => void,
  everyMs = 1000,
): Promise<InstallResult> {
  let lastSeen: InstallProgress | undefined;
  let lastShown = '';
  let settled = false;
  const ended = handle.result().then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  void ended.then(() => (settled = true));
  while (!settled) {
    const seen = await handle.describe().then((d) => d.memo?.[PROGRESS_MEMO] as InstallProgress | undefined, () => undefined);
    const shown = seen ? JSON.stringify(seen) : '';
    if (seen && shown !== lastShown && !settled) {
      lastSeen = seen;
      lastShown = shown;
      onProgress(seen);
    }
    if (!settled) await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, everyMs).unref())]);
  }
  const end = await ended;
  return 'result' in end ? end.result : resultOfEndedInstall(handle, end.error, lastSeen);
}
