/**
 * The flags that take a rollout through vCenter: where its hosts come from (an inventory's host
 * list, a large one read by the workers, or a vCenter with --cluster), remediation
 * (--remediate and its policy), the VIBs the bundle brings, and the dry run.
 */
import path from 'node:path';
import { type Command, Option } from 'commander';
import { findHost, isVcenterInventory, loadInventory } from '../inventory/inventory';
import { UnknownSelection } from '../inventory/selection';
import { vcentersSource } from '../inventory/vcenterHosts';
import { vibFromText, type RemediationPolicyInput } from '../workflows/remediationInput';
import type { FleetRolloutInput } from '../workflows/rolloutInput';
import type { FieldFlags } from './inputFlags';
import { numberArg } from './numberArg';
import { UsageError } from './usageError';

/** Host lists beyond this are not carried in the input: the workers read the file a page at a time. */
export const INLINE_HOSTS_LIMIT = 1_000;

export interface RemediationFlags {
  inventory?: string;
  hosts?: string;
  cluster?: string[];
  vcenter?: string[];
  requireAllVcenters?: boolean;
  maxPerVcenter?: number;
  remediate?: boolean;
  reboot?: 'if-required' | 'always' | 'never';
  maxPerCluster?: number;
  vib?: string[];
  dryRun?: boolean;
  exitMaintenanceOnFailure?: boolean;
  evacuatePoweredOffVms?: boolean;
  maintenanceTimeout?: string;
  maintenanceRetries?: number;
  maintenanceRetryDelay?: string;
  rebootTimeout?: string;
}

export const REMEDIATION_FIELDS: FieldFlags = {
  fromVcenter: '--inventory',
  'fromVcenter.clusters': '--cluster',
  'fromVcenter.hosts': '--hosts',
  fromVcenters: '--inventory',
  'fromVcenters.vcenters': '--vcenter',
  'fromVcenters.clusters': '--cluster',
  'fromVcenters.hosts': '--hosts',
  maxPerVcenter: '--max-per-vcenter',
  fromFile: '--inventory',
  remediate: '--remediate',
  'remediate.reboot': '--reboot',
  'remediate.rebootTimeout': '--reboot-timeout',
  'remediate.exitMaintenanceOnFailure': '--exit-maintenance-on-failure',
  'remediate.maintenance.timeout': '--maintenance-timeout',
  'remediate.maintenance.retries': '--maintenance-retries',
  'remediate.maintenance.retryDelay': '--maintenance-retry-delay',
  'remediate.maintenance.evacuatePoweredOffVms': '--evacuate-powered-off-vms',
  vibs: '--vib',
  maxPerCluster: '--max-per-cluster',
  dryRun: '--dry-run',
};

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function addRemediationOptions(command: Command): Command {
  return command
    .addOption(new Option('--vcenter <name>', "only hosts of this vCenter, by its name in the inventory (repeatable; an inventory with several)").argParser(collect))
    .addOption(new Option('--cluster <name>', 'only hosts of this vCenter cluster: VCENTER/CLUSTER, or a name no other vCenter has (repeatable; needs an inventory that names a vCenter)').argParser(collect))
    .addOption(new Option('--max-per-vcenter <n>', 'hosts of one vCenter at once, so no vCenter is flooded; no limit when not given').argParser(numberArg('--max-per-vcenter', 1, 10_000, true)))
    .option('--require-all-vcenters', 'fail the rollout when a vCenter cannot be read at the start (else its hosts are skipped with the reason)')
    .option('--remediate', 'take each host through maintenance mode, the install, a reboot and verification, through vCenter')
    .addOption(new Option('--reboot <policy>', 'with --remediate: when to reboot; if-required follows the install').choices(['if-required', 'always', 'never']))
    .addOption(new Option('--max-per-cluster <n>', 'hosts of one cluster at once; 1 when remediating').argParser(numberArg('--max-per-cluster', 1, 1_000, true)))
    .addOption(new Option('--vib <name=version>', 'a VIB the bundle brings (repeatable): hosts that have them all are already compliant, and verification checks them').argParser(collect))
    .option('--dry-run', 'run only the pre-check on every host and print what would happen; change nothing')
    .option('--exit-maintenance-on-failure', 'with --remediate: take a failed host out of maintenance mode again (it stays in otherwise)')
    .option('--evacuate-powered-off-vms', 'with --remediate: move powered-off VMs away too when entering maintenance mode')
    .option('--maintenance-timeout <duration>', 'with --remediate: how long entering maintenance mode may take; 30m when not given')
    .addOption(new Option('--maintenance-retries <n>', 'with --remediate: retry entering maintenance mode this often after a failure (vLCM\'s retry policy); fail at once when not given').argParser(numberArg('--maintenance-retries', 1, 20, true)))
    .option('--maintenance-retry-delay <duration>', 'with --remediate: wait between those retries; 5m when not given')
    .option('--reboot-timeout <duration>', 'with --remediate: how long a rebooted host may take to come back; 30m when not given');
}

