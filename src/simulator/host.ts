/**
 * One simulated ESXi host: its CIM objects, installed software and install jobs. Job progress is
 * computed from the clock on every read (no timers per job), so thousands of concurrent installs
 * cost nothing while nobody looks.
 */
import { admits, BundleError, type BundleContents, type BundleErrorKind, type BundleVib, type HostAcceptanceLevel } from '../bundle';
import type { CimInstance, CimInstanceName, CimProperty, CimType } from '../cim/types';
import { cimInterval, cimTimestamp } from '../cim/values';
import { IMPLEMENTATION, INTEROP } from './classes';
import type { Resolved } from './datastores';

/**
 * Failures injected on a host, for what a simulated host cannot work out from the bundle and its
 * own state: esxupdate's error categories, and revert-on-reboot (the install succeeds, but the
 * next boot comes up on the old image, as when a boot bank did not take: only verifying the
 * software after the reboot catches it). What the host can work out is never injected: a URI it
 * cannot read (no such file, a datastore it does not mount or cannot access), a file that is not
 * an offline bundle, a VIB below its acceptance level.
 */
export type FailureCategory = 'dependency' | 'space' | 'validation' | 'maintenance-mode' | 'live-install' | 'revert-on-reboot';
export const FAILURE_CATEGORIES: readonly FailureCategory[] = ['dependency', 'space', 'validation', 'maintenance-mode', 'live-install', 'revert-on-reboot'];

/** Where a host finds the file a URI names, and what an offline bundle holds (src/simulator/datastores.ts). */
export interface HostStorage {
  resolve(host: string, uri: string): Promise<Resolved>;
  readBundle(file: string): Promise<BundleContents>;
}

/** Fleet-wide behaviour, shared by reference so the control endpoint can change it live. */
export interface FleetBehaviour {
  installSeconds: number;
  jobRetentionSeconds: number;
  invokeDelayMs: number;
  now: () => number;
}

interface Failure {
  /** Share of the install time after which the job fails. */
  readonly at: number;
  readonly description: string;
}

/** Scan-time problems surface early, the rest at the end. */
const SCAN = 0.3;

// esxupdate's own wording, by category, for the VIB it is about (its id, e.g. VMW_bootbank_drv_2.0.0-1).
const INJECTED: Readonly<Record<Exclude<FailureCategory, 'revert-on-reboot'>, { at: number; description: (vib: string, name: string, level: HostAcceptanceLevel) => string }>> = {
  dependency: { at: SCAN, description: (vib) => `[DependencyError] VIB ${vib} requires esx-version >= 8.0.3, but the requirement cannot be satisfied within the ImageProfile. Please refer to the log file for more details.` },
  validation: { at: SCAN, description: (vib, _, level) => `[VibValidationError] VIB (${vib}) failed a check of extensibility rules to acceptance level '${level}': descriptor.xml is not valid.` },
  space: { at: 1, description: () => '[InstallationError] The pending transaction requires 245 MB free space, however the maximum supported size is 239 MB. Not enough space in the boot bank. Please refer to the log file for more details.' },
  'maintenance-mode': { at: 1, description: (vib) => `[MaintenanceModeError] MaintenanceMode is required to install ${vib}, but the host is not in maintenance mode. Please refer to the log file for more details.` },
  'live-install': { at: 1, description: (vib, name) => `[LiveInstallationError] Error in running ['/etc/init.d/${name}', 'start', 'install']: the live installation of ${vib} failed; the host must be rebooted to complete it. Please refer to the log file for more details.` },
};

/** What esxupdate says of a file it cannot read as a depot: the zip itself, or the metadata in it. */
const UNREADABLE_DEPOT: ReadonlySet<BundleErrorKind> = new Set(['unreadable', 'not-a-zip', 'corrupt-zip', 'bare-vib', 'no-metadata', 'unsafe-entry-name', 'size-mismatch', 'too-large', 'too-deep', 'corrupt-entry']);

