/**
 * A simulated ESXi fleet speaking real CIM-XML over real sockets: each host on its own loopback
 * address, HTTPS with its own self-signed certificate, plus a control endpoint with counters;
 * with `vcenter`, a simulated vCenter (VMware's vcsim, extended) managing the same hosts.
 * Used by the demo, the tests and the benchmarks; never imported by product code.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HOST_ACCEPTANCE_LEVELS, type HostAcceptanceLevel } from '../bundle';
import type { HostListInventory, OneVcenterInventory } from '../inventory/inventory';
import { makeHostCertificate } from './certificates';
import { startControlServer, type ControlServer } from './control';
import { Datastores, type DatastoreOptions, type SimulatedDatastore } from './datastores';
import { SimulatedHost, type FailureCategory, type FleetBehaviour, type JobRecord } from './host';
import { FAULTS, HostServer, type Fault } from './hostServer';
import { startVcenter, vcenterInventory, type SimulatedVcenter, type VcenterInfo, type VcenterOptions } from './vcenter';
import type { VcenterFault, VcenterHostStats } from './vcenterProcess';

export type { FailureCategory } from './host';
export type { DatastoreOptions, SimulatedDatastore } from './datastores';
export { FAILURE_CATEGORIES } from './host';
export type { VcenterInfo, VcenterOptions } from './vcenter';
export type { VcenterFault, VcenterHostStats } from './vcenterProcess';
export { VCENTER_FAULTS } from './vcenterProcess';
export { startVcenterFleet, type VcenterFleet, type VcenterFleetOptions, type VcenterFleetStats } from './vcenterFleet';

export interface SimulatorOptions {
  readonly hosts: number;
  readonly http?: boolean;
  /** Port every host listens on (each has its own address); 0 = an ephemeral port per host. */
  readonly basePort?: number;
  readonly addressBase?: string;
  readonly installSeconds?: number;
  readonly jobRetentionSeconds?: number;
  readonly invokeDelayMs?: number;
  readonly failures?: Readonly<Record<string, FailureCategory>>;
  readonly faultRate?: number;
  readonly seed?: number;
  readonly user?: string;
  /** Defaults to the value of passwordEnv, then of VIBFLOW_SIMULATOR_PASSWORD, then a random one. */
  readonly password?: string;
  /** Name of an environment variable holding the password; the inventory then refers to it. */
  readonly passwordEnv?: string;
  readonly inventoryFile?: string;
  /** Port of the control endpoint (0 = ephemeral); undefined = none, or an ephemeral one with vcenter. */
  readonly controlPort?: number;
  /** Also start a simulated vCenter managing these hosts (the inventory file then names it). */
  readonly vcenter?: VcenterOptions;
  /**
   * Where the datastores' directories go: DIR/<datastore name>/. Default: a temporary directory,
   * removed when the simulator stops (a directory given here is kept).
   */
  readonly datastoreRoot?: string;
  /** Default: one datastore every host mounts, datastore1 (LocalDS_0 with vcenter, as in vcsim's model). */
  readonly datastores?: readonly DatastoreOptions[];
  /** Each host's acceptance level, by host name; default partner (ESXi's default). */
  readonly acceptanceLevels?: Readonly<Record<string, HostAcceptanceLevel>>;
  /** Told what happens on the way, e.g. that the vCenter simulator is being built. */
  readonly log?: (line: string) => void;
}

export interface SimulatedHostInfo {
  readonly name: string;
  readonly url: string;
  readonly user: string;
  readonly thumbprint?: string;
}

export interface HostStats {
  readonly installFromUri: number;
  readonly operations: Readonly<Record<string, number>>;
  /** Epoch ms of the latest request of each operation. */
  readonly lastRequestAt: Readonly<Record<string, number>>;
  readonly faultsInjected: number;
  readonly jobs: readonly JobRecord[];
  readonly down: boolean;
  readonly reboots: number;
  /** Requests authenticated by a CIM services ticket, and requests whose ticket was refused. */
  readonly ticketLogins: number;
  readonly ticketsRefused: number;
  readonly refusesTickets: boolean;
  /** The host as vCenter sees it (statsWithVcenter only). */
  readonly vcenter?: VcenterHostStats;
}

export interface SimulatorStats {
  readonly hosts: Readonly<Record<string, HostStats>>;
  readonly fleet: {
    readonly installFromUri: number;
    readonly requests: number;
    readonly faultsInjected: number;
    /** Most installs running at the same moment, across the fleet. */
    readonly peakConcurrentJobs: number;
  };
  /** SOAP requests the vCenter simulator answered on /sdk, by method, e.g. RetrievePropertiesEx (statsWithVcenter only). */
  readonly soapCalls?: Readonly<Record<string, number>>;
}

