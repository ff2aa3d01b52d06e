import type { Command } from 'commander';
import { closeAllClients } from '../../activities/connections';
import { createWorker } from '../../worker';
import { addTemporalOptions, temporalTarget, type TemporalFlags } from '../temporalOptions';

export function registerWorker(program: Command): void {
  addTemporalOptions(
    program.command('worker').description('run a vibflow worker (workflows and CIM activities) until Ctrl-C or SIGTERM'),
  ).action(async (flags: TemporalFlags) => {
    const { worker, connection } = await createWorker({ ...temporalTarget(flags), taskQueue: flags.taskQueue });
    process.stdout.write(`vibflow worker ready on task queue "${flags.taskQueue}"\n`);
    try {
      await worker.run();
    } finally {
      await closeAllClients();
      await connection.close();
    }
  });
}
