/**
 * Real offline bundles where the simulated hosts read them: a test names the URI it will pass to
 * InstallFromURI and the VIBs the bundle holds; the bundle builder writes the bundle into the
 * datastore's directory, so the host installs what the bundle contains (never what its name says).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { hostPathOf, type SimulatedDatastore } from '../../src/simulator/datastores';
import { writeBundle, type BundleSpec, type VibSpec, type WrittenBundle } from '../../src/simulator/bundleBuilder';

/** Anything that knows the simulator's datastores: a Simulator, or what GET /datastores answers. */
export interface HasDatastores {
  readonly datastores: readonly Pick<SimulatedDatastore, 'name' | 'uuid' | 'directory'>[];
}

/** The local file a file:///vmfs/volumes/<datastore name or uuid>/<path> URI names on the simulator. */
export function datastoreFile(where: HasDatastores, uri: string): string {
  const hostPath = hostPathOf(uri);
  const match = hostPath ? /^\/vmfs\/volumes\/([^/]+)\/(.+)$/.exec(hostPath) : null;
  if (!match) throw new Error(`placeBundle: ${uri} is not a file:///vmfs/volumes/<datastore>/<path> URI`);
  const datastore = where.datastores.find((d) => d.name === match[1] || d.uuid === match[1]);
  if (!datastore) throw new Error(`placeBundle: the simulator has no datastore "${match[1]}" (it has ${where.datastores.map((d) => d.name).join(', ')})`);
  return path.join(datastore.directory, ...match[2].split('/'));
}

/** Writes a real offline bundle holding `contents` (VIBs, or a whole bundle spec) where `uri` points; returns `uri`. */
export async function placeBundle(where: HasDatastores, uri: string, contents: readonly VibSpec[] | BundleSpec): Promise<string> {
  await writeBundleAt(where, uri, contents);
  return uri;
}

/** placeBundle, answering what was written (size, VIB ids). */
export async function writeBundleAt(where: HasDatastores, uri: string, contents: readonly VibSpec[] | BundleSpec): Promise<WrittenBundle> {
  const file = datastoreFile(where, uri);
  await mkdir(path.dirname(file), { recursive: true });
  const spec: BundleSpec = Array.isArray(contents) ? { vibs: contents as readonly VibSpec[] } : (contents as BundleSpec);
  return writeBundle(file, spec);
}

/** The datastores of a simulator running in another process, from its control endpoint. */
export async function datastoresOf(controlUrl: string): Promise<HasDatastores> {
  const res = await fetch(`${controlUrl}/datastores`);
  if (!res.ok) throw new Error(`GET ${controlUrl}/datastores: HTTP ${res.status}`);
  return (await res.json()) as HasDatastores;
}
