/**
 * The rollout flags `vibflow rollout` and `vibflow schedule create` share, the input they make,
 * and which flag sets which input field (so validation errors name the flag). A new flag goes in
 * all three places: addRolloutOptions, rolloutInputFromFlags and ROLLOUT_FIELDS.
 */
import path from 'node:path';
import { type Command, Option } from 'commander';
import { BundleError, inspectBundle, type BundleInfo } from '../bundle';
import { loadInventory } from '../inventory/inventory';
import { isBundleUrl, sourceLabel } from '../staging/bundleSource';
import type { VcentersHostSource } from '../inventory/vcenterHosts';
import { vibFromText } from '../workflows/remediationInput';
import type { FleetRolloutInput } from '../workflows/rolloutInput';
import type { FieldFlags } from './inputFlags';
import { addInstallSettings, INSTALL_SETTING_FIELDS, installSettingsFromFlags, type InstallSettingFlags } from './installSettings';
import { addNotifyOptions, NOTIFY_FIELDS, notifyInputFromFlags, type NotifyFlags } from './notifyOptions';
import { addRemediationOptions, hostSourceFromFlags, REMEDIATION_FIELDS, remediationInputFromFlags, type RemediationFlags } from './remediationOptions';
import { UsageError } from './usageError';
import { checkVcenterSelection, inventoryOrigin, type VcenterOrigin } from './vcenterCheck';

export interface RolloutFlags extends InstallSettingFlags, RemediationFlags, NotifyFlags {
  inventory?: string;
  uri?: string;
  bundle?: string;
  sha256?: string;
  datastore?: string;
  keepStaged?: boolean;
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
  retryDelay?: string;
  order?: 'as-given' | 'name';
}

export const ROLLOUT_FIELDS: FieldFlags = {
  ...INSTALL_SETTING_FIELDS,
  ...REMEDIATION_FIELDS,
  rolloutId: '--id',
  hosts: '--hosts',
  bundleUri: '--uri',
  bundle: '--bundle',
  'bundle.source': '--bundle',
  'bundle.sha256': '--sha256',
  datastore: '--datastore',
  keepStaged: '--keep-staged',
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
  ...NOTIFY_FIELDS,
};

export function addRolloutOptions(command: Command): Command {
  return addRemediationOptions(addInstallSettings(addNotifyOptions(
    command
      // Checked when used rather than by commander: `rollout pause ID` must not ask for them.
      .option('--inventory <file>', 'inventory of the hosts (required)')
      .option('--bundle <file|url>', 'offline bundle file (zip), or an http(s) URL the workers read (with --sha256): staged on the hosts\' datastores through vCenter and checked on each host before it is touched')
      .option('--sha256 <hex>', 'the bundle\'s SHA-256: required with a --bundle URL, checked against a --bundle file')
      .option('--uri <uri>', 'instead of --bundle: an offline bundle already on the hosts, e.g. file:///vmfs/volumes/datastore1/bundle.zip')
      .option('--datastore <name>', 'with --bundle: stage on this datastore (else the fewest datastores that reach every host)')
      .option('--keep-staged', 'with --bundle: leave the staged copies when the rollout ends (vibflow staged --remove removes them)')
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
      .option('--retry-delay <duration>', 'with --retries: delay before a retry; 1m when not given')
      .addOption(new Option('--order <order>', 'host order').choices(['as-given', 'name']))),
  ));
}

const countOrPercent = (text: string) => (/^\d+$/.test(text) ? Number(text) : text);

