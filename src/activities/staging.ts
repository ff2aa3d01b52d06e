/**
 * The staging activities: read and verify the bundle a rollout installs, choose the datastores
 * its hosts can read a copy from, put one verified copy on each (heartbeating the bytes, and
 * telling the rollout how far the upload is), and remove the copies when the rollout ends.
 * Thin adapters over staging/ (pure plan, bundle source, staged copy) and vsphere/.
 */
import os from 'node:os';
import { Context, heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { BundleError, readBundle } from '../bundle';
import { allSatisfied, checkVibs } from '../esxi/compliance';
import { discoverHost } from '../esxi/discovery';
import { snapshotSoftware } from '../esxi/software';
import type { FleetHost } from '../inventory/fleetPages';
import type { VcentersHostSource } from '../inventory/vcenterHosts';
import { BundleSourceError, localBundle, sourceFileName, sourceLabel } from '../staging/bundleSource';
import type { BundleFacts, BundleSource, StagedCopy, StagedCopyResult, StagingCopyProgress } from '../staging/model';
import { STAGING_FOLDER, STAGING_PROGRESS_SIGNAL, stagedPath, stagedUri } from '../staging/model';
import { chooseDatastores } from '../staging/plan';
import { stageCopy, StagedCopyError } from '../staging/stagedCopy';
import { VsphereError, type VsphereClient } from '../vsphere';
import type { DatastoreSummary, VcenterTarget } from '../vsphere/model';
import { INVALID_INPUT_TYPE } from '../workflows/installResult';
import { withCimClient } from './connections';
import { selectedVcenterHosts, type UnreadableVcenter } from './fleet';
import { vcenterSession } from './vcenterSessions';

const WORKER = `${os.hostname()} (pid ${process.pid})`;

/** Turns staging failures into ApplicationFailures: retryable where trying again can help. */
async function staging<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    if (err instanceof BundleSourceError) throw ApplicationFailure.create({ message: err.message, type: 'bundle-source', nonRetryable: !err.retryable });
    if (err instanceof BundleError) throw ApplicationFailure.create({ message: err.message, type: 'bad-bundle', nonRetryable: true });
    if (err instanceof StagedCopyError) throw ApplicationFailure.create({ message: err.message, type: 'staging', nonRetryable: !err.retryable });
    if (err instanceof VsphereError) throw ApplicationFailure.create({ message: err.message, type: err.category, nonRetryable: !err.retryable });
    throw err;
  }
}

/** Reads the bundle from its source (checking its SHA-256) and says what it contains. */
export async function readStagingBundle(input: BundleSource): Promise<BundleFacts> {
  return staging(async () => {
    const { file, sizeBytes } = await localBundle(input.source, input.sha256, WORKER);
    const contents = await readBundle(file);
    if (contents.vibs.length === 0) throw ApplicationFailure.nonRetryable(`the bundle ${sourceLabel(input.source)} contains no VIB`, INVALID_INPUT_TYPE);
    return {
      fileName: sourceFileName(input.source),
      sizeBytes,
      sha256: input.sha256.toLowerCase(),
      vibs: contents.vibs.map((v) => ({ name: v.name, version: v.version, vendor: v.vendor, acceptanceLevel: v.acceptanceLevel, maintenanceMode: v.maintenanceMode, liveInstallAllowed: v.liveInstallAllowed })),
      rebootRequired: contents.rebootRequired,
    };
  });
}

export interface PlanStagingInput {
  readonly source: VcentersHostSource;
  readonly unreadable: readonly UnreadableVcenter[];
  readonly bundle: BundleFacts;
  /** Only this datastore (`--datastore`). */
  readonly datastore?: string;
  /** VIBs the hosts must have to be left out (the bundle's, or those --vib narrows to). */
  readonly expected: readonly { readonly name: string; readonly version?: string }[];
}

export interface StagingPlanResult {
  readonly copies: readonly (StagedCopy & { readonly hosts: number })[];
  /** The first hosts no copy can reach, with the reason. */
  readonly blocked: readonly { readonly host: string; readonly reason: string }[];
  readonly blockedCount: number;
  /** Hosts that already have every VIB: they need no copy. */
  readonly compliantCount: number;
}

/** Above this many hosts the plan does not ask each host's CIM server first; every host gets a copy in reach. */
const COMPLIANCE_READ_LIMIT = 200;
const MAX_BLOCKED_LISTED = 100;

async function compliant(host: FleetHost, expected: PlanStagingInput['expected']): Promise<boolean> {
  try {
    return await withCimClient(host.target, async (client) => {
      const objects = await discoverHost(client);
      return allSatisfied(checkVibs(await snapshotSoftware(client, objects.computerSystem), expected));
    });
  } catch {
    return false; // a host that does not answer now is staged for: its own pre-check decides later
  }
}

async function mapLimited<T, R>(items: readonly T[], limit: number, body: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await body(items[index]);
    }
  }));
  return results;
}

/**
 * The datastores to stage on, per vCenter: the fewest copies that reach every selected host
 * that does not already have the bundle's VIBs, each with room for the bundle.
 */
