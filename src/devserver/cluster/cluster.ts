/**
 * `vibflow cluster up|down|status`: the production topology on one machine. PostgreSQL, two
 * Temporal server nodes, a proxy giving clients one address in front of both frontends, and the
 * Web UI; all detached, recorded in the cluster directory, so they outlive the command.
 */
import { mkdirSync } from 'node:fs';
import { resolveClusterBinaries } from './binaries';
import { spawnFrontendProxy } from './frontendProxyProcess';
import {
  address, clusterPaths, DEFAULT_CLUSTER_DIR, DEFAULT_PORTS, LOOPBACK, NAMESPACE, NODE_NAMES, nodePorts,
  type ClusterPaths, type ClusterPorts,
} from './layout';
import { ensureDataDirectory, findPostgres, postgresAccepts, postgresPassword, startPostgres } from './postgres';
import { isRunning, stopProcess, type ProcessRecord, type Role } from './processes';
import { namespaceReady, registerNamespace } from './namespace';
import { frontendAnswers, httpAnswers, portInUse, waitUntilAnswers } from './readiness';
import { applySchemas } from './schema';
import { readState, writeState, withLock, type ClusterState } from './state';
import { startTemporalNode } from './temporalNode';
import { startUiServer, uiUrl } from './uiServer';

export interface ClusterOptions {
  /** Defaults to .vibflow/cluster in the checkout. */
  readonly dir?: string;
  /** Ports for this and later `up`s (they are remembered); the defaults otherwise. */
  readonly ports?: Partial<ClusterPorts>;
  readonly log?: (line: string) => void;
}

export interface ProcessStatus {
  readonly name: string;
  readonly role: Role;
  readonly pid: number | null;
  readonly address: string;
  readonly running: boolean;
}

export interface ClusterStatus {
  readonly dir: string;
  /** Every part is running. */
  readonly up: boolean;
  readonly clientAddress: string;
  readonly uiUrl: string;
  readonly namespace: string;
  readonly processes: readonly ProcessStatus[];
}

interface Part {
  readonly name: string;
  readonly role: Role;
  address(ports: ClusterPorts): string;
  /** Every port the part listens on, to refuse a start on a taken one. */
  listens(ports: ClusterPorts): number[];
  stop(record: ProcessRecord): Promise<void>;
}

const terminate = (graceMs: number) => (record: ProcessRecord) => stopProcess(record, 'SIGTERM', graceMs);

/** In start order; stopped in reverse. */
const PARTS: readonly Part[] = [
  {
    name: 'postgresql', role: 'postgresql',
    address: (ports) => address(ports.postgres),
    listens: (ports) => [ports.postgres],
    // SIGINT is PostgreSQL's fast shutdown; SIGQUIT its immediate one.
    stop: (record) => stopProcess(record, 'SIGINT', 30_000, 'SIGQUIT'),
  },
  ...NODE_NAMES.map((node): Part => ({
    name: node, role: 'temporal-server',
    address: (ports) => address(nodePorts(ports, node).frontend),
    listens: (ports) => Object.values(nodePorts(ports, node)),
    stop: terminate(10_000),
  })),
  { name: 'proxy', role: 'frontend-proxy', address: (ports) => address(ports.client), listens: (ports) => [ports.client], stop: terminate(5_000) },
  { name: 'ui', role: 'ui-server', address: uiUrl, listens: (ports) => [ports.ui], stop: terminate(5_000) },
];

const partNamed = (name: string): Part => PARTS.find((part) => part.name === name) as Part;
const partsWithRole = (role: Role): Part[] => PARTS.filter((part) => part.role === role);

function runningRecords(state: ClusterState | undefined): Record<string, ProcessRecord> {
  return Object.fromEntries(Object.values(state?.processes ?? {}).filter(isRunning).map((record) => [record.name, record]));
}

function statusOf(paths: ClusterPaths, ports: ClusterPorts, records: Readonly<Record<string, ProcessRecord>>): ClusterStatus {
  const processes = PARTS.map((part): ProcessStatus => {
    const record = records[part.name];
    return { name: part.name, role: part.role, pid: record?.pid ?? null, address: part.address(ports), running: record !== undefined && isRunning(record) };
  });
  return { dir: paths.dir, up: processes.every((p) => p.running), clientAddress: address(ports.client), uiUrl: uiUrl(ports), namespace: NAMESPACE, processes };
}

export function clusterStatus(options: ClusterOptions = {}): ClusterStatus {
  const paths = clusterPaths(options.dir ?? DEFAULT_CLUSTER_DIR);
  const state = readState(paths);
  return statusOf(paths, { ...DEFAULT_PORTS, ...state?.ports }, state?.processes ?? {});
}

async function assertPortsFree(parts: readonly Part[], ports: ClusterPorts): Promise<void> {
  for (const part of parts) {
    for (const port of part.listens(ports)) {
      if (await portInUse(LOOPBACK, port)) {
        throw new Error(`port ${address(port)} (${part.name}) is already in use by another process: free it, or choose other ports (vibflow cluster up --help)`);
      }
    }
  }
}

