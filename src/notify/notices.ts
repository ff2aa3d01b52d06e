/**
 * What a rollout tells people, as plain data: the notice of each moment that needs a person
 * (awaiting approval, error budget exceeded, a host left in maintenance mode, the window closing
 * with hosts still to do, the end), its idempotency key, and which moments call for one. Pure:
 * no Temporal, no Node; the rollout workflow builds notices with it, the delivery activity renders
 * them (render.ts). The notice is the generic JSON payload itself: its shape is the documented,
 * versioned schema (README, Notifications).
 */
import type { HostRow, RolloutEndReason, RolloutFailure, RolloutPhase, RolloutProgress, RolloutResult, RolloutTotals } from '../workflows/rolloutState';

/** The schema's version: a field added keeps it, a field renamed, removed or changed in meaning bumps it. */
export const NOTICE_VERSION = 1;

export const NOTICE_EVENTS = ['awaiting-approval', 'budget-exceeded', 'host-in-maintenance', 'window-closing', 'rollout-failed', 'rollout-ended'] as const;
export type NoticeEvent = (typeof NOTICE_EVENTS)[number];

/** Hosts listed in one notice; the rest are counted in `hostsOmitted` (the totals count them all). */
export const MAX_NOTICE_HOSTS = 20;
/** A host's reason is cut here: the Web UI and `vibflow report` have it whole. */
const MAX_REASON = 300;

export interface NoticeHost {
  readonly host: string;
  readonly state: string;
  readonly attempt: number;
  readonly outcome?: string;
  readonly reason?: string;
  readonly cluster?: string | null;
  readonly vcenter?: string;
  readonly inMaintenanceMode?: boolean;
  readonly maintenanceNote?: string;
  /** The host's own install or remediation workflow. */
  readonly workflowId?: string;
}

/** One notification: the generic JSON body as sent, and what the Slack message is made of. */
export interface RolloutNotice {
  readonly version: typeof NOTICE_VERSION;
  readonly event: NoticeEvent;
  /** The same for every delivery of this notice (retries, a worker killed mid-send): receivers drop repeats by it. */
  readonly idempotencyKey: string;
  readonly rolloutId: string;
  readonly workflowId: string;
  readonly namespace: string;
  /** When the rollout's state changed (the workflow's clock), ISO 8601. */
  readonly at: string;
  /** One line, e.g. "rollout fw-2.0 awaits approval after its canary: 1 succeeded". */
  readonly title: string;
  readonly phase: RolloutPhase;
  readonly totals: RolloutTotals;
  /** The hosts this notice is about: the canary's, the failed ones, the one in maintenance mode... */
  readonly hosts: readonly NoticeHost[];
  readonly hostsOmitted: number;
  /** rollout-ended and rollout-failed: how it ended. */
  readonly outcome?: RolloutResult['outcome'];
  readonly reason?: RolloutEndReason;
  readonly abortReason?: string;
  /** rollout-failed outside its hosts (bad input, hosts that cannot be read). */
  readonly failure?: RolloutFailure;
  /** budget-exceeded: the budget in hosts. */
  readonly maxFailures?: number;
  /** awaiting-approval: the command that lets the rollout go on. */
  readonly approveCommand?: string;
  /** window-closing: no host starts after startsUntil; the window ends at endsAt. */
  readonly window?: { readonly startsUntil: string; readonly endsAt: string };
  readonly links: { readonly webUi: string; readonly host?: string };
}

/** What every notice of one rollout shares. */
export interface NoticeContext {
  readonly rolloutId: string;
  readonly workflowId: string;
  /** The first run of the rollout's chain of runs: tells apart two rollouts under one (reused) id. */
  readonly firstRunId: string;
  readonly namespace: string;
  /** The Web UI's base, e.g. http://127.0.0.1:8233. */
  readonly webUi: string;
}

/**
 * The idempotency key: the rollout, its chain of runs, the event and the state it is about (a
 * host and its attempt). The same state always gives the same key; a new state, a new key.
 */