const DEPOT_REASONS: Partial<Record<BundleErrorKind, string>> = {
  'not-a-zip': 'File is not a zip file',
  'bare-vib': 'File is not a zip file',
  'corrupt-zip': 'Bad magic number for file header',
  'corrupt-entry': 'Bad CRC-32',
  unreadable: '[Errno 5] Input/output error',
};

/** ESXi's words for a bundle its depot reader refuses (esxupdate's MetadataDownloadError / VibFormatError). */
export function bundleFailure(hostPath: string, err: BundleError): Failure {
  const depot = `zip:${hostPath}?index.xml`;
  if (UNREADABLE_DEPOT.has(err.kind)) {
    const member = err.entry?.split('!/')[0] ?? 'index.xml';
    const reason = DEPOT_REASONS[err.kind] ?? (err.kind === 'no-metadata' ? `There is no item named '${member}' in the archive` : `Error reading ${member}: ${err.kind}`);
    return {
      at: SCAN,
      description: `[MetadataDownloadError] Could not download from depot at ${depot}, skipping (('${depot}', '', 'Error extracting ${member} from ${hostPath}: ${reason}')) url = ${depot} Please refer to the log file for more details.`,
    };
  }
  const vibs = err.kind === 'bad-vib' || err.kind === 'missing-vib';
  return {
    at: SCAN,
    description: vibs
      ? `[VibFormatError] Bad VIB archive header: ${err.entry ?? hostPath} in ${hostPath} is not a valid VIB. Please refer to the log file for more details.`
      : `[MetadataFormatError] Failed to parse metadata of depot ${depot}: ${err.entry ?? 'metadata.zip'} is not valid (${err.kind}). Please refer to the log file for more details.`,
  };
}

/** esxupdate's refusal of a VIB less trusted than the host's acceptance level. */
function acceptanceFailure(vib: BundleVib, level: HostAcceptanceLevel): Failure {
  return {
    at: SCAN,
    description: `[AcceptanceConfigError] VIB ${vib.id}'s acceptance level is ${vib.acceptanceLevel}, which is not compliant with the ImageProfile acceptance level ${level}. To change the host acceptance level, use the 'esxcli software acceptance set' command. Please refer to the log file for more details.`,
  };
}

const STAGES: readonly (readonly [number, number, string])[] = [
  [0, 10, 'Scanning URI for installable packages'],
  [0.3, 30, 'Scan of URI Complete and installable packages found. Starting Update.'],
  [0.5, 50, 'Installing VIBs'],
  [0.7, 70, 'Installing VIBs'],
  [0.9, 90, 'Updating the boot bank'],
];
const REBOOT_MESSAGE = 'The update completed successfully, but the system needs to be rebooted for the changes to be effective.';
const LIVE_MESSAGE = 'The update completed successfully.';

export interface Software {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly vendor: string;
}

interface Job {
  readonly id: string;
  readonly uri: string;
  /** Every VIB of the bundle (none when it could not be read). */
  readonly vibs: readonly BundleVib[];
  /** The VIBs not installed at that version yet. */
  readonly toInstall: readonly BundleVib[];
  /** Some VIB it installs does not install live. */
  readonly rebootRequired: boolean;
  readonly submittedAt: number;
  readonly durationMs: number;
  readonly failure?: Failure;
  /** Already installed: the job succeeds without changing the host. */
  readonly unchanged: boolean;
  /** Succeeds, but the boot bank does not take: the next boot rolls it back. */
  readonly revertsOnReboot: boolean;
  applied: boolean;
  /** Set when a reboot lost the job before it ended. */
  lostAt?: number;
}

export interface JobRecord {
  readonly id: string;
  readonly uri: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly outcome: 'running' | 'succeeded' | 'unchanged' | 'failed' | 'lost';
}

const value = (name: string, type: CimType, v: CimProperty['value'], isArray = false): CimProperty => ({ name, type, value: v, ...(isArray ? { isArray: true } : {}) });

