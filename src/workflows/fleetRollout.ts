/**
 * fleetRollout: one child workflow per host in a sliding window (installVib, or remediateHost
 * when remediating), with canary batches, an optional approval gate, an error budget, a patch
 * window with a cutoff, host retries, a limit per vCenter cluster, and pause/resume/abort/approve
 * updates. Hosts come inline or from a vCenter, read by an activity when the rollout starts. A
 * dry run runs only the pre-check on every host. Continues-as-new between pages of hosts.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ChildWorkflowFailure,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  executeChild,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import type { FleetSource } from '../activities/fleet';
import type { FleetHost, FleetPage } from '../inventory/fleetPages';
import { VIBFLOW_OUTCOME, VIBFLOW_PHASE, VIBFLOW_ROLLOUT_ID, VIBFLOW_HOST } from '../shared/searchAttributes';
import { checkRolloutInput, validated } from './inputCheck';
import type { InstallVibInput } from './installInput';
import type { InstallResult } from './installResult';
import { installVib } from './installVib';
import { untilReachable } from './reachability';
import { remediateHost } from './remediateHost';
import type { RemediateHostInput } from './remediationInput';
import type { RemediationResult } from './remediationResult';
import { resolveLimits } from '../shared/countOrPercent';
import type { FleetRolloutInput, RolloutPlan } from './rolloutInput';
import {
  rolloutMarkdown,
  addTotals,
  NO_TOTALS,
  totalsOf,
  type CheckVerdict,
  type HostRow,
  type RolloutEndReason,
  type RolloutPhase,
  type RolloutProgress,
  type RolloutResult,
  type RolloutTotals,
} from './rolloutState';
import { hostStepSignal } from './signals';

export const rolloutProgressQuery = defineQuery<RolloutProgress>('progress');
export const pauseUpdate = defineUpdate<RolloutProgress>('pause');
export const resumeUpdate = defineUpdate<RolloutProgress>('resume');
export const abortUpdate = defineUpdate<RolloutProgress, [reason: string]>('abort');
export const approveUpdate = defineUpdate<RolloutProgress>('approve');

const { loadFleetPage } = proxyActivities<typeof activities>({
  startToCloseTimeout: '5m',
  // An unreachable vCenter fails the rollout in about 15 s, naming the cause.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 5 },
  summary: 'read a page of hosts',
});

/** Hosts read per page from a file or vCenter; a run holds at most a page size of them. */
const LOAD_CHUNK = 1_000;
/** Failed rows a paged rollout keeps across runs for its report (the totals count them all). */
const MAX_CARRIED_FAILURES = 200;

const { precheckHost } = proxyActivities<typeof activities>({
  startToCloseTimeout: '2m',
  retry: { maximumAttempts: 1 },
  summary: 'pre-check (dry run): vCenter state, CIM service, installed software',
});

/** Where a rollout that reads its hosts a page at a time stands in its source. */
interface Paging {
  readonly cursor: string | null;
  readonly more: boolean;
  /** The source's selection size, as of the last page. */
  readonly total: number;
  /** Rows of earlier runs, folded into totals; failed ones kept (up to a bound) for the report. */
  readonly finished: RolloutTotals;
  readonly failures: HostRow[];
}

/** What one run hands to the next through continue-as-new. */
interface RolloutCarry {
  /** Inline hosts: every row. Paged sources: the rows not yet finished. */
  readonly rows: HostRow[];
  /** Paged sources: the hosts behind those rows (inline hosts are in the input). */
  readonly fleet?: FleetHost[];
  readonly paging?: Paging;
  readonly retryAt: Record<string, number>;
  readonly canaryBatch: number;
  readonly approved: boolean;
  readonly paused: boolean;
  readonly windowStartMs: number;
  readonly runs: number;
}

export type FleetRolloutWorkflowInput = FleetRolloutInput & { resume?: RolloutCarry };

export function rolloutChildId(rolloutId: string, host: string, remediate = false): string {
  return `vibflow-rollout:${rolloutId}:${remediate ? 'remediate' : 'install'}:${host}`;
}

