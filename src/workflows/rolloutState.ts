/** A rollout's bookkeeping as plain data: per-host rows, totals, and the markdown for the UI. Pure. */
import type { VibPresence } from '../esxi/compliance';
import type { InstallOutcome } from './installResult';
import type { RemediationOutcome, RemediationStep } from './remediationResult';

/** A dry run's verdict on a host. */
export type CheckVerdict = 'would-install' | 'already-compliant' | 'blocked' | 'skipped';

/** `checked`: a dry run's pre-check of the host is done. */
export type HostState = 'pending' | 'running' | 'waiting-retry' | 'succeeded' | 'failed' | 'cancelled' | 'skipped' | 'checked';
export type RolloutPhase = 'starting' | 'canary' | 'awaiting-approval' | 'rolling' | 'paused' | 'draining' | 'done';
export type RolloutEndReason = 'completed' | 'failure-budget-exceeded' | 'window-closed' | 'aborted';

export interface HostRow {
  readonly host: string;
  readonly state: HostState;
  readonly attempt: number;
  /** An install's or a remediation's outcome; a dry run's verdict. */
  readonly outcome?: InstallOutcome | RemediationOutcome | CheckVerdict;
  /** Why it failed, was skipped or blocked; the host's own words where it gave any. */
  readonly error?: string;
  readonly jobStatus?: string;
  readonly percent?: number;
  /** Workflow id of the host's install or remediation, to query its live progress. */
  readonly installWorkflowId?: string;
  /** Set when the hosts come from vCenter: the host's cluster (null when standalone). */
  readonly cluster?: string | null;
  /** A remediation's current (or last) step. */
  readonly step?: RemediationStep;
  readonly maintenanceEnteredAt?: string | null;
  readonly maintenanceExitedAt?: string | null;
  readonly bootTimeBefore?: string | null;
  readonly bootTimeAfter?: string | null;
  readonly verified?: boolean;
  /** Expected VIBs and what the host has (remediation, dry run, compliance). */
  readonly vibs?: readonly VibPresence[];
}

export interface RolloutTotals {
  readonly hosts: number;
  readonly pending: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly skipped: number;
  readonly checked: number;
}

export interface RolloutProgress {
  readonly rolloutId: string;
  readonly phase: RolloutPhase;
  readonly paused: boolean;
  readonly totals: RolloutTotals;
  readonly rows: readonly HostRow[];
  readonly runs: number;
}

export interface RolloutResult extends RolloutProgress {
  readonly reason: RolloutEndReason;
  /** succeeded: every host; completed-with-failures: within the error budget. */
  readonly outcome: 'succeeded' | 'completed-with-failures' | 'failed' | 'aborted' | 'incomplete' | 'checked';
  readonly abortReason?: string;
}

export const NO_TOTALS: RolloutTotals = { hosts: 0, pending: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, skipped: 0, checked: 0 };

export function addTotals(a: RolloutTotals, b: RolloutTotals): RolloutTotals {
  return Object.fromEntries(Object.entries(a).map(([key, value]) => [key, value + b[key as keyof RolloutTotals]])) as unknown as RolloutTotals;
}

export function totalsOf(rows: readonly HostRow[]): RolloutTotals {
  const count = (states: HostState[]) => rows.filter((row) => states.includes(row.state)).length;
  return {
    hosts: rows.length,
    pending: count(['pending', 'waiting-retry']),
    running: count(['running']),
    succeeded: count(['succeeded']),
    failed: count(['failed']),
    cancelled: count(['cancelled']),
    skipped: count(['skipped']),
    checked: count(['checked']),
  };
}

export function rolloutMarkdown(progress: RolloutProgress, reason?: RolloutEndReason): string {
  const t = progress.totals;
  const lines = [
    `**rollout ${progress.rolloutId}**: ${progress.phase}${progress.paused ? ' (paused)' : ''}${reason ? `, ended: ${reason}` : ''}`,
    '',
    '| hosts | pending | running | succeeded | failed | cancelled | skipped |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    `| ${t.hosts} | ${t.pending} | ${t.running} | ${t.succeeded} | ${t.failed} | ${t.cancelled} | ${t.skipped} |`,
  ];
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 100);
  const running = progress.rows.filter((r) => r.state === 'running').slice(0, 10);
  if (running.length) {
    lines.push('', '| running host | cluster | step |', '| --- | --- | --- |');
    for (const row of running) lines.push(`| ${row.host} | ${row.cluster ?? '-'} | ${row.step ?? 'installing'} |`);
  }
  const failed = progress.rows.filter((r) => r.state === 'failed').slice(0, 10);
  if (failed.length) {
    lines.push('', '| failed host | attempt | error |', '| --- | --- | --- |');
    for (const row of failed) lines.push(`| ${row.host} | ${row.attempt} | ${cell(row.error ?? row.outcome ?? '')} |`);
  }
  return lines.join('\n');
}