/** The rollout's input from its flags; reads the inventory. Validation of the whole is the caller's (validateFlags). */
export async function rolloutInputFromFlags(flags: RolloutFlags, rolloutId: string): Promise<FleetRolloutInput> {
  const missing = [...(flags.inventory ? [] : ['--inventory']), ...(flags.uri || flags.bundle ? [] : ['--bundle FILE (or --uri)'])];
  if (missing.length) throw new UsageError(`${missing.join(' and ')}: Required to start a rollout`);
  if (flags.uri && flags.bundle) throw new UsageError('--bundle and --uri: give one (--bundle stages the file, --uri names a bundle already on the datastores)');
  if (flags.sha256 && !flags.bundle) throw new UsageError('--sha256: only with --bundle');
  if ((flags.datastore || flags.keepStaged) && !flags.bundle) throw new UsageError(`${flags.datastore ? '--datastore' : '--keep-staged'}: only with --bundle FILE (a bundle vibflow stages)`);
  const source = await hostSourceFromFlags({ ...flags, inventory: flags.inventory as string });
  const bundle = flags.bundle ? await bundleFromFlags(flags.bundle, flags.vib ?? [], flags.sha256) : undefined;
  if (bundle && !source.fromVcenters) throw new UsageError('--bundle: staging goes through vCenter; the inventory must name a vCenter (or give --uri)');
  const canary = flags.canary?.split(',').map((size) => {
    if (!/^\d+$/.test(size.trim())) throw new UsageError(`--canary: "${size}" is not a batch size; write e.g. 1,5`);
    return Number(size);
  });
  if (flags.retries !== undefined && !/^\d+$/.test(flags.retries)) throw new UsageError(`--retries: "${flags.retries}" is not a whole number`);
  // A flag that would change nothing is refused rather than silently ignored.
  if ((flags.cutoff || flags.onWindowEnd) && !flags.window) throw new UsageError('--cutoff and --on-window-end need --window');
  if (flags.retryDelay !== undefined && flags.retries === undefined) throw new UsageError('--retry-delay: only with --retries N (without it a failed host is not retried)');
  if (flags.approveAfterCanary && !canary) throw new UsageError('--approve-after-canary: only with --canary SIZES (the approval comes after the canary batches)');
  if (flags.order && source.fromVcenters) throw new UsageError('--order: hosts read from vCenter come in cluster and name order');
  // A rollout installs a bundle in a version: "any version" is for `vibflow compliance` only.
  const unversioned = (flags.vib ?? []).filter((text) => !vibFromText(text).version);
  if (unversioned.length && !bundle) throw new UsageError(`--vib ${unversioned.join(', ')}: give the version the bundle brings, NAME=VERSION (e.g. ${vibFromText(unversioned[0]).name || 'drv'}=2.0); any version is only for vibflow compliance`);
  return {
    rolloutId,
    ...source,
    ...(bundle ? { bundle: bundle.source } : { bundleUri: flags.uri }),
    ...(flags.datastore ? { datastore: flags.datastore } : {}),
    ...(flags.keepStaged ? { keepStaged: true } : {}),
    ...installSettingsFromFlags(flags),
    ...remediationInputFromFlags(flags),
    maxConcurrency: countOrPercent(flags.maxConcurrency),
    maxFailures: countOrPercent(flags.maxFailures),
    ...(flags.abortOnBudget ? { abortOnBudget: flags.abortOnBudget } : {}),
    ...(canary ? { canary } : {}),
    ...(flags.approveAfterCanary ? { approveAfterCanary: true } : {}),
    ...(flags.window ? { window: { duration: flags.window, ...(flags.cutoff ? { cutoff: flags.cutoff } : {}), ...(flags.onWindowEnd ? { onEnd: flags.onWindowEnd } : {}) } } : {}),
    ...(flags.retries !== undefined ? { hostRetries: { count: Number(flags.retries), ...(flags.retryDelay ? { delay: flags.retryDelay } : {}) } } : {}),
    ...(flags.order ? { order: flags.order } : {}),
    ...notifyInputFromFlags(flags),
  };
}

const SHA256 = /^[0-9a-fA-F]{64}$/;

/**
 * The rollout's bundle source from `--bundle` (and `--sha256`).
 * - A local file is read here first (a file that is not an offline bundle, or a --vib it does not
 *   contain, is a usage error before anything starts), then named by its absolute path and
 *   SHA-256 for the workers, which read and check it again. `--sha256`, when given, must match.
 * - An http(s) URL (an artifact repository) is read by the workers, not here: `--sha256` is
 *   required, they check the download against it, and staging checks any --vib against what
 *   they read. The URL goes into the workflow's input, so it must carry no credential.
 */
