/**
 * fleetRollout: one installVib child per host in a sliding window, with canary batches, an
 * optional approval gate, an error budget, a patch window with a cutoff, host retries, and
 * pause/resume/abort/approve updates. Continues-as-new between pages of hosts.
 */
import {
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
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { HostTarget } from '../esxi/model';
import { VIBFLOW_OUTCOME, VIBFLOW_PHASE, VIBFLOW_ROLLOUT_ID, VIBFLOW_HOST } from '../shared/searchAttributes';
import { checkRolloutInput, validated } from './inputCheck';
import type { InstallVibInput } from './installInput';
import type { InstallResult } from './installResult';
import { installVib } from './installVib';
import type { FleetRolloutInput, RolloutPlan } from './rolloutInput';
import {
  rolloutMarkdown,
  totalsOf,
  type HostRow,
  type RolloutEndReason,
  type RolloutPhase,
  type RolloutProgress,
  type RolloutResult,
} from './rolloutState';

export const rolloutProgressQuery = defineQuery<RolloutProgress>('progress');
export const pauseUpdate = defineUpdate<RolloutProgress>('pause');
export const resumeUpdate = defineUpdate<RolloutProgress>('resume');
export const abortUpdate = defineUpdate<RolloutProgress, [reason: string]>('abort');
export const approveUpdate = defineUpdate<RolloutProgress>('approve');

/** What one run hands to the next through continue-as-new. */
interface RolloutCarry {
  readonly rows: HostRow[];
  readonly retryAt: Record<string, number>;
  readonly canaryBatch: number;
  readonly approved: boolean;
  readonly paused: boolean;
  readonly windowStartMs: number;
  readonly runs: number;
}

export type FleetRolloutWorkflowInput = FleetRolloutInput & { resume?: RolloutCarry };

export function rolloutChildId(rolloutId: string, host: string): string {
  return `vibflow-rollout:${rolloutId}:install:${host}`;
}

/** A scheduled rollout's window counts from the scheduled time, not from when a worker ran it. */
function windowStart(): number {
  const scheduled = workflowInfo().searchAttributes?.TemporalScheduledStartTime?.[0];
  const at = scheduled instanceof Date ? scheduled.getTime() : typeof scheduled === 'string' ? Date.parse(scheduled) : NaN;
  return Number.isNaN(at) ? workflowInfo().startTime.getTime() : at;
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
  let phase: RolloutPhase = 'canary'; // until the plan is known
  const runs = (carried?.runs ?? 0) + 1;
  const inFlight = new Map<string, Promise<void>>();
  const children = new CancellationScope();
  let startedThisRun = 0;

  const progress = (): RolloutProgress => {
    const all = [...rows.values()];
    return { rolloutId: knownPlan?.rolloutId ?? String(request.rolloutId), phase, paused, totals: totalsOf(all), rows: all, runs };
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
  const hosts = new Map<string, HostTarget>(plan.hosts.map((h) => [h.name, h]));
  if (!carried) for (const h of plan.hosts) rows.set(h.name, { host: h.name, state: 'pending', attempt: 0 });
  phase = canaryBatch < plan.canary.length ? 'canary' : 'rolling';

  upsertSearchAttributes([
    { key: VIBFLOW_ROLLOUT_ID, value: plan.rolloutId },
    { key: VIBFLOW_PHASE, value: phase },
  ]);

  const failedCount = () => [...rows.values()].filter((r) => r.state === 'failed').length;
  const budgetExceeded = () => failedCount() > plan.maxFailures;

  const runHost = async (name: string): Promise<void> => {
    const previous = rows.get(name) as HostRow;
    const attempt = previous.attempt + 1;
    const installWorkflowId = rolloutChildId(plan.rolloutId, name);
    rows.set(name, { host: name, state: 'running', attempt, installWorkflowId });
    const input: InstallVibInput = { host: hosts.get(name) as HostTarget, ...(plan.install as Omit<InstallVibInput, 'host'>), rolloutId: plan.rolloutId };
    try {
      const result = await children.run(() =>
        executeChild(installVib, {
          workflowId: installWorkflowId,
          args: [input],
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          typedSearchAttributes: [
            { key: VIBFLOW_HOST, value: name },
            { key: VIBFLOW_ROLLOUT_ID, value: plan.rolloutId },
          ],
          staticSummary: `Install ${input.bundleUri} on ${name} (rollout ${plan.rolloutId}, attempt ${attempt})`,
        }),
      );
      rows.set(name, { host: name, state: 'succeeded', attempt, installWorkflowId, outcome: result.outcome, percent: result.percent, jobStatus: result.jobStatus });
    } catch (err) {
      const cause = err instanceof ChildWorkflowFailure ? err.cause : err;
      if (cause instanceof CancelledFailure || isCancellation(err)) {
        rows.set(name, { host: name, state: 'cancelled', attempt, installWorkflowId, outcome: 'cancelled' });
      } else {
        const result = cause instanceof ApplicationFailure ? (cause.details?.[0] as InstallResult | undefined) : undefined;
        const error = result?.reason ?? (cause instanceof Error ? cause.message : String(cause));
        const retry = attempt <= plan.hostRetries.count && !abortReason;
        rows.set(name, {
          host: name,
          state: retry ? 'waiting-retry' : 'failed',
          attempt,
          installWorkflowId,
          ...(result ? { outcome: result.outcome, percent: result.percent, jobStatus: result.jobStatus } : {}),
          error,
        });
        if (retry) retryAt.set(name, Date.now() + plan.hostRetries.delayMs);
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
  const startable = (): string[] => {
    const now = Date.now();
    return [...rows.values()]
      .filter((r) => r.state === 'pending' || (r.state === 'waiting-retry' && (retryAt.get(r.host) ?? 0) <= now))
      .map((r) => r.host);
  };
  const remaining = () => [...rows.values()].some((r) => r.state === 'pending' || r.state === 'waiting-retry');

  let reason: RolloutEndReason = 'completed';
  for (;;) {
    const now = Date.now();
    const windowOpen = !plan.window || now < plan.window.startsUntil;
    if (abortReason || (budgetExceeded() && plan.abortOnBudget === 'cancel') || (plan.window && now >= plan.window.endsAt && plan.window.onEnd === 'cancel')) {
      if (inFlight.size > 0) children.cancel();
    }
    const mayStart = !abortReason && !paused && !budgetExceeded() && windowOpen && !awaitingApproval() && startedThisRun < plan.pageSize;
    if (mayStart) {
      if (canaryBatch < plan.canary.length) {
        setPhase('canary');
        if (!canaryStarted) {
          startable().slice(0, plan.canary[canaryBatch]).forEach(start);
          canaryStarted = true;
        }
      } else {
        setPhase('rolling');
        for (const name of startable().slice(0, Math.max(0, plan.maxConcurrency - inFlight.size))) start(name);
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
        const carry: RolloutCarry = {
          rows: [...rows.values()],
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
