/** An install in words, shared by the live views, `status` and the final summary. */
import type { InstallProgress, InstallResult } from '../workflows/installResult';

/** What the install is doing now: retrying a host that does not answer, the job's status, or its phase. */
export function installActivity(progress: InstallProgress): string {
  if (progress.unreachable && !progress.jobId) {
    return `host not answering, attempt ${progress.unreachable.attempts}: ${progress.unreachable.lastError}`;
  }
  return progress.jobStatus || progress.phase;
}

/** "Outcome: failed" with the category and the reason on lines of their own when there are any. */
export function outcomeLines(result: InstallResult, indent = ''): string[] {
  return [
    `${indent}Outcome: ${result.outcome}`,
    ...(result.errorCategory ? [`${indent}  category: ${result.errorCategory}`] : []),
    ...(result.reason ? [`${indent}  reason: ${result.reason}`] : []),
  ];
}
