/** A rollout's bookkeeping as plain data: per-host rows, totals, and the markdown for the UI. Pure. */
import type { InstallOutcome } from './installResult';

export type HostState = 'pending' | 'running' | 'waiting-retry' | 'succeeded' | 'failed' | 'cancelled' | 'skipped';
export type RolloutPhase = 'canary' | 'awaiting-approval' | 'rolling' | 'paused' | 'draining' | 'done';
export type RolloutEndReason = 'completed' | 'failure-budget-exceeded' | 'window-closed' | 'aborted';

export interface HostRow {
  readonly host: string;
  readonly state: HostState;
  readonly attempt: number;
  readonly outcome?: InstallOutcome;
  readonly error?: string;
  readonly jobStatus?: string;
  readonly percent?: number;
  /** Workflow id of the host's install, to query its live progress. */
  readonly installWorkflowId?: string;
}

export interface RolloutTotals {
  readonly hosts: number;
  readonly pending: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly skipped: number;
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
  readonly outcome: 'succeeded' | 'completed-with-failures' | 'failed' | 'aborted' | 'incomplete';
  readonly abortReason?: string;
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
  const failed = progress.rows.filter((r) => r.state === 'failed').slice(0, 10);
  if (failed.length) {
    lines.push('', '| failed host | attempt | error |', '| --- | --- | --- |');
    for (const row of failed) lines.push(`| ${row.host} | ${row.attempt} | ${(row.error ?? row.outcome ?? '').replace(/\|/g, '\\|').slice(0, 100)} |`);
  }
  return lines.join('\n');
}
