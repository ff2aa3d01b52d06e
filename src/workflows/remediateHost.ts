/**
 * remediateHost: one host through the half of an upgrade that carries the risk.
 *
 * pre-check -> enter maintenance mode -> install (installVib as a child) -> reboot -> wait until
 * the host is back with a later boot time -> verify the installed software -> exit maintenance
 * mode. Each step is an activity that reads the host's state first and adopts what an earlier
 * attempt did, so a worker killed at any point neither repeats nor loses a step. A host that fails
 * after entering maintenance mode stays in it, and the result says so in words.
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
  getExternalWorkflowHandle,
  isCancellation,
  log,
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
  remediationMarkdown,
  stepLabel,
  type MaintenanceState,
  type RemediationOutcome,
  type RemediationProgress,
  type RemediationResult,
  type RemediationStep,
  type VibCheck,
} from './remediationResult';
import { hostStepSignal } from './signals';

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

/** `hostWaitsForReboot`: vCenter's summary.rebootRequired, e.g. from an earlier install that was never rebooted. */
function needsReboot(policy: RebootPolicy, install: InstallResult, hostWaitsForReboot: boolean): boolean {
  if (policy !== 'if-required') return policy === 'always';
  // A job that vanished before its end left no word on the reboot: a change means reboot.
  return install.rebootRequired || hostWaitsForReboot || (install.outcome === 'verified-by-inventory' && hasChanges(install.changes));
}

function vibsOf(changes: SoftwareChanges): ExpectedVib[] {
  return [...changes.added.map((v) => ({ name: v.name, version: v.version })), ...changes.updated.map((v) => ({ name: v.name, version: v.to }))];
}