export async function planStaging(input: PlanStagingInput): Promise<StagingPlanResult> {
  return staging(async () => {
    const entries = await selectedVcenterHosts(input.source, input.unreadable);
    const hosts = entries.flatMap((e) => ('host' in e ? [e.host] : []));
    const readCompliance = hosts.length <= COMPLIANCE_READ_LIMIT && input.expected.length > 0;
    const isCompliant = readCompliance ? await mapLimited(hosts, 8, (h) => compliant(h, input.expected)) : hosts.map(() => false);
    const needed = hosts.filter((_, i) => !isCompliant[i]);
    const copies: (StagedCopy & { hosts: number })[] = [];
    const blocked: { host: string; reason: string }[] = [];
    let blockedCount = 0;
    const path = stagedPath(input.bundle.sha256, input.bundle.fileName);
    for (const vcenter of input.source.vcenters) {
      const mine = needed.filter((h) => (h.vcenter ?? vcenter.name) === vcenter.name);
      if (mine.length === 0) continue;
      heartbeat({ vcenter: vcenter.name });
      const datastores = await (await vcenterSession(vcenter.vcenter)).listDatastores();
      const choice = chooseDatastores(mine.map((h) => ({ name: h.target.name, hostRef: h.hostRef })), datastores, { sizeBytes: input.bundle.sizeBytes, ...(input.datastore ? { datastore: input.datastore } : {}) });
      for (const c of choice.datastores) {
        copies.push({ vcenter: vcenter.name, datacenter: c.datastore.datacenter, datastore: c.datastore.name, path, sizeBytes: input.bundle.sizeBytes, uri: stagedUri(c.datastore.name, path), hosts: c.hosts.length });
      }
      blockedCount += choice.blocked.length;
      blocked.push(...choice.blocked.slice(0, Math.max(0, MAX_BLOCKED_LISTED - blocked.length)));
    }
    return { copies, blocked, blockedCount, compliantCount: hosts.length - needed.length };
  });
}

function datastoreNamed(client: VsphereClient, datastores: readonly DatastoreSummary[], copy: Pick<StagedCopy, 'datastore' | 'datacenter'>): DatastoreSummary {
  const ds = datastores.find((d) => d.name === copy.datastore && d.datacenter === copy.datacenter);
  if (!ds) throw ApplicationFailure.nonRetryable(`vCenter ${client.host} has no datastore ${copy.datastore} in datacenter ${copy.datacenter} any more`, 'not-found');
  return ds;
}

export interface StageCopyInput {
  readonly vcenter: VcenterTarget;
  readonly copy: StagedCopy;
  readonly bundle: BundleSource;
  /** The rollout to tell how far the upload is (a signal every few seconds). */
  readonly rolloutWorkflowId?: string;
}

/** Every this often the rollout hears how far the upload is; the heartbeat goes every second. */
const PROGRESS_EVERY_MS = 2_000;

/** One verified copy on one datastore; resolves `uploaded: false` when an identical copy was there. */
export async function stageBundleCopy(input: StageCopyInput): Promise<StagedCopyResult> {
  return staging(async () => {
    const context = Context.current();
    const started = Date.now();
    const { file, sizeBytes } = await localBundle(input.bundle.source, input.bundle.sha256, WORKER, { verify: false });
    const client = await vcenterSession(input.vcenter);
    const ds = datastoreNamed(client, await client.listDatastores(), input.copy);
    const handle = input.rolloutWorkflowId ? context.client.workflow.getHandle(input.rolloutWorkflowId) : undefined;
    let lastHeartbeat = 0;
    let lastSignal = 0;
    let uploadStarted = 0;
    const tell = (progress: StagingCopyProgress, force = false) => {
      const now = Date.now();
      if (force || now - lastHeartbeat >= 1_000) {
        lastHeartbeat = now;
        heartbeat(progress);
      }
      if (handle && (force || now - lastSignal >= PROGRESS_EVERY_MS)) {
        lastSignal = now;
        // Best effort: a rollout that cannot be told still gets the result.
        void handle.signal(STAGING_PROGRESS_SIGNAL, progress).catch(() => undefined);
      }
    };
    const base = { vcenter: input.copy.vcenter, datastore: input.copy.datastore, hosts: 0, sizeBytes };
    const { uploaded } = await stageCopy(client, ds, { file, sizeBytes, sha256: input.bundle.sha256.toLowerCase(), path: input.copy.path }, (p) => {
      if (p.phase === 'uploading' && !uploadStarted) uploadStarted = Date.now();
      const seconds = uploadStarted ? (Date.now() - uploadStarted) / 1000 : 0;
      const state = p.phase === 'verifying' || p.phase === 'moving' ? 'verifying' : 'uploading';
      tell({ ...base, state, bytesDone: p.bytesDone, ...(p.phase === 'uploading' && seconds > 0 ? { rateBps: Math.round(p.bytesDone / seconds) } : {}) });
    });
    const durationMs = Date.now() - started;
    return { ...input.copy, sizeBytes, uploaded, durationMs };
  });
}

export interface RemoveStagedInput {
  readonly vcenter: VcenterTarget;
  readonly copies: readonly Pick<StagedCopy, 'datastore' | 'datacenter' | 'path'>[];
}

/** Deletes the copies' folders (vibflow/<sha prefix>); a copy already gone counts as removed. */
export async function removeStagedCopies(input: RemoveStagedInput): Promise<number> {
  return staging(async () => {
    const client = await vcenterSession(input.vcenter);
    // One listing serves every copy of the vCenter.
    const datastores = await client.listDatastores();
    let removed = 0;
    for (const copy of input.copies) {
      const ds = datastoreNamed(client, datastores, copy);
      const folder = copy.path.split('/').slice(0, 2).join('/');
      if (!folder.startsWith(`${STAGING_FOLDER}/`)) throw ApplicationFailure.nonRetryable(`refusing to remove ${copy.path}: not under ${STAGING_FOLDER}/`, INVALID_INPUT_TYPE);
      if (await client.deleteDatastoreFile(ds.datacenterRef, ds.name, folder)) removed++;
      heartbeat({ removed });
    }
    return removed;
  });
}
