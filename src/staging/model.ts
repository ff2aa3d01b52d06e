/**
 * Staging as plain data: where a bundle comes from, what it contains, and the staged copies a
 * rollout put on its hosts' datastores. Pure (no I/O), so workflow code may import it.
 */
import type { AcceptanceLevel } from '../bundle/types';

/** Where the worker reads the bundle: a path on its filesystem or an http(s) URL, with the SHA-256 it must have. */
export interface BundleSource {
  /** An absolute path every worker can read, or an http(s) URL (an artifact repository). */
  readonly source: string;
  /** SHA-256 of the whole file, hex; the worker checks it as it reads. */
  readonly sha256: string;
}

/** One VIB of the bundle, as the pre-check and the rows need it. */
export interface StagedVib {
  readonly name: string;
  readonly version: string;
  readonly vendor: string;
  readonly acceptanceLevel: AcceptanceLevel;
  readonly maintenanceMode: boolean;
  readonly liveInstallAllowed: boolean;
}

/** What the worker found in the bundle it read and verified. */
export interface BundleFacts {
  readonly fileName: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly vibs: readonly StagedVib[];
  /** Some VIB does not install live: the host reboots after the install. */
  readonly rebootRequired: boolean;
}

/** One copy of the bundle on one datastore of one vCenter. */
export interface StagedCopy {
  /** The vCenter's name in the rollout. */
  readonly vcenter: string;
  readonly datacenter: string;
  readonly datastore: string;
  /** Path inside the datastore: vibflow/<sha256 prefix>/<file name>. */
  readonly path: string;
  readonly sizeBytes: number;
  /** What a host that mounts the datastore gives InstallFromURI. */
  readonly uri: string;
}

/** What a host's remediation needs of a staged bundle: the copies in its vCenter, and the VIBs. */
export interface StagedForHost {
  readonly copies: readonly StagedCopy[];
  readonly vibs: readonly StagedVib[];
  /** A dry run's plan: the copies are where staging would put them, not there yet (their presence is not checked). */
  readonly planned?: boolean;
}

/** What staging did to one copy. */
export interface StagedCopyResult extends StagedCopy {
  /** False when an identical, verified copy was already there. */
  readonly uploaded: boolean;
  readonly durationMs: number;
}

/** Where staging stands, for the live view, `status` and the UI's current details. */
export interface StagingProgress {
  /** `planned`: a dry run's plan, nothing uploaded. */
  readonly state: 'reading' | 'planning' | 'uploading' | 'staged' | 'planned' | 'not-needed' | 'failed' | 'removed' | 'kept';
  readonly bundle?: { readonly fileName: string; readonly sizeBytes: number; readonly sha256: string };
  readonly copies: readonly StagingCopyProgress[];
  /** Hosts no copy can reach, with the reason (the first ones; `blockedCount` counts all). */
  readonly blocked: readonly { readonly host: string; readonly reason: string }[];
  readonly blockedCount: number;
  /** Hosts left out of staging because they already have the bundle's VIBs. */
  readonly compliantCount: number;
  readonly error?: string;
}

export interface StagingCopyProgress {
  readonly vcenter: string;
  readonly datastore: string;
  readonly hosts: number;
  readonly state: 'waiting' | 'uploading' | 'verifying' | 'staged' | 'reused' | 'failed';
  readonly bytesDone: number;
  readonly sizeBytes: number;
  /** Bytes per second of the upload so far. */
  readonly rateBps?: number;
}

/** Where a bundle is staged on a datastore: content-addressed, so two bundles never share a path. */
export function stagedPath(sha256: string, fileName: string): string {
  return `vibflow/${sha256.slice(0, 12).toLowerCase()}/${fileName}`;
}

/** The URI a host that mounts `datastore` reads the staged copy at. */
export function stagedUri(datastore: string, path: string): string {
  return `file:///vmfs/volumes/${datastore}/${path}`;
}

/** The signal a staging workflow takes a copy's upload progress on (from the upload activity). */
export const STAGING_PROGRESS_SIGNAL = 'stagingProgress';

/** The folder every vibflow staged copy lives under. */
export const STAGING_FOLDER = 'vibflow';
