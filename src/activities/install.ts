/**
 * The install activities: thin adapters over esxi/. Each resolves its host connection, calls the
 * ESXi layer and lets `classified` map failures to retryable or final ApplicationFailures.
 */
import { Context, heartbeat } from '@temporalio/activity';
import { discoverHost } from '../esxi/discovery';
import { findAdoptableJob, startInstall as invokeInstallFromUri } from '../esxi/install';
import { listJobs, readJob as readHostJob } from '../esxi/job';
import type {
  HostObjects,
  HostTarget,
  InstallOptions,
  JobReading,
  SoftwareItem,
  StartedInstall,
} from '../esxi/model';
import { snapshotSoftware as readSoftware } from '../esxi/software';
import type { CimInstanceName } from '../cim/types';
import { classified } from './failures';
import { withCimClient } from './connections';
import { countInstallStarted } from './metrics';

export interface PreparedInstall {
  readonly objects: HostObjects;
  /** Installed software before the install, for reconciliation and the change report. */
  readonly softwareBefore: readonly SoftwareItem[];
  /** Jobs the host kept before the install, so a retried start can tell which job is ours. */
  readonly jobsBefore: readonly string[];
}

/** Discovery, the software snapshot and the existing jobs, in one round trip through Temporal. */
export async function prepareInstall(host: HostTarget): Promise<PreparedInstall> {
  return classified(() => withCimClient(host, async (client) => {
    const objects = await discoverHost(client);
    const softwareBefore = await readSoftware(client, objects.computerSystem);
    const jobs = await listJobs(client, objects.installService.namespace ?? 'root/cimv2');
    return { objects, softwareBefore, jobsBefore: jobs.map((job) => job.instanceId) };
  }));
}

export interface StartInstallInput {
  readonly host: HostTarget;
  readonly objects: HostObjects;
  readonly bundleUri: string;
  readonly installOptions?: InstallOptions;
  readonly jobsBefore: readonly string[];
}

const HEARTBEAT_EVERY_MS = 2_000;

/**
 * InstallFromURI, at most once (architecture decision 3): a retry first looks for the job an
 * earlier attempt may have started and adopts it. Heartbeats while the call is in flight so a
 * worker crash is noticed within the heartbeat timeout rather than the start-to-close timeout.
 */
export async function startInstall(input: StartInstallInput): Promise<StartedInstall> {
  return classified(() => withCimClient(input.host, async (client) => {
    if (Context.current().info.attempt > 1) {
      const adopted = await findAdoptableJob(client, input.objects, input.jobsBefore);
      if (adopted) {
        countInstallStarted(true);
        return adopted;
      }
    }
    const beat = setInterval(() => heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      const started = await invokeInstallFromUri(client, input.objects, input.bundleUri, input.installOptions);
      countInstallStarted(false);
      return started;
    } finally {
      clearInterval(beat);
    }
  }));
}

export interface ReadJobInput {
  readonly host: HostTarget;
  readonly jobRef: CimInstanceName;
  readonly installOptions?: InstallOptions;
  /** When given, a reading that finds the job ended also carries the software inventory. */
  readonly computerSystem?: CimInstanceName;
}

export type JobReadingWithSoftware = JobReading & { readonly softwareAfter?: readonly SoftwareItem[] };

/**
 * GetInstance of the job, interpreted; runs as a local activity on every poll. The reading that
 * sees the job end also takes the software snapshot, saving a round trip through Temporal.
 */
export async function readJob(input: ReadJobInput): Promise<JobReadingWithSoftware> {
  return classified(() => withCimClient(input.host, async (client) => {
    const reading = await readHostJob(client, input.jobRef, input.installOptions);
    if (!reading.found || reading.job.phase === 'running' || !input.computerSystem) return reading;
    return { ...reading, softwareAfter: await readSoftware(client, input.computerSystem) };
  }));
}

export interface SnapshotSoftwareInput {
  readonly host: HostTarget;
  readonly computerSystem: CimInstanceName;
}

export async function snapshotSoftware(input: SnapshotSoftwareInput): Promise<SoftwareItem[]> {
  return classified(() => withCimClient(input.host, (client) => readSoftware(client, input.computerSystem)));
}