/** The datastore every host mounts when none are given. */
export function defaultDatastoreName(withVcenter: boolean): string {
  return withVcenter ? 'LocalDS_0' : 'datastore1';
}

export interface Simulator {
  readonly hosts: readonly SimulatedHostInfo[];
  /** The datastores, each a directory the hosts read file:///vmfs/volumes/<name or uuid>/... from. */
  readonly datastores: readonly SimulatedDatastore[];
  readonly datastoreRoot: string;
  /** The datastores with their free space now, as GET /datastores of the control endpoint lists them. */
  describeDatastores(): ReturnType<Datastores['describe']>;
  readonly inventory: HostListInventory;
  readonly controlUrl?: string;
  /** With the vcenter option: how to reach it, and the inventory that names it. */
  readonly vcenter?: VcenterInfo;
  readonly vcenterInventory?: OneVcenterInventory;
  stats(): SimulatorStats;
  /** stats() with each host's vCenter view when a vCenter runs. */
  statsWithVcenter(): Promise<SimulatorStats>;
  reset(): void;
  setFailure(host: string, category: FailureCategory | null): void;
  setFaultRate(rate: number): void;
  setInvokeDelayMs(ms: number): void;
  setInstallSeconds(seconds: number): void;
  rebootHost(host: string, seconds: number): void;
  /** A CIM services ticket the host accepts as user name and password for `seconds`. */
  registerTicket(host: string, ticket: string, seconds: number): void;
  setRefuseTickets(host: string, refuse: boolean): void;
  setVcenterFault(host: string, fault: VcenterFault | null): Promise<void>;
  /** The host's acceptance level, on the host and (with a vCenter) in HostImageConfigGetAcceptance. */
  setAcceptanceLevel(host: string, level: HostAcceptanceLevel): Promise<void>;
  /** A host's mount of a datastore loses (or regains) its path: mountInfo.accessible. */
  setDatastoreAccessible(datastore: string, host: string, accessible: boolean): Promise<void>;
  /** Freezes (SIGSTOP) or thaws (SIGCONT) the vCenter process: a vCenter that stops answering. */
  setVcenterFrozen(frozen: boolean): void;
  /** Epoch ms since the vCenter is frozen, undefined while it answers. */
  vcenterFrozenAt(): number | undefined;
  /** The vCenter refuses new logins (InvalidLogin), or accepts them again. */
  setVcenterRefusesLogins(refuse: boolean): Promise<void>;
  stop(): Promise<void>;
}

/** The name of the n-th simulated host (from 0): esx-001, esx-002, ... */
export function simulatedHostName(n: number): string {
  return `esx-${String(n + 1).padStart(3, '0')}`;
}

/** 127.20.0.1 + 300 -> 127.20.1.45 */
export function nthAddress(base: string, n: number): string {
  const parts = base.split('.').map(Number);
  let value = ((parts[1] << 16) | (parts[2] << 8) | parts[3]) + n;
  const d = value & 255;
  value >>= 8;
  return `127.${(value >> 8) & 255}.${value & 255}.${d}`;
}

