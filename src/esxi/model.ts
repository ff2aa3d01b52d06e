/**
 * The ESXi install domain as plain data: what workflows carry in history and activities return.
 * Pure (no I/O), so workflow code may import it.
 */
import type { CimInstanceName } from '../cim/types';
import type { VcenterTarget } from '../vsphere/model';

/**
 * How to reach one host's CIM server. Holds a credential *reference*, never a secret: either a
 * user with `credential`, or `cimTicket`, a vCenter that hands out a one-time CIM services ticket.
 */
export interface HostTarget {
  /** Operator-facing name, e.g. "esx-014"; used in workflow ids and search attributes. */
  readonly name: string;
  /** CIM server URL, e.g. https://esx-014.lab:5989 */
  readonly url: string;
  readonly user?: string;
  /** `env:NAME` or `file:/path`: resolved inside activities only. */
  readonly credential?: string;
  /** Authenticate with a fresh AcquireCimServicesTicket from this vCenter instead of a password. */
  readonly cimTicket?: CimTicketSource;
  readonly tls?: HostTls;
  /** Plain HTTP is refused unless this is true. */
  readonly allowHttp?: boolean;
}

/** The vCenter that manages a host, and the host's managed object id there (e.g. "host-21"). */
export interface CimTicketSource {
  readonly vcenter: VcenterTarget;
  readonly hostRef: string;
}

export interface HostTls {
  /** SHA-256 thumbprint of the host certificate (hex, colons optional). */
  readonly thumbprint?: string;
  /** PEM CA bundle that signed the host certificate. */
  readonly caFile?: string;
  /** Skip verification entirely; the worker logs a warning on every connection. */
  readonly insecure?: boolean;
}

/** The CIM objects an install needs, found by discovery (reference section 2). */
export interface HostObjects {
  readonly computerSystem: CimInstanceName;
  readonly installService: CimInstanceName;
}

/** InstallFromURI's InstallOptions/InstallOptionsValues, index-paired. */
export interface InstallOptions {
  readonly options: readonly number[];
  readonly values?: readonly string[];
}

export interface SoftwareItem {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly vendor: string;
}

export interface SoftwareChanges {
  readonly added: readonly SoftwareItem[];
  readonly updated: readonly { readonly name: string; readonly from: string; readonly to: string }[];
  readonly removed: readonly SoftwareItem[];
}

/** A reading of the job, interpreted (see job.ts). */
export interface JobSnapshot {
  readonly percent: number;
  readonly jobState: number | null;
  readonly jobStateName: string;
  readonly jobStatus: string;
  readonly errorCode: number | null;
  readonly errorDescription: string | null;
  /** Running, or ended well or badly. */
  readonly phase: 'running' | 'succeeded' | 'failed';
  readonly rebootRequired: boolean;
  /** Set when the job failed: the esxupdate category, e.g. "DependencyError". */
  readonly errorCategory?: string;
}

/** What a read of the job found: the job, or proof it is gone. */
export type JobReading = { readonly found: true; readonly job: JobSnapshot } | { readonly found: false };

/** A job found on the host by enumeration (for adopting after an ambiguous start). */
export interface HostJob {
  readonly instanceId: string;
  readonly ref: CimInstanceName;
  readonly percent: number;
  readonly jobState: number | null;
}

/** Where the install's job came from. */
export interface StartedInstall {
  readonly jobRef: CimInstanceName;
  readonly instanceId: string;
  /** True when a retried start found and adopted the job its earlier attempt had started. */
  readonly adopted: boolean;
}

export function diffSoftware(before: readonly SoftwareItem[], after: readonly SoftwareItem[]): SoftwareChanges {
  const beforeByName = new Map(before.map((item) => [item.name, item]));
  const afterNames = new Set(after.map((item) => item.name));
  const added: SoftwareItem[] = [];
  const updated: { name: string; from: string; to: string }[] = [];
  for (const item of after) {
    const previous = beforeByName.get(item.name);
    if (!previous) added.push(item);
    else if (previous.version !== item.version) updated.push({ name: item.name, from: previous.version, to: item.version });
  }
  const removed = before.filter((item) => !afterNames.has(item.name));
  return { added, updated, removed };
}

export function hasChanges(changes: SoftwareChanges): boolean {
  return changes.added.length + changes.updated.length + changes.removed.length > 0;
}
