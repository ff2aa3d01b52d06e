/**
 * Why a workflow failed, in words and with a category, from whatever Temporal hands back: an
 * ApplicationFailure's type and message (through activity and child failures), a termination, a
 * timeout or a cancellation. Every view (the CLI's error line, status, report) says it this way.
 */
import { ActivityFailure, ApplicationFailure, CancelledFailure, ChildWorkflowFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';

export interface FailureInWords {
  /** What an operator filters on: the failure type (InvalidInput, HostSourceUnavailable, authentication...), or terminated, timed-out, cancelled. */
  readonly category: string;
  readonly message: string;
}

export function failureInWords(err: unknown): FailureInWords {
  let cause: unknown = err instanceof WorkflowFailedError ? (err.cause ?? err) : err;
  // The innermost application failure says why; the wrappers only say where.
  while ((cause instanceof ActivityFailure || cause instanceof ChildWorkflowFailure) && cause.cause) cause = cause.cause;
  if (cause instanceof ApplicationFailure) return { category: cause.type ?? 'error', message: cause.message };
  if (cause instanceof TerminatedFailure) return { category: 'terminated', message: `terminated${cause.message ? `: ${cause.message}` : ''}` };
  if (cause instanceof TimeoutFailure) return { category: 'timed-out', message: 'the workflow ran out of time (its execution or run timeout)' };
  if (cause instanceof CancelledFailure) return { category: 'cancelled', message: `cancelled${cause.message && cause.message !== 'Workflow canceled' ? `: ${cause.message}` : ''}` };
  return { category: 'error', message: cause instanceof Error ? cause.message : String(cause) };
}
