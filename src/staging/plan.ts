/**
 * Which datastores a bundle is staged on: the fewest copies that let every target host read
 * one. A datastore counts for a host when the host mounts it, and can access it (the host only reads it; vCenter writes it),
 * and when it has room for the bundle (or already holds the copy). Greedy set cover, preferring
 * the datastore shared by the most hosts still without a copy, then one already holding it, then
 * the roomiest. Pure: the activity reads vCenter, this decides.
 */
import type { DatastoreSummary } from '../vsphere/model';

export interface StagingHost {
  readonly name: string;
  /** The HostSystem's managed object id. */
  readonly hostRef: string;
}

export interface DatastoreChoice {
  readonly datastore: DatastoreSummary;
  /** The target hosts this copy serves (those that chose it). */
  readonly hosts: readonly string[];
}

export interface StagingChoice {
  readonly datastores: readonly DatastoreChoice[];
  readonly blocked: readonly { readonly host: string; readonly reason: string }[];
}

export interface StagingChoiceOptions {
  readonly sizeBytes: number;
  /** Only this datastore (`--datastore NAME`). */
  readonly datastore?: string;
  /** Datastores that already hold an identical copy: no room needed there. */
  readonly alreadyStaged?: ReadonlySet<string>;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function usableBy(ds: DatastoreSummary, hostRef: string): boolean {
  const mount = ds.hosts.find((m) => m.host.value === hostRef);
  return mount !== undefined && mount.mounted && mount.accessible;
}

/** Why a host has no datastore to read the bundle from, in words, and what would let it read one. */
function blockedReason(host: StagingHost, all: readonly DatastoreSummary[], options: StagingChoiceOptions, hasRoom: (ds: DatastoreSummary) => boolean): string {
  const mounted = all.filter((ds) => ds.hosts.some((m) => m.host.value === host.hostRef && m.mounted));
  if (options.datastore !== undefined) {
    const chosen = all.find((ds) => ds.name === options.datastore);
    if (!chosen) return `no datastore named ${options.datastore} in its vCenter (--datastore)`;
    if (!mounted.includes(chosen)) {
      return `${host.name} does not mount datastore ${options.datastore} (--datastore); it mounts ${mounted.map((d) => d.name).join(', ') || 'none'}` +
        (mounted.length ? `: give --datastore one of those, or leave --datastore out` : `: mount a datastore on it in vCenter`);
    }
  }
  if (mounted.length === 0) return `${host.name} mounts no datastore: mount one on it in vCenter, or stage the bundle by hand and give --uri`;
  const next = new Set<string>();
  const why = mounted
    .filter((ds) => options.datastore === undefined || ds.name === options.datastore)
    .map((ds) => {
      const mount = ds.hosts.find((m) => m.host.value === host.hostRef);
      if (!ds.accessible || !mount?.accessible) {
        next.add('bring the datastore back online for the host in vCenter');
        return `${ds.name}: not accessible`;
      }
      if (!hasRoom(ds)) {
        next.add(`free ${mb(options.sizeBytes)} on one of them`);
        return `${ds.name}: full (${mb(ds.freeBytes)} free, the bundle needs ${mb(options.sizeBytes)})`;
      }
      return `${ds.name}: usable`;
    });
  return `${host.name} mounts no datastore the bundle can be staged on (${why.join('; ')})${next.size ? `: ${[...next].join(', or ')}` : ''}`;
}

/**
 * Why a host can read none of the staged copies, as the plan would have said it: what the host
 * mounts, and why none of those took a copy (full, not accessible). For the pre-check, which
 * finds this at the host's turn.
 */
export function noCopyReason(host: StagingHost, datastores: readonly DatastoreSummary[], sizeBytes: number): string {
  return blockedReason(host, datastores, { sizeBytes }, (ds) => ds.freeBytes >= sizeBytes);
}

export function chooseDatastores(hosts: readonly StagingHost[], datastores: readonly DatastoreSummary[], options: StagingChoiceOptions): StagingChoice {
  const staged = options.alreadyStaged ?? new Set<string>();
  const hasRoom = (ds: DatastoreSummary) => staged.has(ds.name) || ds.freeBytes >= options.sizeBytes;
  const candidates = datastores.filter((ds) => ds.accessible && hasRoom(ds) && (options.datastore === undefined || ds.name === options.datastore));
  const reach = new Map(candidates.map((ds) => [ds.name, new Set(hosts.filter((h) => usableBy(ds, h.hostRef)).map((h) => h.name))]));
  const uncovered = new Set(hosts.map((h) => h.name));
  const chosen: DatastoreChoice[] = [];
  for (;;) {
    let best: DatastoreSummary | undefined;
    let bestCount = 0;
    for (const ds of candidates) {
      if (chosen.some((c) => c.datastore.name === ds.name)) continue;
      const count = [...(reach.get(ds.name) ?? [])].filter((h) => uncovered.has(h)).length;
      const better = count > bestCount
        || (count === bestCount && count > 0 && best !== undefined && (
          (staged.has(ds.name) && !staged.has(best.name))
          || (staged.has(ds.name) === staged.has(best.name) && (ds.freeBytes > best.freeBytes || (ds.freeBytes === best.freeBytes && ds.name < best.name)))));
      if (better) {
        best = ds;
        bestCount = count;
      }
    }
    if (!best) break;
    const served = hosts.map((h) => h.name).filter((h) => uncovered.has(h) && reach.get(best.name)?.has(h));
    served.forEach((h) => uncovered.delete(h));
    chosen.push({ datastore: best, hosts: served });
  }
  const blocked = hosts.filter((h) => uncovered.has(h.name)).map((h) => ({ host: h.name, reason: blockedReason(h, datastores, options, hasRoom) }));
  return { datastores: chosen, blocked };
}

/** The copy a host reads: the first staged datastore it mounts and can access; none when it has none. */
export function copyForHost<C extends { readonly datastore: string }>(hostRef: string, copies: readonly C[], datastores: readonly DatastoreSummary[]): C | undefined {
  return copies.find((copy) => {
    const ds = datastores.find((d) => d.name === copy.datastore);
    return ds !== undefined && ds.accessible && usableBy(ds, hostRef);
  });
}
