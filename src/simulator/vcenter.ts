/**
 * A simulated vCenter beside the simulated CIM hosts: VMware's vcsim model (the Go program in
 * test/vcsim) holding the same hosts, by name, in clusters, each exposing its CIM server's
 * certificate, and rebooting and issuing tickets through the CIM simulator's control endpoint.
 */
import type { HostAcceptanceLevel } from '../bundle';
import { DEFAULT_CIM_URL_TEMPLATE, type OneVcenterInventory } from '../inventory/inventory';
import type { SimulatedDatastore } from './datastores';
import { resolveVcenterSimulator } from './vcenterBinary';
import { VCENTER_FAULTS, VcenterProcess, type VcenterFault, type VcenterSpec } from './vcenterProcess';

export interface VcenterOptions {
  /** Hosts are spread over this many clusters, in order: 6 hosts in 2 clusters are esx-001..003 and esx-004..006. */
  readonly clusters: number;
  /** How long a rebooting host stays notResponding (default 3). */
  readonly rebootSeconds?: number;
  /** How long entering or exiting maintenance mode takes (default 1). */
  readonly maintenanceSeconds?: number;
  /** Lifetime of a CIM services ticket (default 120, as on ESXi). */
  readonly ticketSeconds?: number;
  readonly user?: string;
  /** Faults injected from the start, by host name. */
  readonly faults?: Readonly<Record<string, VcenterFault>>;
}

/** How to reach the simulated vCenter; `credential` is a reference to the password, as in inventories. */
export interface VcenterInfo {
  readonly url: string;
  readonly user: string;
  readonly credential: string;
  readonly thumbprint: string;
  readonly controlUrl: string;
}

/** A CIM host as the vCenter spec needs it. */
export interface CimHostEndpoint {
  readonly name: string;
  readonly url: string;
  readonly certificatePem?: string;
}

export const DATACENTER = 'dc-1';
const DEFAULTS = { rebootSeconds: 3, maintenanceSeconds: 1, ticketSeconds: 120, user: 'administrator@vsphere.local' };

/** Consecutive runs of hosts per cluster, the first clusters taking one more when they do not divide evenly. */
export function clusterLayout<T>(hosts: readonly T[], clusters: number): T[][] {
  const base = Math.floor(hosts.length / clusters);
  const extra = hosts.length % clusters;
  const layout: T[][] = [];
  for (let i = 0, start = 0; i < clusters; i++) {
    const size = base + (i < extra ? 1 : 0);
    layout.push(hosts.slice(start, (start += size)));
  }
  return layout;
}

function checkOptions(options: VcenterOptions, hosts: readonly CimHostEndpoint[]): void {
  if (!Number.isInteger(options.clusters) || options.clusters < 1 || options.clusters > hosts.length) {
    throw new Error(`vcenter.clusters: must be a whole number between 1 and the number of hosts (${hosts.length})`);
  }
  for (const field of ['rebootSeconds', 'maintenanceSeconds', 'ticketSeconds'] as const) {
    const seconds = options[field];
    if (seconds !== undefined && !(Number.isFinite(seconds) && seconds >= 0)) throw new Error(`vcenter.${field}: must be a number of seconds >= 0`);
  }
  for (const [host, fault] of Object.entries(options.faults ?? {})) {
    if (!hosts.some((h) => h.name === host)) throw new Error(`vcenter.faults: no simulated host named "${host}"`);
    if (!VCENTER_FAULTS.includes(fault)) throw new Error(`vcenter.faults.${host}: must be one of ${VCENTER_FAULTS.join(', ')}`);
  }
}

/** Where the hosts' files live and what each host accepts, as the vCenter spec carries them. */
export interface HostStorageSpec {
  readonly datastores?: readonly SimulatedDatastore[];
  readonly acceptanceLevels?: Readonly<Record<string, HostAcceptanceLevel>>;
}

export function vcenterSpec(hosts: readonly CimHostEndpoint[], options: VcenterOptions, storage: HostStorageSpec = {}): VcenterSpec {
  return {
    datacenter: DATACENTER,
    clusters: clusterLayout(hosts, options.clusters).map((members, i) => ({
      name: `cluster-${i + 1}`,
      hosts: members.map((h) => {
        const fault = options.faults?.[h.name];
        const acceptanceLevel = storage.acceptanceLevels?.[h.name];
        return { name: h.name, cimUrl: h.url, ...(h.certificatePem ? { certificatePem: h.certificatePem } : {}), ...(fault ? { fault } : {}), ...(acceptanceLevel ? { acceptanceLevel } : {}) };
      }),
    })),
    ...(storage.datastores
      ? { datastores: storage.datastores.map((d) => ({ name: d.name, uuid: d.uuid, directory: d.directory, capacityBytes: d.capacityBytes, otherUsedBytes: d.otherUsedBytes, mounts: d.mounts.map((m) => ({ ...m })) })) }
      : {}),
  };
}

export interface StartVcenterOptions extends HostStorageSpec {
  readonly options: VcenterOptions;
  readonly hosts: readonly CimHostEndpoint[];
  readonly password: string;
  readonly credential: string;
  readonly cimControlUrl: string;
  readonly log: (line: string) => void;
}

export interface SimulatedVcenter {
  readonly info: VcenterInfo;
  readonly process: VcenterProcess;
}

export async function startVcenter({ options, hosts, datastores, acceptanceLevels, password, credential, cimControlUrl, log }: StartVcenterOptions): Promise<SimulatedVcenter> {
  checkOptions(options, hosts);
  const binary = resolveVcenterSimulator(log);
  if (!binary) throw new Error('vcenter: no vibflow-vcsim binary, and no Go to build it from test/vcsim');
  const user = options.user ?? DEFAULTS.user;
  const vcsim = await VcenterProcess.start({
    binary,
    spec: vcenterSpec(hosts, options, { ...(datastores ? { datastores } : {}), ...(acceptanceLevels ? { acceptanceLevels } : {}) }),
    user,
    password,
    cimControlUrl,
    rebootSeconds: options.rebootSeconds ?? DEFAULTS.rebootSeconds,
    maintenanceSeconds: options.maintenanceSeconds ?? DEFAULTS.maintenanceSeconds,
    ticketSeconds: options.ticketSeconds ?? DEFAULTS.ticketSeconds,
  });
  return { process: vcsim, info: { url: vcsim.url, user, credential, thumbprint: vcsim.thumbprint, controlUrl: vcsim.controlUrl } };
}

/**
 * The inventory of a vCenter fleet: hosts come from vCenter, so each entry only gives the
 * host's CIM URL; the CIM certificate comes from vCenter (config.certificate), the credential
 * from CIM services tickets.
 */
export function vcenterInventory(vcenter: VcenterInfo, hosts: readonly CimHostEndpoint[], controlUrl: string): OneVcenterInventory {
  return {
    version: 1,
    controlUrl,
    vcenter: { url: vcenter.url, user: vcenter.user, credential: vcenter.credential, tls: { thumbprint: vcenter.thumbprint } },
    cimUrlTemplate: DEFAULT_CIM_URL_TEMPLATE,
    hosts: hosts.map((h) => ({ name: h.name, url: h.url, ...(h.url.startsWith('http:') ? { allowHttp: true } : {}) })),
  };
}