export function noticeKey(context: NoticeContext, event: NoticeEvent, state?: string): string {
  return `vibflow:${context.rolloutId}:${context.firstRunId.slice(0, 8)}:${event}${state ? `:${state}` : ''}`;
}

/** The Web UI page of a workflow. */
export function webUiLink(base: string, namespace: string, workflowId: string): string {
  return `${base.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

export function approveCommand(context: Pick<NoticeContext, 'rolloutId' | 'namespace'>): string {
  return `vibflow rollout approve ${context.rolloutId}${context.namespace === 'default' ? '' : ` --namespace ${context.namespace}`}`;
}

function noticeHost(row: HostRow): NoticeHost {
  const reason = row.error ?? (row.state === 'failed' ? row.outcome : undefined);
  return {
    host: row.host,
    state: row.state,
    attempt: row.attempt,
    ...(row.outcome ? { outcome: row.outcome } : {}),
    ...(reason ? { reason: reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 3)}...` : reason } : {}),
    ...(row.cluster !== undefined ? { cluster: row.cluster } : {}),
    ...(row.vcenter ? { vcenter: row.vcenter } : {}),
    ...(row.inMaintenanceMode ? { inMaintenanceMode: true, ...(row.maintenanceNote ? { maintenanceNote: row.maintenanceNote } : {}) } : {}),
    ...(row.installWorkflowId ? { workflowId: row.installWorkflowId } : {}),
  };
}

function listed(rows: readonly HostRow[]): Pick<RolloutNotice, 'hosts' | 'hostsOmitted'> {
  return { hosts: rows.slice(0, MAX_NOTICE_HOSTS).map(noticeHost), hostsOmitted: Math.max(0, rows.length - MAX_NOTICE_HOSTS) };
}

function base(context: NoticeContext, event: NoticeEvent, atMs: number, progress: RolloutProgress, title: string, state?: string) {
  return {
    version: NOTICE_VERSION,
    event,
    idempotencyKey: noticeKey(context, event, state),
    rolloutId: context.rolloutId,
    workflowId: context.workflowId,
    namespace: context.namespace,
    at: new Date(atMs).toISOString(),
    title,
    phase: progress.phase,
    totals: progress.totals,
    links: { webUi: webUiLink(context.webUi, context.namespace, context.workflowId) },
  } as const;
}

const finished = (row: HostRow) => !['pending', 'waiting-retry', 'running'].includes(row.state);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "3 succeeded, 1 failed" of the totals that are not zero. */
export function totalsText(t: RolloutTotals): string {
  const parts = (['succeeded', 'failed', 'cancelled', 'skipped', 'checked', 'running', 'pending'] as const).filter((k) => t[k] > 0).map((k) => `${t[k]} ${k}`);
  if (t.inMaintenanceMode > 0) parts.push(`${t.inMaintenanceMode} in maintenance mode`);
  return `${parts.join(', ') || 'no hosts'} of ${plural(t.hosts, 'host')}`;
}

/** The canary batches are done and the rollout waits: their results and the command that approves. */
export function awaitingApprovalNotice(context: NoticeContext, atMs: number, progress: RolloutProgress): RolloutNotice {
  const canary = progress.rows.filter(finished);
  const done = { succeeded: canary.filter((r) => r.state === 'succeeded').length, failed: canary.filter((r) => r.state === 'failed').length };
  const title = `rollout ${context.rolloutId} awaits approval after its canary: ${done.succeeded} succeeded, ${done.failed} failed`;
  // Told at the turn the last canary batch ends, before the phase shows it: the phase is the one it enters.
  return { ...base(context, 'awaiting-approval', atMs, progress, title), phase: 'awaiting-approval', ...listed(canary), approveCommand: approveCommand(context) };
}

/** The budget is exceeded while hosts still run: no new host starts; the end follows as rollout-failed. */
export function budgetExceededNotice(context: NoticeContext, atMs: number, progress: RolloutProgress, maxFailures: number): RolloutNotice {
  const failed = progress.rows.filter((r) => r.state === 'failed');
  const title = `rollout ${context.rolloutId}: error budget exceeded (${progress.totals.failed} failed, budget ${maxFailures}); no new host starts, ${plural(progress.totals.running, 'host')} still running`;
  return { ...base(context, 'budget-exceeded', atMs, progress, title), ...listed(failed), maxFailures };
}

