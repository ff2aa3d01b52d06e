/**
 * The simulated fleet's datastores: one local directory per datastore, which the simulated hosts
 * read as `/vmfs/volumes/<name>/...` or `/vmfs/volumes/<uuid>/...` (the two name the same file on
 * ESXi), and which the simulated vCenter serves over `/folder` (test/vcsim), so a file uploaded
 * through vCenter is the file a host installs. Each datastore says which hosts mount it and which
 * of those can access it (a host that lost its path to the LUN mounts it, but cannot read it).
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { readBundle, type BundleContents } from '../bundle';

/** What a caller asks for; the simulator fills in the rest. */
export interface DatastoreOptions {
  readonly name: string;
  /** Hosts that mount it; default every host. */
  readonly hosts?: readonly string[];
  /** Hosts that mount it but cannot access it (mountInfo.accessible false). */
  readonly inaccessibleOn?: readonly string[];
  /** summary.capacity; default 10 TiB, as vcsim's. */
  readonly capacityBytes?: number;
  /** summary.freeSpace at the start, before anything is written to it; default the capacity. */
  readonly freeBytes?: number;
}

export interface DatastoreMount {
  readonly host: string;
  accessible: boolean;
}

/** One datastore as the simulator models it, and as GET /datastores of the control endpoint lists it. */
export interface SimulatedDatastore {
  readonly name: string;
  /** VMFS-style uuid, e.g. 6a1f03c2-9d2b41e7-5c3a-8f01d2e4b6a7; summary.url is ds:///vmfs/volumes/<uuid>/. */
  readonly uuid: string;
  readonly url: string;
  /** The local directory holding its files. */
  readonly directory: string;
  readonly capacityBytes: number;
  /** Space used by what is not in the directory (capacity - free space at the start). */
  readonly otherUsedBytes: number;
  readonly mounts: DatastoreMount[];
}