/** A scheduled rollout's window counts from the scheduled time, not from when a worker ran it. */
function windowStart(): number {
  const scheduled = workflowInfo().searchAttributes?.TemporalScheduledStartTime?.[0];
  const at = scheduled instanceof Date ? scheduled.getTime() : typeof scheduled === 'string' ? Date.parse(scheduled) : NaN;
  return Number.isNaN(at) ? workflowInfo().startTime.getTime() : at;
}

/** The next page of hosts; those vCenter cannot reach come back skipped with the reason. */
async function readPage(source: FleetSource, after: string | null, limit: number, rolloutId: string): Promise<FleetPage> {
  try {
    return await validated(loadFleetPage({ source, after, limit }));
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    // vCenter unreachable or refusing the login: the rollout ends naming it, having started nothing new.
    const where = 'vcenter' in source ? 'vCenter' : `the inventory ${source.file.path}`;
    throw ApplicationFailure.nonRetryable(`rollout ${rolloutId} cannot read its hosts from ${where}: ${err.cause?.message ?? err.message}`, 'HostSourceUnavailable');
  }
}

/** A child's typed result, whether it came back as a result or as a failure's details. */
function endedChild<T>(err: unknown): T | undefined {
  const cause = err instanceof ChildWorkflowFailure || err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.details?.[0] as T | undefined) : undefined;
}

function remediationRow(result: RemediationResult): Partial<HostRow> {
  return {
    outcome: result.outcome,
    step: result.step,
    maintenanceEnteredAt: result.maintenanceEnteredAt,
    maintenanceExitedAt: result.maintenanceExitedAt,
    bootTimeBefore: result.bootTimeBefore,
    bootTimeAfter: result.bootTimeAfter,
    verified: result.verified,
    vibs: result.vibs,
    ...(result.install ? { percent: result.install.percent, jobStatus: result.install.jobStatus } : {}),
    ...(result.reason && (result.outcome === 'failed' || result.outcome === 'skipped' || result.outcome === 'cancelled') ? { error: result.reason } : {}),
  };
}

