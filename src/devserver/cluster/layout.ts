/** Where a cluster lives: its directory, files and loopback ports. Pure. */
import path from 'node:path';

export const LOOPBACK = '127.0.0.1';
export const NAMESPACE = 'default';
export const DEFAULT_CLUSTER_DIR = path.resolve(__dirname, '../../..', '.vibflow', 'cluster');

export interface ClusterPorts {
  /** The one address clients use (the proxy in front of both frontends). */
  readonly client: number;
  readonly ui: number;
  readonly postgres: number;
  /** The first of 10 consecutive ports per Temporal node (20 for both). */
  readonly nodes: number;
}

export const DEFAULT_PORTS: ClusterPorts = { client: 7233, ui: 8080, postgres: 55432, nodes: 7240 };

/** Temporal keeps membership ports in a smallint column: every node port must stay below 32768. */
export const MAX_FIRST_NODE_PORT = 32_767 - 19;

export const NODE_NAMES = ['node-1', 'node-2'] as const;
export type NodeName = (typeof NODE_NAMES)[number];

export interface NodePorts {
  readonly frontend: number;
  readonly frontendHttp: number;
  readonly history: number;
  readonly matching: number;
  readonly worker: number;
  readonly frontendMembership: number;
  readonly historyMembership: number;
  readonly matchingMembership: number;
  readonly workerMembership: number;
  readonly metrics: number;
}

const NODE_PORT_ORDER: readonly (keyof NodePorts)[] = [
  'frontend', 'frontendHttp', 'history', 'matching', 'worker',
  'frontendMembership', 'historyMembership', 'matchingMembership', 'workerMembership', 'metrics',
];

export function nodePorts(ports: ClusterPorts, node: NodeName): NodePorts {
  const first = ports.nodes + NODE_NAMES.indexOf(node) * NODE_PORT_ORDER.length;
  return Object.fromEntries(NODE_PORT_ORDER.map((name, i) => [name, first + i])) as unknown as NodePorts;
}

export const address = (port: number): string => `${LOOPBACK}:${port}`;

export interface ClusterPaths {
  readonly dir: string;
  readonly state: string;
  readonly lock: string;
  readonly postgresData: string;
  readonly postgresPassword: string;
  readonly uiRoot: string;
  log(name: string): string;
}

export function clusterPaths(dir: string): ClusterPaths {
  const root = path.resolve(dir);
  return {
    dir: root,
    state: path.join(root, 'cluster.json'),
    lock: path.join(root, 'cluster.lock'),
    postgresData: path.join(root, 'postgresql'),
    postgresPassword: path.join(root, 'postgresql.password'),
    uiRoot: path.join(root, 'ui'),
    log: (name) => path.join(root, 'logs', `${name}.log`),
  };
}