export async function bundleFromFlags(file: string, vibFlags: readonly string[], sha256?: string): Promise<{ source: { source: string; sha256: string }; info?: BundleInfo }> {
  if (sha256 !== undefined && !SHA256.test(sha256)) throw new UsageError(`--sha256: "${sha256}" is not a SHA-256 (64 hex digits)`);
  if (isBundleUrl(file)) {
    if (!URL.canParse(file)) throw new UsageError(`--bundle: "${sourceLabel(file)}" is not a valid URL`);
    const url = new URL(file);
    if (url.username || url.password) throw new UsageError('--bundle: the URL carries a user or password; it would be kept in the rollout\'s history. Give a URL the workers can read without one (the value given is not shown)');
    if (!sha256) throw new UsageError(`--bundle ${sourceLabel(file)}: give its --sha256 (the workers download it and check the bytes against it)`);
    return { source: { source: file, sha256: sha256.toLowerCase() } };
  }
  const absolute = path.resolve(file);
  let info: BundleInfo;
  try {
    info = await inspectBundle(absolute);
  } catch (err) {
    if (err instanceof BundleError) throw new UsageError(`--bundle: ${err.message}`);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`--bundle: no file ${absolute}`);
    throw err;
  }
  if (sha256 !== undefined && sha256.toLowerCase() !== info.sha256) throw new UsageError(`--sha256: ${absolute} has SHA-256 ${info.sha256}, not ${sha256.toLowerCase()}`);
  const has = info.vibs.map((v) => `${v.name} ${v.version}`).join(', ');
  for (const text of vibFlags) {
    const vib = vibFromText(text);
    const found = info.vibs.find((v) => v.name === vib.name);
    if (!found) throw new UsageError(`--vib ${text}: the bundle ${path.basename(absolute)} does not contain ${vib.name} (it has ${has})`);
    if (vib.version && vib.version !== found.version) throw new UsageError(`--vib ${text}: the bundle ${path.basename(absolute)} has ${vib.name} ${found.version}, not ${vib.version}`);
  }
  return { source: { source: absolute, sha256: info.sha256 }, info };
}

/**
 * The rollout's vCenter selection checked against its vCenters from here, before anything starts:
 * an unknown cluster or host is refused (UsageError, listing the real ones), a name in another case
 * is taken as vCenter spells it, and when the check cannot be made that is said on stderr.
 * `what` names what checks them later ("the rollout", "each scheduled run").
 */
export async function checkRolloutHosts(input: FleetRolloutInput, inventory: string, what: string): Promise<FleetRolloutInput> {
  if (!input.fromVcenters) return input;
  const source = input.fromVcenters as VcentersHostSource;
  const check = await checkVcenterSelection(source, await vcenterOrigin(inventory));
  const later = `${what} checks them when it starts, with the workers' credential`;
  if (!check.checked) {
    process.stderr.write(`vibflow: the clusters and hosts were not checked against vCenter from here (${check.why}); ${later}\n`);
    return input;
  }
  for (const note of check.notes) process.stderr.write(`vibflow: ${note}\n`);
  for (const why of check.unreadable) process.stderr.write(`vibflow: not checked from here: ${why}; ${later}\n`);
  const { clusters, hosts } = check.source;
  return { ...input, fromVcenters: { ...input.fromVcenters, ...(clusters ? { clusters } : {}), ...(hosts ? { hosts } : {}) } };
}

/** Where each vCenter of the inventory is set, for messages: its `vcenter` section, or its entry in `vcenters`. */
async function vcenterOrigin(file: string): Promise<(name: string) => VcenterOrigin> {
  const inventory = await loadInventory(file);
  if (!('vcenters' in inventory)) return () => inventoryOrigin(file);
  return (name) => inventoryOrigin(file, `vcenters[${inventory.vcenters.findIndex((v) => v.name === name)}]`);
}
