/**
 * A rollout's running hosts as they are now, from their own workflows: the rollout's history holds
 * no per-host steps (that would cost it events per step), so the views ask each host's remediation
 * for its step and each install for its percent, a bounded number at a time.
 */
import type { Client } from '@temporalio/client';
import { answeredQuery } from '../api/lookup';
import { installProgressQuery } from '../workflows/installVib';
import { remediationInstallId, remediationProgressQuery } from '../workflows/remediateHost';
import { stepLabel, type RemediationStep } from '../workflows/remediationResult';
import type { HostRow, RolloutProgress } from '../workflows/rolloutState';
import { installActivity } from './installText';

/** A step Temporal retries because its vCenter (or host) does not answer. */
export interface StepRetry {
  /** The activity, e.g. enterMaintenanceMode. */
  readonly activity: string;
  readonly attempt: number;
  readonly lastError: string;
  /** When the host's current step began, ISO 8601. */
  readonly since: string | null;
}

export interface LiveHost {
  /** A remediation's step. */
  readonly step?: RemediationStep;
  /** Set while the step's activity is being retried. */
  readonly retrying?: StepRetry;
  readonly percent: number;
  /** What the host is doing, in words (see installActivity). */
  readonly activity: string;
}

/** Remediation steps that come after the install. */
const INSTALLED_STEPS: ReadonlySet<RemediationStep> = new Set(['rebooting', 'waiting-for-host', 'verifying', 'exiting-maintenance', 'done']);

/** The first activity of the workflow that Temporal is retrying (attempt 2 or later, with a last failure). */
async function retriedActivity(client: Client, workflowId: string): Promise<Omit<StepRetry, 'since'> | undefined> {
  const description = await client.workflow.getHandle(workflowId).describe().catch(() => undefined);
  const pending = (description?.raw.pendingActivities ?? []).find((a) => (a.attempt ?? 1) > 1 && a.lastFailure?.message);
  return pending && { activity: pending.activityType?.name ?? 'a step', attempt: pending.attempt ?? 2, lastError: pending.lastFailure?.message ?? '' };
}

async function liveHost(client: Client, row: HostRow, remediation: boolean): Promise<LiveHost | undefined> {
  const id = row.installWorkflowId as string;
  if (remediation) {
    const progress = await answeredQuery(client.workflow.getHandle(id), remediationProgressQuery);
    const step = progress?.step;
    if (!step) return undefined;
    // A read the remediation itself tries again (a local activity: not among the pending activities), else an activity Temporal retries.
    const retried = (await retriedActivity(client, id)) ?? (step === 'installing' ? await retriedActivity(client, remediationInstallId(id)) : undefined);
    const retrying: StepRetry | undefined = progress.waiting ?? (retried && { ...retried, since: progress.stepSince ?? null });
    const waiting = retrying ? ` (retrying ${retrying.activity}, attempt ${retrying.attempt})` : '';
    if (step !== 'installing') return { step, percent: INSTALLED_STEPS.has(step) ? 100 : 0, activity: `${stepLabel(step)}${waiting}`, ...(retrying ? { retrying } : {}) };
    const p = await answeredQuery(client.workflow.getHandle(remediationInstallId(id)), installProgressQuery);
    return { step, percent: p?.percent ?? 0, activity: `installing${p ? `: ${installActivity(p)}` : ''}${waiting}`, ...(retrying ? { retrying } : {}) };
  }
  const p = await answeredQuery(client.workflow.getHandle(id), installProgressQuery);
  return p && { percent: p.percent, activity: installActivity(p) };
}

/** The live state of (at most `max` of) the running hosts, by host name. */
export async function liveHosts(client: Client, progress: RolloutProgress, max: number): Promise<Map<string, LiveHost>> {
  const running = progress.rows.filter((r) => r.state === 'running' && r.installWorkflowId).slice(0, max);
  const remediation = progress.work === 'remediation';
  const entries = await Promise.all(running.map(async (row) => {
    const live = await liveHost(client, row, remediation);
    return live && ([row.host, live] as const);
  }));
  return new Map(entries.filter((e) => e !== undefined));
}

/** The rollout's state with each running remediation's current step in its row (the first `max` of them). */
export async function withLiveSteps<T extends RolloutProgress>(client: Client, state: T, max = 50): Promise<T> {
  if (state.work !== 'remediation' || !state.rows.some((r) => r.state === 'running')) return state;
  const live = await liveHosts(client, state, max);
  return { ...state, rows: state.rows.map((row) => (live.get(row.host)?.step ? { ...row, step: live.get(row.host)?.step } : row)) };
}

/** Running hosts of one vCenter whose steps Temporal retries: the vCenter (or host) does not answer. */
export interface WaitingHosts {
  /** Absent when the rollout's hosts come from a host list or a single vCenter. */
  readonly vcenter?: string;
  readonly hosts: readonly string[];
  /** The longest-waiting host's retry: since when its step runs, which activity, attempt, last error. */
  readonly retry: StepRetry;
}

export function waitingByVcenter(progress: RolloutProgress, live: ReadonlyMap<string, LiveHost>): WaitingHosts[] {
  const groups = new Map<string, { hosts: string[]; retry: StepRetry }>();
  for (const row of progress.rows) {
    const retry = live.get(row.host)?.retrying;
    if (row.state !== 'running' || !retry) continue;
    const key = row.vcenter ?? '';
    const group = groups.get(key) ?? { hosts: [], retry };
    group.hosts.push(row.host);
    if (retry.since && (!group.retry.since || retry.since < group.retry.since)) group.retry = retry;
    groups.set(key, group);
  }
  return [...groups.entries()].map(([vcenter, group]) => ({ ...(vcenter ? { vcenter } : {}), ...group }));
}

/** "vCenter vc-2: 3 hosts waiting (a, b, c), retrying since 2026-...Z: rebootHost attempt 4, last error: ..." */
export function waitingText(waiting: WaitingHosts): string {
  const { hosts, retry } = waiting;
  const list = `${hosts.slice(0, 5).join(', ')}${hosts.length > 5 ? ', ...' : ''}`;
  return `${waiting.vcenter ? `vCenter ${waiting.vcenter}` : 'hosts'}: ${hosts.length} host${hosts.length === 1 ? '' : 's'} waiting (${list}), retrying since ${retry.since ?? 'unknown'}: ${retry.activity} attempt ${retry.attempt}, last error: ${retry.lastError}`;
}
