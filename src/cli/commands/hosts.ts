/**
 * `vibflow hosts`: the hosts a vCenter inventory (or a vCenter named by flags) holds, as a
 * rollout would read them: cluster, state, and the CIM address vibflow would use. The CLI talks to
 * vCenter itself here (read-only), resolving the credential reference in its own process.
 */
import { type Command, Option } from 'commander';
import { isVcenterInventory, loadInventory, type VcenterInventory } from '../../inventory/inventory';
import { UnknownSelection } from '../../inventory/selection';
import { fleetFromVcenter, resolveSelection, vcenterSource } from '../../inventory/vcenterHosts';
import type { HostSummary, VcenterTarget } from '../../vsphere/model';
import { formatTable } from '../table';
import { UsageError } from '../usageError';
import { FLAG_ORIGIN, inventoryOrigin, readVcenterHosts } from '../vcenterCheck';

interface HostsFlags {
  inventory?: string;
  vcenter?: string;
  user?: string;
  credential?: string;
  thumbprint?: string;
  caFile?: string;
  insecure?: boolean;
  cluster?: string[];
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

async function inventoryFromFlags(flags: HostsFlags): Promise<VcenterInventory> {
  if (flags.inventory !== undefined) {
    if (flags.vcenter !== undefined) throw new UsageError('give either --inventory, or --vcenter with --user and --credential, not both');
    const inventory = await loadInventory(flags.inventory);
    if (!isVcenterInventory(inventory)) throw new UsageError(`--inventory: ${flags.inventory} lists its hosts itself (no "vcenter" section); vibflow hosts reads them from a vCenter`);
    return inventory;
  }
  if (!flags.vcenter || !flags.user || !flags.credential) throw new UsageError('name a vCenter: --inventory FILE, or --vcenter URL --user USER --credential env:NAME|file:/path');
  const tls = { ...(flags.thumbprint ? { thumbprint: flags.thumbprint } : {}), ...(flags.caFile ? { caFile: flags.caFile } : {}), ...(flags.insecure ? { insecure: true } : {}) };
  if (Object.keys(tls).length > 1) throw new UsageError('give at most one of --thumbprint, --ca-file or --insecure');
  const vcenter: VcenterTarget = { url: flags.vcenter, user: flags.user, credential: flags.credential, ...(Object.keys(tls).length ? { tls } : {}) };
  return { version: 1, vcenter, cimUrlTemplate: 'https://{name}:5989', hosts: [] };
}

const COLUMNS = ['host', 'cluster', 'connection', 'maintenance', 'version', 'boot time', 'CIM URL'] as const;

export function registerHosts(program: Command): void {
  program
    .command('hosts')
    .description('list the hosts of a vCenter as a rollout reads them: cluster, state, CIM address (read-only)')
    .option('--inventory <file>', 'an inventory with a "vcenter" section (as written by `vibflow simulator --vcenter`)')
    .option('--vcenter <url>', 'vCenter URL, e.g. https://vc01.lab/sdk (instead of an inventory)')
    .option('--user <user>', 'vCenter user, e.g. svc-vibflow@vsphere.local')
    .option('--credential <ref>', 'vCenter password reference: env:NAME or file:/path (never the password itself)')
    .option('--thumbprint <sha256>', "pin the vCenter certificate's SHA-256 thumbprint")
    .option('--ca-file <pem>', 'verify the vCenter certificate against this CA bundle')
    .option('--insecure', 'do not verify the vCenter certificate')
    .addOption(new Option('--cluster <name>', 'only hosts of this cluster (repeatable)').argParser(collect))
    .option('--json', 'print machine-readable output')
    .action(async (flags: HostsFlags) => {
      const inventory = await inventoryFromFlags(flags);
      // An unreachable vCenter ends the command with exit 1, as a failure that is not the user's input.
      const summaries = await readVcenterHosts(inventory.vcenter, flags.inventory ? inventoryOrigin(flags.inventory) : FLAG_ORIGIN);
      let entries;
      try {
        const notes: string[] = [];
        const { clusters } = resolveSelection(summaries, { vcenter: inventory.vcenter, ...(flags.cluster ? { clusters: flags.cluster } : {}) }, notes);
        for (const note of notes) process.stderr.write(`vibflow: --cluster: ${note}\n`);
        entries = fleetFromVcenter(summaries, vcenterSource(inventory, { ...(clusters ? { clusters } : {}) }));
      } catch (err) {
        throw err instanceof UnknownSelection ? new UsageError(`--cluster: ${err.message}`) : err;
      }
      const byName = new Map(summaries.map((s) => [s.name, s]));
      const rows = entries.map((entry) => {
        const name = 'host' in entry ? entry.host.target.name : entry.skipped.name;
        const summary = byName.get(name) as HostSummary;
        return {
          name, hostRef: summary.ref.value, cluster: summary.cluster, datacenter: summary.datacenter, connectionState: summary.connectionState,
          inMaintenanceMode: summary.inMaintenanceMode, bootTime: summary.bootTime, productVersion: summary.productVersion,
          rebootSupported: summary.rebootSupported, rebootRequired: summary.rebootRequired,
          cimUrl: 'host' in entry ? entry.host.target.url : null,
          // The pin vibflow uses for the host's CIM server (from config.certificate, or the inventory).
          cimTls: 'host' in entry ? (entry.host.target.tls ?? null) : null,
          ...('skipped' in entry ? { skipped: entry.skipped.reason } : {}),
        };
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const cells = rows.map((r) => [r.name, r.cluster ?? '(standalone)', r.connectionState, r.inMaintenanceMode ? 'yes' : 'no', r.productVersion ?? '-', r.bootTime ?? '-', r.cimUrl ?? `skipped: ${r.skipped}`]);
      process.stdout.write(`${formatTable(COLUMNS, cells)}\n\n${rows.length} hosts in vCenter ${new URL(inventory.vcenter.url).host}\n`);
    });
}
