import { type Command, Option } from 'commander';
import { followInstall, startInstall } from '../../api/installs';
import { connectClient } from '../../temporal/connection';
import { InvalidInputError, type InstallVibInput } from '../../workflows/installInput';
import { SUCCESSFUL_OUTCOMES } from '../../workflows/installResult';
import { addHostOptions, hostFromFlags, type HostFlags } from '../hostOptions';
import { createInstallView } from '../installView';
import { addTemporalOptions, temporalTarget, type TemporalFlags } from '../temporalOptions';
import { EXIT, UsageError } from '../usageError';

interface InstallFlags extends HostFlags, TemporalFlags {
  uri: string;
  option?: string[];
  optionValue?: string[];
  poll?: string;
  stallTimeout?: string;
  deadline?: string;
  wait?: boolean;
  json?: boolean;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerInstall(program: Command): void {
  const command = program
    .command('install')
    .description('install a VIB bundle on one host, durably (InstallFromURI, then poll the job)')
    .requiredOption('--uri <uri>', 'offline bundle on the host, e.g. file:///vmfs/volumes/datastore1/bundle.zip')
    .addOption(new Option('--option <name|code>', 'InstallOptions entry, repeatable (e.g. update, defer-reset, 3)').argParser(collect))
    .addOption(new Option('--option-value <text>', 'InstallOptionsValues entry, repeatable, paired with --option').argParser(collect))
    .option('--poll <duration>', 'poll interval', '10s')
    .option('--stall-timeout <duration>', 'fail when PercentComplete does not move for this long')
    .option('--deadline <duration>', 'give up watching after this long')
    .option('--wait', 'follow the install and exit with its outcome (0 success, 1 failed)')
    .option('--json', 'print machine-readable output');
  addTemporalOptions(addHostOptions(command)).action(async (flags: InstallFlags) => {
    const input: InstallVibInput = {
      host: await hostFromFlags(flags),
      bundleUri: flags.uri,
      ...(flags.option ? { installOptions: flags.option.map((o) => (/^\d+$/.test(o) ? Number(o) : o)) } : {}),
      ...(flags.optionValue ? { installOptionValues: flags.optionValue } : {}),
      ...(flags.poll ? { pollInterval: flags.poll } : {}),
      ...(flags.stallTimeout ? { stallTimeout: flags.stallTimeout } : {}),
      ...(flags.deadline ? { deadline: flags.deadline } : {}),
    };
    const { client, connection } = await connectClient(temporalTarget(flags));
    try {
      const handle = await startInstall(client, input, flags.taskQueue).catch((err: unknown) => {
        throw err instanceof InvalidInputError ? new UsageError(err.message) : err;
      });
      if (!flags.wait) {
        process.stdout.write(
          flags.json
            ? `${JSON.stringify({ workflowId: handle.workflowId, runId: handle.firstExecutionRunId })}\n`
            : `started ${handle.workflowId}\nfollow it with: vibflow status '${handle.workflowId}'\n`,
        );
        return;
      }
      if (!flags.json) process.stdout.write(`Software installation in progress... (${handle.workflowId})\n`);
      const view = flags.json ? undefined : createInstallView();
      const result = await followInstall(handle, (progress) => view?.update(progress));
      if (view) view.finish(result);
      else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      process.exitCode = SUCCESSFUL_OUTCOMES.has(result.outcome) ? EXIT.ok : EXIT.failed;
    } finally {
      await connection.close();
    }
  });
}
