/**
 * Naming the host to install on: an inventory entry (--inventory + --host) or a connection given
 * inline (--url, --user, --credential and one TLS choice).
 */
import { type Command, Option } from 'commander';
import type { HostTarget } from '../esxi/model';
import { findHost, hostList, loadInventory } from '../inventory/inventory';
import type { FieldFlags } from './inputFlags';
import { UsageError } from './usageError';

export interface HostFlags {
  inventory?: string;
  host?: string;
  url?: string;
  name?: string;
  user: string;
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
    .addOption(new Option('--name <name>', 'host name to show and to derive ids from; the URL host when not given'))
    .addOption(new Option('--user <user>', 'CIM user').default('root'))
    .addOption(new Option('--credential <ref>', 'password reference: env:NAME or file:/path (never the password itself)'))
    .addOption(new Option('--thumbprint <sha256>', "pin the host certificate's SHA-256 thumbprint"))
    .addOption(new Option('--ca-file <pem>', 'verify the host certificate against this CA bundle'))
    .addOption(new Option('--insecure', 'do not verify the host certificate (warned on every connection)'))
    .addOption(new Option('--allow-http', 'allow a plain http:// URL'));
}

/** Where errors about the host name the flag the user typed (an inventory names its own fields). */
export const HOST_FIELDS: FieldFlags = {
  'host.name': '--name',
  'host.url': '--url',
  'host.user': '--user',
  'host.credential': '--credential',
  'host.tls': '--thumbprint, --ca-file, --insecure',
  'host.tls.thumbprint': '--thumbprint',
  'host.tls.caFile': '--ca-file',
  'host.allowHttp': '--allow-http',
};

/** The inline connection flags; with an inventory they would be silently ignored. */
const INLINE = ['url', 'name', 'credential', 'thumbprint', 'caFile', 'insecure', 'allowHttp'] as const;
const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export async function hostFromFlags(flags: HostFlags): Promise<HostTarget> {
  if (flags.inventory !== undefined || flags.host !== undefined) {
    const inline = INLINE.filter((key) => flags[key] !== undefined).map(flagName);
    if (inline.length) throw new UsageError(`give either --inventory with --host, or --url and its options, not both (${inline.join(', ')} given)`);
    if (!flags.inventory || !flags.host) throw new UsageError('--inventory and --host go together');
    return findHost(hostList(await loadInventory(flags.inventory), flags.inventory), flags.host);
  }
  if (!flags.url) throw new UsageError('name a host: --inventory FILE --host NAME, or --url URL --credential REF');
  if (!flags.credential) throw new UsageError('--credential: Required with --url (env:NAME or file:/path)');
  if (!URL.canParse(flags.url)) throw new UsageError(`--url: "${flags.url}" is not a URL`);
  // Every TLS flag given is passed on, even an empty one, so that the schema refuses it or a contradictory combination.
  const tls = {
    ...(flags.thumbprint !== undefined ? { thumbprint: flags.thumbprint } : {}),
    ...(flags.caFile !== undefined ? { caFile: flags.caFile } : {}),
    ...(flags.insecure ? { insecure: true } : {}),
  };
  return {
    name: flags.name ?? new URL(flags.url).hostname,
    url: flags.url,
    user: flags.user,
    credential: flags.credential,
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
    ...(flags.allowHttp ? { allowHttp: true } : {}),
  };
}
