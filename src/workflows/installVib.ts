/**
 * installVib: the seed's install-then-poll loop, made durable.
 *
 * prepare (discovery, software and job snapshot) -> InstallFromURI once -> read the job with a
 * local activity, then a durable timer, until PercentComplete is 100 or the job is terminal; polls
 * keep a fixed rate.
 * A vanished job is reconciled against the software inventory; the run continues-as-new before
 * its history grows large, carrying its state.
 */
import {
  ApplicationFailure,
  CancellationScope,
  ActivityFailure,
  continueAsNew,
  defineQuery,
  isCancellation,
  log,
  metricMeter,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import type { JobReadingWithSoftware } from '../activities/install';
import { diffSoftware, hasChanges, type JobSnapshot, type SoftwareChanges } from '../esxi/model';
import { formatDuration } from '../shared/duration';
import { VIBFLOW_HOST, VIBFLOW_OUTCOME, VIBFLOW_PHASE, VIBFLOW_ROLLOUT_ID } from '../shared/searchAttributes';
import { checkInstallInput, validated } from './inputCheck';
import { untilNextPoll } from './pollSchedule';
import { HostUnreachable, untilReachable, type UnreachableState } from './reachability';
import type { InstallPlan, InstallState, InstallVibInput } from './installInput';
import {
  INSTALL_FAILURE_TYPE,
  PROGRESS_MEMO,
  RESULT_MEMO,
  SUCCESSFUL_OUTCOMES,
  progressMarkdown,
  type InstallOutcome,
  type InstallPhase,
  type InstallProgress,
  type InstallResult,
} from './installResult';

export const installProgressQuery = defineQuery<InstallProgress>('progress');

const NO_CHANGES: SoftwareChanges = { added: [], updated: [], removed: [] };

const HOST_CALL_RETRY = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s' } as const;

// Read-only, so a local activity: recorded as one marker, no round trip through a task queue.
// One attempt per call: the workflow retries an unreachable host itself, bounded and visibly.
const { prepareInstall } = proxyLocalActivities<typeof activities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 1 },
  summary: 'discover the host, snapshot installed software and jobs',
});

const { snapshotSoftware } = proxyActivities<typeof activities>({
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '15m',
  retry: HOST_CALL_RETRY,
  summary: 'snapshot installed software',
});

const { startInstall } = proxyActivities<typeof activities>({
  startToCloseTimeout: '3m',
  // A worker that dies mid-call is noticed in seconds; the retry then adopts the job (decision 3).
  heartbeatTimeout: '10s',
  scheduleToCloseTimeout: '20m',
  retry: HOST_CALL_RETRY,
  summary: 'InstallFromURI',
});

function jobReader(stallTimeoutMs: number) {
  // A local activity: the read is recorded as one marker inside the workflow task, which keeps a
  // poll at about 6 history events instead of 11 (see README, History cost).
  return proxyLocalActivities<typeof activities>({
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: stallTimeoutMs,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
    summary: 'GetInstance of the install job',
  });
}

/** The install's failure, with its cause: e.g. an activity's final CIM error. */
class InstallEnded extends Error {
  constructor(
    readonly outcome: InstallOutcome,
    readonly reason: string,
    readonly errorCategory?: string,
  ) {
    super(reason);
  }
}

/**
 * An activity's final failure (e.g. 401, URI not accessible) ends the install as failed. Failures
 * of regular activities arrive wrapped in ActivityFailure, those of local activities as they are.
 */
function asInstallEnded(err: unknown): InstallEnded | undefined {
  if (err instanceof InstallEnded) return err;
  if (err instanceof HostUnreachable) return new InstallEnded('failed', err.message, err.category);
  if (err instanceof ApplicationFailure) return new InstallEnded('failed', err.message, err.type ?? undefined);
  if (!(err instanceof ActivityFailure)) return undefined;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) return new InstallEnded('failed', cause.message, cause.type ?? undefined);
  return new InstallEnded('failed', cause?.message ?? err.message);
}

