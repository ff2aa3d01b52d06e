import type { Command } from 'commander';
import { followInstall, installStart, startOrAttachInstall } from '../../api/installs';
import type { InstallVibInput } from '../../workflows/installInput';
import { SUCCESSFUL_OUTCOMES } from '../../workflows/installResult';
import { addHostOptions, HOST_FIELDS, hostFromFlags, type HostFlags } from '../hostOptions';
import { validateFlags } from '../inputFlags';
import { addInstallSettings, INSTALL_SETTING_FIELDS, installSettingsFromFlags, type InstallSettingFlags } from '../installSettings';
import { createInstallView } from '../installView';
import { addTemporalOptions, noteWhenNoWorker, withTemporal, type TemporalFlags } from '../temporalOptions';
import { EXIT } from '../usageError';

interface InstallFlags extends HostFlags, InstallSettingFlags, TemporalFlags {
  uri: string;
  wait?: boolean;
  json?: boolean;
}

const INSTALL_FIELDS = { ...HOST_FIELDS, ...INSTALL_SETTING_FIELDS, bundleUri: '--uri' };

export function registerInstall(program: Command): void {
  const command = program
    .command('install')
    .description('install a VIB bundle on one host, durably (InstallFromURI, then poll the job)')
    .requiredOption('--uri <uri>', 'offline bundle on the host, e.g. file:///vmfs/volumes/datastore1/bundle.zip')
    .option('--wait', 'follow the install and exit with its outcome')
    .option('--json', 'print machine-readable output');
  addTemporalOptions(addInstallSettings(addHostOptions(command))).action(async (flags: InstallFlags) => {
    const input: InstallVibInput = { host: await hostFromFlags(flags), bundleUri: flags.uri, ...installSettingsFromFlags(flags) };
    const start = validateFlags(INSTALL_FIELDS, () => installStart(input, flags.taskQueue));
    await withTemporal(flags, async (client) => {
      const { handle, attached } = await startOrAttachInstall(client, start);
      await noteWhenNoWorker(client, flags.taskQueue);
      const said = attached ? `attached to the install already running for this host and bundle: ${handle.workflowId}` : `started ${handle.workflowId}`;
      if (!flags.wait) {
        process.stdout.write(
          flags.json
            ? `${JSON.stringify({ workflowId: handle.workflowId, runId: handle.firstExecutionRunId, attached })}\n`
            : `${said}\nfollow it with: vibflow status '${handle.workflowId}'\n`,
        );
        return;
      }
      if (!flags.json) process.stdout.write(`${said}\nSoftware installation in progress...\n`);
      const view = flags.json ? undefined : createInstallView();
      const result = await followInstall(handle, (progress) => view?.update(progress));
      if (view) view.finish(result);
      else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      process.exitCode = SUCCESSFUL_OUTCOMES.has(result.outcome) ? EXIT.ok : EXIT.failed;
    });
  });
}