/** mulberry32: a small seeded PRNG, so a fault pattern can be replayed. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function peakConcurrency(records: readonly JobRecord[], now: number): number {
  const events = records.flatMap((r) => [[r.startedAt, 1], [r.outcome === 'running' ? now + 1 : r.endedAt, -1]] as const);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let peak = 0;
  for (const [, delta] of events) peak = Math.max(peak, (current += delta));
  return peak;
}

async function writeCredential(options: SimulatorOptions, password: string): Promise<{ reference: string; cleanup: () => Promise<void> }> {
  if (options.passwordEnv) return { reference: `env:${options.passwordEnv}`, cleanup: async () => undefined };
  const dir = options.inventoryFile ? undefined : await mkdtemp(path.join(os.tmpdir(), 'vibflow-sim-'));
  const file = options.inventoryFile ? `${path.resolve(options.inventoryFile)}.password` : path.join(dir as string, 'password');
  await writeFile(file, password, { mode: 0o600 });
  await chmod(file, 0o600);
  return { reference: `file:${file}`, cleanup: async () => (dir ? rm(dir, { recursive: true, force: true }) : undefined) };
}

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  if (!Number.isInteger(options.hosts) || options.hosts < 1) throw new Error('hosts: must be a whole number >= 1');
  const envPassword = options.passwordEnv ? process.env[options.passwordEnv] : undefined;
  if (options.passwordEnv && !envPassword) throw new Error(`password-env: ${options.passwordEnv} is not set`);
  const password = options.password ?? envPassword ?? (process.env.VIBFLOW_SIMULATOR_PASSWORD || undefined) ?? randomBytes(12).toString('base64url');
  const user = options.user ?? 'root';
  const behaviour: FleetBehaviour = {
    installSeconds: options.installSeconds ?? 30,
    jobRetentionSeconds: options.jobRetentionSeconds ?? 300,
    invokeDelayMs: options.invokeDelayMs ?? 0,
    now: Date.now,
  };
  let faultRate = options.faultRate ?? 0;
  const random = seededRandom(options.seed ?? 1);
  const pickFault = (): Fault | undefined => (faultRate > 0 && random() < faultRate ? FAULTS[Math.floor(random() * FAULTS.length)] : undefined);
  const addressBase = options.addressBase ?? '127.20.0.1';
  const hostNames = Array.from({ length: options.hosts }, (_, i) => simulatedHostName(i));
  for (const [host, level] of Object.entries(options.acceptanceLevels ?? {})) {
    if (!hostNames.includes(host)) throw new Error(`acceptanceLevels: no simulated host named "${host}"`);
    if (!HOST_ACCEPTANCE_LEVELS.includes(level)) throw new Error(`acceptanceLevels.${host}: must be one of ${HOST_ACCEPTANCE_LEVELS.join(', ')}`);
  }
  const temporaryRoot = options.datastoreRoot ? undefined : await mkdtemp(path.join(os.tmpdir(), 'vibflow-datastores-'));
  const datastoreRoot = path.resolve(options.datastoreRoot ?? (temporaryRoot as string));
  const removeRoot = async () => (temporaryRoot ? rm(temporaryRoot, { recursive: true, force: true }) : undefined);
  let datastores: Datastores;
  try {
    datastores = await Datastores.create(datastoreRoot, options.datastores ?? [{ name: defaultDatastoreName(options.vcenter !== undefined) }], hostNames);
  } catch (err) {
    await removeRoot();
    throw err;
  }

  const servers: HostServer[] = [];
  const stopAll = async () => {
    await Promise.all(servers.map((s) => s.close()));
  };
  try {
    for (let i = 0; i < options.hosts; i++) {
      const name = hostNames[i];
      const ip = nthAddress(addressBase, i);
      const host = new SimulatedHost(name, behaviour, datastores);
      host.failure = options.failures?.[name];
      host.acceptanceLevel = options.acceptanceLevels?.[name] ?? host.acceptanceLevel;
      const certificate = options.http ? undefined : await makeHostCertificate(name, ip);
      const server = new HostServer(host, { ip, port: options.basePort ?? 5989, ...(certificate ? { certificate } : {}), user, password, behaviour, pickFault });
      await server.listen();
      servers.push(server);
    }
  } catch (err) {
    await stopAll();
    await removeRoot();
    throw err;
  }
  const byName = new Map(servers.map((s) => [s.host.name, s]));
  const server = (name: string) => {
    const found = byName.get(name);
    if (!found) throw new Error(`no simulated host named "${name}"`);
    return found;
  };

  const credential = await writeCredential(options, password);
  const hosts: SimulatedHostInfo[] = servers.map((s) => ({ name: s.host.name, url: s.url, user, ...(s.thumbprint ? { thumbprint: s.thumbprint } : {}) }));

  const stats = (): SimulatorStats => {
    const now = Date.now();
    const perHost: Record<string, HostStats> = {};
    const allJobs: JobRecord[] = [];
    let requests = 0;
    for (const s of servers) {
      const jobs = s.host.jobRecords();
      allJobs.push(...jobs);
      requests += Object.values(s.host.counters.operations).reduce((a, b) => a + b, 0);
      const { counters } = s.host;
      perHost[s.host.name] = {
        installFromUri: counters.installFromUri,
        operations: { ...counters.operations },
        lastRequestAt: { ...counters.lastRequestAt },
        faultsInjected: counters.faultsInjected,
        jobs,
        down: s.down,
        reboots: counters.reboots,
        ticketLogins: counters.ticketLogins,
        ticketsRefused: counters.ticketsRefused,
        refusesTickets: s.host.refusesTickets,
      };
    }
    const sum = (pick: (h: HostStats) => number) => Object.values(perHost).reduce((total, h) => total + pick(h), 0);
    return { hosts: perHost, fleet: { installFromUri: sum((h) => h.installFromUri), requests, faultsInjected: sum((h) => h.faultsInjected), peakConcurrentJobs: peakConcurrency(allJobs, now) } };
  };

  let control: ControlServer | undefined;
  let vcenter: SimulatedVcenter | undefined;
  const runningVcenter = () => {
    if (!vcenter) throw new Error('no simulated vCenter: start the simulator with the vcenter option');
    return vcenter;
  };
  const simulator: Simulator = {
    hosts,
    datastores: datastores.list,
    datastoreRoot,
    describeDatastores: () => datastores.describe(),
    inventory: {
      version: 1,
      hosts: hosts.map((h) => ({
        name: h.name,
        url: h.url,
        user,
        credential: credential.reference,
        ...(h.thumbprint ? { tls: { thumbprint: h.thumbprint } } : { allowHttp: true }),
      })),
    },
    stats,
    statsWithVcenter: async () => {
      const cim = stats();
      if (!vcenter) return cim;
      const seen = await vcenter.process.stats();
      return { ...cim, hosts: Object.fromEntries(Object.entries(cim.hosts).map(([name, host]) => [name, { ...host, vcenter: seen.hosts[name] }])), soapCalls: seen.soapCalls };
    },
    reset: () => servers.forEach((s) => s.host.resetCounters()),
    setFailure: (name, category) => {
      server(name).host.failure = category ?? undefined;
    },
    setFaultRate: (rate) => {
      if (!(rate >= 0 && rate <= 1)) throw new Error('fault rate: must be between 0 and 1');
      faultRate = rate;
    },
    setInvokeDelayMs: (ms) => {
      behaviour.invokeDelayMs = ms;
    },
    setInstallSeconds: (seconds) => {
      behaviour.installSeconds = seconds;
    },
    rebootHost: (name, seconds) => server(name).reboot(seconds),
    registerTicket: (name, ticket, seconds) => server(name).host.registerTicket(ticket, seconds),
    setRefuseTickets: (name, refuse) => {
      server(name).host.refusesTickets = refuse;
    },
    setVcenterFault: (name, fault) => runningVcenter().process.setFault(name, fault),
    setAcceptanceLevel: async (name, level) => {
      if (!HOST_ACCEPTANCE_LEVELS.includes(level)) throw new Error(`level: must be one of ${HOST_ACCEPTANCE_LEVELS.join(', ')}`);
      server(name).host.acceptanceLevel = level;
      await vcenter?.process.setAcceptanceLevel(name, level);
    },
    setDatastoreAccessible: async (name, host, accessible) => {
      server(host);
      datastores.setAccessible(name, host, accessible);
      await vcenter?.process.setDatastoreAccessible(name, host, accessible);
    },
    setVcenterFrozen: (frozen) => (frozen ? runningVcenter().process.freeze() : runningVcenter().process.thaw()),
    vcenterFrozenAt: () => vcenter?.process.frozenAt,
    setVcenterRefusesLogins: (refuse) => runningVcenter().process.refuseLogins(refuse),
    stop: async () => {
      await vcenter?.process.stop();
      await control?.close();
      await stopAll();
      await credential.cleanup();
      await removeRoot();
    },
  };
  try {
    const controlPort = options.controlPort ?? (options.vcenter ? 0 : undefined);
    if (controlPort !== undefined) {
      control = await startControlServer(simulator, controlPort);
      Object.assign(simulator, { controlUrl: control.url, inventory: { ...simulator.inventory, controlUrl: control.url } });
    }
    if (options.vcenter && control) {
      const endpoints = servers.map((s) => ({ name: s.host.name, url: s.url, ...(s.certificatePem ? { certificatePem: s.certificatePem } : {}) }));
      const acceptanceLevels = Object.fromEntries(servers.map((s) => [s.host.name, s.host.acceptanceLevel]));
      vcenter = await startVcenter({ options: options.vcenter, hosts: endpoints, datastores: datastores.list, acceptanceLevels, password, credential: credential.reference, cimControlUrl: control.url, log: options.log ?? (() => undefined) });
      Object.assign(simulator, { vcenter: vcenter.info, vcenterInventory: vcenterInventory(vcenter.info, endpoints, control.url) });
      // vCenter shows an applied install as summary.rebootRequired until the host reboots.
      const process = vcenter.process;
      for (const s of servers) s.host.onInstallApplied = (rebootRequired) => void (rebootRequired ? process.setRebootRequired(s.host.name, true).catch(() => undefined) : undefined);
    }
  } catch (err) {
    await simulator.stop();
    throw err;
  }
  const written = simulator.vcenterInventory ?? simulator.inventory;
  if (options.inventoryFile) await writeFile(options.inventoryFile, `${JSON.stringify(written, null, 2)}\n`);
  return simulator;
}
