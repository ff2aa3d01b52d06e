/** A rollout's bookkeeping as plain data: per-host rows, totals, and the markdown for the UI. Pure. */
import type { VibPresence } from '../esxi/compliance';
import type { StagingProgress } from '../staging/model';
import type { InstallOutcome } from './installResult';
import type { MaintenanceState, RemediationOutcome, RemediationStep } from './remediationResult';
import { outcomeLabel } from './remediationResult';

/** A dry run's verdict on a host; `reboot-pending`: it has the VIBs, not yet active (a remediation would reboot it). */
export type CheckVerdict = 'would-install' | 'already-compliant' | 'reboot-pending' | 'blocked' | 'skipped';

/** `checked`: a dry run's pre-check of the host is done. */
export type HostState = 'pending' | 'running' | 'waiting-retry' | 'succeeded' | 'failed' | 'cancelled' | 'skipped' | 'checked';
/** `staging`: the bundle is read and staged on the hosts' datastores; no host has been touched yet. */
export type RolloutPhase = 'starting' | 'staging' | 'canary' | 'awaiting-approval' | 'rolling' | 'paused' | 'draining' | 'done';
/** `error`: the rollout itself failed (bad input, its hosts could not be read...); see `failure`. */
export type RolloutEndReason = 'completed' | 'failure-budget-exceeded' | 'window-closed' | 'aborted' | 'error';

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
  /** The vCenter that manages the host, when the rollout spans several. */
  readonly vcenter?: string;
  /** A remediation's current (or last) step. */
  readonly step?: RemediationStep;
  readonly maintenanceEnteredAt?: string | null;
  readonly maintenanceExitedAt?: string | null;
  /** Attempts at entering maintenance mode, when the retry policy needed more than one. */
  readonly maintenanceAttempts?: number;
  readonly maintenance?: MaintenanceState;
  /** The host is in maintenance mode at the end of its remediation; `maintenanceNote` says why. */
  readonly inMaintenanceMode?: boolean;
  readonly maintenanceNote?: string;
  /** Installed, but not active until the host reboots: never counted as verified. */
  readonly rebootPending?: boolean;
  readonly bootTimeBefore?: string | null;
  readonly bootTimeAfter?: string | null;
  readonly verified?: boolean;
  /** Expected VIBs and what the host has (remediation, dry run, compliance). */
  readonly vibs?: readonly VibPresence[];
  /** A staged bundle: the datastore of the copy the host reads (null: none it can read), and whether a reboot is predicted. */
  readonly datastore?: string | null;
  readonly rebootPredicted?: boolean;
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
  /** Hosts left in maintenance mode at the end of their remediation (counted among the states above too). */
  readonly inMaintenanceMode: number;
  /** Hosts installed whose install waits for a reboot (counted among the states above too). */
  readonly rebootPending: number;
}

export interface RolloutProgress {
  readonly rolloutId: string;
  /** What is done on each host: an install (installVib), a remediation (remediateHost), or (dry run) a pre-check. */
  readonly work?: 'install' | 'remediation' | 'check';
  readonly phase: RolloutPhase;
  readonly paused: boolean;
  readonly totals: RolloutTotals;
  /** For a rollout over several vCenters: the totals of each (and why one could not be read). */
  readonly vcenters?: readonly VcenterTotals[];
  readonly rows: readonly HostRow[];
  readonly runs: number;
  /** A rollout that stages its bundle: the bundle, the copies and how far their uploads are. */
  readonly staging?: StagingProgress;
}

export interface VcenterTotals {
  readonly name: string;
  readonly totals: RolloutTotals;
  /** Set when the vCenter could not be read at the start: its hosts are skipped. */
  readonly unreadable?: string;
}

export interface RolloutResult extends RolloutProgress {
  readonly reason: RolloutEndReason;
  /** succeeded: every host; completed-with-failures: within the error budget. */
  readonly outcome: 'succeeded' | 'completed-with-failures' | 'failed' | 'aborted' | 'incomplete' | 'checked';
  readonly abortReason?: string;
  /** Why the rollout itself failed (reason `error`): its category and the reason in words. */
  readonly failure?: RolloutFailure;
}

export interface RolloutFailure {
  /** The failure type an operator filters on, e.g. InvalidInput, HostSourceUnavailable, authentication, terminated. */
  readonly category: string;
  readonly message: string;
}

export const NO_TOTALS: RolloutTotals = { hosts: 0, pending: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, skipped: 0, checked: 0, inMaintenanceMode: 0, rebootPending: 0 };

export function addTotals(a: RolloutTotals, b: RolloutTotals): RolloutTotals {
  // Totals carried from a run before a field existed lack it: count it as 0.
  return Object.fromEntries(Object.keys(NO_TOTALS).map((key) => [key, (a[key as keyof RolloutTotals] ?? 0) + (b[key as keyof RolloutTotals] ?? 0)])) as unknown as RolloutTotals;
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
    inMaintenanceMode: rows.filter((row) => row.inMaintenanceMode).length,
    rebootPending: rows.filter((row) => row.rebootPending).length,
  };
}