export class SimulatedHost {
  readonly computerSystem: CimInstanceName;
  readonly installService: CimInstanceName;
  readonly capabilities: CimInstanceName;
  readonly profiles: readonly CimInstance[];
  private readonly software = new Map<string, Software>();
  /** The software the host booted with, and whether the boot bank written since then takes. */
  private bootImage = new Map<string, Software>();
  private bootBankTakes = true;
  private readonly jobs: Job[] = [];
  private jobSeq = 0;
  /** CIM services tickets vCenter issued for this host: ticket -> expiry (epoch ms). */
  private readonly tickets = new Map<string, number>();
  failure: FailureCategory | undefined;
  /** `esxcli software acceptance get`: the least trusted VIBs the host installs (ESXi's default: partner). */
  acceptanceLevel: HostAcceptanceLevel = 'partner';
  /** Told when an install changed the host's software, and whether it waits for a reboot (vCenter then shows one pending). */
  onInstallApplied: ((rebootRequired: boolean) => void) | undefined;
  /** Models a host that refuses CIM services tickets (e.g. its ticket verifier is down). */
  refusesTickets = false;
  readonly counters = {
    installFromUri: 0,
    operations: {} as Record<string, number>,
    /** Epoch ms of the latest request of each operation. */
    lastRequestAt: {} as Record<string, number>,
    faultsInjected: 0,
    reboots: 0,
    /** Requests authenticated by a CIM services ticket. */
    ticketLogins: 0,
    /** Requests whose ticket (user name = password) was not accepted. */
    ticketsRefused: 0,
  };

  constructor(readonly name: string, private readonly behaviour: FleetBehaviour, private readonly storage: HostStorage) {
    this.computerSystem = { className: 'OMC_UnitaryComputerSystem', keys: { CreationClassName: 'OMC_UnitaryComputerSystem', Name: name }, namespace: IMPLEMENTATION };
    this.installService = {
      className: 'VMware_SoftwareInstallationService',
      keys: { CreationClassName: 'VMware_SoftwareInstallationService', Name: 'VMware Software Installation Service', SystemCreationClassName: 'OMC_UnitaryComputerSystem', SystemName: name },
      namespace: IMPLEMENTATION,
    };
    this.capabilities = { className: 'VMware_SoftwareInstallationServiceCapabilities', keys: { InstanceID: `${name}:SoftwareInstallationServiceCapabilities` }, namespace: IMPLEMENTATION };
    this.profiles = [
      ['Base Server', '1.0.0'],
      ['Software Inventory', '1.0.0'],
      ['Software Update', '1.0.0'],
    ].map(([registeredName, version]) => ({
      className: 'CIM_RegisteredProfile',
      path: { className: 'CIM_RegisteredProfile', keys: { InstanceID: `DMTF:${registeredName}:${version}` }, namespace: INTEROP },
      properties: {
        InstanceID: value('InstanceID', 'string', `DMTF:${registeredName}:${version}`),
        RegisteredName: value('RegisteredName', 'string', registeredName),
        RegisteredVersion: value('RegisteredVersion', 'string', version),
        RegisteredOrganization: value('RegisteredOrganization', 'uint16', 2),
      },
    }));
    for (const [sw, version] of [['esx-base', '8.0.2-0.0.22380479'], ['esx-update', '8.0.2-0.0.22380479'], ['vmware-esx-esxcli-nvme-plugin', '1.2.0.52-1vmw.802.0.0.22380479']]) {
      this.addSoftware(sw, version, 'VMware');
    }
    this.bootImage = new Map(this.software);
  }

  private addSoftware(name: string, version: string, vendor: string, type = 'bootbank'): void {
    this.software.set(name, { id: `${this.name}:VIB:${vendor}_${type}_${name}_${version}`, name, version, vendor });
  }

  /** The moment a job ends (fails or completes), in ms since epoch. */
  private endOf(job: Job): number {
    return job.submittedAt + job.durationMs * (job.failure?.at ?? 1);
  }

