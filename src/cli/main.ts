import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands';
import { EXIT, UsageError } from './usageError';

const program = new Command('vibflow')
  .description('Durable VIB installs and fleet rollouts for VMware ESXi, on Temporal')
  .showHelpAfterError()
  // Flags after a subcommand belong to it (`rollout pause ID --address X`), not to its parent.
  .enablePositionalOptions()
  .exitOverride();
registerCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // Commander already printed its message; help and version are not errors.
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return;
  }
  process.stderr.write(`vibflow: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = err instanceof UsageError ? EXIT.usage : EXIT.failed;
});
