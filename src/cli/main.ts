import { CommanderError } from 'commander';
import { isTemporalUnavailable, TemporalUnreachableError } from '../temporal/connection';
import { InvalidInputError } from '../workflows/installInput';
import { buildProgram } from './program';
import { EXIT, UsageError } from './usageError';

/** The exit status of an error that ended a command (see EXIT_CODES_HELP). */
function exitStatusOf(err: unknown): number {
  if (err instanceof UsageError || err instanceof InvalidInputError) return EXIT.usage;
  if (err instanceof TemporalUnreachableError || isTemporalUnavailable(err)) return EXIT.temporalUnreachable;
  return EXIT.failed;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof CommanderError) {
      // Commander already printed its message; help and version are not errors.
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    process.stderr.write(`vibflow: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = exitStatusOf(err);
  });
