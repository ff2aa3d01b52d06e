/**
 * fleetRollout: one child workflow per host in a sliding window (installVib, or remediateHost
 * when remediating), with canary batches, an optional approval gate, an error budget, a patch
 * window with a cutoff, host retries, a limit per vCenter cluster, and pause/resume/abort/approve
 * updates. Hosts come inline or from a vCenter, read by an activity when the rollout starts. A
 * dry run runs only the pre-check on every host. Continues-as-new between pages of hosts.
 *
 * The story, top to bottom: begin (validate, read the first page) -> run the hosts (the loop that
 * starts, watches and ends them) -> end (the result, or a failure that carries it). A rollout that
 * fails outside its hosts says why in its current details, as every other ending does.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ChildWorkflowFailure,
  ContinueAsNew,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import type { FleetSource, UnreadableVcenter } from '../activities/fleet';
import type { FleetPageResult } from '../activities/fleet';
import type { FleetHost, FleetPage } from '../inventory/fleetPages';
import { pickNextHosts } from '../rollout/hostPicking';
import { resolveLimits } from '../shared/countOrPercent';
import { VIBFLOW_HOST, VIBFLOW_OUTCOME, VIBFLOW_PHASE, VIBFLOW_ROLLOUT_ID } from '../shared/searchAttributes';
import { checkRolloutInput, validated } from './inputCheck';
import type { InstallVibInput } from './installInput';
import { INVALID_INPUT_TYPE, type InstallResult } from './installResult';
import { installVib } from './installVib';
import { untilReachable } from './reachability';
import { remediateHost } from './remediateHost';
import { RolloutNotices } from './rolloutNotices';
import type { RemediateHostInput } from './remediationInput';
import type { RemediationResult } from './remediationResult';
import { Staging, type StagingCarry } from './staging';
import type { FleetRolloutInput, RolloutPlan } from './rolloutInput';
import {
  addTotals,
  NO_TOTALS,
  rolloutMarkdown,
  totalsOf,
  type CheckVerdict,
  type HostRow,
  type RolloutEndReason,
  type RolloutFailure,
  type RolloutPhase,
  type RolloutProgress,
  type RolloutResult,
  type RolloutTotals,
  type VcenterTotals,
} from './rolloutState';

/** Patch: hosts blocked by the pre-check no longer stop the others starting (they count against the budget at the end). */
const BLOCKED_HOSTS_GO_ON = 'blocked-hosts-go-on';

export const rolloutProgressQuery = defineQuery<RolloutProgress>('progress');
export const pauseUpdate = defineUpdate<RolloutProgress>('pause');
export const resumeUpdate = defineUpdate<RolloutProgress>('resume');
export const abortUpdate = defineUpdate<RolloutProgress, [reason: string]>('abort');
export const approveUpdate = defineUpdate<RolloutProgress>('approve');

/** Failure type of a rollout that ended early (budget, window, abort); its result rides along. */
export const ROLLOUT_NOT_SUCCEEDED_TYPE = 'RolloutNotSucceeded';
/** Failure type of a rollout whose hosts could not be read (vCenter unreachable, login refused...). */
export const HOST_SOURCE_UNAVAILABLE_TYPE = 'HostSourceUnavailable';

const { loadFleetPage: loadFirstPage } = proxyActivities<typeof activities>({
  startToCloseTimeout: '5m',
  // An unreachable source fails the rollout in about 15 s, naming the cause (a vCenter of several: its hosts are skipped).
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 5 },
  summary: 'read the first page of hosts',
});