export async function installVib(input: InstallVibInput): Promise<InstallResult> {
  const { resume, ...request } = input;
  const now = () => Date.now();
  let state: InstallState | undefined = resume && { ...resume, runs: resume.runs + 1 };
  let phase: InstallPhase = state ? 'installing' : 'preparing';
  const startedAtMs = state?.startedAtMs ?? now();
  let unreachable: UnreachableState | undefined;

  // Answers from the raw input until it is validated (the values do not change), so that the
  // query is registered before the first await.
  const progress = (outcome?: InstallOutcome): InstallProgress => ({
    host: String(request.host?.name),
    bundleUri: String(request.bundleUri),
    phase,
    percent: state?.lastJob?.percent ?? 0,
    jobStatus: state?.lastJob?.jobStatus ?? '',
    jobState: state?.lastJob?.jobStateName ?? '',
    elapsedSeconds: Math.round((now() - startedAtMs) / 1000),
    polls: state?.polls ?? 0,
    runs: state?.runs ?? 1,
    ...(state ? { jobId: state.job.instanceId } : {}),
    ...(outcome ? { outcome } : {}),
    ...(unreachable ? { unreachable } : {}),
  });
  setHandler(installProgressQuery, () => progress());
  // Installs started by older code neither have nor write the memo (replay-safe).
  const showProgress = progressPublisher(progress, patched('progress-memo'));
  showProgress();
  const plan = await validated(checkInstallInput(request));

  const enterPhase = (next: InstallPhase) => {
    phase = next;
    upsertSearchAttributes([{ key: VIBFLOW_PHASE, value: next }]);
    showProgress();
  };
  upsertSearchAttributes([
    { key: VIBFLOW_HOST, value: plan.host.name },
    { key: VIBFLOW_PHASE, value: phase },
    ...(plan.rolloutId ? [{ key: VIBFLOW_ROLLOUT_ID, value: plan.rolloutId }] : []),
  ]);

  const finish = (outcome: InstallOutcome, extra: Partial<InstallResult> = {}): InstallResult => {
    phase = 'done';
    const job: JobSnapshot | undefined = state?.lastJob;
    const result: InstallResult = {
      ...progress(outcome),
      outcome,
      errorCode: job?.errorCode ?? null,
      errorDescription: job?.errorDescription ?? null,
      ...(job?.errorCategory ? { errorCategory: job.errorCategory } : {}),
      rebootRequired: outcome === 'succeeded-reboot-required',
      adopted: state?.job.adopted ?? false,
      changes: NO_CHANGES,
      ...extra,
    };
    upsertSearchAttributes([
      { key: VIBFLOW_PHASE, value: 'done' },
      { key: VIBFLOW_OUTCOME, value: outcome },
    ]);
    // The SDK drops metrics during replay, so each outcome is counted once.
    metricMeter.createCounter('vibflow_installs_finished', 'installs', 'installs that reached an outcome')
      .add(1, { outcome });
    log[SUCCESSFUL_OUTCOMES.has(outcome) ? 'info' : 'warn']('install finished', { host: plan.host.name, outcome, ...(result.reason ? { reason: result.reason } : {}) });
    setCurrentDetails(progressMarkdown(result) + (result.reason ? `\n\n${result.reason}` : ''));
    return result;
  };

  try {
    if (!state) {
      state = await prepareAndStart(plan, startedAtMs, enterPhase, (attempt) => {
        unreachable = attempt;
        showProgress();
      });
    }
    if (phase !== 'installing') enterPhase('installing');
    const readJob = jobReader(plan.stallTimeoutMs).readJob;
    const firstPollAtMs = now();
    let pollsThisRun = 0;
    for (;;) {
      const reading: JobReadingWithSoftware = await readJob({
        host: plan.host,
        jobRef: state.job.jobRef,
        computerSystem: state.objects.computerSystem,
        ...(plan.installOptions ? { installOptions: plan.installOptions } : {}),
      });
      pollsThisRun++;
      if (!reading.found) {
        state = { ...state, polls: state.polls + 1 };
        return await reconcile(plan, state, enterPhase, finish);
      }
      const changed: boolean = reading.job.percent !== state.lastJob?.percent || reading.job.jobStatus !== state.lastJob?.jobStatus;
      state = { ...state, lastJob: reading.job, polls: state.polls + 1, lastChangeAtMs: changed ? now() : state.lastChangeAtMs };
      showProgress();

      if (reading.job.phase === 'succeeded') {
        const changes = reading.softwareAfter ? diffSoftware(state.softwareBefore, reading.softwareAfter) : await changesSince(plan, state);
        return finish(reading.job.rebootRequired ? 'succeeded-reboot-required' : 'succeeded', { changes });
      }
      if (reading.job.phase === 'failed') {
        throw new InstallEnded('failed', reading.job.errorDescription ?? `the job ended in state ${reading.job.jobStateName}`, reading.job.errorCategory);
      }
      if (now() - state.lastChangeAtMs >= plan.stallTimeoutMs) {
        throw new InstallEnded('failed', `stalled: no progress for ${formatDuration(plan.stallTimeoutMs)} at ${reading.job.percent} %`, 'stalled');
      }
      if (now() - startedAtMs >= plan.deadlineMs) {
        throw new InstallEnded('timed-out', `the deadline of ${formatDuration(plan.deadlineMs)} passed at ${reading.job.percent} %; the job may still be running on the host`);
      }
      if (pollsThisRun >= plan.maxPollsPerRun || workflowInfo().continueAsNewSuggested) {
        return await continueAsNew<typeof installVib>({ ...input, resume: state });
      }
      await sleep(untilNextPoll(firstPollAtMs, now(), plan.pollIntervalMs), { summary: `wait ${formatDuration(plan.pollIntervalMs)} before the next poll` });
    }
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        const result = finish('cancelled', { reason: 'cancelled by request; vibflow stopped watching, the job may still run on the host' });
        // A cancelled workflow returns nothing: its result rides in the memo for whoever asks later.
        upsertMemo({ [RESULT_MEMO]: result });
      });
      throw err;
    }
    const ended = asInstallEnded(err);
    if (!ended) throw err;
    const result = finish(ended.outcome, {
      reason: ended.reason,
      ...(ended.errorCategory ? { errorCategory: ended.errorCategory } : {}),
    });
    throw ApplicationFailure.create({
      message: `${plan.host.name}: ${ended.outcome}: ${ended.reason}`,
      type: INSTALL_FAILURE_TYPE[ended.outcome] ?? 'InstallFailed',
      nonRetryable: true,
      details: [result],
    });
  }
}

