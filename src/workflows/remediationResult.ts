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

export type RemediationOutcome = 'succeeded' | 'already-compliant' | 'skipped' | 'failed' | 'cancelled';

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
  readonly maintenance: MaintenanceState;
  readonly elapsedSeconds: number;
  readonly outcome?: RemediationOutcome;
  /** Set while the host's CIM server did not answer during the pre-check. */
  readonly unreachable?: UnreachableState;
  /** Workflow id of the install, to query its live percent. */
  readonly installWorkflowId?: string;
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
  readonly bootTimeBefore: string | null;
  readonly bootTimeAfter: string | null;
  readonly rebooted: boolean;
  readonly verified: boolean;
  readonly vibs: readonly VibCheck[];
  /** Whether the host is in maintenance mode now, as far as vibflow knows. */
  readonly inMaintenanceMode: boolean;
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
    `| ${progress.outcome ?? stepLabel(progress.step)} | ${progress.maintenance} | ${progress.elapsedSeconds} s |`,
  ];
  if (progress.unreachable) lines.push('', `CIM not answering: attempt ${progress.unreachable.attempts}, last error: ${cell(progress.unreachable.lastError)}`);
  if (result) {
    lines.push('', `boot time ${result.bootTimeBefore ?? '-'} -> ${result.bootTimeAfter ?? '-'}, verified: ${result.verified}`);
    if (result.reason) lines.push('', cell(result.reason));
  }
  return lines.join('\n');
}
