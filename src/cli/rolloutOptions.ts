/**
 * The rollout flags `vibflow rollout` and `vibflow schedule create` share, the input they make,
 * and which flag sets which input field (so validation errors name the flag). A new flag goes in
 * all three places: addRolloutOptions, rolloutInputFromFlags and ROLLOUT_FIELDS.
 */
import { type Command, Option } from 'commander';
import type { FleetRolloutInput } from '../workflows/rolloutInput';
import type { FieldFlags } from './inputFlags';
import { addInstallSettings, INSTALL_SETTING_FIELDS, installSettingsFromFlags, type InstallSettingFlags } from './installSettings';
import { addRemediationOptions, hostSourceFromFlags, REMEDIATION_FIELDS, remediationInputFromFlags, type RemediationFlags } from './remediationOptions';
import { UsageError } from './usageError';

export interface RolloutFlags extends InstallSettingFlags, RemediationFlags {
  inventory?: string;
  uri?: string;
  hosts?: string;
  maxConcurrency: string;
  maxFailures: string;
  abortOnBudget?: 'drain' | 'cancel';
  canary?: string;
  approveAfterCanary?: boolean;
  window?: string;
  cutoff?: string;
  onWindowEnd?: 'finish' | 'cancel';
  retries?: string;
  retryDelay: string;
  order?: 'as-given' | 'name';
}

export const ROLLOUT_FIELDS: FieldFlags = {
  ...INSTALL_SETTING_FIELDS,
  ...REMEDIATION_FIELDS,
  rolloutId: '--id',
  hosts: '--hosts',
  bundleUri: '--uri',
  maxConcurrency: '--max-concurrency',
  maxFailures: '--max-failures',
  abortOnBudget: '--abort-on-budget',
  canary: '--canary',
  window: '--window',
  'window.duration': '--window',
  'window.cutoff': '--cutoff',
  'window.onEnd': '--on-window-end',
  'hostRetries.count': '--retries',
  'hostRetries.delay': '--retry-delay',
  order: '--order',
};

export function addRolloutOptions(command: Command): Command {
  return addRemediationOptions(addInstallSettings(
    command
      // Checked when used rather than by commander: `rollout pause ID` must not ask for them.
      .option('--inventory <file>', 'inventory of the hosts (required)')
      .option('--uri <uri>', 'offline bundle on the hosts, e.g. file:///vmfs/volumes/datastore1/bundle.zip (required)')
      .option('--hosts <names>', 'comma-separated subset of the inventory; every host when not given')
      .option('--max-concurrency <n|p%>', 'hosts installing at once: a number or a share of the hosts', '10%')
      .option('--max-failures <n|p%>', 'failures tolerated before no new host starts', '0')
      .addOption(new Option('--abort-on-budget <mode>', 'when the budget is exceeded: let in-flight hosts finish, or cancel them').choices(['drain', 'cancel']))
      .option('--canary <sizes>', 'canary batch sizes run one after another first, e.g. 1,5')
      .option('--approve-after-canary', 'wait for `vibflow rollout approve` after the canary batches')
      .option('--window <duration>', 'patch window length, from the start (or scheduled) time, e.g. 4h')
      .option('--cutoff <duration>', 'no host starts in the last part of the window, e.g. 30m')
      .addOption(new Option('--on-window-end <mode>', 'hosts still installing when the window ends').choices(['finish', 'cancel']))
      .option('--retries <n>', 'retries of a failed host install')
      .option('--retry-delay <duration>', 'delay before a retry', '1m')
      .addOption(new Option('--order <order>', 'host order').choices(['as-given', 'name'])),
  ));
}

const countOrPercent = (text: string) => (/^\d+$/.test(text) ? Number(text) : text);

/** The rollout's input from its flags; reads the inventory. Validation of the whole is the caller's (validateFlags). */
export async function rolloutInputFromFlags(flags: RolloutFlags, rolloutId: string): Promise<FleetRolloutInput> {
  const missing = [...(flags.inventory ? [] : ['--inventory']), ...(flags.uri ? [] : ['--uri'])];
  if (missing.length) throw new UsageError(`${missing.join(' and ')}: Required to start a rollout`);
  const source = await hostSourceFromFlags({ ...flags, inventory: flags.inventory as string });
  const canary = flags.canary?.split(',').map((size) => {
    if (!/^\d+$/.test(size.trim())) throw new UsageError(`--canary: "${size}" is not a batch size; write e.g. 1,5`);
    return Number(size);
  });
  if (flags.retries !== undefined && !/^\d+$/.test(flags.retries)) throw new UsageError(`--retries: "${flags.retries}" is not a whole number`);
  if ((flags.cutoff || flags.onWindowEnd) && !flags.window) throw new UsageError('--cutoff and --on-window-end need --window');
  return {
    rolloutId,
    ...source,
    bundleUri: flags.uri,
    ...installSettingsFromFlags(flags),
    ...remediationInputFromFlags(flags),
    maxConcurrency: countOrPercent(flags.maxConcurrency),
    maxFailures: countOrPercent(flags.maxFailures),
    ...(flags.abortOnBudget ? { abortOnBudget: flags.abortOnBudget } : {}),
    ...(canary ? { canary } : {}),
    ...(flags.approveAfterCanary ? { approveAfterCanary: true } : {}),
    ...(flags.window ? { window: { duration: flags.window, ...(flags.cutoff ? { cutoff: flags.cutoff } : {}), ...(flags.onWindowEnd ? { onEnd: flags.onWindowEnd } : {}) } } : {}),
    ...(flags.retries !== undefined ? { hostRetries: { count: Number(flags.retries), delay: flags.retryDelay } } : {}),
    ...(flags.order ? { order: flags.order } : {}),
  };
}
