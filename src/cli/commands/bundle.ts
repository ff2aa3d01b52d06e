/**
 * `vibflow bundle inspect FILE`: what an offline bundle holds and what installing it takes, read
 * the way a host will read it (the depot metadata, the VIB descriptors, each VIB's own header),
 * with the SHA-256 of the whole file. Nothing is installed and Temporal is not needed.
 */
import type { Command } from 'commander';
import { ACCEPTANCE_LEVEL_NAMES, BundleError, inspectBundle, type BundleInfo } from '../../bundle';
import { formatTable } from '../table';
import { UsageError } from '../usageError';

interface InspectFlags {
  json?: boolean;
}

function bytes(size: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = size;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit < 0 ? `${size} bytes` : `${size} bytes (${value.toFixed(1)} ${units[unit]})`;
}

function names(list: readonly { name: string }[]): string {
  return list.map((v) => v.name).join(', ');
}

function inspectText(info: BundleInfo): string {
  const rows = info.vibs.map((v) => [
    v.name, v.version, v.vendor, `${v.acceptanceLevel} (${ACCEPTANCE_LEVEL_NAMES[v.acceptanceLevel]})`,
    v.maintenanceMode ? 'required' : 'not required', v.liveInstallAllowed ? 'live' : 'reboot',
  ]);
  const rebooting = info.vibs.filter((v) => !v.liveInstallAllowed);
  const maintenance = info.vibs.filter((v) => v.maintenanceMode);
  const unsigned = info.vibs.filter((v) => !v.signed && v.acceptanceLevel !== 'community');
  return [
    `file:     ${info.file}`,
    `size:     ${bytes(info.size)}`,
    `SHA-256:  ${info.sha256}`,
    '',
    formatTable(['VIB', 'version', 'vendor', 'acceptance level', 'maintenance mode', 'install'], rows),
    '',
    `reboot:           ${info.rebootRequired ? `required (${names(rebooting)} ${rebooting.length === 1 ? 'does' : 'do'} not install live)` : 'not required (every VIB installs live)'}`,
    `maintenance mode: ${info.maintenanceModeRequired ? `required (by ${names(maintenance)})` : 'not required'}`,
    ...unsigned.map((v) => `note: ${v.name} is ${v.acceptanceLevel} level but carries no signature (empty sig.pkcs7); ESXi refuses it unless its signature check is turned off`),
    '',
  ].join('\n');
}

export function registerBundle(program: Command): void {
  const bundle = program.command('bundle').description('ESXi offline bundles (depot zips): what they contain');
  bundle
    .command('inspect')
    .description('the VIBs of an offline bundle (name, version, vendor, acceptance level, maintenance mode, reboot) and its size and SHA-256; refuses a file a host could not install from')
    .argument('<file>', 'the offline bundle (depot zip)')
    .option('--json', 'print the bundle as JSON')
    .action(async (file: string, flags: InspectFlags) => {
      let info: BundleInfo;
      try {
        info = await inspectBundle(file);
      } catch (err) {
        // A bad bundle is bad input: exit 2, with the message naming the file and the entry.
        throw err instanceof BundleError ? new UsageError(err.message) : err;
      }
      process.stdout.write(flags.json ? `${JSON.stringify(info, null, 2)}\n` : inspectText(info));
    });
}
