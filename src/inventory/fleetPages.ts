/**
 * A rollout's hosts read a page at a time (architecture decision 12): neither the workflow
 * input nor any one history holds a whole large fleet. Every source lists its selection in one
 * stable order, by cluster and name, and a page is the next hosts after a cursor (the last key
 * read), so a host added or removed between two pages shifts nothing and none is read twice.
 */
import type { HostTarget } from '../esxi/model';
import { UnknownSelection } from './selection';
import type { HostListInventory } from './inventory';

export interface FleetHost {
  /** `target.name` is the host's name in the rollout: `VCENTER/HOST` where its name is in several vCenters. */
  readonly target: HostTarget;
  /** The host's managed object id in vCenter; empty for hosts not read from one. */
  readonly hostRef: string;
  readonly cluster: string | null;
  /** The name of the vCenter that manages it (absent for hosts not read from one). */
  readonly vcenter?: string;
}

export interface SkippedHost {
  readonly name: string;
  /** null: standalone; absent: not known (its vCenter could not be read). */
  readonly cluster?: string | null;
  readonly vcenter?: string;
  readonly reason: string;
}

/** One selected host: to work on, or skipped with its reason (e.g. disconnected in vCenter). */
export type FleetEntry = { readonly host: FleetHost } | { readonly skipped: SkippedHost };

export interface FleetPage {
  readonly hosts: FleetHost[];
  readonly skipped: SkippedHost[];
  /** Where the next page starts; null when nothing was read. */
  readonly cursor: string | null;
  readonly more: boolean;
  /** The whole selection's size as the source knows it now. */
  readonly total: number;
}

/** The order every source lists its hosts in: vCenter, cluster, name (code-unit order, the same in every process). */
export function entryKey(vcenter: string | undefined, cluster: string | null | undefined, name: string): string {
  return `${vcenter ?? ''}\u0000${cluster ?? ''}\u0000${name.toLowerCase()}`;
}

function keyOf(entry: FleetEntry): string {
  return 'host' in entry ? entryKey(entry.host.vcenter, entry.host.cluster, entry.host.target.name) : entryKey(entry.skipped.vcenter, entry.skipped.cluster, entry.skipped.name);
}

export function sortEntries(entries: readonly FleetEntry[]): FleetEntry[] {
  return [...entries].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

/** The first `limit` entries after `cursor` of a selection in `sortEntries` order. */
export function pageAfter(sorted: readonly FleetEntry[], cursor: string | null, limit: number): FleetPage {
  const start = cursor === null ? 0 : sorted.findIndex((entry) => keyOf(entry) > cursor);
  const page = start < 0 ? [] : sorted.slice(start, start + limit);
  const last = page.at(-1);
  return {
    hosts: page.flatMap((entry) => ('host' in entry ? [entry.host] : [])),
    skipped: page.flatMap((entry) => ('skipped' in entry ? [entry.skipped] : [])),
    cursor: last ? keyOf(last) : cursor,
    more: start >= 0 && start + page.length < sorted.length,
    total: sorted.length,
  };
}

/** A host-list inventory's hosts (optionally only some), as fleet entries. */
export function fileEntries(inventory: HostListInventory, names: readonly string[] | undefined, file: string): FleetEntry[] {
  const byName = new Map(inventory.hosts.map((h) => [h.name.toLowerCase(), h]));
  const unknown = (names ?? []).filter((n) => !byName.has(n.toLowerCase()));
  if (unknown.length) throw new UnknownSelection(`host ${unknown.map((n) => `"${n}"`).join(', ')} not in the inventory ${file} (${inventory.hosts.length} hosts)`);
  const selected = names?.length ? names.map((n) => byName.get(n.toLowerCase()) as HostTarget) : inventory.hosts;
  return sortEntries(selected.map((target) => ({ host: { target, hostRef: '', cluster: null } })));
}

/** An inventory file the workers can read (absolute path), optionally only some of its hosts. */
export interface FileHostSource {
  readonly path: string;
  readonly hosts?: string[];
}