export async function fleetRollout(input: FleetRolloutWorkflowInput): Promise<RolloutResult> {
  const { resume: carried, ...request } = input;
  // Steering handlers are registered before the first await, so an update or query that arrives
  // while the input is being validated finds them; until then the plan is unknown.
  let knownPlan: RolloutPlan | undefined;
  const rows = new Map<string, HostRow>((carried?.rows ?? []).map((r) => [r.host, r]));
  const retryAt = new Map<string, number>(Object.entries(carried?.retryAt ?? {}));
  let canaryBatch = carried?.canaryBatch ?? 0;
  let canaryStarted = false;
  let approved = carried?.approved ?? false;
  let paused = carried?.paused ?? false;
  let abortReason: string | undefined;
  let done = false;
  let changed = false;
  let phase: RolloutPhase = 'starting'; // until the plan is known
  const runs = (carried?.runs ?? 0) + 1;
  const inFlight = new Map<string, Promise<void>>();
  const children = new CancellationScope();
  let startedThisRun = 0;

  let paging: Paging | undefined = carried?.paging;
  const progress = (): RolloutProgress => {
    const current = [...rows.values()];
    if (!paging) return { rolloutId: knownPlan?.rolloutId ?? String(request.rolloutId), phase, paused, totals: totalsOf(current), rows: current, runs };
    // Hosts the source has not handed out yet are pending, or skipped once the rollout has ended.
    const seen = addTotals(paging.finished, totalsOf(current));
    const unread = Math.max(0, paging.total - seen.hosts);
    const totals = { ...seen, hosts: seen.hosts + unread, ...(done ? { skipped: seen.skipped + unread } : { pending: seen.pending + unread }) };
    return { rolloutId: knownPlan?.rolloutId ?? String(request.rolloutId), phase, paused, totals, rows: [...paging.failures, ...current], runs };
  };
  const wake = () => {
    changed = true;
  };
  const awaitingApproval = () =>
    knownPlan !== undefined && knownPlan.approveAfterCanary && canaryBatch >= knownPlan.canary.length && knownPlan.canary.length > 0 && !approved;
  const setPhase = (next: RolloutPhase) => {
    if (next === phase) return;
    phase = next;
    upsertSearchAttributes([{ key: VIBFLOW_PHASE, value: next }]);
  };

  setHandler(rolloutProgressQuery, progress);
  const refuseWhenDone = () => {
    if (done) throw new Error('the rollout has ended');
  };
  setHandler(pauseUpdate, () => ((paused = true), wake(), progress()), {
    validator: () => {
      refuseWhenDone();
      if (paused) throw new Error('the rollout is already paused');
    },
  });
  setHandler(resumeUpdate, () => ((paused = false), wake(), progress()), {
    validator: () => {
      refuseWhenDone();
      if (!paused) throw new Error('the rollout is not paused');
    },
  });
  setHandler(abortUpdate, (reason: string) => ((abortReason = reason || 'aborted by request'), wake(), progress()), {
    validator: (_reason: string) => {
      refuseWhenDone();
      if (abortReason) throw new Error('the rollout is already aborting');
    },
  });
  setHandler(approveUpdate, () => ((approved = true), wake(), progress()), {
    validator: () => {
      refuseWhenDone();
      if (!awaitingApproval()) throw new Error('the rollout is not waiting for approval (approve comes after the canary batches)');
    },
  });
  setHandler(hostStepSignal, ({ host, step }) => {
    const row = rows.get(host);
    if (row?.state === 'running') rows.set(host, { ...row, step });
    wake();
  });

  const startMs = carried?.windowStartMs ?? windowStart();
  // A continued run re-reads its input; whether the window had passed was checked when it began.
  let plan: RolloutPlan = await validated(checkRolloutInput({
    input: request, nowMs: Date.now(), windowStartMs: startMs, windowMayHavePassed: carried !== undefined,
  }));
  // A schedule appends the scheduled time to the workflow id; each run is its own rollout then.
  const workflowId = workflowInfo().workflowId;
  const idPrefix = 'vibflow-rollout:';
  if (workflowId.startsWith(idPrefix) && workflowId !== `${idPrefix}${plan.rolloutId}`) plan = { ...plan, rolloutId: workflowId.slice(idPrefix.length) };
  knownPlan = plan;

  // Inline hosts are in the input of every run; hosts read from a source travel in the carry.
  const vcenter = plan.source && 'vcenter' in plan.source ? plan.source.vcenter : undefined;
  const hosts = new Map<string, FleetHost>();
  const addHosts = (page: Pick<FleetPage, 'hosts' | 'skipped'>) => {
    for (const h of page.hosts) {
      hosts.set(h.target.name, h);
      rows.set(h.target.name, { host: h.target.name, state: 'pending', attempt: 0, ...(vcenter ? { cluster: h.cluster } : {}) });
    }
    for (const s of page.skipped) rows.set(s.name, { host: s.name, state: 'skipped', attempt: 0, ...(vcenter ? { cluster: s.cluster } : {}), error: s.reason });
  };
  const loadPage = async (limit: number) => {
    const current = paging as Paging;
    const page = await readPage(plan.source as FleetSource, current.cursor, limit, plan.rolloutId);
    addHosts(page);
    paging = { ...current, cursor: page.cursor, more: page.more, total: page.total };
  };
  const inlineFleet = () => plan.hosts.map((target): FleetHost => ({ target, hostRef: '', cluster: null }));
  if (carried) for (const h of carried.fleet ?? inlineFleet()) hosts.set(h.target.name, h);
  else if (!plan.source) addHosts({ hosts: inlineFleet(), skipped: [] });
  else {
    paging = { cursor: null, more: true, total: 0, finished: NO_TOTALS, failures: [] };
    await loadPage(Math.min(plan.pageSize, LOAD_CHUNK));
  }
  const { maxConcurrency, maxFailures } = resolveLimits(plan, paging?.total ?? rows.size);
  const remediating = plan.remediation !== undefined && !plan.dryRun;
  phase = plan.dryRun ? 'rolling' : canaryBatch < plan.canary.length ? 'canary' : 'rolling';
  upsertSearchAttributes([
    { key: VIBFLOW_ROLLOUT_ID, value: plan.rolloutId },
    { key: VIBFLOW_PHASE, value: phase },
  ]);

  const failedCount = () => (paging?.finished.failed ?? 0) + [...rows.values()].filter((r) => r.state === 'failed').length;
  const budgetExceeded = () => failedCount() > maxFailures;

  const runChild = async (name: string, attempt: number, childId: string): Promise<HostRow> => {
    const fleetHost = hosts.get(name) as FleetHost;
    const base = { host: name, attempt, installWorkflowId: childId, ...(vcenter ? { cluster: fleetHost.cluster } : {}) };
    const install = { host: fleetHost.target, ...(plan.install as Omit<InstallVibInput, 'host'>), rolloutId: plan.rolloutId };
    const common = {
      workflowId: childId,
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: [{ key: VIBFLOW_HOST, value: name }, { key: VIBFLOW_ROLLOUT_ID, value: plan.rolloutId }],
    };
    if (remediating && vcenter) {
      const remediation: RemediateHostInput = {
        ...install,
        managed: { vcenter: vcenter.vcenter, hostRef: fleetHost.hostRef, cluster: fleetHost.cluster },
        vibs: [...plan.vibs],
        policy: (request as FleetRolloutInput).remediate as RemediateHostInput['policy'],
      };
      try {
        const result = await children.run(() => executeChild(remediateHost, {
          ...common,
          args: [remediation],
          staticSummary: `Remediate ${name} with ${install.bundleUri} (rollout ${plan.rolloutId}, attempt ${attempt})`,
        }));
        return { ...base, state: result.outcome === 'skipped' ? 'skipped' : 'succeeded', ...remediationRow(result) };
      } catch (err) {
        const result = endedChild<RemediationResult>(err);
        if (!result) throw err;
        return { ...base, state: 'failed', ...remediationRow(result) };
      }
    }
    try {
      const result = await children.run(() => executeChild(installVib, {
        ...common,
        args: [install],
        staticSummary: `Install ${install.bundleUri} on ${name} (rollout ${plan.rolloutId}, attempt ${attempt})`,
      }));
      return { ...base, state: 'succeeded', outcome: result.outcome, percent: result.percent, jobStatus: result.jobStatus };
    } catch (err) {
      const result = endedChild<InstallResult>(err);
      if (!result) throw err;
      return { ...base, state: 'failed', outcome: result.outcome, percent: result.percent, jobStatus: result.jobStatus, ...(result.reason ? { error: result.reason } : {}) };
    }
  };

  /** A dry run: the pre-check only, on every host; nothing changes. */
  const checkHost = async (name: string): Promise<HostRow> => {
    const fleetHost = hosts.get(name) as FleetHost;
    const base = { host: name, attempt: 1, ...(vcenter ? { cluster: fleetHost.cluster } : {}) };
    try {
      const report = await untilReachable(name, () => precheckHost({
        host: fleetHost.target,
        ...(vcenter ? { managed: { vcenter: vcenter.vcenter, hostRef: fleetHost.hostRef } } : {}),
        ...(typeof plan.install.bundleUri === 'string' ? { bundleUri: plan.install.bundleUri } : {}),
        vibs: [...plan.vibs],
        rebootAlways: plan.remediation?.reboot === 'always',
      }), { sinceMs: Date.now(), timeoutMs: 30_000, onAttempt: () => undefined });
      const verdict: CheckVerdict = report.verdict === 'ready' ? 'would-install' : report.verdict === 'skip' ? 'skipped' : report.verdict;
      return { ...base, state: verdict === 'skipped' ? 'skipped' : 'checked', outcome: verdict, vibs: report.vibs, ...(report.reasons.length ? { error: report.reasons.join('; ') } : {}) };
    } catch (err) {
      const reason = err instanceof ActivityFailure ? (err.cause?.message ?? err.message) : (err as Error).message;
      return { ...base, state: 'checked', outcome: 'blocked', error: reason };
    }
  };

  const runHost = async (name: string): Promise<void> => {
    const previous = rows.get(name) as HostRow;
    const attempt = previous.attempt + 1;
    const childId = rolloutChildId(plan.rolloutId, name, remediating);
    rows.set(name, { ...previous, state: 'running', attempt, ...(plan.dryRun ? {} : { installWorkflowId: childId }), ...(remediating ? { step: 'pre-check' as const } : {}) });
    try {
      const row = plan.dryRun ? await checkHost(name) : await runChild(name, attempt, childId);
      const retry = row.state === 'failed' && attempt <= plan.hostRetries.count && !abortReason;
      rows.set(name, retry ? { ...row, state: 'waiting-retry' } : row);
      if (retry) retryAt.set(name, Date.now() + plan.hostRetries.delayMs);
    } catch (err) {
      const cause = err instanceof ChildWorkflowFailure ? err.cause : err;
      if (cause instanceof CancelledFailure || isCancellation(err)) {
        rows.set(name, { ...(rows.get(name) as HostRow), state: 'cancelled', outcome: 'cancelled' });
      } else {
        rows.set(name, { ...(rows.get(name) as HostRow), state: 'failed', error: cause instanceof Error ? cause.message : String(cause) });
      }
    } finally {
      inFlight.delete(name);
      wake();
    }
  };

  const start = (name: string) => {
    startedThisRun++;
    retryAt.delete(name);
    inFlight.set(name, runHost(name));
  };
  /** Hosts that may start now, in order, at most `limit`, keeping each cluster within its limit. */
  const startable = (limit: number): string[] => {
    const now = Date.now();
    const perCluster = new Map<string, number>();
    for (const row of rows.values()) if (row.state === 'running' && row.cluster) perCluster.set(row.cluster, (perCluster.get(row.cluster) ?? 0) + 1);
    const picked: string[] = [];
    for (const row of rows.values()) {
      if (picked.length >= limit) break;
      if (!(row.state === 'pending' || (row.state === 'waiting-retry' && (retryAt.get(row.host) ?? 0) <= now))) continue;
      if (row.cluster && plan.maxPerCluster > 0) {
        const busy = perCluster.get(row.cluster) ?? 0;
        if (busy >= plan.maxPerCluster) continue;
        perCluster.set(row.cluster, busy + 1);
      }
      picked.push(row.host);
    }
    return picked;
  };
  const unfinished = (row: HostRow) => row.state === 'pending' || row.state === 'waiting-retry';
  const pendingCount = () => [...rows.values()].filter(unfinished).length;
  const remaining = () => pendingCount() > 0 || (paging?.more ?? false);
  const canaries = plan.dryRun ? [] : plan.canary;

  let reason: RolloutEndReason = 'completed';
  for (;;) {
    const now = Date.now();
    const windowOpen = !plan.window || now < plan.window.startsUntil;
    if (abortReason || (budgetExceeded() && plan.abortOnBudget === 'cancel') || (plan.window && now >= plan.window.endsAt && plan.window.onEnd === 'cancel')) {
      if (inFlight.size > 0) children.cancel();
    }
    const mayStart = !abortReason && !paused && !budgetExceeded() && windowOpen && !awaitingApproval() && startedThisRun < plan.pageSize;
    // Read the next page when the hosts at hand cannot fill the window; a run starts at most a page.
    const wanted = canaryBatch < canaries.length ? canaries[canaryBatch] : maxConcurrency;
    const room = plan.pageSize - startedThisRun - pendingCount();
    if (mayStart && paging?.more && pendingCount() < wanted && room > 0) {
      await loadPage(Math.min(room, LOAD_CHUNK));
      continue;
    }
    if (mayStart) {
      if (canaryBatch < canaries.length) {
        setPhase('canary');
        if (!canaryStarted) {
          startable(canaries[canaryBatch]).forEach(start);
          canaryStarted = true;
        }
      } else {
        setPhase('rolling');
        startable(Math.max(0, maxConcurrency - inFlight.size)).forEach(start);
      }
    } else if (inFlight.size > 0 && !paused && !awaitingApproval()) {
      setPhase('draining');
    } else if (paused) {
      setPhase('paused');
    } else if (awaitingApproval()) {
      setPhase('awaiting-approval');
    }
    // A canary batch is over when none of its hosts is still running.
    if (canaryStarted && inFlight.size === 0) {
      canaryBatch++;
      canaryStarted = false;
      changed = true;
    }
    setCurrentDetails(rolloutMarkdown(progress()));

    if (inFlight.size === 0) {
      if (abortReason) {
        reason = 'aborted';
        break;
      }
      if (!remaining()) {
        reason = budgetExceeded() ? 'failure-budget-exceeded' : 'completed';
        break;
      }
      if (budgetExceeded()) {
        reason = 'failure-budget-exceeded';
        break;
      }
      if (!windowOpen) {
        reason = 'window-closed';
        break;
      }
      if (startedThisRun >= plan.pageSize) {
        const all = [...rows.values()];
        // A paged rollout hands on only what is not finished; the rest becomes totals and failures.
        const carriedRows = paging ? all.filter(unfinished) : all;
        const carry: RolloutCarry = {
          rows: carriedRows,
          ...(paging ? {
            fleet: carriedRows.map((r) => hosts.get(r.host) as FleetHost),
            paging: {
              ...paging,
              finished: addTotals(paging.finished, totalsOf(all.filter((r) => !unfinished(r)))),
              failures: [...paging.failures, ...all.filter((r) => r.state === 'failed')].slice(0, MAX_CARRIED_FAILURES),
            },
          } : {}),
          retryAt: Object.fromEntries(retryAt),
          canaryBatch,
          approved,
          paused,
          windowStartMs: startMs,
          runs,
        };
        return await continueAsNew<typeof fleetRollout>({ ...input, resume: carry });
      }
    }
    if (changed) {
      changed = false;
      continue;
    }
    const wakeups = [...retryAt.values(), ...(plan.window ? [plan.window.startsUntil, plan.window.endsAt] : [])].filter((t) => t > now);
    const timeout = wakeups.length ? Math.min(...wakeups) - now : undefined;
    if (timeout === undefined) await condition(() => changed);
    else await condition(() => changed, timeout);
    changed = false;
  }

  done = true;
  for (const row of rows.values()) {
    if (row.state === 'pending' || row.state === 'waiting-retry') rows.set(row.host, { ...row, state: row.state === 'waiting-retry' ? 'failed' : 'skipped' });
  }
  setPhase('done');
  const final = progress();
  const outcome: RolloutResult['outcome'] =
    reason === 'aborted' ? 'aborted'
    : reason === 'failure-budget-exceeded' ? 'failed'
    : reason === 'window-closed' ? 'incomplete'
    : plan.dryRun ? 'checked'
    : final.totals.failed > 0 ? 'completed-with-failures'
    : 'succeeded';
  const result: RolloutResult = { ...final, reason, outcome, ...(abortReason ? { abortReason } : {}) };
  upsertSearchAttributes([{ key: VIBFLOW_OUTCOME, value: outcome }]);
  setCurrentDetails(rolloutMarkdown(final, reason));
  // Ending early fails the workflow (red in the UI); failures within the budget do not.
  if (reason !== 'completed') {
    throw ApplicationFailure.create({
      message: `rollout ${plan.rolloutId} ${outcome}: ${reason}, ${final.totals.succeeded} succeeded, ${final.totals.failed} failed, ${final.totals.cancelled} cancelled, ${final.totals.skipped} skipped`,
      type: 'RolloutNotSucceeded',
      nonRetryable: true,
      details: [result],
    });
  }
  return result;
}