export const DEFAULT_CAPACITY_BYTES = 10 * 1024 ** 4;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** A stable VMFS-style uuid for a datastore name (8-8-4-12 hex digits, as ESXi writes them). */
export function datastoreUuid(name: string): string {
  const hex = createHash('sha256').update(`vibflow-datastore:${name}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Why a host cannot read a file:///vmfs/volumes/... URI; ESXi answers all of them with "URI not accessible". */
export type UnreadableReason = 'not-a-datastore-path' | 'no-such-datastore' | 'not-mounted' | 'not-accessible' | 'no-such-file';

export type Resolved = { readonly file: string; readonly datastore: string; readonly hostPath: string } | { readonly unreadable: UnreadableReason; readonly hostPath: string };

const VOLUMES = '/vmfs/volumes/';

/** The path on the host that a file:// URI names, or undefined when it is not one. */
export function hostPathOf(uri: string): string | undefined {
  if (!uri.startsWith('file://')) return undefined;
  const raw = uri.slice('file://'.length);
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // Not percent-encoded (ESXi takes the path as it is).
  }
  return decoded.startsWith('/') ? path.posix.normalize(decoded) : undefined;
}

function checkOptions(options: readonly DatastoreOptions[], hosts: readonly string[]): void {
  const seen = new Set<string>();
  for (const [i, ds] of options.entries()) {
    const where = `datastores[${i}]`;
    if (!NAME.test(ds.name)) throw new Error(`${where}.name: "${ds.name}" must be 1-63 letters, digits, '.', '_' or '-'`);
    if (seen.has(ds.name)) throw new Error(`${where}.name: datastore "${ds.name}" is given twice`);
    seen.add(ds.name);
    for (const field of ['hosts', 'inaccessibleOn'] as const) {
      const unknown = ds[field]?.find((h) => !hosts.includes(h));
      if (unknown) throw new Error(`${where}.${field}: no simulated host named "${unknown}"`);
    }
    const notMounting = ds.inaccessibleOn?.find((h) => ds.hosts && !ds.hosts.includes(h));
    if (notMounting) throw new Error(`${where}.inaccessibleOn: ${notMounting} does not mount ${ds.name}`);
    const capacity = ds.capacityBytes ?? DEFAULT_CAPACITY_BYTES;
    if (!(Number.isSafeInteger(capacity) && capacity > 0)) throw new Error(`${where}.capacityBytes: must be a whole number of bytes > 0`);
    if (ds.freeBytes !== undefined && !(Number.isSafeInteger(ds.freeBytes) && ds.freeBytes >= 0 && ds.freeBytes <= capacity)) {
      throw new Error(`${where}.freeBytes: must be a whole number of bytes between 0 and the capacity (${capacity})`);
    }
  }
}

/** Bytes of the files under a directory (what a datastore's files take). */
export async function directoryBytes(directory: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(directory, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

export class Datastores {
  private readonly byKey = new Map<string, SimulatedDatastore>();
  /** Bundles already read, by file, size and mtime: thousands of hosts installing one bundle read it once. */
  private readonly bundles = new Map<string, Promise<BundleContents>>();

  private constructor(readonly root: string, readonly list: readonly SimulatedDatastore[]) {
    for (const ds of list) {
      this.byKey.set(ds.name, ds);
      this.byKey.set(ds.uuid, ds);
    }
  }

  /** Creates the directories under root: root/<name>/ per datastore. */
  static async create(root: string, options: readonly DatastoreOptions[], hosts: readonly string[]): Promise<Datastores> {
    checkOptions(options, hosts);
    const list: SimulatedDatastore[] = [];
    for (const ds of options) {
      const directory = path.join(root, ds.name);
      await mkdir(directory, { recursive: true });
      const uuid = datastoreUuid(ds.name);
      const capacityBytes = ds.capacityBytes ?? DEFAULT_CAPACITY_BYTES;
      list.push({
        name: ds.name,
        uuid,
        url: `ds:///vmfs/volumes/${uuid}/`,
        directory,
        capacityBytes,
        otherUsedBytes: capacityBytes - (ds.freeBytes ?? capacityBytes),
        mounts: (ds.hosts ?? hosts).map((host) => ({ host, accessible: !ds.inaccessibleOn?.includes(host) })),
      });
    }
    return new Datastores(root, list);
  }

  /** The same list, named as on a Simulator. */
  get datastores(): readonly SimulatedDatastore[] {
    return this.list;
  }

  get(name: string): SimulatedDatastore {
    const found = this.byKey.get(name);
    if (!found) throw new Error(`no simulated datastore named "${name}" (there are: ${this.list.map((d) => d.name).join(', ') || 'none'})`);
    return found;
  }

  /** A host's mount can lose (or regain) its path to the storage. */
  setAccessible(name: string, host: string, accessible: boolean): void {
    const mount = this.get(name).mounts.find((m) => m.host === host);
    if (!mount) throw new Error(`${host} does not mount datastore ${name}`);
    mount.accessible = accessible;
  }

  /** Which file a host reads for a file:///vmfs/volumes/<datastore>/<path> URI, or why it cannot. */
  async resolve(host: string, uri: string): Promise<Resolved> {
    const hostPath = hostPathOf(uri);
    if (!hostPath?.startsWith(VOLUMES)) return { unreadable: 'not-a-datastore-path', hostPath: hostPath ?? uri };
    const [volume, ...rest] = hostPath.slice(VOLUMES.length).split('/');
    const datastore = this.byKey.get(volume);
    if (!datastore) return { unreadable: 'no-such-datastore', hostPath };
    const mount = datastore.mounts.find((m) => m.host === host);
    if (!mount) return { unreadable: 'not-mounted', hostPath };
    if (!mount.accessible) return { unreadable: 'not-accessible', hostPath };
    const file = path.join(datastore.directory, ...rest);
    if (rest.length === 0 || !file.startsWith(datastore.directory + path.sep)) return { unreadable: 'no-such-file', hostPath };
    const found = await stat(file).catch(() => undefined);
    if (!found?.isFile()) return { unreadable: 'no-such-file', hostPath };
    return { file, datastore: datastore.name, hostPath };
  }

  /** The bundle's contents as the bundle reader reads them; read once per version of the file. */
  async readBundle(file: string): Promise<BundleContents> {
    const { size, mtimeMs, ino } = await stat(file);
    const key = `${file}\0${size}\0${mtimeMs}\0${ino}`;
    let reading = this.bundles.get(key);
    if (!reading) {
      reading = readBundle(file);
      if (this.bundles.size > 256) this.bundles.clear();
      this.bundles.set(key, reading);
    }
    return reading;
  }

  /** Every datastore with its free space now (capacity - other use - its files). */
  async describe(): Promise<(Omit<SimulatedDatastore, 'otherUsedBytes'> & { freeSpaceBytes: number })[]> {
    return Promise.all(this.list.map(async ({ otherUsedBytes, ...ds }) => ({
      ...ds,
      mounts: ds.mounts.map((m) => ({ ...m })),
      freeSpaceBytes: Math.max(0, ds.capacityBytes - otherUsedBytes - (await directoryBytes(ds.directory))),
    })));
  }
}