/**
 * Shows the install's progress: in the UI's current details at every step, and in the progress
 * memo whenever what a watcher sees changed (the memo is one history event per change, so an
 * unchanged poll writes none).
 */
function progressPublisher(progress: () => InstallProgress, withMemo: boolean): () => void {
  let lastShown = '';
  return () => {
    const now = progress();
    setCurrentDetails(progressMarkdown(now));
    if (!withMemo) return;
    const shown = JSON.stringify([now.phase, now.percent, now.jobStatus, now.jobState, now.jobId ?? null, now.unreachable?.attempts ?? 0, now.runs]);
    if (shown === lastShown) return;
    lastShown = shown;
    upsertMemo({ [PROGRESS_MEMO]: now });
  };
}

async function prepareAndStart(
  plan: InstallPlan,
  startedAtMs: number,
  enterPhase: (phase: InstallPhase) => void,
  onUnreachable: (state: UnreachableState) => void,
): Promise<InstallState> {
  const prepared = await untilReachable(plan.host.name, () => prepareInstall(plan.host), {
    sinceMs: startedAtMs,
    timeoutMs: plan.unreachableTimeoutMs,
    onAttempt: onUnreachable,
  });
  enterPhase('starting');
  const job = await startInstall({
    host: plan.host,
    objects: prepared.objects,
    bundleUri: plan.bundleUri,
    ...(plan.installOptions ? { installOptions: plan.installOptions } : {}),
    jobsBefore: prepared.jobsBefore,
  });
  log.info(job.adopted ? 'adopted the job an earlier attempt started' : 'InstallFromURI accepted', { host: plan.host.name, jobId: job.instanceId });
  return {
    objects: prepared.objects,
    softwareBefore: prepared.softwareBefore,
    job,
    startedAtMs,
    lastChangeAtMs: startedAtMs,
    polls: 0,
    runs: 1,
  };
}

async function changesSince(plan: InstallPlan, state: InstallState): Promise<SoftwareChanges> {
  const after = await snapshotSoftware({ host: plan.host, computerSystem: state.objects.computerSystem });
  return diffSoftware(state.softwareBefore, after);
}

/** Architecture decision 4: a vanished job is judged by the inventory, never assumed to have worked. */
async function reconcile(
  plan: InstallPlan,
  state: InstallState,
  enterPhase: (phase: InstallPhase) => void,
  finish: (outcome: InstallOutcome, extra?: Partial<InstallResult>) => InstallResult,
): Promise<InstallResult> {
  enterPhase('reconciling');
  const changes = await changesSince(plan, state);
  if (hasChanges(changes)) {
    return finish('verified-by-inventory', {
      changes,
      reason: 'the job record was removed before its end was seen; the installed software shows the change',
    });
  }
  throw new InstallEnded('unknown', 'the job record was removed before its end was seen and the installed software is unchanged');
}
