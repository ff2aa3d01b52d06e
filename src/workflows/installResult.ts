/** What an install ends with, and the live progress record behind the query and the UI. Pure. */
import type { SoftwareChanges } from '../esxi/model';
import type { UnreachableState } from './reachability';

export type InstallOutcome =
  | 'succeeded'
  | 'succeeded-reboot-required'
  | 'verified-by-inventory'
  | 'failed'
  | 'unknown'
  | 'cancelled'
  | 'timed-out';

export const SUCCESSFUL_OUTCOMES: ReadonlySet<InstallOutcome> = new Set([
  'succeeded',
  'succeeded-reboot-required',
  'verified-by-inventory',
]);

export type InstallPhase = 'preparing' | 'starting' | 'installing' | 'reconciling' | 'done';

/** The seed's output as data: percent complete, job status, time elapsed, plus counters. */
export interface InstallProgress {
  readonly host: string;
  readonly bundleUri: string;
  readonly phase: InstallPhase;
  readonly percent: number;
  readonly jobStatus: string;
  readonly jobState: string;
  readonly elapsedSeconds: number;
  readonly polls: number;
  readonly runs: number;
  readonly jobId?: string;
  readonly outcome?: InstallOutcome;
  /** Set while (and after) the host did not answer before InstallFromURI: attempts and the last error. */
  readonly unreachable?: UnreachableState;
}

export interface InstallResult extends InstallProgress {
  readonly outcome: InstallOutcome;
  readonly errorCode: number | null;
  readonly errorDescription: string | null;
  /** esxupdate/vibflow failure category, e.g. "dependency", "authentication". */
  readonly errorCategory?: string;
  /** Why the outcome is what it is, in a sentence, when it is not plain success. */
  readonly reason?: string;
  readonly rebootRequired: boolean;
  /** True when a retried start adopted the job an earlier attempt had started. */
  readonly adopted: boolean;
  readonly changes: SoftwareChanges;
}

/** The memo key a cancelled install keeps its result under (a cancelled workflow returns none). */
export const RESULT_MEMO = 'vibflowResult';

/**
 * The memo key an install keeps its latest progress under, updated whenever what a watcher shows
 * changes (phase, percent, job status, an unreachable host's attempts). Watchers read it with
 * DescribeWorkflowExecution, which the server answers alone: no query reaches the worker, so none
 * can race the install's timers.
 */
export const PROGRESS_MEMO = 'vibflowProgress';

/** Failure type of a workflow started with input that does not validate (nothing was done). */
export const INVALID_INPUT_TYPE = 'InvalidInput';

/** Failure types the install workflow ends with; the result rides along as the failure's details. */
export const INSTALL_FAILURE_TYPE: Readonly<Partial<Record<InstallOutcome, string>>> = {
  failed: 'InstallFailed',
  'timed-out': 'InstallTimedOut',
  unknown: 'InstallOutcomeUnknown',
};

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 120);
}

/** A short markdown table for the workflow's current details in the Temporal UI. */
export function progressMarkdown(progress: InstallProgress): string {
  return [
    `**${cell(progress.host)}**: ${cell(progress.bundleUri)}`,
    '',
    '| phase | percent | job status | elapsed | polls |',
    '| --- | --- | --- | --- | --- |',
    `| ${progress.outcome ?? progress.phase} | ${progress.percent} % | ${cell(progress.jobStatus || '-')} | ${progress.elapsedSeconds} s | ${progress.polls} |`,
    ...(progress.unreachable && !progress.jobId
      ? ['', `not answering: attempt ${progress.unreachable.attempts}, last error: ${cell(progress.unreachable.lastError)}`]
      : []),
  ].join('\n');
}
