/**
 * remediateHost: one host through the half of an upgrade that carries the risk.
 *
 * pre-check -> enter maintenance mode -> install (installVib as a child) -> reboot -> wait until
 * the host is back with a later boot time -> verify the installed software -> exit maintenance
 * mode. Each step is an activity that reads the host's state first and adopts what an earlier
 * attempt did, so a worker killed at any point neither repeats nor loses a step. A host that fails
 * after entering maintenance mode stays in it, and the result says so in words; so does a host
 * that was in maintenance mode before, and a host whose install waits for a reboot.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  defineQuery,
  executeChild,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import type { MaintenanceChange } from '../activities/remediation';
import { allSatisfied, describeShortfall, type ExpectedVib } from '../esxi/compliance';
import { hasChanges, type SoftwareChanges } from '../esxi/model';
import type { PrecheckReport } from '../remediation/precheck';
import { formatDuration } from '../shared/duration';
import { VIBFLOW_HOST, VIBFLOW_OUTCOME, VIBFLOW_PHASE, VIBFLOW_ROLLOUT_ID } from '../shared/searchAttributes';
import type { HostState } from '../vsphere/model';
import { checkRemediationInput, validated } from './inputCheck';
import type { InstallResult } from './installResult';
import { installVib } from './installVib';
import { HostUnreachable, untilReachable, type UnreachableState } from './reachability';
import type { RebootPolicy, RemediateHostInput, RemediationPlan } from './remediationInput';
import {
  REMEDIATION_FAILURE_TYPE,
  maintenanceNote,
  remediationMarkdown,
  stepLabel,
  type MaintenanceState,
  type RemediationOutcome,
  type RemediationProgress,
  type RemediationResult,
  type RemediationStep,
  type StepWaiting,
  type VibCheck,
} from './remediationResult';

export const remediationProgressQuery = defineQuery<RemediationProgress>('progress');

/** The install a remediation runs, as a child with an id derived from the remediation's. */
export function remediationInstallId(remediationWorkflowId: string): string {
  return `${remediationWorkflowId}:install`;
}

const VCENTER_RETRY = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s' } as const;

// Read-only and repeated until the host answers: one attempt each, the workflow bounds the retries.
const { precheckHost } = proxyActivities<typeof activities>({
  startToCloseTimeout: '2m',
  retry: { maximumAttempts: 1 },
  summary: 'pre-check: vCenter state, CIM service, installed software',
});

// Polled while the host reboots: a local activity is one marker per read in the history.
const { readHostState } = proxyLocalActivities<typeof activities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 2 },
  summary: 'read the host state in vCenter',
});

// The one read after the install decides about the reboot: one attempt at a time, so that each
// failure is said (the progress query's `waiting`) while the workflow waits for the vCenter.
const { readHostState: readHostStateOnce } = proxyLocalActivities<typeof activities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 1 },
  summary: 'read the host state in vCenter',
});
/** How long the read after the install waits for a vCenter that stopped answering before the host fails. */
const PATIENT_READ_MS = 30 * 60_000;

const { rebootHost } = proxyActivities<typeof activities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '10s',
  scheduleToCloseTimeout: '30m',
  retry: VCENTER_RETRY,
  summary: 'RebootHost_Task',
});

const { verifySoftware } = proxyActivities<typeof activities>({
  startToCloseTimeout: '2m',
  // The CIM server starts a while after vCenter sees the host again.
  scheduleToCloseTimeout: '15m',
  retry: VCENTER_RETRY,
  summary: 'verify the installed software (CIM)',
});

function maintenanceActivities(timeoutMs: number) {
  return proxyActivities<typeof activities>({
    startToCloseTimeout: timeoutMs + 5 * 60_000,
    heartbeatTimeout: '10s',
    scheduleToCloseTimeout: timeoutMs + 30 * 60_000,
    retry: VCENTER_RETRY,
  });
}

