/**
 * The CLI reading a vCenter itself, read-only: to list its hosts (`vibflow hosts`) and to check
 * what a rollout or a schedule names (login, clusters, hosts) before anything starts, so that a
 * misspelled cluster is refused at once instead of failing the weekend's run. The credential
 * reference is resolved in the CLI's own process; errors name where it came from (a flag, or the
 * inventory's field), never its value.
 */
import { CredentialError, resolveCredential } from '../inventory/credentials';
import { UnknownSelection } from '../inventory/selection';
import { resolveSelection, type SelectedName, type VcenterListing, type VcentersHostSource } from '../inventory/vcenterHosts';
import { VsphereClient, VsphereError } from '../vsphere';
import type { HostSummary, VcenterTarget } from '../vsphere/model';
import { UsageError } from './usageError';

/** Where the vCenter's settings came from, for messages: `--credential`, or `inventory inv.json: vcenter.credential`. */
export interface VcenterOrigin {
  readonly credential: string;
}

export const FLAG_ORIGIN: VcenterOrigin = { credential: '--credential' };
/** The inventory's field of one of its vCenters: `vcenter.credential`, or `vcenters[2].credential` (vCenter vc-b). */
export const inventoryOrigin = (file: string, field = 'vcenter'): VcenterOrigin => ({ credential: `inventory ${file}: ${field}.credential` });

/** A vCenter the CLI could not read, and why; the caller decides whether that stops it. */
export class VcenterUnreadable extends Error {
  override readonly name = 'VcenterUnreadable';
}

/** A session with the vCenter from the CLI. A credential that cannot be resolved here, a refused login or a bad TLS setting is bad input (UsageError). */
export async function vcenterLogin(vcenter: VcenterTarget, origin: VcenterOrigin): Promise<VsphereClient> {
  let password: string;
  try {
    password = await resolveCredential(vcenter.credential);
  } catch (err) {
    throw err instanceof CredentialError ? new UsageError(`${origin.credential}: ${err.message}`) : err;
  }
  return VsphereClient.login({ url: vcenter.url, user: vcenter.user, password, ...(vcenter.tls ? { tls: vcenter.tls } : {}) }).catch((err: unknown) => {
    // A refused login or a bad TLS setting is the user's input; an unreachable vCenter is not.
    if (err instanceof VsphereError && (err.category === 'authentication' || err.category === 'usage' || err.category === 'tls')) throw new UsageError(err.message);
    if (err instanceof VsphereError) throw new VcenterUnreadable(err.message);
    throw err;
  });
}

/** Every host of the vCenter (errors as for vcenterLogin). */
export async function readVcenterHosts(vcenter: VcenterTarget, origin: VcenterOrigin): Promise<HostSummary[]> {
  const client = await vcenterLogin(vcenter, origin);
  try {
    return await client.listHosts();
  } finally {
    await client.close();
  }
}

/** What a check of a rollout's vCenter selection found. */
export type SelectionCheck =
  /** Checked (at least partly): the selection with names as vCenter spells them, what was matched in another case, and the vCenters that could not be read. */
  | { readonly checked: true; readonly source: VcentersHostSource; readonly notes: readonly string[]; readonly unreadable: readonly string[] }
  /** Not checked from here (the credentials, the logins or the network); the workers will find out. */
  | { readonly checked: false; readonly why: string };

/** How a selected name is written back: `VCENTER/NAME` when the fleet has several vCenters. */
const written = (several: boolean) => (name: SelectedName) => (several ? `${name.vcenter}/${name.name}` : name.name);

/**
 * Checks the clusters and hosts a rollout names against its vCenters. An unknown one is refused at
 * once (UsageError, listing the real ones). When the CLI cannot read a vCenter itself, that is no
 * proof the workers cannot (they resolve the credential in their own environment): it says so.
 * `originOf` names where each vCenter's settings came from, for messages.
 */
export async function checkVcenterSelection(source: VcentersHostSource, originOf: (name: string) => VcenterOrigin): Promise<SelectionCheck> {
  const listings: VcenterListing[] = await Promise.all(source.vcenters.map(async (v): Promise<VcenterListing> => {
    try {
      return { name: v.name, summaries: await readVcenterHosts(v.vcenter, originOf(v.name)) };
    } catch (err) {
      if (err instanceof UsageError || err instanceof VcenterUnreadable) return { name: v.name, unreadable: err.message };
      throw err;
    }
  }));
  const unreadable = listings.flatMap((l) => ('unreadable' in l ? [`${source.vcenters.length > 1 ? `vCenter ${l.name}: ` : ''}${l.unreadable}`] : []));
  if (unreadable.length === listings.length) return { checked: false, why: unreadable.join('; ') };
  const notes: string[] = [];
  try {
    const resolved = resolveSelection(listings, source, notes);
    const write = written(source.vcenters.length > 1);
    return {
      checked: true,
      source: { ...source, ...(resolved.clusters ? { clusters: resolved.clusters.map(write) } : {}), ...(resolved.hosts ? { hosts: resolved.hosts.map(write) } : {}) },
      notes,
      unreadable,
    };
  } catch (err) {
    if (err instanceof UnknownSelection) throw new UsageError(`${/^cluster/.test(err.message) ? '--cluster' : '--hosts'}: ${err.message}`);
    throw err;
  }
}