  /** Applies finished installs and forgets job records past their retention time. */
  private advance(now: number): void {
    for (const job of this.jobs) {
      if (!job.applied && !job.failure && !job.lostAt && now >= this.endOf(job)) {
        job.applied = true;
        if (!job.unchanged) {
          for (const vib of job.toInstall) this.addSoftware(vib.name, vib.version, vib.vendor, vib.type);
          this.onInstallApplied?.(job.rebootRequired);
        }
        if (job.revertsOnReboot) this.bootBankTakes = false;
      }
    }
  }

  private visible(job: Job, now: number): boolean {
    return !job.lostAt && now < this.endOf(job) + this.behaviour.jobRetentionSeconds * 1000;
  }

  private running(now: number): Job | undefined {
    return this.jobs.find((job) => !job.lostAt && now < this.endOf(job));
  }

  /**
   * InstallFromURI: returns the method's return code and, when a job started, its reference. The
   * host reads the file the URI names from its datastores, as ESXi does: a file it cannot reach
   * is "URI not accessible" (4107); a file that is not an offline bundle, or a VIB below the
   * host's acceptance level, starts a job that fails while scanning, with esxupdate's words.
   */
  async installFromUri(uri: string | undefined, target: CimInstanceName | undefined): Promise<{ returnCode: number; job?: CimInstanceName }> {
    this.counters.installFromUri++;
    this.advance(this.behaviour.now());
    if (!uri || !target) return { returnCode: 5 };
    if (target.className.toLowerCase() !== this.computerSystem.className.toLowerCase() || target.keys.Name !== this.name) return { returnCode: 4097 };
    if (this.running(this.behaviour.now())) return { returnCode: 6 };
    const found = await this.storage.resolve(this.name, uri);
    if ('unreadable' in found) return { returnCode: 4107 };
    const scanned = await this.scan(found.file, found.hostPath);
    const now = this.behaviour.now();
    this.advance(now);
    // Another install may have started while this one read the bundle.
    if (this.running(now)) return { returnCode: 6 };
    const toInstall = scanned.vibs.filter((vib) => this.software.get(vib.name)?.version !== vib.version);
    const job: Job = {
      id: `${this.name}:job:${++this.jobSeq}`,
      uri,
      vibs: scanned.vibs,
      toInstall,
      rebootRequired: toInstall.some((vib) => !vib.liveInstallAllowed),
      submittedAt: now,
      durationMs: this.behaviour.installSeconds * 1000,
      ...(scanned.failure ? { failure: scanned.failure } : {}),
      unchanged: !scanned.failure && toInstall.length === 0,
      revertsOnReboot: this.failure === 'revert-on-reboot',
      applied: false,
    };
    this.jobs.push(job);
    return { returnCode: 4096, job: this.jobName(job) };
  }

  /** What esxupdate's scan finds: the bundle's VIBs, and the first reason the install cannot go on. */
  private async scan(file: string, hostPath: string): Promise<{ vibs: readonly BundleVib[]; failure?: Failure }> {
    let contents: BundleContents;
    try {
      contents = await this.storage.readBundle(file);
    } catch (err) {
      if (err instanceof BundleError) return { vibs: [], failure: bundleFailure(hostPath, err) };
      throw err;
    }
    const level = this.acceptanceLevel;
    const refused = contents.vibs.find((vib) => !admits(level, vib.acceptanceLevel));
    if (refused) return { vibs: contents.vibs, failure: acceptanceFailure(refused, level) };
    const injected = this.failure && this.failure !== 'revert-on-reboot' ? INJECTED[this.failure] : undefined;
    const first = contents.vibs[0];
    if (injected && first) return { vibs: contents.vibs, failure: { at: injected.at, description: injected.description(first.id, first.name, level) } };
    return { vibs: contents.vibs };
  }

  private jobName(job: Job): CimInstanceName {
    return { className: 'VMware_ConcreteJob', keys: { InstanceID: job.id }, namespace: IMPLEMENTATION };
  }