/** A step's final failure: where, the category an operator filters on, and why. */
class RemediationEnded extends Error {
  constructor(
    readonly step: RemediationStep,
    readonly category: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

function failureOf(err: unknown): ApplicationFailure | undefined {
  const cause = err instanceof ActivityFailure || err instanceof ChildWorkflowFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? cause : undefined;
}

function asRemediationEnded(err: unknown, step: RemediationStep): RemediationEnded | undefined {
  if (err instanceof RemediationEnded) return err;
  if (err instanceof HostUnreachable) return new RemediationEnded(step, err.category, err.message);
  const failure = failureOf(err);
  if (failure) return new RemediationEnded(step, failure.type ?? 'failed', failure.message);
  if (err instanceof ActivityFailure) return new RemediationEnded(step, 'failed', err.cause?.message ?? err.message);
  return undefined;
}

const later = (a: string | null, b: string | null): boolean => a !== null && (b === null || Date.parse(a) > Date.parse(b));

function vibsOf(changes: SoftwareChanges): ExpectedVib[] {
  return [...changes.added.map((v) => ({ name: v.name, version: v.version })), ...changes.updated.map((v) => ({ name: v.name, version: v.to }))];
}

/** Whether the host waits for a reboot before what was installed is active. */
function rebootPending(install: InstallResult, hostWaitsForReboot: boolean): boolean {
  // A job that vanished before its end left no word on the reboot: a change means reboot.
  return install.rebootRequired || hostWaitsForReboot || (install.outcome === 'verified-by-inventory' && hasChanges(install.changes));
}

function needsReboot(policy: RebootPolicy, pending: boolean): boolean {
  return policy === 'always' || (policy === 'if-required' && pending);
}

/** One remediation's state as it goes: what the steps found and did, and how to report it. */
class HostRemediation {
  readonly startedAtMs = Date.now();
  readonly self = workflowInfo();
  readonly installWorkflowId = remediationInstallId(this.self.workflowId);
  step: RemediationStep = 'pre-check';
  /** When the current step began (workflow time). */
  stepSinceMs = this.startedAtMs;
  maintenance: MaintenanceState = 'not-entered';
  unreachable: UnreachableState | undefined;
  /** Set while a step waits for its vCenter (a read failed and is tried again). */
  waiting: StepWaiting | undefined;
  outcome: RemediationOutcome | undefined;
  /** vCenter's clock at the pre-check: tasks queued since are this remediation's. */
  precheckAt: string | null = null;
  /** The bundle the host installs: a staged bundle's copy on a datastore the host mounts, as its pre-check found it. */
  bundleUri: string | undefined;
  staged: { datastore: string; rebootPredicted: boolean } | undefined;
  readonly facts = {
    maintenanceEnteredAt: null as string | null,
    maintenanceExitedAt: null as string | null,
    maintenanceAttempts: 0,
    bootTimeBefore: null as string | null,
    bootTimeAfter: null as string | null,
    rebooted: false,
    rebootPending: false,
    verified: false,
    vibs: [] as readonly VibCheck[],
    install: null as InstallResult | null,
  };
  readonly timings = { maintenanceEnterMs: null as number | null, installMs: null as number | null, rebootMs: null as number | null };
  plan!: RemediationPlan;

  constructor(readonly input: RemediateHostInput) {}

  get hostName(): string {
    return this.plan?.install.host.name ?? String(this.input.host?.name);
  }

  get vcenterHost() {
    return { vcenter: this.plan.managed.vcenter, hostRef: this.plan.managed.hostRef, host: this.hostName };
  }

  progress(): RemediationProgress {
    return {
      host: this.hostName,
      cluster: this.input.managed?.cluster ?? null,
      bundleUri: this.bundleUri ?? String(this.input.bundleUri ?? 'a staged bundle'),
      ...(this.staged ? { datastore: this.staged.datastore, rebootPredicted: this.staged.rebootPredicted } : {}),
      step: this.step,
      stepSince: new Date(this.stepSinceMs).toISOString(),
      maintenance: this.maintenance,
      elapsedSeconds: Math.round((Date.now() - this.startedAtMs) / 1000),
      ...(this.outcome ? { outcome: this.outcome } : {}),
      ...(this.unreachable ? { unreachable: this.unreachable } : {}),
      ...(this.waiting ? { waiting: this.waiting } : {}),
      ...(this.step === 'installing' || this.facts.install ? { installWorkflowId: this.installWorkflowId } : {}),
    };
  }

  showProgress(): void {
    setCurrentDetails(remediationMarkdown(this.progress()));
  }

  /**
   * A new step: in its search attribute, its current details and its progress query. The rollout
   * is not told (a signal per step would cost the rollout's history about 24 events per host);
   * views that show a rollout's running hosts ask each host's remediation.
   */
  enterStep(next: RemediationStep): void {
    this.step = next;
    this.stepSinceMs = Date.now();
    this.waiting = undefined;
    upsertSearchAttributes([{ key: VIBFLOW_PHASE, value: next }]);
    this.showProgress();
  }

  /** A read of the vCenter failed and is tried again (attempt: failures so far); said at once in the query and the current details. */
  waitFor(activity: string, attempt: number, lastError: string): void {
    this.waiting = { activity, attempt, lastError, since: this.waiting?.since ?? new Date().toISOString() };
    this.showProgress();
  }

  /** The vCenter answered again. */
  answered(): void {
    if (!this.waiting) return;
    this.waiting = undefined;
    this.showProgress();
  }

  finish(end: RemediationOutcome, extra: Partial<RemediationResult> = {}): RemediationResult {
    this.outcome = end;
    this.step = 'done';
    const inMaintenanceMode = this.maintenance === 'entered' || this.maintenance === 'already-in';
    const result: RemediationResult = {
      ...this.progress(),
      outcome: end,
      ...this.facts,
      inMaintenanceMode,
      maintenanceNote: maintenanceNote(this.hostName, this.maintenance, end, this.facts.maintenanceEnteredAt),
      timings: {
        maintenanceEnterSeconds: this.timings.maintenanceEnterMs === null ? null : this.timings.maintenanceEnterMs / 1000,
        installSeconds: this.timings.installMs === null ? null : this.timings.installMs / 1000,
        rebootSeconds: this.timings.rebootMs === null ? null : this.timings.rebootMs / 1000,
        totalSeconds: (Date.now() - this.startedAtMs) / 1000,
      },
      ...extra,
    };
    upsertSearchAttributes([{ key: VIBFLOW_PHASE, value: 'done' }, { key: VIBFLOW_OUTCOME, value: end }]);
    log[end === 'failed' ? 'warn' : 'info']('remediation finished', { host: this.hostName, outcome: end, ...(result.reason ? { reason: result.reason } : {}) });
    setCurrentDetails(remediationMarkdown(result));
    return result;
  }
}

/** Validates the input and makes the remediation visible (query, search attributes, current details). */
async function begin(input: RemediateHostInput): Promise<HostRemediation> {
  const run = new HostRemediation(input);
  setHandler(remediationProgressQuery, () => run.progress());
  run.plan = await validated(checkRemediationInput(input));
  const { rolloutId } = run.plan.install;
  upsertSearchAttributes([
    { key: VIBFLOW_HOST, value: run.hostName },
    { key: VIBFLOW_PHASE, value: run.step },
    ...(rolloutId ? [{ key: VIBFLOW_ROLLOUT_ID, value: rolloutId }] : []),
  ]);
  run.showProgress();
  return run;
}

/** The pre-check, retried while the host's CIM server does not answer; changes nothing. */
async function precheck(run: HostRemediation): Promise<PrecheckReport> {
  const { plan } = run;
  const report = await untilReachable(run.hostName, () => precheckHost({
    host: plan.install.host,
    managed: { vcenter: plan.managed.vcenter, hostRef: plan.managed.hostRef },
    bundleUri: plan.install.bundleUri,
    vibs: plan.vibs,
    rebootAlways: plan.policy.reboot === 'always',
    remediationId: run.self.workflowId,
    ...(plan.staged ? { staged: plan.staged } : {}),
  }), {
    sinceMs: run.startedAtMs,
    timeoutMs: plan.install.unreachableTimeoutMs,
    onAttempt: (attempt) => {
      run.unreachable = attempt;
      run.showProgress();
    },
  });
  run.facts.vibs = report.vibs;
  run.facts.bootTimeBefore = report.state?.bootTime ?? null;
  run.precheckAt = report.vcenterTime;
  run.bundleUri = report.staged?.bundleUri ?? plan.install.bundleUri;
  if (report.staged?.datastore) run.staged = { datastore: report.staged.datastore, rebootPredicted: report.staged.rebootPredicted };
  return report;
}

/** vLCM's policy: on a maintenance-mode failure, fail, or retry after a delay a number of times. */
async function enterMaintenanceMode(run: HostRemediation, report: PrecheckReport): Promise<void> {
  if (report.state?.inMaintenanceMode) {
    run.maintenance = 'already-in';
    return;
  }
  run.enterStep('entering-maintenance');
  const { enterMaintenanceMode: enter } = maintenanceActivities(run.plan.policy.maintenance.timeoutMs);
  const { retries, retryDelayMs, evacuatePoweredOffVms, timeoutMs } = run.plan.policy.maintenance;
  const began = Date.now();
  let entered: MaintenanceChange | undefined;
  for (let attempt = 0; !entered; attempt++) {
    run.facts.maintenanceAttempts = attempt + 1;
    try {
      entered = await enter({ ...run.vcenterHost, timeoutSeconds: Math.round(timeoutMs / 1000), evacuatePoweredOffVms });
    } catch (err) {
      const failure = failureOf(err);
      if (!failure?.type?.startsWith('maintenance-mode') || attempt >= retries) throw err;
      log.warn('maintenance mode not entered; retrying', { host: run.hostName, attempt: attempt + 1, reason: failure.message });
      await sleep(retryDelayMs, { summary: `retry entering maintenance mode (${attempt + 1} of ${retries}) in ${formatDuration(retryDelayMs)}` });
    }
  }
  run.maintenance = 'entered';
  run.facts.maintenanceEnteredAt = entered.at;
  run.timings.maintenanceEnterMs = Date.now() - began;
}

/** The install, as installVib itself runs it (its own history, continue-as-new and exactly-once rules). */
async function install(run: HostRemediation): Promise<InstallResult> {
  run.enterStep('installing');
  const { plan } = run;
  const { rolloutId } = plan.install;
  const began = Date.now();
  try {
    const result = await executeChild(installVib, {
      workflowId: run.installWorkflowId,
      args: [{ ...plan.installInput, bundleUri: run.bundleUri ?? plan.install.bundleUri, ...(rolloutId ? { rolloutId } : {}) }],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: [{ key: VIBFLOW_HOST, value: run.hostName }, ...(rolloutId ? [{ key: VIBFLOW_ROLLOUT_ID, value: rolloutId }] : [])],
      staticSummary: `Install ${run.bundleUri ?? plan.install.bundleUri} on ${run.hostName} (in maintenance mode)`,
    });
    run.facts.install = result;
    run.timings.installMs = Date.now() - began;
    return result;
  } catch (err) {
    const result = failureOf(err)?.details?.[0] as InstallResult | undefined;
    if (!result || isCancellation(err)) throw err;
    run.facts.install = result;
    throw new RemediationEnded('installing', result.errorCategory ?? result.outcome, `the install ended ${result.outcome}: ${result.reason ?? result.errorDescription ?? 'no reason given'}`);
  }
}

/** Back: vCenter sees the host connected again with a boot time later than before the reboot. */
async function waitUntilBack(run: HostRemediation, requestedAtMs: number): Promise<HostState> {
  const { rebootTimeoutMs } = run.plan.policy;
  const deadline = requestedAtMs + rebootTimeoutMs;
  const every = Math.min(Math.max(run.plan.install.pollIntervalMs, 1_000), 30_000);
  let last: HostState | undefined;
  let lastError: string | undefined;
  for (;;) {
    try {
      last = await readHostState(run.vcenterHost);
      lastError = undefined;
      run.answered();
      if (last.connectionState === 'connected' && later(last.bootTime, run.facts.bootTimeBefore)) return last;
    } catch (err) {
      lastError = failureOf(err)?.message ?? (err as Error).message;
      if (!isCancellation(err)) run.waitFor('readHostState', (run.waiting?.attempt ?? 0) + 1, lastError);
    }
    if (Date.now() >= deadline) {
      const seen = lastError ? `vCenter could not be read: ${lastError}` : `last seen ${last?.connectionState ?? 'unknown'}, boot time ${last?.bootTime ?? 'unknown'}`;
      throw new RemediationEnded('waiting-for-host', 'did-not-come-back', `host did not come back within ${formatDuration(rebootTimeoutMs)} after the reboot (${seen})`);
    }
    await sleep(Math.min(every, Math.max(deadline - Date.now(), 1)), { summary: `wait ${formatDuration(every)} for ${run.hostName} to come back` });
  }
}

/**
 * The host's state right after the install, waited for while its vCenter does not answer: each
 * failed read is said, then tried again after a durable timer (2 s doubling to 30 s), for up to
 * 30 minutes; then the host fails at this step. Histories of code that failed the host at the
 * first failed read replay as they ran (patched).
 */
async function readAfterInstall(run: HostRemediation): Promise<HostState> {
  const began = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const state = await readHostStateOnce(run.vcenterHost);
      run.answered();
      return state;
    } catch (err) {
      // A refusal that no retry changes (e.g. the host is not in this vCenter) fails the host at once.
      if (isCancellation(err) || failureOf(err)?.nonRetryable || !patched('patient-read-after-install') || Date.now() - began >= PATIENT_READ_MS) throw err;
      run.waitFor('readHostState', attempt, failureOf(err)?.message ?? (err as Error).message);
      const delayMs = Math.min(2_000 * 2 ** (attempt - 1), 30_000);
      await sleep(delayMs, { summary: `vCenter did not answer (attempt ${attempt}): read ${run.hostName}'s state again in ${formatDuration(delayMs)}` });
    }
  }
}

