/** Following a host's remediation (remediateHost) from any Temporal client: live progress, or how it ended. */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { remediationProgressQuery } from '../workflows/remediateHost';
import type { RemediationProgress, RemediationResult } from '../workflows/remediationResult';
import type { RemediationHandle } from './handles';
import { answeredQuery } from './lookup';
import { failureInWords, type FailureInWords } from './workflowFailure';

export type { RemediationHandle } from './handles';

/** How a remediation stands: its progress while it runs, its result once it ended, or why it failed without one. */
export type RemediationState =
  | { readonly kind: 'running'; readonly progress: RemediationProgress | undefined }
  | { readonly kind: 'ended'; readonly result: RemediationResult }
  | { readonly kind: 'failed'; readonly failure: FailureInWords };

export async function remediationState(handle: RemediationHandle, running: boolean): Promise<RemediationState> {
  if (running) return { kind: 'running', progress: await answeredQuery(handle, remediationProgressQuery) };
  try {
    return { kind: 'ended', result: await handle.result() };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    // A failed host carries its result; a remediation that failed before its steps (bad input) only says why.
    if (err.cause instanceof ApplicationFailure && err.cause.details?.[0]) return { kind: 'ended', result: err.cause.details[0] as RemediationResult };
    return { kind: 'failed', failure: failureInWords(err) };
  }
}