/** The state a failed rollout ended in when it has no result of its own (it failed before or outside its hosts). */
export function failedRollout(rolloutId: string, failure: RolloutFailure): RolloutResult {
  return { rolloutId, phase: 'done', paused: false, totals: NO_TOTALS, rows: [], runs: 1, reason: 'error', outcome: 'failed', failure };
}

export function rolloutMarkdown(progress: RolloutProgress, reason?: RolloutEndReason, failure?: RolloutFailure): string {
  const t = progress.totals;
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 160);
  const lines = [
    `**rollout ${progress.rolloutId}**: ${progress.phase}${progress.paused ? ' (paused)' : ''}${reason ? `, ended: ${reason}` : ''}`,
  ];
  if (failure) lines.push('', `**failed** (${cell(failure.category)}): ${cell(failure.message)}`);
  if (progress.staging) lines.push('', ...stagingMarkdown(progress.staging));
  lines.push(
    '',
    '| hosts | pending | running | succeeded | failed | cancelled | skipped |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    `| ${t.hosts} | ${t.pending} | ${t.running} | ${t.succeeded} | ${t.failed} | ${t.cancelled} | ${t.skipped} |`,
  );
  if (progress.vcenters?.length) {
    lines.push('', '| vCenter | hosts | pending | running | succeeded | failed | skipped |', '| --- | --- | --- | --- | --- | --- | --- |');
    for (const v of progress.vcenters) {
      const vt = v.totals;
      lines.push(`| ${cell(v.name)}${v.unreadable ? ` (not read: ${cell(v.unreadable)})` : ''} | ${vt.hosts} | ${vt.pending} | ${vt.running} | ${vt.succeeded} | ${vt.failed} | ${vt.skipped} |`);
    }
  }
  const running = progress.rows.filter((r) => r.state === 'running').slice(0, 10);
  if (running.length) {
    // Each host's step is in its own remediation's current details.
    lines.push('', '| running host | cluster | workflow |', '| --- | --- | --- |');
    for (const row of running) lines.push(`| ${row.host} | ${row.cluster ?? '-'} | ${cell(row.installWorkflowId ?? '-')} |`);
  }
  const failed = progress.rows.filter((r) => r.state === 'failed').slice(0, 10);
  if (failed.length) {
    lines.push('', '| failed host | attempt | error |', '| --- | --- | --- |');
    for (const row of failed) lines.push(`| ${row.host} | ${row.attempt} | ${cell(row.error ?? row.outcome ?? '')} |`);
  }
  const inMaintenance = progress.rows.filter((r) => r.inMaintenanceMode).slice(0, 10);
  if (inMaintenance.length) {
    lines.push('', `**${t.inMaintenanceMode} in maintenance mode**`, '', '| host | why |', '| --- | --- |');
    for (const row of inMaintenance) lines.push(`| ${row.host} | ${cell(row.maintenanceNote ?? '')} |`);
  }
  const pending = progress.rows.filter((r) => r.rebootPending).slice(0, 10);
  if (pending.length) lines.push('', `**${t.rebootPending} ${outcomeLabel('installed-reboot-pending')}**: ${pending.map((r) => r.host).join(', ')}${t.rebootPending > pending.length ? ', ...' : ''}`);
  return lines.join('\n');
}

const MB = 1024 * 1024;
const megabytes = (bytes: number) => `${(bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0)} MB`;

/** Staging in a few lines: the bundle, then each copy with its bytes and rate. */
export function stagingLine(staging: StagingProgress): string {
  const bundle = staging.bundle ? `${staging.bundle.fileName} (${megabytes(staging.bundle.sizeBytes)}, sha256 ${staging.bundle.sha256.slice(0, 12)})` : 'the bundle';
  const done = staging.copies.filter((c) => c.state === 'staged' || c.state === 'reused').length;
  const copies = staging.copies.length ? `, ${done} of ${staging.copies.length} ${staging.copies.length === 1 ? 'copy' : 'copies'} in place` : '';
  const extra = [
    ...(staging.compliantCount ? [`${staging.compliantCount} hosts already compliant`] : []),
    ...(staging.blockedCount ? [`${staging.blockedCount} hosts reach no datastore`] : []),
  ];
  return `staging ${bundle}: ${staging.state}${copies}${extra.length ? ` (${extra.join(', ')})` : ''}${staging.error ? `: ${staging.error}` : ''}`;
}

export function copyLine(copy: StagingProgress['copies'][number]): string {
  const percent = copy.sizeBytes > 0 ? Math.floor((copy.bytesDone / copy.sizeBytes) * 100) : 100;
  const rate = copy.rateBps ? ` at ${megabytes(copy.rateBps)}/s` : '';
  return `${copy.vcenter} [${copy.datastore}] for ${copy.hosts} hosts: ${copy.state} ${megabytes(copy.bytesDone)} of ${megabytes(copy.sizeBytes)} (${percent} %)${rate}`;
}

function stagingMarkdown(staging: StagingProgress): string[] {
  const lines = [`**${stagingLine(staging).replace(/\|/g, '\\|')}**`];
  if (staging.copies.length) lines.push('', ...staging.copies.slice(0, 10).map((c) => `- ${copyLine(c)}`));
  if (staging.blocked.length) lines.push('', ...staging.blocked.slice(0, 5).map((b) => `- ${b.host}: ${b.reason}`));
  return lines;
}