/** Reboots when the policy asks (if-required: the job or vCenter says so), and waits until the host is back. */
async function rebootIfNeeded(run: HostRemediation, result: InstallResult): Promise<void> {
  const { reboot } = run.plan.policy;
  // vCenter's summary.rebootRequired also catches a reboot an earlier install left waiting.
  const afterInstall = reboot === 'always' ? undefined : await readAfterInstall(run);
  const pending = rebootPending(result, afterInstall?.rebootRequired ?? false);
  if (!needsReboot(reboot, pending)) {
    run.facts.rebootPending = pending;
    return;
  }
  run.enterStep('rebooting');
  const requestedAtMs = Date.now();
  await rebootHost({ ...run.vcenterHost, bootTimeBefore: run.facts.bootTimeBefore, notBefore: run.precheckAt });
  run.facts.rebooted = true;
  run.enterStep('waiting-for-host');
  const back = await waitUntilBack(run, requestedAtMs);
  run.facts.bootTimeAfter = back.bootTime;
  run.timings.rebootMs = Date.now() - requestedAtMs;
}

/** The host's software inventory against the VIBs expected (declared, or what the install reported). */
async function verify(run: HostRemediation, result: InstallResult): Promise<void> {
  run.enterStep('verifying');
  const expected = run.plan.vibs.length ? run.plan.vibs : vibsOf(result.changes);
  if (expected.length) {
    run.facts.vibs = await verifySoftware({ host: run.plan.install.host, expected });
    if (!allSatisfied(run.facts.vibs)) {
      throw new RemediationEnded('verifying', 'not-applied-after-reboot', `${run.facts.rebooted ? 'after the reboot' : 'after the install'} the host does not have ${describeShortfall(run.facts.vibs)}`);
    }
  }
  // Installed but not active until the host reboots: never called verified.
  run.facts.verified = !run.facts.rebootPending;
}

