/**
 * Reading a rollout's hosts, a page at a time, from its vCenters or from an inventory file the
 * workers can read (architecture decision 12). A parsed file is kept while it is unchanged, so
 * paging through 10,000 hosts parses it once per worker; a vCenter's listing serves the pages of one
 * run of one rollout for a minute, so the pages of a large fleet do not each list every vCenter
 * again, while another rollout (or the next run) sees vCenter as it is now.
 *
 * A vCenter that cannot be read when the rollout starts (its first page) has its hosts skipped with
 * the reason, and the others go on, unless the source requires all; one that stops answering later
 * makes the page wait and retry (the workflow bounds that), never skips hosts it had.
 */
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context, heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { fileEntries, pageAfter, type FileHostSource, type FleetEntry, type FleetPage } from '../inventory/fleetPages';
import { hostList, InventoryError, loadInventory } from '../inventory/inventory';
import { UnknownSelection } from '../inventory/selection';
import { fleetFromVcenters, type VcenterListing, type VcentersHostSource } from '../inventory/vcenterHosts';
import { VsphereError } from '../vsphere';
import type { HostSummary } from '../vsphere/model';
import { INVALID_INPUT_TYPE } from '../workflows/installResult';
import { vcenterSession } from './vcenterSessions';

export type FleetSource = { readonly vcenters: VcentersHostSource } | { readonly file: FileHostSource };

/** A vCenter skipped since the rollout's first page, and why. */
export interface UnreadableVcenter {
  readonly name: string;
  readonly reason: string;
}

export interface FleetPageRequest {
  readonly source: FleetSource;
  /** The cursor the previous page ended at; null for the first page. */
  readonly after: string | null;
  readonly limit: number;
  /** vCenters that could not be read at the start: their hosts stay skipped, they are not asked again. */
  readonly unreadable?: readonly UnreadableVcenter[];
}

/** A page, and (first page) the vCenters that could not be read. */
export interface FleetPageResult extends FleetPage {
  readonly unreadable: readonly UnreadableVcenter[];
  /** Hosts of the whole selection in each vCenter (hosts from vCenters only), for per-vCenter totals. */
  readonly totalByVcenter?: Readonly<Record<string, number>>;
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

/** How long a vCenter's host list serves the next pages. */
const LISTING_TTL_MS = 60_000;
const listings = new Map<string, { readonly at: number; readonly hosts: Promise<HostSummary[]> }>();

function listHosts(vcenter: VcentersHostSource['vcenters'][number]): Promise<HostSummary[]> {
  const run = Context.current().info.workflowExecution;
  const key = JSON.stringify([run?.workflowId, run?.runId, vcenter.name, vcenter.vcenter]);
  for (const [k, v] of listings) if (Date.now() - v.at >= LISTING_TTL_MS) listings.delete(k);
  const cached = listings.get(key);
  if (cached && Date.now() - cached.at < LISTING_TTL_MS) return cached.hosts;
  const hosts = vcenterSession(vcenter.vcenter).then((session) => session.listHosts());
  listings.set(key, { at: Date.now(), hosts });
  hosts.catch(() => listings.delete(key));
  return hosts;
}

const reasonOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Why a vCenter could not be read; for a refused login, also what to check (the user's input, not the network). */
function unreadableReason(vcenterName: string, err: unknown): string {
  const reason = reasonOf(err);
  if (!(err instanceof VsphereError && err.category === 'authentication')) return reason;
  return `${reason}: check the user and credential of vCenter ${vcenterName} in the inventory (vibflow hosts --inventory FILE --vcenter ${vcenterName} tries the login)`;
}
const retryable = (err: unknown) => (err instanceof VsphereError ? err.retryable : !(err instanceof ApplicationFailure && err.nonRetryable));

/** Tries a vCenter a few times (about 7 s) when what failed may pass: a restarting vCenter is not an unreadable one. */
async function listWithRetries(vcenter: VcentersHostSource['vcenters'][number]): Promise<HostSummary[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await listHosts(vcenter);
    } catch (err) {
      if (attempt >= 3 || !retryable(err)) throw err;
      heartbeat({ vcenter: vcenter.name, attempt, lastError: reasonOf(err) });
      await sleep(1_000 * 2 ** (attempt - 1));
    }
  }
}

async function entriesOfVcenters(source: VcentersHostSource, first: boolean, known: readonly UnreadableVcenter[]): Promise<{ entries: FleetEntry[]; unreadable: UnreadableVcenter[] }> {
  const results: VcenterListing[] = await Promise.all(source.vcenters.map(async (vcenter): Promise<VcenterListing> => {
    const skipped = known.find((u) => u.name === vcenter.name);
    if (skipped) return { name: vcenter.name, unreadable: skipped.reason };
    try {
      return { name: vcenter.name, summaries: first ? await listWithRetries(vcenter) : await listHosts(vcenter) };
    } catch (err) {
      // Later pages wait (the activity is retried) for a vCenter that had answered at the start.
      if (!first) throw err;
      if (source.requireAll) throw ApplicationFailure.nonRetryable(`vCenter ${vcenter.name} could not be read, and the rollout requires all its vCenters: ${unreadableReason(vcenter.name, err)}`, 'HostSourceUnavailable');
      return { name: vcenter.name, unreadable: unreadableReason(vcenter.name, err) };
    }
  }));
  const unreadable = results.flatMap((r) => ('unreadable' in r ? [{ name: r.name, reason: r.unreadable }] : []));
  // Nothing could be read at all: the rollout cannot start, and says why.
  if (unreadable.length === source.vcenters.length) {
    throw ApplicationFailure.nonRetryable(unreadable.map((u) => (source.vcenters.length > 1 ? `vCenter ${u.name}: ${u.reason}` : u.reason)).join('; '), 'HostSourceUnavailable');
  }
  return { entries: fleetFromVcenters(results, source), unreadable };
}

/** Every selected host of the rollout's vCenters (skipped ones apart), from the run's listing: for planning staging. */
export async function selectedVcenterHosts(source: VcentersHostSource, unreadable: readonly UnreadableVcenter[]): Promise<FleetEntry[]> {
  return (await entriesOfVcenters(source, false, unreadable)).entries;
}

export async function loadFleetPage(request: FleetPageRequest): Promise<FleetPageResult> {
  try {
    if ('file' in request.source) return { ...pageAfter(await entriesOfFile(request.source.file), request.after, request.limit), unreadable: [] };
    const { entries, unreadable } = await entriesOfVcenters(request.source.vcenters, request.after === null, request.unreadable ?? []);
    const totalByVcenter: Record<string, number> = {};
    for (const entry of entries) {
      const vcenter = 'host' in entry ? entry.host.vcenter : entry.skipped.vcenter;
      if (vcenter) totalByVcenter[vcenter] = (totalByVcenter[vcenter] ?? 0) + 1;
    }
    return { ...pageAfter(entries, request.after, request.limit), unreadable, totalByVcenter };
  } catch (err) {
    // A cluster, host or file that is not there is bad input: the rollout ends at once, naming it.
    if (err instanceof UnknownSelection || err instanceof InventoryError) throw ApplicationFailure.nonRetryable(err.message, INVALID_INPUT_TYPE);
    if (err instanceof VsphereError) throw ApplicationFailure.create({ message: err.message, type: err.category, nonRetryable: !err.retryable });
    throw err;
  }
}
