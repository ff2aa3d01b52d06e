import type { Command } from 'commander';
import { findWork } from '../../api/lookup';
import { addTemporalOptions, withTemporal, type TemporalFlags } from '../temporalOptions';
import { UsageError } from '../usageError';

export function registerCancel(program: Command): void {
  addTemporalOptions(
    program
      .command('cancel')
      .description('stop watching an install (the host may finish the job it already started)')
      .argument('<workflowId>', 'workflow id, as printed by `vibflow install`'),
  ).action(async (workflowId: string, flags: TemporalFlags) =>
    withTemporal(flags, async (client) => {
      const found = await findWork(client, workflowId);
      if (!found) throw new UsageError(`no install "${workflowId}" in namespace ${client.options.namespace}`);
      if (found.kind === 'rollout') throw new UsageError(`${workflowId} is a rollout: stop it with vibflow rollout abort ${workflowId} --reason TEXT`);
      if (found.description.status.name !== 'RUNNING') throw new UsageError(`${workflowId} has ended (${found.description.status.name}): vibflow status ${workflowId}`);
      await found.handle.cancel();
      process.stdout.write(`cancellation requested for ${workflowId}\n`);
    }),
  );
}
