/**
 * The vibflow command tree, with what every command shares: its exit codes in its --help,
 * "(required)" on mandatory options, and no empty value for any flag or argument.
 */
import { Command, Help, type Option } from 'commander';
import { registerCommands } from './commands';
import { COMMAND_EXITS, exitCodesHelp } from './exitCodes';
import { UsageError } from './usageError';

/** An empty value is never meant (`--thumbprint ""` would silently pin nothing): refuse it, naming the flag. */
function refuseEmptyValues(command: Command): void {
  const values = command.opts();
  for (const option of command.options) {
    if (values[option.attributeName()] === '') throw new UsageError(`${option.long}: must not be empty`);
  }
  command.registeredArguments.forEach((argument, index) => {
    if (command.args[index] === '') throw new UsageError(`<${argument.name()}>: must not be empty`);
  });
}

/** Every command below `command`, with its name as a user types it (`rollout pause`). */
function everyCommand(command: Command, prefix: readonly string[] = []): [string, Command][] {
  return command.commands.flatMap((sub) => {
    const name = [...prefix, sub.name()];
    return [[name.join(' '), sub] as [string, Command], ...everyCommand(sub, name)];
  });
}

export function buildProgram(): Command {
  const program = new Command('vibflow')
    .description('Durable VIB installs and fleet rollouts for VMware ESXi, on Temporal')
    .configureHelp({
      optionDescription(this: Help, option: Option): string {
        const text = Help.prototype.optionDescription.call(this, option);
        return option.mandatory ? `${text} (required)` : text;
      },
    })
    .showHelpAfterError('(add --help for the options and exit codes)')
    // Flags after a subcommand belong to it (`rollout pause ID --address X`), not to its parent.
    .enablePositionalOptions()
    .exitOverride()
    .hook('preAction', (_program, action) => refuseEmptyValues(action));
  registerCommands(program);
  // Each command lists the exit codes it can end with; a group without an action of its own lists none.
  for (const [name, command] of everyCommand(program)) {
    const exits = COMMAND_EXITS[name];
    if (exits) command.addHelpText('after', exitCodesHelp(exits));
  }
  return program;
}
