import type { Command } from 'commander';
import { connectClient } from '../../temporal/connection';
import { addTemporalOptions, temporalTarget, type TemporalFlags } from '../temporalOptions';

export function registerCancel(program: Command): void {
  addTemporalOptions(
    program
      .command('cancel')
      .description('stop watching an install (the host may finish the job it already started)')
      .argument('<workflowId>', 'workflow id, as printed by `vibflow install`'),
  ).action(async (workflowId: string, flags: TemporalFlags) => {
    const { client, connection } = await connectClient(temporalTarget(flags));
    try {
      await client.workflow.getHandle(workflowId).cancel();
      process.stdout.write(`cancellation requested for ${workflowId}\n`);
    } finally {
      await connection.close();
    }
  });
}
