/**
 * `vibflow hosts`: the hosts an inventory's vCenters (or a vCenter named by flags) hold, as a
 * rollout would read them: vCenter, cluster, state, and the CIM address vibflow would use. The CLI
 * talks to each vCenter itself here (read-only), resolving the credential reference in its own process.
 */
import { type Command, Option } from 'commander';
import { isVcenterInventory, loadInventory, type VcenterInventory } from '../../inventory/inventory';
import { UnknownSelection } from '../../inventory/selection';
import { fleetFromVcenters, resolveSelection, vcentersSource, type VcenterListing } from '../../inventory/vcenterHosts';
import type { HostSummary, VcenterTarget } from '../../vsphere/model';
import { formatTable } from '../table';
import { UsageError } from '../usageError';
import { FLAG_ORIGIN, inventoryOrigin, readVcenterHosts } from '../vcenterCheck';

interface HostsFlags {
  inventory?: string;
  vcenter?: string[];
  user?: string;
  credential?: string;
  thumbprint?: string;
  caFile?: string;
  insecure?: boolean;
  cluster?: string[];
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const isUrl = (text: string) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol);

async function inventoryFromFlags(flags: HostsFlags): Promise<{ inventory: VcenterInventory; names?: string[] }> {
  const urls = (flags.vcenter ?? []).filter(isUrl);
  if (flags.inventory !== undefined) {
    if (urls.length) throw new UsageError('give either --inventory (and --vcenter NAME to pick its vCenters), or --vcenter URL with --user and --credential, not both');
    const inventory = await loadInventory(flags.inventory);
    if (!isVcenterInventory(inventory)) throw new UsageError(`--inventory: ${flags.inventory} lists its hosts itself (no "vcenter" or "vcenters" section); vibflow hosts reads them from vCenters`);
    return { inventory, ...(flags.vcenter ? { names: flags.vcenter } : {}) };
  }
  if (urls.length !== 1 || (flags.vcenter?.length ?? 0) !== 1 || !flags.user || !flags.credential) {
    throw new UsageError('name a vCenter: --inventory FILE [--vcenter NAME]..., or --vcenter URL --user USER --credential env:NAME|file:/path');
  }
  const tls = { ...(flags.thumbprint ? { thumbprint: flags.thumbprint } : {}), ...(flags.caFile ? { caFile: flags.caFile } : {}), ...(flags.insecure ? { insecure: true } : {}) };
  if (Object.keys(tls).length > 1) throw new UsageError('give at most one of --thumbprint, --ca-file or --insecure');
  const vcenter: VcenterTarget = { url: urls[0], user: flags.user, credential: flags.credential, ...(Object.keys(tls).length ? { tls } : {}) };
  return { inventory: { version: 1, vcenter, cimUrlTemplate: 'https://{name}:5989', hosts: [] } };
}

const COLUMNS = ['host', 'vcenter', 'cluster', 'connection', 'maintenance', 'version', 'boot time', 'CIM URL'] as const;

export function registerHosts(program: Command): void {
  program
    .command('hosts')
    .description('list the hosts of vCenters as a rollout reads them: vCenter, cluster, state, CIM address (read-only)')
    .option('--inventory <file>', 'an inventory with a "vcenter" or "vcenters" section (as written by `vibflow simulator --vcenter`)')
    .addOption(new Option('--vcenter <name|url>', "with --inventory: only this vCenter, by its name there (repeatable); without: a vCenter URL, e.g. https://vc01.lab/sdk").argParser(collect))
    .option('--user <user>', 'vCenter user, e.g. svc-vibflow@vsphere.local')
    .option('--credential <ref>', 'vCenter password reference: env:NAME or file:/path (never the password itself)')
    .option('--thumbprint <sha256>', "pin the vCenter certificate's SHA-256 thumbprint")
    .option('--ca-file <pem>', 'verify the vCenter certificate against this CA bundle')
    .option('--insecure', 'do not verify the vCenter certificate')
    .addOption(new Option('--cluster <name>', 'only hosts of this cluster: VCENTER/CLUSTER, or a name no other vCenter has (repeatable)').argParser(collect))
    .option('--json', 'print machine-readable output')
    .action(async (flags: HostsFlags) => {
      const { inventory, names } = await inventoryFromFlags(flags);
      let source;
      try {
        source = vcentersSource(inventory, { ...(names ? { vcenters: names } : {}) });
      } catch (err) {
        throw err instanceof UnknownSelection ? new UsageError(`--vcenter: ${err.message}`) : err;
      }
      const several = source.vcenters.length > 1;
      // An unreachable vCenter: exit 1 when it is the only one; one of several is listed as not read.
      const listings: VcenterListing[] = await Promise.all(source.vcenters.map(async (v, index): Promise<VcenterListing> => {
        const origin = flags.inventory ? inventoryOrigin(flags.inventory, 'vcenters' in inventory ? `vcenters[${index}]` : 'vcenter') : FLAG_ORIGIN;
        if (!several) return { name: v.name, summaries: await readVcenterHosts(v.vcenter, origin) };
        return readVcenterHosts(v.vcenter, origin).then((summaries) => ({ name: v.name, summaries }), (err: Error) => ({ name: v.name, unreadable: err.message }));
      }));
      let entries;
      try {
        const notes: string[] = [];
        const { clusters } = resolveSelection(listings, { ...(flags.cluster ? { clusters: flags.cluster } : {}) }, notes);
        for (const note of notes) process.stderr.write(`vibflow: --cluster: ${note}\n`);
        entries = fleetFromVcenters(listings, { ...source, ...(clusters ? { clusters: clusters.map((c) => `${c.vcenter}/${c.name}`) } : {}) });
      } catch (err) {
        throw err instanceof UnknownSelection ? new UsageError(`--cluster: ${err.message}`) : err;
      }
      const summaries = new Map(listings.flatMap((l) => ('summaries' in l ? l.summaries.map((s): [string, HostSummary] => [`${l.name}\u0000${s.name}`, s]) : [])));
      const rows = entries.map((entry) => {
        const vcenter = ('host' in entry ? entry.host.vcenter : entry.skipped.vcenter) as string;
        const name = 'host' in entry ? entry.host.target.name : entry.skipped.name;
        const summary = summaries.get(`${vcenter}\u0000${name.slice(name.indexOf('/') + 1)}`) ?? summaries.get(`${vcenter}\u0000${name}`);
        return {
          name, vcenter, hostRef: summary?.ref.value ?? null, cluster: summary?.cluster ?? null, datacenter: summary?.datacenter ?? null,
          connectionState: summary?.connectionState ?? null, inMaintenanceMode: summary?.inMaintenanceMode ?? null, bootTime: summary?.bootTime ?? null,
          productVersion: summary?.productVersion ?? null, rebootSupported: summary?.rebootSupported ?? null, rebootRequired: summary?.rebootRequired ?? null,
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
      const columns = several ? COLUMNS : COLUMNS.filter((c) => c !== 'vcenter');
      const cells = rows.map((r) => [
        r.name, ...(several ? [r.vcenter] : []), r.cluster ?? (r.hostRef ? '(standalone)' : '-'), r.connectionState ?? '-', r.inMaintenanceMode === null ? '-' : r.inMaintenanceMode ? 'yes' : 'no',
        r.productVersion ?? '-', r.bootTime ?? '-', r.cimUrl ?? `skipped: ${r.skipped}`,
      ]);
      const where = several ? `${source.vcenters.length} vCenters` : `vCenter ${source.vcenters[0].name}`;
      process.stdout.write(`${formatTable(columns, cells)}\n\n${rows.length} hosts in ${where}\n`);
    });
}
