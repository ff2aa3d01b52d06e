import type { Command } from 'commander';
import { installResult, type InstallHandle } from '../../api/installs';
import { connectClient } from '../../temporal/connection';
import { installProgressQuery } from '../../workflows/installVib';
import { addTemporalOptions, temporalTarget, type TemporalFlags } from '../temporalOptions';

interface StatusFlags extends TemporalFlags {
  json?: boolean;
}

export function registerStatus(program: Command): void {
  addTemporalOptions(
    program
      .command('status')
      .description("show an install's state: live progress while it runs, its result once it ended")
      .argument('<workflowId>', 'workflow id, as printed by `vibflow install`')
      .option('--json', 'print machine-readable output'),
  ).action(async (workflowId: string, flags: StatusFlags) => {
    const { client, connection } = await connectClient(temporalTarget(flags));
    try {
      const handle: InstallHandle = client.workflow.getHandle(workflowId);
      const description = await handle.describe();
      const running = description.status.name === 'RUNNING';
      const state = running ? await handle.query(installProgressQuery) : await installResult(handle);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ workflowId, status: description.status.name, ...state }, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        `${workflowId}: ${description.status.name}\n` +
          `   host: ${state.host}   bundle: ${state.bundleUri}\n` +
          `   phase: ${state.phase}${state.outcome ? `   outcome: ${state.outcome}` : ''}\n` +
          `   percent complete ${state.percent}   job status: ${state.jobStatus || '-'}\n` +
          `   time elapsed: ${state.elapsedSeconds} seconds, ${state.polls} polls, ${state.runs} run(s)\n`,
      );
    } finally {
      await connection.close();
    }
  });
}