export async function remediateHost(input: RemediateHostInput): Promise<RemediationResult> {
  const now = () => Date.now();
  const startedAtMs = now();
  const self = workflowInfo();
  const hostName = String(input.host?.name);
  let step: RemediationStep = 'pre-check';
  let maintenance: MaintenanceState = 'not-entered';
  let unreachable: UnreachableState | undefined;
  let outcome: RemediationOutcome | undefined;
  const installWorkflowId = remediationInstallId(self.workflowId);
  /** vCenter's clock at the pre-check: tasks queued since are this remediation's. */
  let precheckAt: string | null = null;
  const facts = {
    maintenanceEnteredAt: null as string | null,
    maintenanceExitedAt: null as string | null,
    bootTimeBefore: null as string | null,
    bootTimeAfter: null as string | null,
    rebooted: false,
    verified: false,
    vibs: [] as readonly VibCheck[],
    install: null as InstallResult | null,
  };
  const timings = { maintenanceEnterMs: null as number | null, installMs: null as number | null, rebootMs: null as number | null };

  const progress = (): RemediationProgress => ({
    host: hostName,
    cluster: input.managed?.cluster ?? null,
    bundleUri: String(input.bundleUri),
    step,
    maintenance,
    elapsedSeconds: Math.round((now() - startedAtMs) / 1000),
    ...(outcome ? { outcome } : {}),
    ...(unreachable ? { unreachable } : {}),
    ...(step === 'installing' || facts.install ? { installWorkflowId } : {}),
  });
  setHandler(remediationProgressQuery, progress);
  const plan: RemediationPlan = await validated(checkRemediationInput(input));
  const host = plan.install.host;
  const vcenterHost = { vcenter: plan.managed.vcenter, hostRef: plan.managed.hostRef, host: host.name };
  upsertSearchAttributes([
    { key: VIBFLOW_HOST, value: host.name },
    { key: VIBFLOW_PHASE, value: step },
    ...(plan.install.rolloutId ? [{ key: VIBFLOW_ROLLOUT_ID, value: plan.install.rolloutId }] : []),
  ]);
  setCurrentDetails(remediationMarkdown(progress()));

  const enterStep = (next: RemediationStep) => {
    step = next;
    upsertSearchAttributes([{ key: VIBFLOW_PHASE, value: next }]);
    setCurrentDetails(remediationMarkdown(progress()));
    // The rollout shows each host's step; a parent that has ended needs no news.
    if (self.parent) getExternalWorkflowHandle(self.parent.workflowId).signal(hostStepSignal, { host: host.name, step: next }).catch(() => undefined);
  };

  const whereLeft = (): string => {
    switch (maintenance) {
      case 'entered':
        return `${host.name} stays in maintenance mode (entered ${facts.maintenanceEnteredAt}): check it, then exit maintenance mode in vCenter`;
      case 'already-in':
        return `${host.name} was in maintenance mode before and stays in it`;
      case 'exited':
        return `${host.name} was taken out of maintenance mode again (exit on failure)`;
      default:
        return facts.install ? `${host.name} is not in maintenance mode` : `${host.name} was not changed`;
    }
  };

  const finish = (end: RemediationOutcome, extra: Partial<RemediationResult> = {}): RemediationResult => {
    outcome = end;
    step = 'done';
    const result: RemediationResult = {
      ...progress(),
      outcome: end,
      ...facts,
      inMaintenanceMode: maintenance === 'entered' || maintenance === 'already-in',
      timings: {
        maintenanceEnterSeconds: timings.maintenanceEnterMs === null ? null : timings.maintenanceEnterMs / 1000,
        installSeconds: timings.installMs === null ? null : timings.installMs / 1000,
        rebootSeconds: timings.rebootMs === null ? null : timings.rebootMs / 1000,
        totalSeconds: (now() - startedAtMs) / 1000,
      },
      ...extra,
    };
    upsertSearchAttributes([{ key: VIBFLOW_PHASE, value: 'done' }, { key: VIBFLOW_OUTCOME, value: end }]);
    log[end === 'failed' ? 'warn' : 'info']('remediation finished', { host: host.name, outcome: end, ...(result.reason ? { reason: result.reason } : {}) });
    setCurrentDetails(remediationMarkdown(result));
    return result;
  };

  const { enterMaintenanceMode, exitMaintenanceMode } = maintenanceActivities(plan.policy.maintenance.timeoutMs);
  const maintenanceInput = { ...vcenterHost, timeoutSeconds: Math.round(plan.policy.maintenance.timeoutMs / 1000) };

  /** vLCM's policy: on a maintenance-mode failure, fail, or retry after a delay a number of times. */
  const enterWithPolicy = async (): Promise<MaintenanceChange> => {
    const { retries, retryDelayMs, evacuatePoweredOffVms } = plan.policy.maintenance;
    for (let attempt = 0; ; attempt++) {
      try {
        return await enterMaintenanceMode({ ...maintenanceInput, evacuatePoweredOffVms });
      } catch (err) {
        const failure = failureOf(err);
        if (!failure?.type?.startsWith('maintenance-mode') || attempt >= retries) throw err;
        log.warn('maintenance mode not entered; retrying', { host: host.name, attempt: attempt + 1, reason: failure.message });
        await sleep(retryDelayMs, { summary: `retry entering maintenance mode (${attempt + 1} of ${retries}) in ${formatDuration(retryDelayMs)}` });
      }
    }
  };

  const runInstall = async (): Promise<InstallResult> => {
    try {
      return await executeChild(installVib, {
        workflowId: installWorkflowId,
        args: [{ ...plan.installInput, ...(plan.install.rolloutId ? { rolloutId: plan.install.rolloutId } : {}) }],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: [
          { key: VIBFLOW_HOST, value: host.name },
          ...(plan.install.rolloutId ? [{ key: VIBFLOW_ROLLOUT_ID, value: plan.install.rolloutId }] : []),
        ],
        staticSummary: `Install ${plan.install.bundleUri} on ${host.name} (in maintenance mode)`,
      });
    } catch (err) {
      const result = failureOf(err)?.details?.[0] as InstallResult | undefined;
      if (!result || isCancellation(err)) throw err;
      facts.install = result;
      throw new RemediationEnded('installing', result.errorCategory ?? result.outcome, `the install ended ${result.outcome}: ${result.reason ?? result.errorDescription ?? 'no reason given'}`);
    }
  };

  /** Back: vCenter sees the host connected again with a boot time later than before the reboot. */
  const waitUntilBack = async (requestedAtMs: number): Promise<HostState> => {
    const deadline = requestedAtMs + plan.policy.rebootTimeoutMs;
    const every = Math.min(Math.max(plan.install.pollIntervalMs, 1_000), 30_000);
    let last: HostState | undefined;
    let lastError: string | undefined;
    for (;;) {
      try {
        last = await readHostState(vcenterHost);
        lastError = undefined;
        if (last.connectionState === 'connected' && later(last.bootTime, facts.bootTimeBefore)) return last;
      } catch (err) {
        lastError = failureOf(err)?.message ?? (err as Error).message;
      }
      if (now() >= deadline) {
        const seen = lastError ? `vCenter could not be read: ${lastError}` : `last seen ${last?.connectionState ?? 'unknown'}, boot time ${last?.bootTime ?? 'unknown'}`;
        throw new RemediationEnded('waiting-for-host', 'did-not-come-back', `host did not come back within ${formatDuration(plan.policy.rebootTimeoutMs)} after the reboot (${seen})`);
      }
      await sleep(Math.min(every, Math.max(deadline - now(), 1)), { summary: `wait ${formatDuration(every)} for ${host.name} to come back` });
    }
  };

  try {
    const report = await untilReachable(host.name, () => precheckHost({
      host,
      managed: { vcenter: plan.managed.vcenter, hostRef: plan.managed.hostRef },
      bundleUri: plan.install.bundleUri,
      vibs: plan.vibs,
      rebootAlways: plan.policy.reboot === 'always',
      remediationId: self.workflowId,
    }), {
      sinceMs: startedAtMs,
      timeoutMs: plan.install.unreachableTimeoutMs,
      onAttempt: (attempt) => {
        unreachable = attempt;
        setCurrentDetails(remediationMarkdown(progress()));
      },
    });
    facts.vibs = report.vibs;
    facts.bootTimeBefore = report.state?.bootTime ?? null;
    precheckAt = report.vcenterTime;
    if (report.verdict === 'skip') return finish('skipped', { reason: `${host.name} skipped: ${report.reasons.join('; ')}` });
    if (report.verdict === 'blocked') throw new RemediationEnded('pre-check', 'pre-check', `blocked by the pre-check: ${report.reasons.join('; ')}`);
    if (report.verdict === 'already-compliant') {
      return finish('already-compliant', { verified: true, reason: `${host.name} already has ${report.vibs.map((v) => `${v.name} ${v.found}`).join(', ')}; nothing was changed` });
    }

    if (report.state?.inMaintenanceMode) maintenance = 'already-in';
    else {
      enterStep('entering-maintenance');
      const began = now();
      const entered = await enterWithPolicy();
      maintenance = 'entered';
      facts.maintenanceEnteredAt = entered.at;
      timings.maintenanceEnterMs = now() - began;
    }

    enterStep('installing');
    const installBegan = now();
    const install = await runInstall();
    facts.install = install;
    timings.installMs = now() - installBegan;

    const afterInstall = plan.policy.reboot === 'if-required' ? await readHostState(vcenterHost) : undefined;
    if (needsReboot(plan.policy.reboot, install, afterInstall?.rebootRequired ?? false)) {
      enterStep('rebooting');
      const requestedAtMs = now();
      await rebootHost({ ...vcenterHost, bootTimeBefore: facts.bootTimeBefore, notBefore: precheckAt });
      facts.rebooted = true;
      enterStep('waiting-for-host');
      const back = await waitUntilBack(requestedAtMs);
      facts.bootTimeAfter = back.bootTime;
      timings.rebootMs = now() - requestedAtMs;
    }

    enterStep('verifying');
    const expected = plan.vibs.length ? plan.vibs : vibsOf(install.changes);
    if (expected.length) {
      facts.vibs = await verifySoftware({ host, expected });
      if (!allSatisfied(facts.vibs)) {
        throw new RemediationEnded('verifying', 'not-applied-after-reboot', `${facts.rebooted ? 'after the reboot' : 'after the install'} the host does not have ${describeShortfall(facts.vibs)}`);
      }
    }
    facts.verified = true;

    if (maintenance === 'entered') {
      enterStep('exiting-maintenance');
      const exited = await exitMaintenanceMode(maintenanceInput);
      maintenance = 'exited';
      facts.maintenanceExitedAt = exited.at;
    }
    return finish('succeeded');
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        finish('cancelled', { reason: `cancelled during ${stepLabel(step)}; ${whereLeft()}` });
      });
      throw err;
    }
    const ended = asRemediationEnded(err, step);
    if (!ended) throw err;
    let exitNote = '';
    if (plan.policy.exitMaintenanceOnFailure && maintenance === 'entered') {
      try {
        facts.maintenanceExitedAt = (await exitMaintenanceMode(maintenanceInput)).at;
        maintenance = 'exited';
      } catch (exitErr) {
        exitNote = `; exiting maintenance mode failed too: ${failureOf(exitErr)?.message ?? (exitErr as Error).message}`;
      }
    }
    const result = finish('failed', { failedStep: ended.step, errorCategory: ended.category, reason: `${ended.reason}. ${whereLeft()}${exitNote}` });
    throw ApplicationFailure.create({
      message: `${host.name}: remediation failed during ${stepLabel(ended.step)}: ${result.reason}`,
      type: REMEDIATION_FAILURE_TYPE,
      nonRetryable: true,
      details: [result],
    });
  }
}
