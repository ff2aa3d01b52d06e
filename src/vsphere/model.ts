/**
 * The vSphere side of a remediation as plain data: where a vCenter is and how to log in to it
 * (a credential reference, never a secret), and what vibflow reads back about hosts and tasks.
 * Pure (no I/O), so workflow code may import its types.
 */

/** How to reach a vCenter (or an ESXi host's own /sdk). Holds a credential *reference*. */
export interface VcenterTarget {
  /** e.g. https://vc01.lab/sdk (the /sdk path is added when missing). */
  readonly url: string;
  readonly user: string;
  /** `env:NAME` or `file:/path`: resolved inside activities only. */
  readonly credential: string;
  readonly tls?: {
    /** SHA-256 thumbprint of the vCenter certificate (hex, colons optional). */
    readonly thumbprint?: string;
    readonly caFile?: string;
    readonly insecure?: boolean;
  };
}

/** A managed object reference, e.g. { type: 'HostSystem', value: 'host-21' }. */
export interface MoRef {
  readonly type: string;
  readonly value: string;
}

export type HostConnectionState = 'connected' | 'disconnected' | 'notResponding';

/** What vibflow reads about one host before and after each step. */
export interface HostState {
  readonly ref: MoRef;
  readonly name: string;
  readonly connectionState: HostConnectionState;
  readonly inMaintenanceMode: boolean;
  /** ISO 8601, or null when vCenter does not know it (e.g. while disconnected). */
  readonly bootTime: string | null;
  readonly powerState: string;
  readonly rebootSupported: boolean;
  /** config.product.version, e.g. "8.0.2"; null while the host is not connected. */
  readonly productVersion: string | null;
  /** summary.rebootRequired: a change (e.g. an installed VIB) waits for a reboot to take effect. */
  readonly rebootRequired: boolean;
}

/** One host of the inventory walk (datacenters -> clusters -> hosts, and standalone hosts). */
export interface HostSummary extends HostState {
  readonly datacenter: string;
  /** The cluster's name; null for a standalone host. */
  readonly cluster: string | null;
  /** The host's certificate as vCenter knows it (config.certificate), PEM; its CIM server uses the same one. */
  readonly certificatePem: string | null;
}

export interface ClusterSummary {
  readonly ref: MoRef;
  readonly name: string;
  readonly datacenter: string;
}

export type TaskState = 'queued' | 'running' | 'success' | 'error';

export interface TaskInfo {
  readonly ref: MoRef;
  /** The method that made the task, e.g. "EnterMaintenanceMode_Task" (vim25's info.name). */
  readonly name: string;
  readonly descriptionId: string | null;
  readonly entity: MoRef | null;
  readonly state: TaskState;
  readonly progress: number | null;
  /** Set when state is error: the fault's type (e.g. "Timedout") and message. */
  readonly error: { readonly faultType: string; readonly message: string } | null;
  readonly queueTime: string | null;
  readonly startTime: string | null;
  readonly completeTime: string | null;
}

/** AcquireCimServicesTicket's answer: sessionId is both the CIM user name and password. */
export interface CimServicesTicket {
  readonly sessionId: string;
  readonly host: string | null;
  readonly port: number | null;
  readonly sslThumbprint: string | null;
}

/** How one host sees a datastore (Datastore.host[], a DatastoreHostMount). */
export interface DatastoreMount {
  readonly host: MoRef;
  readonly mounted: boolean;
  readonly accessible: boolean;
  /** "readWrite" or "readOnly"; null when vCenter does not say. */
  readonly accessMode: string | null;
}

/** A datastore as vibflow reads it for staging: where it is, how much room it has, who mounts it. */
export interface DatastoreSummary {
  readonly ref: MoRef;
  readonly name: string;
  /** The datacenter's name: /folder needs it as dcPath, FileManager its reference. */
  readonly datacenter: string;
  readonly datacenterRef: MoRef;
  /** summary.url, e.g. ds:///vmfs/volumes/<uuid>/ */
  readonly url: string | null;
  readonly type: string | null;
  readonly capacityBytes: number;
  readonly freeBytes: number;
  readonly accessible: boolean;
  readonly hosts: readonly DatastoreMount[];
}

/** A file a datastore browser search found. */
export interface DatastoreFile {
  /** The datastore path of the file, e.g. "[ds1] vibflow/0a1b2c3d4e5f/drv.zip". */
  readonly datastorePath: string;
  readonly sizeBytes: number | null;
  readonly modified: string | null;
}

/** A host's image acceptance level (HostImageConfigGetAcceptance), most to least trusted. */
export type HostAcceptanceLevel = 'vmware_certified' | 'vmware_accepted' | 'partner' | 'community';
