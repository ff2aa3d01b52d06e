/**
 * A fleet that spans several vCenters, as real ones do (a vCenter manages at most 2,500 hosts):
 * N simulated vCenters, each its own vcsim process with its own port, certificate and password,
 * each with its own simulated ESXi hosts on their own loopback addresses. Host names repeat
 * across vCenters (esx-001 in every one), because host names are unique within a vCenter only.
 * One inventory in the `vcenters` form names them all; one control endpoint steers them:
 *
 *   GET  /stats                       per vCenter: its hosts' counters (and vCenter view), SOAP calls, frozen, refusing logins
 *   POST /vcenters/NAME/freeze        SIGSTOP the vCenter's process: it stops answering, sockets open
 *   POST /vcenters/NAME/thaw          SIGCONT: it answers again
 *   POST /vcenters/NAME/refuse-logins {"refuse": true|false}: new logins fail with InvalidLogin
 *   ANY  /vcenters/NAME/REST          the vCenter's own simulator control endpoint (see control.ts)
 */
import { randomBytes } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { VcentersInventory } from '../inventory/inventory';
import { nthAddress, startSimulator, type Simulator, type SimulatorOptions, type SimulatorStats } from './index';
import type { VcenterOptions } from './vcenter';

export interface VcenterFleetOptions {
  readonly vcenters: number;
  /** Clusters per vCenter. */
  readonly clusters: number;
  /** Hosts per cluster. */
  readonly hostsPerCluster: number;
  /** What every vCenter's hosts do (install time, faults, ...), as for one simulator. */
  readonly hosts?: Omit<SimulatorOptions, 'hosts' | 'addressBase' | 'password' | 'passwordEnv' | 'inventoryFile' | 'controlPort' | 'vcenter' | 'log'>;
  /** How every vCenter behaves (reboot and maintenance-mode times, ...); faults apply in every one. */
  readonly vcenter?: Omit<VcenterOptions, 'clusters'>;
  /** First loopback address; each vCenter's hosts take the next consecutive ones. */
  readonly addressBase?: string;
  /** The vCenters' names, vc-1, vc-2, ... by default. */
  readonly names?: readonly string[];
  /** Where to write the inventory; each password is written beside it (INVENTORY.NAME.password, mode 0600). */
  readonly inventoryFile?: string;
  /** Port of the fleet's control endpoint (0 = ephemeral, the default). */
  readonly controlPort?: number;
  readonly log?: (line: string) => void;
}

export interface VcenterFleetStats {
  readonly vcenters: Readonly<Record<string, SimulatorStats & { readonly frozen: boolean; readonly frozenSince: string | null; readonly refusingLogins: boolean }>>;
  /** soapCalls: SOAP requests the vCenters answered, all methods of the vCenters not frozen; soapCallsByMethod: the same by method. */
  readonly fleet: { readonly installFromUri: number; readonly reboots: number; readonly hosts: number; readonly soapCalls: number; readonly soapCallsByMethod: Readonly<Record<string, number>> };
}

export interface VcenterFleet {
  readonly vcenters: readonly { readonly name: string; readonly simulator: Simulator }[];
  readonly inventory: VcentersInventory;
  readonly controlUrl: string;
  vcenter(name: string): Simulator;
  stats(): Promise<VcenterFleetStats>;
  freeze(name: string): void;
  thaw(name: string): void;
  refuseLogins(name: string, refuse: boolean): Promise<void>;
  stop(): Promise<void>;
}