const definedPorts = (ports: Partial<ClusterPorts> = {}): Partial<ClusterPorts> =>
  Object.fromEntries(Object.entries(ports).filter(([, value]) => value !== undefined));
const samePorts = (a: ClusterPorts, b: ClusterPorts): boolean => (Object.keys(DEFAULT_PORTS) as (keyof ClusterPorts)[]).every((key) => a[key] === b[key]);
const describePorts = (p: ClusterPorts): string => `client ${p.client}, UI ${p.ui}, PostgreSQL ${p.postgres}, nodes from ${p.nodes}`;

/**
 * Starts whatever part is not running and returns once every part answers: PostgreSQL accepts
 * connections, both frontends reach a history shard and see the namespace with vibflow's search
 * attributes, the proxy answers, the UI serves. Idempotent; on failure it stops what it started.
 */
export async function clusterUp(options: ClusterOptions = {}): Promise<{ status: ClusterStatus; started: string[] }> {
  const log = options.log ?? (() => undefined);
  const paths = clusterPaths(options.dir ?? DEFAULT_CLUSTER_DIR);
  mkdirSync(paths.dir, { recursive: true, mode: 0o755 });
  return withLock(paths, 'up', async () => {
    const previous = readState(paths);
    const records = runningRecords(previous);
    const ports: ClusterPorts = { ...DEFAULT_PORTS, ...previous?.ports, ...definedPorts(options.ports) };
    if (previous && Object.keys(records).length > 0 && !samePorts(previous.ports, ports)) {
      throw new Error(`the cluster in ${paths.dir} runs on other ports (${describePorts(previous.ports)}): run \`vibflow cluster down\` first to change them`);
    }
    await assertPortsFree(PARTS.filter((part) => !records[part.name]), ports);
    const binaries = resolveClusterBinaries(log);
    const postgres = findPostgres();
    ensureDataDirectory(postgres, paths, log);

    const started: ProcessRecord[] = [];
    const save = () => writeState(paths, { ports, processes: records });
    const launch = (name: string, start: () => ProcessRecord) => {
      if (records[name]) return;
      const record = start();
      records[name] = record;
      started.push(record);
      save();
      log(`started ${record.name} (${record.role}), pid ${record.pid}, on ${record.address}`);
    };
    const clientAddress = address(ports.client);
    try {
      launch('postgresql', () => startPostgres(postgres, paths, ports.postgres));
      await waitUntilAnswers(records.postgresql, () => postgresAccepts(postgres, ports.postgres), 60_000);
      const dbPassword = postgresPassword(paths);
      applySchemas(binaries.sqlTool, ports.postgres, dbPassword);

      // One after the other: on a new database the first node to start writes the cluster metadata.
      for (const node of NODE_NAMES) {
        launch(node, () => startTemporalNode(binaries.server, paths, { ports, node, dbPassword }));
        await waitUntilAnswers(records[node], () => frontendAnswers(records[node].address), 120_000);
      }

      launch('proxy', () => spawnFrontendProxy(paths, ports));
      await waitUntilAnswers(records.proxy, () => frontendAnswers(clientAddress), 30_000);
      await registerNamespace(clientAddress);
      // Each node's namespace cache refreshes on its own (every 10 s by default).
      await Promise.all(NODE_NAMES.map((node) => waitUntilAnswers(records[node], () => namespaceReady(records[node].address), 60_000)));

      launch('ui', () => startUiServer(binaries.uiServer, paths, ports));
      await waitUntilAnswers(records.ui, () => httpAnswers(uiUrl(ports)), 60_000);
    } catch (err) {
      for (const record of started.reverse()) {
        await partNamed(record.name).stop(record);
        delete records[record.name];
      }
      save();
      throw err;
    }
    save();
    return { status: statusOf(paths, ports, records), started: started.map((record) => record.name) };
  });
}

/** Stops exactly the processes `up` recorded (still the same processes), UI first, PostgreSQL last. */
export async function clusterDown(options: ClusterOptions = {}): Promise<{ dir: string; stopped: string[] }> {
  const log = options.log ?? (() => undefined);
  const paths = clusterPaths(options.dir ?? DEFAULT_CLUSTER_DIR);
  if (!readState(paths)) return { dir: paths.dir, stopped: [] };
  return withLock(paths, 'down', async () => {
    const state = readState(paths) as ClusterState;
    const records = runningRecords(state);
    const stopped: string[] = [];
    const stop = async (part: Part) => {
      const record = records[part.name];
      if (!record) return;
      await part.stop(record);
      stopped.push(part.name);
      log(`stopped ${part.name} (pid ${record.pid})`);
    };
    for (const role of ['ui-server', 'frontend-proxy', 'temporal-server', 'postgresql'] as const) {
      await Promise.all(partsWithRole(role).map(stop));
    }
    writeState(paths, { ports: state.ports, processes: {} });
    return { dir: paths.dir, stopped };
  });
}