  private jobInstance(job: Job, now: number): CimInstance {
    const elapsed = Math.max(0, now - job.submittedAt);
    const ended = now >= this.endOf(job);
    const fraction = elapsed / job.durationMs;
    const stage = [...STAGES].reverse().find(([at]) => fraction >= at) ?? STAGES[0];
    let percent = stage[1];
    let status = stage[2];
    let state = 4;
    let errorCode: number | null = null;
    let errorDescription: string | null = null;
    if (ended) {
      percent = 100;
      if (job.failure) {
        state = 10;
        errorCode = 1;
        errorDescription = job.failure.description;
        status = 'The update failed.';
      } else {
        state = 7;
        errorCode = 0;
        status = job.unchanged
          ? `The update completed successfully. Host is not changed. VIBs skipped: ${job.vibs.map((vib) => vib.id).join(', ')}`
          : job.rebootRequired ? REBOOT_MESSAGE : LIVE_MESSAGE;
      }
    }
    const lastChange = ended ? this.endOf(job) : job.submittedAt + stage[0] * job.durationMs;
    return {
      className: 'VMware_ConcreteJob',
      path: this.jobName(job),
      properties: {
        InstanceID: value('InstanceID', 'string', job.id),
        Caption: value('Caption', 'string', 'Software installation job'),
        Description: value('Description', 'string', `Install software from ${job.uri}`),
        ElementName: value('ElementName', 'string', 'InstallFromURI'),
        Name: value('Name', 'string', 'VMware Software Installation'),
        JobState: value('JobState', 'uint16', state),
        JobStatus: value('JobStatus', 'string', status),
        PercentComplete: value('PercentComplete', 'uint16', percent),
        ErrorCode: value('ErrorCode', 'uint16', errorCode),
        ErrorDescription: value('ErrorDescription', 'string', errorDescription),
        StartTime: value('StartTime', 'datetime', cimTimestamp(new Date(job.submittedAt))),
        TimeSubmitted: value('TimeSubmitted', 'datetime', cimTimestamp(new Date(job.submittedAt))),
        TimeOfLastStateChange: value('TimeOfLastStateChange', 'datetime', cimTimestamp(new Date(lastChange))),
        ElapsedTime: value('ElapsedTime', 'datetime', cimInterval(Math.min(elapsed, this.endOf(job) - job.submittedAt) / 1000)),
        TimeBeforeRemoval: value('TimeBeforeRemoval', 'datetime', cimInterval(this.behaviour.jobRetentionSeconds)),
        DeleteOnCompletion: value('DeleteOnCompletion', 'boolean', true),
        HealthState: value('HealthState', 'uint16', job.failure && ended ? 20 : 5),
      },
    };
  }

  /** Every instance in a namespace (the handler filters by class). */
  instances(namespace: string): CimInstance[] {
    const now = this.behaviour.now();
    this.advance(now);
    if (namespace === INTEROP) return [...this.profiles];
    const softwareIdentities: CimInstance[] = [...this.software.values()].map((sw) => ({
      className: 'CIM_SoftwareIdentity',
      path: { className: 'CIM_SoftwareIdentity', keys: { InstanceID: sw.id }, namespace: IMPLEMENTATION },
      properties: {
        InstanceID: value('InstanceID', 'string', sw.id),
        ElementName: value('ElementName', 'string', sw.name),
        VersionString: value('VersionString', 'string', sw.version),
        Manufacturer: value('Manufacturer', 'string', sw.vendor),
      },
    }));
    return [
      {
        className: this.computerSystem.className,
        path: this.computerSystem,
        properties: {
          CreationClassName: value('CreationClassName', 'string', this.computerSystem.className),
          Name: value('Name', 'string', this.name),
          ElementName: value('ElementName', 'string', this.name),
        },
      },
      {
        className: this.installService.className,
        path: this.installService,
        properties: Object.fromEntries(
          [...Object.entries(this.installService.keys), ['ElementName', 'VMware Software Installation Service']].map(([k, v]) => [k, value(k, 'string', v as string)]),
        ),
      },
      {
        className: this.capabilities.className,
        path: this.capabilities,
        properties: {
          InstanceID: value('InstanceID', 'string', this.capabilities.keys.InstanceID as string),
          // 5 = file (DMTF SoftwareInstallationServiceCapabilities.SupportedURISchemes)
          SupportedURISchemes: value('SupportedURISchemes', 'uint16', [5], true),
          SupportedInstallOptions: value('SupportedInstallOptions', 'uint16', [2, 3, 4, 5], true),
        },
      },
      ...softwareIdentities,
      ...this.jobs.filter((job) => this.visible(job, now)).map((job) => this.jobInstance(job, now)),
    ];
  }

