import { WorkflowFailedError } from '@temporalio/client';
import { CommanderError } from 'commander';
import { failureInWords } from '../api/workflowFailure';
import { isTemporalUnavailable, TemporalUnreachableError } from '../temporal/connection';
import { InvalidInputError } from '../workflows/installInput';
import { buildProgram } from './program';
import { EXIT, UsageError } from './usageError';

/** The exit status of an error that ended a command (see exitCodes.ts). */
function exitStatusOf(err: unknown): number {
  if (err instanceof UsageError || err instanceof InvalidInputError) return EXIT.usage;
  if (err instanceof TemporalUnreachableError || isTemporalUnavailable(err)) return EXIT.temporalUnreachable;
  return EXIT.failed;
}

/** What ended the command, in words: a failed workflow says why (Temporal's own message would only say that it failed). */
function messageOf(err: unknown): string {
  if (err instanceof WorkflowFailedError) {
    const { category, message } = failureInWords(err);
    return `the workflow failed (${category}): ${message}`;
  }
  return err instanceof Error ? err.message : String(err);
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof CommanderError) {
      // Commander already printed its message; help and version are not errors.
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    process.stderr.write(`vibflow: ${messageOf(err)}\n`);
    process.exitCode = exitStatusOf(err);
  });