const { loadFleetPage: loadNextPage } = proxyActivities<typeof activities>({
  startToCloseTimeout: '5m',
  // A vCenter that answered at the start and stops answering later is waited for, not given up on.
  scheduleToCloseTimeout: '2h',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m' },
  summary: 'read the next page of hosts',
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
  /** Rows of earlier runs, folded into totals (also per vCenter); failed ones kept (up to a bound) for the report. */
  readonly finished: RolloutTotals;
  readonly finishedByVcenter?: Record<string, RolloutTotals>;
  readonly failures: HostRow[];
  /** vCenters that could not be read at the start: their hosts are skipped, they are not asked again. */
  readonly unreadable?: UnreadableVcenter[];
  /** Each vCenter's selection size, as of the last page. */
  readonly totalByVcenter?: Record<string, number>;
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
  /** Once-per-rollout notices already started (with --notify). */
  readonly notified?: string[];
  /** A rollout that stages its bundle: the bundle's facts and the copies (staged once, removed at the end). */
  readonly staging?: StagingCarry;
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

/** The next page of hosts; those vCenter cannot reach (or whose vCenter could not be read) come back skipped with the reason. */
async function readPage(source: FleetSource, after: string | null, limit: number, unreadable: readonly UnreadableVcenter[], rolloutId: string): Promise<FleetPageResult> {
  try {
    return await validated((after === null ? loadFirstPage : loadNextPage)({ source, after, limit, unreadable }));
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    // No source that answers, or a login refused: the rollout ends naming it, having started nothing new.
    const where = 'file' in source ? `the inventory ${source.file.path}` : source.vcenters.vcenters.length === 1 ? 'vCenter' : 'its vCenters';
    const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
    // A host or cluster that is not there is bad input and keeps its category; the rest is the source's.
    const type = cause?.type === INVALID_INPUT_TYPE ? INVALID_INPUT_TYPE : HOST_SOURCE_UNAVAILABLE_TYPE;
    throw ApplicationFailure.nonRetryable(`rollout ${rolloutId} cannot read its hosts from ${where}: ${err.cause?.message ?? err.message}`, type);
  }
}

/** A child's typed result, whether it came back as a result or as a failure's details. */
function endedChild<T>(err: unknown): T | undefined {
  const cause = err instanceof ChildWorkflowFailure || err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.details?.[0] as T | undefined) : undefined;
}

function remediationRow(result: RemediationResult): Partial<HostRow> {
  const failedOrSkipped = result.outcome === 'failed' || result.outcome === 'blocked' || result.outcome === 'skipped' || result.outcome === 'cancelled';
  return {
    outcome: result.outcome,
    step: result.step,
    maintenance: result.maintenance,
    maintenanceEnteredAt: result.maintenanceEnteredAt,
    maintenanceExitedAt: result.maintenanceExitedAt,
    ...(result.maintenanceAttempts > 1 ? { maintenanceAttempts: result.maintenanceAttempts } : {}),
    // Every row says whether its host is in maintenance mode at the end, and why.
    inMaintenanceMode: result.inMaintenanceMode,
    ...(result.inMaintenanceMode ? { maintenanceNote: result.maintenanceNote } : {}),
    ...(result.rebootPending ? { rebootPending: true } : {}),
    bootTimeBefore: result.bootTimeBefore,
    bootTimeAfter: result.bootTimeAfter,
    verified: result.verified,
    vibs: result.vibs,
    ...(result.install ? { percent: result.install.percent, jobStatus: result.install.jobStatus } : {}),
    ...(result.datastore ? { datastore: result.datastore, rebootPredicted: result.rebootPredicted } : {}),
    ...(result.reason && failedOrSkipped ? { error: result.reason } : {}),
  };
}

/** A dry run's verdict from the pre-check's. */
const VERDICTS: Readonly<Record<string, CheckVerdict>> = {
  ready: 'would-install',
  skip: 'skipped',
  'already-compliant': 'already-compliant',
  'reboot-pending': 'reboot-pending',
  blocked: 'blocked',
};

/** What a failure that ended the rollout outside its hosts was, in words and with its category. */
function rolloutFailureOf(err: unknown): RolloutFailure {
  const failure = err instanceof ActivityFailure || err instanceof ChildWorkflowFailure ? err.cause : err;
  if (failure instanceof ApplicationFailure) return { category: failure.type ?? 'error', message: failure.message };
  return { category: 'error', message: failure instanceof Error ? failure.message : String(failure) };
}

/** One run of a rollout: its rows, its steering, and the loop that moves its hosts. */
class Rollout {
  readonly request: FleetRolloutInput;
  private readonly carried: RolloutCarry | undefined;
  /** Unknown until the input is validated; steering that arrives before then finds the handlers. */
  plan: RolloutPlan | undefined;
  readonly rows: Map<string, HostRow>;
  readonly retryAt: Map<string, number>;
  readonly hosts = new Map<string, FleetHost>();
  canaryBatch: number;
  canaryStarted = false;
  approved: boolean;
  paused: boolean;
  abortReason: string | undefined;
  done = false;
  changed = false;
  phase: RolloutPhase = 'starting';
  readonly runs: number;
  readonly inFlight = new Map<string, Promise<void>>();
  readonly children = new CancellationScope();
  startedThisRun = 0;
  paging: Paging | undefined;
  startMs = 0;
  limits = { maxConcurrency: 1, maxFailures: 0 };
  /** Set when the rollout notifies webhooks (rolloutNotices.ts); each call below is one change of state. */
  notices: RolloutNotices | undefined;
  /** Set when the rollout stages its bundle. */
  readonly staging: Staging | undefined;

  constructor(readonly input: FleetRolloutWorkflowInput) {
    const { resume, ...request } = input;
    this.request = request;
    this.carried = resume;
    this.rows = new Map((resume?.rows ?? []).map((r) => [r.host, r]));
    this.retryAt = new Map(Object.entries(resume?.retryAt ?? {}));
    this.canaryBatch = resume?.canaryBatch ?? 0;
    this.approved = resume?.approved ?? false;
    this.paused = resume?.paused ?? false;
    this.runs = (resume?.runs ?? 0) + 1;
    this.paging = resume?.paging;
    // Upload progress changes only the staging lines: said in the current details at once.
    this.staging = request.bundle !== undefined ? new Staging(resume?.staging, () => {
      this.wake();
      setCurrentDetails(rolloutMarkdown(this.progress()));
    }) : undefined;
  }

  get rolloutId(): string {
    return this.plan?.rolloutId ?? String(this.request.rolloutId);
  }

  /** The rollout's vCenters, when its hosts come from vCenter. */
  private get vcenters() {
    const source = this.plan?.source;
    return source && 'vcenters' in source ? source.vcenters.vcenters : undefined;
  }

  /** Rows name their vCenter when the rollout spans several. */
  private get severalVcenters(): boolean {
    return (this.vcenters?.length ?? 0) > 1;
  }

  /** The vCenter that manages a host (its own, for a rollout over several). */
  private vcenterOf(host: FleetHost) {
    const vcenters = this.vcenters;
    return vcenters?.find((v) => v.name === host.vcenter) ?? vcenters?.[0];
  }

  /** What a host's row says of where it is: its cluster (hosts from vCenter), and its vCenter when there are several. */
  private placeOf(host: { cluster?: string | null; vcenter?: string }): Pick<HostRow, 'cluster' | 'vcenter'> {
    if (!this.vcenters) return {};
    return { ...(host.cluster !== undefined ? { cluster: host.cluster } : {}), ...(this.severalVcenters && host.vcenter ? { vcenter: host.vcenter } : {}) };
  }

  private get remediating(): boolean {
    return this.plan !== undefined && this.plan.remediation !== undefined && !this.plan.dryRun;
  }

  progress(): RolloutProgress {
    const current = [...this.rows.values()];
    const work = this.request.dryRun ? 'check' : this.request.remediate !== undefined ? 'remediation' : 'install';
    const base = {
      rolloutId: this.rolloutId, work, phase: this.phase, paused: this.paused, runs: this.runs,
      ...(this.severalVcenters ? { vcenters: this.vcenterTotals(current) } : {}),
      ...(this.staging ? { staging: this.staging.progress } : {}),
    } as const;
    if (!this.paging) return { ...base, totals: totalsOf(current), rows: current };
    // Hosts the source has not handed out yet are pending, or skipped once the rollout has ended.
    const seen = addTotals(this.paging.finished, totalsOf(current));
    const unread = Math.max(0, this.paging.total - seen.hosts);
    const totals = { ...seen, hosts: seen.hosts + unread, ...(this.done ? { skipped: seen.skipped + unread } : { pending: seen.pending + unread }) };
    return { ...base, totals, rows: [...this.paging.failures, ...current] };
  }

  /** Each vCenter's totals: its rows of this run and what earlier runs finished. */
  private vcenterTotals(current: readonly HostRow[]): VcenterTotals[] {
    return (this.vcenters ?? []).map((v) => {
      const unreadable = this.paging?.unreadable?.find((u) => u.name === v.name)?.reason;
      const seen = addTotals(this.paging?.finishedByVcenter?.[v.name] ?? NO_TOTALS, totalsOf(current.filter((r) => r.vcenter === v.name)));
      // Hosts its pages have not handed out yet are pending (skipped once the rollout has ended), as for the whole.
      const unread = Math.max(0, (this.paging?.totalByVcenter?.[v.name] ?? seen.hosts) - seen.hosts);
      const totals = { ...seen, hosts: seen.hosts + unread, ...(this.done ? { skipped: seen.skipped + unread } : { pending: seen.pending + unread }) };
      return { name: v.name, totals, ...(unreadable ? { unreadable } : {}) };
    });
  }

  wake(): void {
    this.changed = true;
  }

  awaitingApproval(): boolean {
    const plan = this.plan;
    return plan !== undefined && plan.approveAfterCanary && plan.canary.length > 0 && this.canaryBatch >= plan.canary.length && !this.approved;
  }

  setPhase(next: RolloutPhase): void {
    if (next === this.phase) return;
    this.phase = next;
    upsertSearchAttributes([{ key: VIBFLOW_PHASE, value: next }]);
  }

  /** Queries and steering, registered before the first await so that nothing sent early is lost. */
  registerHandlers(): void {
    setHandler(rolloutProgressQuery, () => this.progress());
    this.staging?.registerHandlers();
    const refuseWhenDone = () => {
      if (this.done) throw new Error('the rollout has ended');
    };
    const steer = (change: () => void) => () => (change(), this.wake(), this.progress());
    setHandler(pauseUpdate, steer(() => (this.paused = true)), {
      validator: () => {
        refuseWhenDone();
        if (this.paused) throw new Error('the rollout is already paused');
      },
    });
    setHandler(resumeUpdate, steer(() => (this.paused = false)), {
      validator: () => {
        refuseWhenDone();
        if (!this.paused) throw new Error('the rollout is not paused');
      },
    });
    setHandler(abortUpdate, (reason: string) => steer(() => (this.abortReason = reason || 'aborted by request'))(), {
      validator: (_reason: string) => {
        refuseWhenDone();
        if (this.abortReason) throw new Error('the rollout is already aborting');
      },
    });
    setHandler(approveUpdate, steer(() => (this.approved = true)), {
      validator: () => {
        refuseWhenDone();
        if (!this.awaitingApproval()) throw new Error('the rollout is not waiting for approval (approve comes after the canary batches)');
      },
    });
  }

  /** Validates the input, names the rollout, and reads its first hosts. */
  async begin(): Promise<RolloutPlan> {
    this.startMs = this.carried?.windowStartMs ?? windowStart();
    // A continued run re-reads its input; whether the window had passed was checked when it began.
    let plan = await validated(checkRolloutInput({
      input: this.request, nowMs: Date.now(), windowStartMs: this.startMs, windowMayHavePassed: this.carried !== undefined,
    }));
    // A schedule appends the scheduled time to the workflow id; each run is its own rollout then.
    const { workflowId } = workflowInfo();
    const idPrefix = 'vibflow-rollout:';
    if (workflowId.startsWith(idPrefix) && workflowId !== `${idPrefix}${plan.rolloutId}`) plan = { ...plan, rolloutId: workflowId.slice(idPrefix.length) };
    this.plan = plan;
    if (plan.notify) this.notices = new RolloutNotices(plan.notify, plan.rolloutId, this.carried?.notified);

    // Inline hosts are in the input of every run; hosts read from a source travel in the carry.
    const inlineFleet = () => plan.hosts.map((target): FleetHost => ({ target, hostRef: '', cluster: null }));
    if (this.carried) for (const h of this.carried.fleet ?? inlineFleet()) this.hosts.set(h.target.name, h);
    else if (!plan.source) this.addHosts({ hosts: inlineFleet(), skipped: [] });
    else {
      this.paging = { cursor: null, more: true, total: 0, finished: NO_TOTALS, failures: [] };
      await this.loadPage(Math.min(plan.pageSize, LOAD_CHUNK));
    }
    this.limits = resolveLimits(plan, this.paging?.total ?? this.rows.size);
    await this.stage();
    this.phase = plan.dryRun ? 'rolling' : this.canaryBatch < plan.canary.length ? 'canary' : 'rolling';
    upsertSearchAttributes([
      { key: VIBFLOW_ROLLOUT_ID, value: plan.rolloutId },
      { key: VIBFLOW_PHASE, value: this.phase },
    ]);
    return plan;
  }

  /** The bundle read, checked and staged on the hosts' datastores (a dry run: only planned), before any host starts. */
  private async stage(): Promise<void> {
    const plan = this.plan as RolloutPlan;
    const source = plan.source;
    if (!this.staging || !plan.bundle || this.staging.done || !source || !('vcenters' in source)) return;
    this.setPhase('staging');
    setCurrentDetails(rolloutMarkdown(this.progress()));
    await this.staging.run({
      source: source.vcenters,
      unreadable: this.paging?.unreadable ?? [],
      bundle: plan.bundle,
      ...(plan.datastore ? { datastore: plan.datastore } : {}),
      vibs: plan.vibs,
      upload: !plan.dryRun,
      workflowId: workflowInfo().workflowId,
    });
  }

  /** The staged copies removed when the rollout ends (kept with keepStaged); a failure to remove is said, not fatal. */
  async removeStaged(): Promise<void> {
    const source = this.plan?.source;
    if (!this.staging || !source || !('vcenters' in source)) return;
    await CancellationScope.nonCancellable(() => (this.staging as Staging).end(source.vcenters, this.plan?.keepStaged ?? false));
  }

  private addHosts(page: Pick<FleetPage, 'hosts' | 'skipped'>): void {
    for (const h of page.hosts) {
      this.hosts.set(h.target.name, h);
      this.rows.set(h.target.name, { host: h.target.name, state: 'pending', attempt: 0, ...this.placeOf(h) });
    }
    for (const s of page.skipped) this.rows.set(s.name, { host: s.name, state: 'skipped', attempt: 0, ...this.placeOf(s), error: s.reason });
  }

  private async loadPage(limit: number): Promise<void> {
    const plan = this.plan as RolloutPlan;
    const current = this.paging as Paging;
    const page = await readPage(plan.source as FleetSource, current.cursor, limit, current.unreadable ?? [], plan.rolloutId);
    this.addHosts(page);
    // vCenters that could not be read at the start stay skipped for the rest of the rollout.
    const unreadable = current.cursor === null ? page.unreadable : current.unreadable;
    this.paging = {
      ...current, cursor: page.cursor, more: page.more, total: page.total,
      ...(unreadable?.length ? { unreadable: [...unreadable] } : {}),
      ...(page.totalByVcenter ? { totalByVcenter: { ...page.totalByVcenter } } : {}),
    };
  }

  private failedCount(): number {
    return (this.paging?.finished.failed ?? 0) + [...this.rows.values()].filter((r) => r.state === 'failed').length;
  }

  budgetExceeded(): boolean {
    return this.failedCount() > this.limits.maxFailures;
  }

  /**
   * Whether failures stop the rollout starting hosts (and, with --abort-on-budget cancel, cancel
   * the running ones). A host the pre-check blocked was never touched: it counts against the
   * budget when the rollout ends (budgetExceeded), but does not stop the other hosts, whose own
   * pre-checks decide for them. Histories from before this rule keep the old one.
   */
  startsStopped(): boolean {
    if (!patched(BLOCKED_HOSTS_GO_ON)) return this.budgetExceeded();
    const blocked = (this.paging?.failures.filter((r) => r.outcome === 'blocked').length ?? 0) + [...this.rows.values()].filter((r) => r.state === 'failed' && r.outcome === 'blocked').length;
    return this.failedCount() - blocked > this.limits.maxFailures;
  }

  private async runChild(name: string, attempt: number, childId: string): Promise<HostRow> {
    const plan = this.plan as RolloutPlan;
    const fleetHost = this.hosts.get(name) as FleetHost;
    const vcenter = this.vcenterOf(fleetHost);
    const base = { host: name, attempt, installWorkflowId: childId, ...this.placeOf(fleetHost) };
    const install = { host: fleetHost.target, ...(plan.install as Omit<InstallVibInput, 'host'>), rolloutId: plan.rolloutId };
    const common = {
      workflowId: childId,
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: [{ key: VIBFLOW_HOST, value: name }, { key: VIBFLOW_ROLLOUT_ID, value: plan.rolloutId }],
    };
    if (this.remediating && vcenter) {
      const staged = this.staging?.forHost(vcenter.name);
      const remediation: RemediateHostInput = {
        ...install,
        managed: { vcenter: vcenter.vcenter, hostRef: fleetHost.hostRef, cluster: fleetHost.cluster },
        vibs: staged ? this.stagedVibs() : [...plan.vibs],
        policy: this.request.remediate as RemediateHostInput['policy'],
        ...(staged ? { staged } : {}),
      };
      try {
        const result = await this.children.run(() => executeChild(remediateHost, {
          ...common,
          args: [remediation],
          staticSummary: `Remediate ${name} with ${this.bundleName()} (rollout ${plan.rolloutId}, attempt ${attempt})`,
        }));
        return { ...base, state: result.outcome === 'skipped' ? 'skipped' : 'succeeded', ...remediationRow(result) };
      } catch (err) {
        const result = endedChild<RemediationResult>(err);
        if (!result) throw err;
        return { ...base, state: 'failed', ...remediationRow(result) };
      }
    }
    try {
      const result = await this.children.run(() => executeChild(installVib, {
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
  }

  /** The VIBs a host must have after a staged install: those declared (narrowing), else all of the bundle's. */
  private stagedVibs(): { name: string; version: string }[] {
    const bundleVibs = this.staging?.facts?.vibs ?? [];
    const declared = (this.plan as RolloutPlan).vibs;
    const chosen = declared.length ? bundleVibs.filter((v) => declared.some((d) => d.name === v.name)) : bundleVibs;
    return chosen.map((v) => ({ name: v.name, version: v.version }));
  }

  /** The bundle in words: the staged file's name, or the URI given. */
  private bundleName(): string {
    return this.staging?.facts?.fileName ?? String((this.plan as RolloutPlan).install.bundleUri ?? 'the bundle');
  }

  /** A dry run: the pre-check only, on every host; nothing changes. */
  private async checkHost(name: string): Promise<HostRow> {
    const plan = this.plan as RolloutPlan;
    const fleetHost = this.hosts.get(name) as FleetHost;
    const vcenter = this.vcenterOf(fleetHost);
    const base = { host: name, attempt: 1, ...this.placeOf(fleetHost) };
    try {
      const report = await untilReachable(name, () => precheckHost({
        host: fleetHost.target,
        ...(vcenter ? { managed: { vcenter: vcenter.vcenter, hostRef: fleetHost.hostRef } } : {}),
        ...(typeof plan.install.bundleUri === 'string' ? { bundleUri: plan.install.bundleUri } : {}),
        vibs: this.staging && vcenter ? this.stagedVibs() : [...plan.vibs],
        rebootAlways: plan.remediation?.reboot === 'always',
        ...(this.staging && vcenter ? { staged: this.staging.forHost(vcenter.name) } : {}),
      }), { sinceMs: Date.now(), timeoutMs: 30_000, onAttempt: () => undefined });
      const verdict = VERDICTS[report.verdict];
      return {
        ...base,
        state: verdict === 'skipped' ? 'skipped' : 'checked',
        outcome: verdict,
        vibs: report.vibs,
        ...(verdict === 'reboot-pending' ? { rebootPending: true } : {}),
        ...(report.staged ? { datastore: report.staged.datastore, rebootPredicted: report.staged.rebootPredicted } : {}),
        ...(report.state?.inMaintenanceMode ? { inMaintenanceMode: true, maintenanceNote: `${name} is in maintenance mode now (before any remediation)` } : {}),
        ...(report.reasons.length ? { error: report.reasons.join('; ') } : {}),
      };
    } catch (err) {
      const reason = err instanceof ActivityFailure ? (err.cause?.message ?? err.message) : (err as Error).message;
      return { ...base, state: 'checked', outcome: 'blocked', error: reason };
    }
  }

  private async runHost(name: string): Promise<void> {
    const plan = this.plan as RolloutPlan;
    const previous = this.rows.get(name) as HostRow;
    const attempt = previous.attempt + 1;
    const childId = rolloutChildId(plan.rolloutId, name, this.remediating);
    // A remediation's step is its own (its progress query and current details): the rollout's history holds no step changes.
    this.rows.set(name, { ...previous, state: 'running', attempt, ...(plan.dryRun ? {} : { installWorkflowId: childId }) });
    try {
      const row = plan.dryRun ? await this.checkHost(name) : await this.runChild(name, attempt, childId);
      const retry = row.state === 'failed' && attempt <= plan.hostRetries.count && !this.abortReason;
      this.rows.set(name, retry ? { ...row, state: 'waiting-retry' } : row);
      if (retry) this.retryAt.set(name, Date.now() + plan.hostRetries.delayMs);
      if (!plan.dryRun) this.notices?.hostEnded(this.rows.get(name) as HostRow, () => this.progress());
    } catch (err) {
      const cause = err instanceof ChildWorkflowFailure ? err.cause : err;
      if (cause instanceof CancelledFailure || isCancellation(err)) {
        this.rows.set(name, { ...(this.rows.get(name) as HostRow), state: 'cancelled', outcome: 'cancelled' });
      } else {
        this.rows.set(name, { ...(this.rows.get(name) as HostRow), state: 'failed', error: cause instanceof Error ? cause.message : String(cause) });
      }
    } finally {
      this.inFlight.delete(name);
      this.wake();
    }
  }

  private start(name: string): void {
    this.startedThisRun++;
    this.retryAt.delete(name);
    this.inFlight.set(name, this.runHost(name));
  }

  /** Starts what the limits allow: the next canary batch (spread over vCenters), or the window's free slots. */
  private startHosts(count: number, canary: boolean): void {
    const plan = this.plan as RolloutPlan;
    // The per-vCenter limit counts every host of a vCenter, named by its vCenter or not.
    const rows = [...this.rows.values()].map((row) => ({ ...row, vcenter: this.hosts.get(row.host)?.vcenter }));
    pickNextHosts(rows, {
      count,
      maxPerCluster: plan.maxPerCluster,
      maxPerVcenter: plan.maxPerVcenter,
      now: Date.now(),
      retryAt: this.retryAt,
      spreadOverVcenters: canary,
    }).forEach((name) => this.start(name));
  }

  private pendingCount(): number {
    return [...this.rows.values()].filter(unfinished).length;
  }

  private remaining(): boolean {
    return this.pendingCount() > 0 || (this.paging?.more ?? false);
  }

  /** What the next run starts from, when this one has started a page of hosts. */
  private carry(): RolloutCarry {
    const all = [...this.rows.values()];
    const paging = this.paging;
    // A paged rollout hands on only what is not finished; the rest becomes totals and failures.
    const carriedRows = paging ? all.filter(unfinished) : all;
    const finishedRows = all.filter((r) => !unfinished(r));
    const finishedByVcenter = this.severalVcenters
      ? Object.fromEntries((this.vcenters ?? []).map((v) => [v.name, addTotals(paging?.finishedByVcenter?.[v.name] ?? NO_TOTALS, totalsOf(finishedRows.filter((r) => r.vcenter === v.name)))]))
      : undefined;
    return {
      rows: carriedRows,
      ...(paging ? {
        fleet: carriedRows.map((r) => this.hosts.get(r.host) as FleetHost),
        paging: {
          ...paging,
          finished: addTotals(paging.finished, totalsOf(finishedRows)),
          ...(finishedByVcenter ? { finishedByVcenter } : {}),
          failures: [...paging.failures, ...all.filter((r) => r.state === 'failed')].slice(0, MAX_CARRIED_FAILURES),
        },
      } : {}),
      retryAt: Object.fromEntries(this.retryAt),
      canaryBatch: this.canaryBatch,
      approved: this.approved,
      paused: this.paused,
      windowStartMs: this.startMs,
      runs: this.runs,
      ...(this.notices ? { notified: this.notices.toldEvents() } : {}),
      ...(this.staging ? { staging: this.staging.carry() } : {}),
    };
  }

  /** The loop: start, watch and end hosts until the rollout ends (or continues as new after a page). */
  async runHosts(): Promise<RolloutEndReason> {
    const plan = this.plan as RolloutPlan;
    const canaries = plan.dryRun ? [] : plan.canary;
    for (;;) {
      const now = Date.now();
      const windowOpen = !plan.window || now < plan.window.startsUntil;
      if (this.abortReason || (this.startsStopped() && plan.abortOnBudget === 'cancel') || (plan.window && now >= plan.window.endsAt && plan.window.onEnd === 'cancel')) {
        if (this.inFlight.size > 0) this.children.cancel();
      }
      const mayStart = !this.abortReason && !this.paused && !this.startsStopped() && windowOpen && !this.awaitingApproval() && this.startedThisRun < plan.pageSize;
      // Read the next page when the hosts at hand cannot fill the window; a run starts at most a page.
      const wanted = this.canaryBatch < canaries.length ? canaries[this.canaryBatch] : this.limits.maxConcurrency;
      const room = plan.pageSize - this.startedThisRun - this.pendingCount();
      if (mayStart && this.paging?.more && this.pendingCount() < wanted && room > 0) {
        await this.loadPage(Math.min(room, LOAD_CHUNK));
        continue;
      }
      if (mayStart) {
        if (this.canaryBatch < canaries.length) {
          this.setPhase('canary');
          if (!this.canaryStarted) {
            this.startHosts(canaries[this.canaryBatch], true);
            this.canaryStarted = true;
          }
        } else {
          this.setPhase('rolling');
          this.startHosts(Math.max(0, this.limits.maxConcurrency - this.inFlight.size), false);
        }
      } else if (this.inFlight.size > 0 && !this.paused && !this.awaitingApproval()) {
        this.setPhase('draining');
      } else if (this.paused) {
        this.setPhase('paused');
      } else if (this.awaitingApproval()) {
        this.setPhase('awaiting-approval');
      }
      // A canary batch is over when none of its hosts is still running.
      if (this.canaryStarted && this.inFlight.size === 0) {
        this.canaryBatch++;
        this.canaryStarted = false;
        this.changed = true;
      }
      setCurrentDetails(rolloutMarkdown(this.progress()));
      this.notices?.observe({
        awaitingApproval: this.awaitingApproval(), budgetExceeded: this.startsStopped(), windowClosed: !windowOpen,
        hostsToDo: this.pendingCount() + (this.paging?.more ? 1 : 0), running: this.inFlight.size,
      }, () => this.progress(), plan.window, this.limits.maxFailures);

      if (this.inFlight.size === 0) {
        if (this.abortReason) return 'aborted';
        if (!this.remaining()) return this.budgetExceeded() ? 'failure-budget-exceeded' : 'completed';
        if (this.startsStopped()) return 'failure-budget-exceeded';
        if (!windowOpen) return 'window-closed';
        if (this.startedThisRun >= plan.pageSize) return await continueAsNew<typeof fleetRollout>({ ...this.input, resume: this.carry() });
      }
      if (this.changed) {
        this.changed = false;
        continue;
      }
      const wakeups = [...this.retryAt.values(), ...(plan.window ? [plan.window.startsUntil, plan.window.endsAt] : [])].filter((t) => t > now);
      const timeout = wakeups.length ? Math.min(...wakeups) - now : undefined;
      if (timeout === undefined) await condition(() => this.changed);
      else await condition(() => this.changed, timeout);
      this.changed = false;
    }
  }

  /** The result; an early ending fails the workflow (red in the UI) carrying it, failures within the budget do not. */
  end(reason: RolloutEndReason): RolloutResult {
    const plan = this.plan as RolloutPlan;
    this.done = true;
    for (const row of this.rows.values()) {
      if (unfinished(row)) this.rows.set(row.host, { ...row, state: row.state === 'waiting-retry' ? 'failed' : 'skipped' });
    }
    this.setPhase('done');
    const final = this.progress();
    const outcome: RolloutResult['outcome'] =
      reason === 'aborted' ? 'aborted'
      : reason === 'failure-budget-exceeded' ? 'failed'
      : reason === 'window-closed' ? 'incomplete'
      : plan.dryRun ? 'checked'
      : final.totals.failed > 0 ? 'completed-with-failures'
      // Hosts of a vCenter that could not be read were not done: not a success automation should miss.
      : (this.paging?.unreadable?.length ?? 0) > 0 ? 'incomplete'
      : 'succeeded';
    const result: RolloutResult = { ...final, reason, outcome, ...(this.abortReason ? { abortReason: this.abortReason } : {}) };
    upsertSearchAttributes([{ key: VIBFLOW_OUTCOME, value: outcome }]);
    setCurrentDetails(rolloutMarkdown(final, reason));
    this.notices?.ended(result);
    if (reason !== 'completed') {
      const t = final.totals;
      throw ApplicationFailure.create({
        message: `rollout ${plan.rolloutId} ${outcome}: ${reason}, ${t.succeeded} succeeded, ${t.failed} failed, ${t.cancelled} cancelled, ${t.skipped} skipped`,
        type: ROLLOUT_NOT_SUCCEEDED_TYPE,
        nonRetryable: true,
        details: [result],
      });
    }
    return result;
  }

  /** A failure outside the hosts (bad input, hosts that cannot be read): said where operators look, then rethrown. */
  failed(err: unknown): unknown {
    if (err instanceof ContinueAsNew || isCancellation(err)) return err;
    if (err instanceof ApplicationFailure && err.type === ROLLOUT_NOT_SUCCEEDED_TYPE) return err;
    const failure = rolloutFailureOf(err);
    this.done = true;
    this.phase = 'done';
    upsertSearchAttributes([{ key: VIBFLOW_PHASE, value: 'done' }, { key: VIBFLOW_OUTCOME, value: 'failed' }]);
    setCurrentDetails(rolloutMarkdown(this.progress(), 'error', failure));
    this.notices?.ended({ ...this.progress(), reason: 'error', outcome: 'failed', failure });
    return err;
  }
}

const unfinished = (row: HostRow) => row.state === 'pending' || row.state === 'waiting-retry';

export async function fleetRollout(input: FleetRolloutWorkflowInput): Promise<RolloutResult> {
  const rollout = new Rollout(input);
  rollout.registerHandlers();
  try {
    await rollout.begin();
    const reason = await rollout.runHosts();
    await rollout.removeStaged();
    return rollout.end(reason);
  } catch (err) {
    // A run that continues as new hands its staged copies on; any other ending removes them.
    if (!(err instanceof ContinueAsNew)) await rollout.removeStaged();
    throw rollout.failed(err);
  } finally {
    // Its notices' workflows have started before the rollout closes (their deliveries go on without it).
    await rollout.notices?.flush();
  }
}