  /** (association class, role of one end, that end, role of the other, the other end) */
  associations(): [string, string, CimInstanceName, string, CimInstanceName][] {
    const software = this.instances(IMPLEMENTATION).filter((i) => i.className === 'CIM_SoftwareIdentity');
    const baseServer = this.profiles[0].path as CimInstanceName;
    const softwareUpdate = this.profiles[2].path as CimInstanceName;
    return [
      ['CIM_ElementConformsToProfile', 'ConformantStandard', baseServer, 'ManagedElement', this.computerSystem],
      ['CIM_ElementConformsToProfile', 'ConformantStandard', softwareUpdate, 'ManagedElement', this.installService],
      ['VMware_HostedInstallationService', 'Antecedent', this.computerSystem, 'Dependent', this.installService],
      ['CIM_ElementCapabilities', 'ManagedElement', this.installService, 'Capabilities', this.capabilities],
      ...software.map((sw): [string, string, CimInstanceName, string, CimInstanceName] => ['CIM_InstalledSoftwareIdentity', 'System', this.computerSystem, 'InstalledSoftware', sw.path as CimInstanceName]),
    ];
  }

  /**
   * A reboot: running installs are lost (not applied), job records and tickets are gone, and
   * the host boots the image in its boot bank (the old one when that did not take).
   */
  reboot(): void {
    const now = this.behaviour.now();
    this.advance(now);
    for (const job of this.jobs) if (!job.lostAt && (now < this.endOf(job) || this.visible(job, now))) job.lostAt = now;
    if (!this.bootBankTakes) {
      this.software.clear();
      for (const [name, sw] of this.bootImage) this.software.set(name, sw);
    }
    this.bootImage = new Map(this.software);
    this.bootBankTakes = true;
    this.tickets.clear();
    this.counters.reboots++;
  }

  /** A ticket from vCenter's AcquireCimServicesTicket: valid as user name and password until it expires or the host reboots. */
  registerTicket(ticket: string, lifetimeSeconds: number): void {
    const now = this.behaviour.now();
    for (const [known, expiresAt] of this.tickets) if (expiresAt <= now) this.tickets.delete(known);
    this.tickets.set(ticket, now + lifetimeSeconds * 1000);
  }

  /** Whether a ticket logs in now; counts the login or the refusal. */
  acceptTicket(ticket: string): boolean {
    const expiresAt = this.tickets.get(ticket);
    const accepted = !this.refusesTickets && expiresAt !== undefined && this.behaviour.now() < expiresAt;
    if (accepted) this.counters.ticketLogins++;
    else this.counters.ticketsRefused++;
    return accepted;
  }

  jobRecords(): JobRecord[] {
    const now = this.behaviour.now();
    return this.jobs.map((job) => {
      const end = this.endOf(job);
      const outcome: JobRecord['outcome'] =
        job.lostAt !== undefined && job.lostAt < end ? 'lost'
        : now < end ? 'running'
        : job.failure ? 'failed'
        : job.unchanged ? 'unchanged'
        : 'succeeded';
      return { id: job.id, uri: job.uri, startedAt: job.submittedAt, endedAt: outcome === 'lost' ? (job.lostAt as number) : end, outcome };
    });
  }

  resetCounters(): void {
    this.counters.installFromUri = 0;
    this.counters.operations = {};
    this.counters.lastRequestAt = {};
    this.counters.faultsInjected = 0;
    this.counters.reboots = 0;
    this.counters.ticketLogins = 0;
    this.counters.ticketsRefused = 0;
  }
}
