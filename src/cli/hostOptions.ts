/**
 * Naming the host to install on: an inventory entry (--inventory + --host) or a connection given
 * inline (--url, --user, --credential and one TLS choice).
 */
import { type Command, Option } from 'commander';
import type { HostTarget } from '../esxi/model';
import { findHost, hostList, loadInventory } from '../inventory/inventory';
import { UsageError } from './usageError';

export interface HostFlags {
  inventory?: string;
  host?: string;
  url?: string;
  name?: string;
  user?: string;
  credential?: string;
  thumbprint?: string;
  caFile?: string;
  insecure?: boolean;
  allowHttp?: boolean;
}

export function addHostOptions(command: Command): Command {
  return command
    .addOption(new Option('--inventory <file>', 'inventory file (as written by `vibflow simulator`)'))
    .addOption(new Option('--host <name>', 'host name in the inventory'))
    .addOption(new Option('--url <url>', 'CIM server URL, e.g. https://esx01.lab:5989 (instead of an inventory)'))
    .addOption(new Option('--name <name>', 'host name to show and to derive ids from (default: the URL host)'))
    .addOption(new Option('--user <user>', 'CIM user').default('root'))
    .addOption(new Option('--credential <ref>', 'password reference: env:NAME or file:/path (never the password itself)'))
    .addOption(new Option('--thumbprint <sha256>', "pin the host certificate's SHA-256 thumbprint"))
    .addOption(new Option('--ca-file <pem>', 'verify the host certificate against this CA bundle'))
    .addOption(new Option('--insecure', 'do not verify the host certificate (warned on every connection)'))
    .addOption(new Option('--allow-http', 'allow a plain http:// URL'));
}

export async function hostFromFlags(flags: HostFlags): Promise<HostTarget> {
  if (flags.inventory || flags.host) {
    if (flags.url) throw new UsageError('give either --inventory with --host, or --url, not both');
    if (!flags.inventory || !flags.host) throw new UsageError('--inventory and --host go together');
    return findHost(hostList(await loadInventory(flags.inventory), flags.inventory), flags.host);
  }
  if (!flags.url) throw new UsageError('name a host: --inventory FILE --host NAME, or --url URL --credential REF');
  if (!flags.credential) throw new UsageError('--credential is required with --url (env:NAME or file:/path)');
  if (!URL.canParse(flags.url)) throw new UsageError(`--url: "${flags.url}" is not a URL`);
  // Every TLS flag given is passed on, so that the schema can refuse a contradictory combination.
  const tls = {
    ...(flags.thumbprint ? { thumbprint: flags.thumbprint } : {}),
    ...(flags.caFile ? { caFile: flags.caFile } : {}),
    ...(flags.insecure ? { insecure: true } : {}),
  };
  return {
    name: flags.name ?? new URL(flags.url).hostname,
    url: flags.url,
    user: flags.user ?? 'root',
    credential: flags.credential,
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
    ...(flags.allowHttp ? { allowHttp: true } : {}),
  };
}