/** A host ended its remediation in maintenance mode (it failed, or the policy keeps it there). */
export function hostInMaintenanceNotice(context: NoticeContext, atMs: number, progress: RolloutProgress, row: HostRow): RolloutNotice {
  const title = `rollout ${context.rolloutId}: ${row.host} is left in maintenance mode${row.maintenanceNote ? `: ${row.maintenanceNote}` : ''}`;
  const notice = base(context, 'host-in-maintenance', atMs, progress, title, `${row.host}:${row.attempt}`);
  return {
    ...notice,
    ...listed([row]),
    links: { ...notice.links, ...(row.installWorkflowId ? { host: webUiLink(context.webUi, context.namespace, row.installWorkflowId) } : {}) },
  };
}

/** The window's last start time has come with hosts still to do: they wait for another window. */
export function windowClosingNotice(context: NoticeContext, atMs: number, progress: RolloutProgress, window: { startsUntil: number; endsAt: number }): RolloutNotice {
  const todo = progress.totals.pending;
  const running = progress.rows.filter((r) => r.state === 'running');
  const title = `rollout ${context.rolloutId}: the patch window is closing with ${plural(todo, 'host')} still to do; no new host starts, ${plural(running.length, 'host')} still running (window ends ${new Date(window.endsAt).toISOString()})`;
  return {
    ...base(context, 'window-closing', atMs, progress, title),
    ...listed(running),
    window: { startsUntil: new Date(window.startsUntil).toISOString(), endsAt: new Date(window.endsAt).toISOString() },
  };
}

/** The end: rollout-failed when it failed (budget exceeded, or the rollout itself), else rollout-ended. */
export function endedNotice(context: NoticeContext, atMs: number, result: RolloutResult): RolloutNotice {
  const event: NoticeEvent = result.outcome === 'failed' ? 'rollout-failed' : 'rollout-ended';
  // The hosts to look at: the failed ones, then those left in maintenance mode.
  const rows = [...result.rows.filter((r) => r.state === 'failed'), ...result.rows.filter((r) => r.state !== 'failed' && r.inMaintenanceMode)];
  const why = result.failure ? `${result.failure.category}: ${result.failure.message}` : result.abortReason ? `${result.reason}: ${result.abortReason}` : result.reason;
  const title = `rollout ${context.rolloutId} ${event === 'rollout-failed' ? 'failed' : `ended ${result.outcome}`} (${why}): ${totalsText(result.totals)}`;
  return {
    ...base(context, event, atMs, result, title),
    ...listed(rows),
    outcome: result.outcome,
    reason: result.reason,
    ...(result.abortReason ? { abortReason: result.abortReason } : {}),
    ...(result.failure ? { failure: result.failure } : {}),
  };
}

/** What the rollout loop knows at a turn, for the notices its state calls for. */
export interface RolloutMoment {
  readonly awaitingApproval: boolean;
  readonly budgetExceeded: boolean;
  /** No host may start any more in the window (its cutoff or end has come). */
  readonly windowClosed: boolean;
  /** Hosts not yet done: pending, waiting for a retry, or not yet read from the source. */
  readonly hostsToDo: number;
  readonly running: number;
}

/**
 * The once-per-rollout events a moment calls for. Budget and window are told only while hosts
 * still run: when the rollout ends at once instead, its end notice says it (one message, not two).
 */
export function eventsOfMoment(moment: RolloutMoment): NoticeEvent[] {
  const events: NoticeEvent[] = [];
  if (moment.awaitingApproval) events.push('awaiting-approval');
  if (moment.budgetExceeded && moment.running > 0) events.push('budget-exceeded');
  if (moment.windowClosed && moment.hostsToDo > 0 && moment.running > 0) events.push('window-closing');
  return events;
}