async function exitMaintenanceMode(run: HostRemediation): Promise<void> {
  if (run.maintenance !== 'entered') return;
  run.enterStep('exiting-maintenance');
  const { exitMaintenanceMode: exit } = maintenanceActivities(run.plan.policy.maintenance.timeoutMs);
  const exited = await exit({ ...run.vcenterHost, timeoutSeconds: Math.round(run.plan.policy.maintenance.timeoutMs / 1000) });
  run.maintenance = 'exited';
  run.facts.maintenanceExitedAt = exited.at;
}

/** A failed step: the host stays where it is (or leaves maintenance mode when the policy says so), in words. */
async function failed(run: HostRemediation, ended: RemediationEnded): Promise<never> {
  let exitNote = '';
  if (run.plan.policy.exitMaintenanceOnFailure && run.maintenance === 'entered') {
    try {
      await exitMaintenanceMode(run);
    } catch (exitErr) {
      exitNote = `; exiting maintenance mode failed too: ${failureOf(exitErr)?.message ?? (exitErr as Error).message}`;
    }
  }
  const where = maintenanceNote(run.hostName, run.maintenance, 'failed', run.facts.maintenanceEnteredAt);
  const result = run.finish('failed', { failedStep: ended.step, errorCategory: ended.category, reason: `${ended.reason}. ${where}${exitNote}` });
  throw ApplicationFailure.create({
    message: `${run.hostName}: remediation failed during ${stepLabel(ended.step)}: ${result.reason}`,
    type: REMEDIATION_FAILURE_TYPE,
    nonRetryable: true,
    details: [result],
  });
}

