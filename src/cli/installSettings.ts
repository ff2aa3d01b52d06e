/** The per-install flags `install`, `rollout` and `schedule create` share, and the input fields they set. */
import { type Command, Option } from 'commander';
import { DEFAULTS, type InstallVibInput } from '../workflows/installInput';
import type { FieldFlags } from './inputFlags';

export interface InstallSettingFlags {
  option?: string[];
  optionValue?: string[];
  poll: string;
  stallTimeout: string;
  deadline: string;
  unreachableTimeout: string;
}

export const INSTALL_SETTING_FIELDS: FieldFlags = {
  installOptions: '--option',
  installOptionValues: '--option-value',
  pollInterval: '--poll',
  stallTimeout: '--stall-timeout',
  deadline: '--deadline',
  unreachableTimeout: '--unreachable-timeout',
};

export const collect = (value: string, previous: string[] = []) => [...previous, value];

export function addInstallSettings(command: Command): Command {
  return command
    .addOption(new Option('--option <name|code>', 'InstallOptions entry, repeatable (e.g. update, defer-reset, 3)').argParser(collect))
    .addOption(new Option('--option-value <text>', 'InstallOptionsValues entry, repeatable, paired with --option').argParser(collect))
    .option('--poll <duration>', 'poll interval of the install job', DEFAULTS.pollInterval)
    .option('--stall-timeout <duration>', 'fail when PercentComplete does not move for this long', DEFAULTS.stallTimeout)
    .option('--deadline <duration>', 'give up watching after this long', DEFAULTS.deadline)
    .option('--unreachable-timeout <duration>', 'before anything is started on a host, fail it (category unreachable) when it does not answer for this long', DEFAULTS.unreachableTimeout);
}

export type InstallSettings = Pick<InstallVibInput, 'installOptions' | 'installOptionValues' | 'pollInterval' | 'stallTimeout' | 'deadline' | 'unreachableTimeout'>;

export function installSettingsFromFlags(flags: InstallSettingFlags): InstallSettings {
  return {
    ...(flags.option ? { installOptions: flags.option.map((o) => (/^\d+$/.test(o) ? Number(o) : o)) } : {}),
    ...(flags.optionValue ? { installOptionValues: flags.optionValue } : {}),
    pollInterval: flags.poll,
    stallTimeout: flags.stallTimeout,
    deadline: flags.deadline,
    unreachableTimeout: flags.unreachableTimeout,
  };
}
