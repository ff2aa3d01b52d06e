/**
 * Reading a rollout's hosts, a page at a time, from vCenter or from an inventory file the
 * workers can read (architecture decision 12). A parsed file is kept while it is unchanged, so
 * paging through 10,000 hosts parses it once per worker.
 */
import { stat } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import { fileEntries, pageAfter, type FileHostSource, type FleetEntry, type FleetPage } from '../inventory/fleetPages';
import { hostList, InventoryError, loadInventory } from '../inventory/inventory';
import { UnknownSelection } from '../inventory/selection';
import { fleetFromVcenter, type VcenterHostSource } from '../inventory/vcenterHosts';
import { VsphereError } from '../vsphere';
import { INVALID_INPUT_TYPE } from '../workflows/installResult';
import { vcenterSession } from './vcenterSessions';

export type FleetSource = { readonly vcenter: VcenterHostSource } | { readonly file: FileHostSource };

export interface FleetPageRequest {
  readonly source: FleetSource;
  /** The cursor the previous page ended at; null for the first page. */
  readonly after: string | null;
  readonly limit: number;
}

const parsedFiles = new Map<string, { readonly stamp: string; readonly entries: FleetEntry[] }>();

async function entriesOfFile(source: FileHostSource): Promise<FleetEntry[]> {
  const info = await stat(source.path).catch((err: NodeJS.ErrnoException) => {
    throw new UnknownSelection(`inventory ${source.path}: the worker cannot read it (${err.code ?? 'error'}); a rollout from a file needs a path every worker can read`);
  });
  const key = JSON.stringify([source.path, source.hosts ?? []]);
  const stamp = `${info.mtimeMs}:${info.size}`;
  const cached = parsedFiles.get(key);
  if (cached?.stamp === stamp) return cached.entries;
  const entries = fileEntries(hostList(await loadInventory(source.path), source.path), source.hosts, source.path);
  parsedFiles.set(key, { stamp, entries });
  return entries;
}

export async function loadFleetPage(request: FleetPageRequest): Promise<FleetPage> {
  try {
    const entries = 'file' in request.source
      ? await entriesOfFile(request.source.file)
      : fleetFromVcenter(await (await vcenterSession(request.source.vcenter.vcenter)).listHosts(), request.source.vcenter);
    return pageAfter(entries, request.after, request.limit);
  } catch (err) {
    // A cluster, host or file that is not there is bad input: the rollout ends at once, naming it.
    if (err instanceof UnknownSelection || err instanceof InventoryError) throw ApplicationFailure.nonRetryable(err.message, INVALID_INPUT_TYPE);
    if (err instanceof VsphereError) throw ApplicationFailure.create({ message: err.message, type: err.category, nonRetryable: !err.retryable });
    throw err;
  }
}