/** The pre-check found the install would fail: the host is left as it was, and the remediation fails (it counts against the budget). */
function blocked(run: HostRemediation, report: PrecheckReport): never {
  const result = run.finish('blocked', { failedStep: 'pre-check', errorCategory: 'pre-check', reason: `blocked by the pre-check: ${report.reasons.join('; ')}. ${maintenanceNote(run.hostName, run.maintenance, 'blocked', null)}` });
  throw ApplicationFailure.create({
    message: `${run.hostName}: remediation blocked by the pre-check: ${result.reason}`,
    type: REMEDIATION_FAILURE_TYPE,
    nonRetryable: true,
    details: [result],
  });
}

export async function remediateHost(input: RemediateHostInput): Promise<RemediationResult> {
  const run = await begin(input);
  try {
    const report = await precheck(run);
    if (report.verdict === 'skip') return run.finish('skipped', { reason: `${run.hostName} skipped: ${report.reasons.join('; ')}` });
    if (report.verdict === 'blocked') return blocked(run, report);
    if (report.verdict === 'already-compliant') {
      return run.finish('already-compliant', { verified: true, reason: `${run.hostName} already has ${report.vibs.map((v) => `${v.name} ${v.found}`).join(', ')}; nothing was changed` });
    }
    await enterMaintenanceMode(run, report);
    const result = await install(run);
    await rebootIfNeeded(run, result);
    await verify(run, result);
    await exitMaintenanceMode(run);
    if (run.facts.rebootPending) {
      return run.finish('installed-reboot-pending', { reason: `${run.hostName}: installed, reboot pending (--reboot ${run.plan.policy.reboot}): what was installed is not active until the host reboots` });
    }
    return run.finish('succeeded');
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        run.finish('cancelled', { reason: `cancelled during ${stepLabel(run.step)}; ${maintenanceNote(run.hostName, run.maintenance, 'cancelled', run.facts.maintenanceEnteredAt)}` });
      });
      throw err;
    }
    // A remediation that ended itself (blocked) has its result already.
    if (err instanceof ApplicationFailure && err.type === REMEDIATION_FAILURE_TYPE) throw err;
    const ended = asRemediationEnded(err, run.step);
    if (!ended) throw err;
    return failed(run, ended);
  }
}