/** The vCenters' simulators stop at most this many at a time (each is a process and a fleet of sockets). */
function checkFleetOptions(options: VcenterFleetOptions): string[] {
  const whole = (field: keyof VcenterFleetOptions, value: number, max: number) => {
    if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${field}: must be a whole number between 1 and ${max}`);
  };
  whole('vcenters', options.vcenters, 64);
  whole('clusters', options.clusters, 10_000);
  whole('hostsPerCluster', options.hostsPerCluster, 10_000);
  const names = options.names ?? Array.from({ length: options.vcenters }, (_, i) => `vc-${i + 1}`);
  if (names.length !== options.vcenters) throw new Error(`names: ${names.length} names for ${options.vcenters} vCenters`);
  if (new Set(names.map((n) => n.toLowerCase())).size !== names.length) throw new Error('names: must be different from each other');
  return [...names];
}

async function writePassword(inventoryFile: string, name: string, password: string): Promise<string> {
  const file = `${path.resolve(inventoryFile)}.${name}.password`;
  await writeFile(file, password, { mode: 0o600 });
  await chmod(file, 0o600);
  return `file:${file}`;
}

/** The fleet inventory: every vCenter under its name, each host's CIM URL as an override. */
function fleetInventory(vcenters: readonly { name: string; simulator: Simulator; credential: string }[], controlUrl: string): VcentersInventory {
  return {
    version: 1,
    controlUrl,
    vcenters: vcenters.map(({ name, simulator, credential }) => {
      const one = simulator.vcenterInventory;
      if (!one) throw new Error(`vCenter ${name}: its simulator has no vCenter`);
      return { name, ...one.vcenter, credential, cimUrlTemplate: one.cimUrlTemplate, hosts: one.hosts };
    }),
  };
}

export async function startVcenterFleet(options: VcenterFleetOptions): Promise<VcenterFleet> {
  const names = checkFleetOptions(options);
  const perVcenter = options.clusters * options.hostsPerCluster;
  const addressBase = options.addressBase ?? '127.20.0.1';
  const started: { name: string; simulator: Simulator; credential: string }[] = [];
  const stopAll = async () => {
    await Promise.all(started.map((v) => v.simulator.stop().catch(() => undefined)));
  };
  try {
    // One after another: each builds a certificate per host and starts a Go process.
    for (const [i, name] of names.entries()) {
      // Each vCenter its own password; the tests' secret canary (VIBFLOW_SIMULATOR_PASSWORD) is in every one.
      const canary = process.env.VIBFLOW_SIMULATOR_PASSWORD;
      const password = `${canary ? `${canary}-${name}-` : ''}${randomBytes(12).toString('base64url')}`;
      const simulator = await startSimulator({
        ...options.hosts,
        // Each vCenter its own datastores: DIR/<vCenter>/<datastore>/ when a root is given.
        ...(options.hosts?.datastoreRoot ? { datastoreRoot: path.join(options.hosts.datastoreRoot, name) } : {}),
        hosts: perVcenter,
        addressBase: nthAddress(addressBase, i * perVcenter),
        password,
        controlPort: 0,
        vcenter: { ...options.vcenter, clusters: options.clusters },
        ...(options.log ? { log: options.log } : {}),
      });
      const credential = options.inventoryFile ? await writePassword(options.inventoryFile, name, password) : (simulator.vcenter?.credential as string);
      started.push({ name, simulator, credential });
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  const byName = new Map(started.map((v) => [v.name.toLowerCase(), v.simulator]));
  const vcenter = (name: string): Simulator => {
    const found = byName.get(name.toLowerCase());
    if (!found) throw new Error(`no simulated vCenter named "${name}" (they are ${names.join(', ')})`);
    return found;
  };
  const refusing = new Set<string>();

  const stats = async (): Promise<VcenterFleetStats> => {
    const perVcenterStats = await Promise.all(started.map(async ({ name, simulator }) => {
      const frozenAt = simulator.vcenterFrozenAt();
      // A frozen vCenter cannot tell its view of the hosts: its CIM hosts' counters still count.
      const counted = frozenAt === undefined ? await simulator.statsWithVcenter() : simulator.stats();
      return [name, { ...counted, frozen: frozenAt !== undefined, frozenSince: frozenAt === undefined ? null : new Date(frozenAt).toISOString(), refusingLogins: refusing.has(name) }] as const;
    }));
    const all = perVcenterStats.flatMap(([, s]) => Object.values(s.hosts));
    const soapCallsByMethod: Record<string, number> = {};
    for (const [, s] of perVcenterStats) for (const [method, n] of Object.entries(s.soapCalls ?? {})) soapCallsByMethod[method] = (soapCallsByMethod[method] ?? 0) + n;
    return {
      vcenters: Object.fromEntries(perVcenterStats),
      fleet: {
        installFromUri: all.reduce((n, h) => n + h.installFromUri, 0),
        reboots: all.reduce((n, h) => n + h.reboots, 0),
        hosts: all.length,
        soapCalls: Object.values(soapCallsByMethod).reduce((a, b) => a + b, 0),
        soapCallsByMethod,
      },
    };
  };

  const fleet: VcenterFleet = {
    vcenters: started.map(({ name, simulator }) => ({ name, simulator })),
    inventory: fleetInventory(started, ''),
    controlUrl: '',
    vcenter,
    stats,
    freeze: (name) => vcenter(name).setVcenterFrozen(true),
    thaw: (name) => vcenter(name).setVcenterFrozen(false),
    refuseLogins: async (name, refuse) => {
      const canonical = names.find((n) => n.toLowerCase() === name.toLowerCase()) ?? name;
      await vcenter(name).setVcenterRefusesLogins(refuse);
      if (refuse) refusing.add(canonical);
      else refusing.delete(canonical);
    },
    stop: async () => {
      await control?.close();
      await stopAll();
    },
  };
  let control: { url: string; close(): Promise<void> } | undefined;
  try {
    control = await startFleetControl(fleet, options.controlPort ?? 0);
    Object.assign(fleet, { controlUrl: control.url, inventory: fleetInventory(started, control.url) });
    if (options.inventoryFile) await writeFile(options.inventoryFile, `${JSON.stringify(fleet.inventory, null, 2)}\n`);
  } catch (err) {
    await fleet.stop();
    throw err;
  }
  return fleet;
}

const VCENTER_ROUTE = /^\/vcenters\/([^/]+)(\/.*)$/;

async function jsonBody(req: http.IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 64 * 1024) throw new Error('body too large');
  }
  return text;
}

/** One vCenter's action, or its simulator's own control endpoint behind the fleet's. */
async function vcenterAction(fleet: VcenterFleet, name: string, rest: string, method: string, body: string, search: string): Promise<{ status: number; body: unknown }> {
  const simulator = fleet.vcenter(name);
  if (method === 'POST' && rest === '/freeze') return { status: 200, body: (fleet.freeze(name), { ok: true }) };
  if (method === 'POST' && rest === '/thaw') return { status: 200, body: (fleet.thaw(name), { ok: true }) };
  if (method === 'POST' && rest === '/refuse-logins') {
    const refuse = (body ? (JSON.parse(body) as { refuse?: unknown }) : {}).refuse;
    if (typeof refuse !== 'boolean') throw new Error('refuse: must be true or false');
    await fleet.refuseLogins(name, refuse);
    return { status: 200, body: { ok: true } };
  }
  const res = await fetch(`${simulator.controlUrl}${rest}${search}`, { method, ...(body ? { body, headers: { 'content-type': 'application/json' } } : {}) });
  return { status: res.status, body: res.status === 404 ? { error: `no such action: ${rest}` } : await res.json() };
}

function startFleetControl(fleet: VcenterFleet, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://control');
        const body = await jsonBody(req);
        const route = VCENTER_ROUTE.exec(url.pathname);
        let answer: { status: number; body: unknown };
        if (req.method === 'GET' && url.pathname === '/stats') answer = { status: 200, body: await fleet.stats() };
        else if (route) answer = await vcenterAction(fleet, decodeURIComponent(route[1]), route[2], req.method ?? 'GET', body, url.search);
        else answer = { status: 404, body: { error: `no such action: ${url.pathname}` } };
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      } catch (err) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (err as Error).message }));
      }
    })();
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    }),
  })));
}