const POLICY_FLAGS = ['reboot', 'exitMaintenanceOnFailure', 'evacuatePoweredOffVms', 'maintenanceTimeout', 'maintenanceRetries', 'maintenanceRetryDelay', 'rebootTimeout'] as const;
const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function remediationPolicy(flags: RemediationFlags): RemediationPolicyInput | undefined {
  const given = POLICY_FLAGS.filter((key) => flags[key] !== undefined);
  if (!flags.remediate) {
    if (given.length) throw new UsageError(`${given.map(flagName).join(', ')}: only with --remediate`);
    return undefined;
  }
  // A flag that would change nothing is refused rather than silently ignored.
  if (flags.maintenanceRetryDelay !== undefined && flags.maintenanceRetries === undefined) {
    throw new UsageError('--maintenance-retry-delay: only with --maintenance-retries N (without it a failed maintenance-mode entry is not retried)');
  }
  const maintenance = {
    ...(flags.maintenanceTimeout ? { timeout: flags.maintenanceTimeout } : {}),
    ...(flags.evacuatePoweredOffVms ? { evacuatePoweredOffVms: true } : {}),
    ...(flags.maintenanceRetries !== undefined ? { onFailure: 'retry' as const, retries: flags.maintenanceRetries } : {}),
    ...(flags.maintenanceRetryDelay ? { retryDelay: flags.maintenanceRetryDelay } : {}),
  };
  return {
    ...(flags.reboot ? { reboot: flags.reboot } : {}),
    ...(Object.keys(maintenance).length ? { maintenance } : {}),
    ...(flags.rebootTimeout ? { rebootTimeout: flags.rebootTimeout } : {}),
    ...(flags.exitMaintenanceOnFailure ? { exitMaintenanceOnFailure: true } : {}),
  };
}

/** Where the rollout's hosts come from, read from --inventory (and --hosts, --cluster). */
export async function hostSourceFromFlags(flags: RemediationFlags & { inventory: string }): Promise<Pick<FleetRolloutInput, 'hosts' | 'fromVcenters' | 'fromFile'>> {
  const inventory = await loadInventory(flags.inventory);
  const names = flags.hosts?.split(',').map((name) => name.trim()).filter(Boolean);
  if (isVcenterInventory(inventory)) {
    try {
      return {
        fromVcenters: vcentersSource(inventory, {
          ...(flags.vcenter ? { vcenters: flags.vcenter } : {}),
          ...(flags.cluster ? { clusters: flags.cluster } : {}),
          ...(names ? { hosts: names } : {}),
          ...(flags.requireAllVcenters ? { requireAll: true } : {}),
        }),
      };
    } catch (err) {
      throw err instanceof UnknownSelection ? new UsageError(`--vcenter: ${err.message.replace('is not in the inventory', `is not in ${flags.inventory}`)}`) : err;
    }
  }
  const noVcenter = `${flags.inventory} lists its hosts itself (no "vcenter" or "vcenters" section)`;
  if (flags.cluster) throw new UsageError(`--cluster: clusters come from vCenter, and ${noVcenter}`);
  // A flag that would change nothing is refused rather than silently ignored.
  for (const [given, flag] of [[flags.maxPerCluster, '--max-per-cluster'], [flags.maxPerVcenter, '--max-per-vcenter'], [flags.vcenter, '--vcenter'], [flags.requireAllVcenters, '--require-all-vcenters']] as const) {
    if (given !== undefined) throw new UsageError(`${flag}: hosts come from vCenters only with an inventory that names them, and ${noVcenter}`);
  }
  if (flags.remediate) throw new UsageError(`--remediate: remediation goes through vCenter (maintenance mode, reboot), and ${flags.inventory} names no vCenter`);
  const hosts = names ? names.map((name) => findHost(inventory, name)) : inventory.hosts;
  // A large fleet is not carried in the workflow input (Temporal's payload limit): the workers read the file.
  if (hosts.length > INLINE_HOSTS_LIMIT) return { fromFile: { path: path.resolve(flags.inventory), ...(names ? { hosts: names } : {}) } };
  return { hosts };
}

/** The remediation part of a rollout's input. */
export function remediationInputFromFlags(flags: RemediationFlags): Partial<FleetRolloutInput> {
  const remediate = remediationPolicy(flags);
  return {
    ...(remediate ? { remediate } : {}),
    ...(flags.vib ? { vibs: flags.vib.map(vibFromText) } : {}),
    ...(flags.maxPerCluster !== undefined ? { maxPerCluster: flags.maxPerCluster } : {}),
    ...(flags.maxPerVcenter !== undefined ? { maxPerVcenter: flags.maxPerVcenter } : {}),
    ...(flags.dryRun ? { dryRun: true } : {}),
  };
}
