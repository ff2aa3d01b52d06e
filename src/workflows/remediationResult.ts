/** What a host remediation ends with, and its live progress behind the query and the UI. Pure. */
import type { InstallResult } from './installResult';
import type { UnreachableState } from './reachability';

export type RemediationStep =
  | 'pre-check'
  | 'entering-maintenance'
  | 'installing'
  | 'rebooting'
  | 'waiting-for-host'
  | 'verifying'
  | 'exiting-maintenance'
  | 'done';

/**
 * `installed-reboot-pending`: installed, but not active until the host reboots (e.g. `--reboot never`); never verified.
 * `blocked`: the pre-check found the install could not succeed (no readable staged copy, acceptance level, a task
 * running...); the host was not touched. It counts against the error budget as a failure does.
 */
export type RemediationOutcome = 'succeeded' | 'installed-reboot-pending' | 'already-compliant' | 'skipped' | 'blocked' | 'failed' | 'cancelled';

/** Where the host stands with maintenance mode. */
export type MaintenanceState = 'not-entered' | 'entered' | 'already-in' | 'exited';

/** An expected VIB and what the host has. */
export interface VibCheck {
  readonly name: string;
  /** null: any version will do. */
  readonly expected: string | null;
  readonly found: string | null;
}

export interface RemediationProgress {
  readonly host: string;
  readonly cluster: string | null;
  readonly bundleUri: string;
  readonly step: RemediationStep;
  /** When the current step began, ISO 8601 (absent in results recorded before it existed). */
  readonly stepSince?: string;
  readonly maintenance: MaintenanceState;
  readonly elapsedSeconds: number;
  readonly outcome?: RemediationOutcome;
  /** Set while the host's CIM server did not answer during the pre-check. */
  readonly unreachable?: UnreachableState;
  /** Set while a step waits for its vCenter: a read that failed and is tried again. */
  readonly waiting?: StepWaiting;
  /** Workflow id of the install, to query its live percent. */
  readonly installWorkflowId?: string;
  /** A staged bundle: the datastore of the copy the host installs from, and whether its VIBs predict a reboot. */
  readonly datastore?: string;
  readonly rebootPredicted?: boolean;
}

/** A step waiting for a vCenter that does not answer (a local activity's retries are not in the workflow's description). */
export interface StepWaiting {
  /** The activity tried again, e.g. readHostState. */
  readonly activity: string;
  /** Attempts failed so far. */
  readonly attempt: number;
  readonly lastError: string;
  /** When the first of those attempts failed, ISO 8601. */
  readonly since: string;
}

export interface RemediationTimings {
  readonly maintenanceEnterSeconds: number | null;
  readonly installSeconds: number | null;
  /** From the reboot request until the host was back with a later boot time. */
  readonly rebootSeconds: number | null;
  readonly totalSeconds: number;
}

export interface RemediationResult extends RemediationProgress {
  readonly outcome: RemediationOutcome;
  /** The step that failed, when it failed. */
  readonly failedStep?: RemediationStep;
  readonly errorCategory?: string;
  /** Why, in words, including where the host was left. */
  readonly reason?: string;
  readonly maintenanceEnteredAt: string | null;
  readonly maintenanceExitedAt: string | null;
  /** Attempts at entering maintenance mode (more than 1: the retry policy was used); 0 when not tried. */
  readonly maintenanceAttempts: number;
  readonly bootTimeBefore: string | null;
  readonly bootTimeAfter: string | null;
  readonly rebooted: boolean;
  /** The install waits for a reboot (the job or vCenter says so) that this remediation did not do. */
  readonly rebootPending: boolean;
  /** The host's software was checked and what was installed is active (never with a reboot pending). */
  readonly verified: boolean;
  readonly vibs: readonly VibCheck[];
  /** Whether the host is in maintenance mode now, as far as vibflow knows. */
  readonly inMaintenanceMode: boolean;
  /** Where the host was left with maintenance mode, and why, in words. */
  readonly maintenanceNote: string;
  readonly install: InstallResult | null;
  readonly timings: RemediationTimings;
}

export const REMEDIATION_FAILURE_TYPE = 'RemediationFailed';

const STEP_LABEL: Readonly<Record<RemediationStep, string>> = {
  'pre-check': 'pre-check',
  'entering-maintenance': 'entering maintenance mode',
  installing: 'installing',
  rebooting: 'rebooting',
  'waiting-for-host': 'waiting for the host to come back',
  verifying: 'verifying the installed software',
  'exiting-maintenance': 'exiting maintenance mode',
  done: 'done',
};

export function stepLabel(step: RemediationStep): string {
  return STEP_LABEL[step];
}

/** An outcome in words, as every view shows it. */
export function outcomeLabel(outcome: string): string {
  return outcome === 'installed-reboot-pending' || outcome === 'reboot-pending' ? 'installed, reboot pending' : outcome;
}

/** Where a remediation left the host with maintenance mode, and why, in words. */
export function maintenanceNote(host: string, maintenance: MaintenanceState, outcome: RemediationOutcome, enteredAt: string | null): string {
  const ended = outcome === 'failed' || outcome === 'cancelled' || outcome === 'blocked';
  switch (maintenance) {
    case 'entered':
      return ended
        ? `${host} stays in maintenance mode (entered ${enteredAt}): check it, then exit maintenance mode in vCenter`
        : `${host} is in maintenance mode (entered ${enteredAt})`;
    case 'already-in':
      return `${host} was in maintenance mode before the remediation and stays in it: exit maintenance mode in vCenter when it may run VMs again`;
    case 'exited':
      return ended ? `${host} was taken out of maintenance mode again (exit on failure)` : `${host} left maintenance mode`;
    default:
      return `${host} was not put in maintenance mode${ended ? ' and was not changed' : ''}`;
  }
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 160);
}

/** A short markdown table for the remediation's current details in the Temporal UI. */
export function remediationMarkdown(progress: RemediationProgress | RemediationResult): string {
  const result = 'timings' in progress ? progress : undefined;
  const lines = [
    `**${cell(progress.host)}**${progress.cluster ? ` (cluster ${cell(progress.cluster)})` : ''}: remediate with ${cell(progress.bundleUri)}`,
    '',
    '| step | maintenance mode | elapsed |',
    '| --- | --- | --- |',
    `| ${progress.outcome ? outcomeLabel(progress.outcome) : stepLabel(progress.step)} | ${progress.maintenance} | ${progress.elapsedSeconds} s |`,
  ];
  if (progress.unreachable) lines.push('', `CIM not answering: attempt ${progress.unreachable.attempts}, last error: ${cell(progress.unreachable.lastError)}`);
  if (progress.waiting) lines.push('', `vCenter not answering since ${progress.waiting.since}: ${progress.waiting.activity} attempt ${progress.waiting.attempt}, last error: ${cell(progress.waiting.lastError)}`);
  if (result) {
    lines.push('', `boot time ${result.bootTimeBefore ?? '-'} -> ${result.bootTimeAfter ?? '-'}, verified: ${result.verified}${result.rebootPending ? ' (installed, reboot pending)' : ''}`);
    if (result.maintenanceAttempts > 1) lines.push('', `entering maintenance mode took ${result.maintenanceAttempts} attempts`);
    if (result.inMaintenanceMode) lines.push('', `**in maintenance mode**: ${cell(result.maintenanceNote)}`);
    if (result.reason) lines.push('', cell(result.reason));
  }
  return lines.join('\n');
}
