import type { Command } from 'commander';
import { runWorker } from '../../worker';
import { addTemporalOptions, temporalTarget, type TemporalFlags } from '../temporalOptions';

export function registerWorker(program: Command): void {
  addTemporalOptions(
    program.command('worker').description('run a vibflow worker (workflows and CIM activities) until Ctrl-C or SIGTERM'),
  ).action(async (flags: TemporalFlags) => {
    process.stdout.write(`vibflow worker on task queue "${flags.taskQueue}"\n`);
    await runWorker({ ...temporalTarget(flags), taskQueue: flags.taskQueue });
  });
}
