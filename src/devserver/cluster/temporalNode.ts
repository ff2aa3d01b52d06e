/**
 * One Temporal server node running every service (frontend, history, matching, worker) on the
 * same config file and dynamic config as temporal-docker's compose file; the nodes find each
 * other through ringpop on loopback, seeded from the membership table in PostgreSQL.
 */
import path from 'node:path';
import { address, LOOPBACK, nodePorts, type ClusterPaths, type ClusterPorts, type NodeName } from './layout';
import { DB_USER } from './postgres';
import { spawnDetached, type ProcessRecord } from './processes';

export const TEMPORAL_DOCKER_DIR = path.resolve(__dirname, '../../..', 'temporal-docker');
/** temporal-docker/config/temporal.yaml, read by the server as `--config config --env temporal`. */
export const SERVER_CONFIG_FILE = path.join(TEMPORAL_DOCKER_DIR, 'config', 'temporal.yaml');
export const DYNAMIC_CONFIG_FILE = path.join(TEMPORAL_DOCKER_DIR, 'dynamicconfig', 'development-sql.yaml');

/** `temporal-server` arguments, the same in compose (root /etc/temporal) and here (root temporal-docker). */
export function serverArguments(root: string): string[] {
  return ['--root', root, '--config', 'config', '--env', path.basename(SERVER_CONFIG_FILE, '.yaml'), '--allow-no-auth', 'start'];
}

export interface NodeSettings {
  readonly ports: ClusterPorts;
  readonly node: NodeName;
  readonly dbPassword: string;
}

/** The variables temporal.yaml reads; compose sets the same names for its node. */
export function nodeEnvironment({ ports, node, dbPassword }: NodeSettings): Record<string, string> {
  const own = nodePorts(ports, node);
  return {
    TEMPORAL_LOG_LEVEL: 'warn',
    TEMPORAL_DB_ADDRESS: address(ports.postgres),
    TEMPORAL_DB_USER: DB_USER,
    TEMPORAL_DB_PASSWORD: dbPassword,
    TEMPORAL_BIND_IP: LOOPBACK,
    TEMPORAL_BROADCAST_ADDRESS: LOOPBACK,
    TEMPORAL_METRICS_ADDRESS: address(own.metrics),
    TEMPORAL_FRONTEND_PORT: String(own.frontend),
    TEMPORAL_FRONTEND_HTTP_PORT: String(own.frontendHttp),
    TEMPORAL_FRONTEND_MEMBERSHIP_PORT: String(own.frontendMembership),
    TEMPORAL_HISTORY_PORT: String(own.history),
    TEMPORAL_HISTORY_MEMBERSHIP_PORT: String(own.historyMembership),
    TEMPORAL_MATCHING_PORT: String(own.matching),
    TEMPORAL_MATCHING_MEMBERSHIP_PORT: String(own.matchingMembership),
    TEMPORAL_WORKER_PORT: String(own.worker),
    TEMPORAL_WORKER_MEMBERSHIP_PORT: String(own.workerMembership),
    TEMPORAL_CLUSTER_ADDRESS: address(ports.client),
    TEMPORAL_DYNAMIC_CONFIG_FILE: DYNAMIC_CONFIG_FILE,
  };
}

export function startTemporalNode(serverBinary: string, paths: ClusterPaths, settings: NodeSettings): ProcessRecord {
  return spawnDetached({
    name: settings.node,
    role: 'temporal-server',
    address: address(nodePorts(settings.ports, settings.node).frontend),
    command: serverBinary,
    args: serverArguments(TEMPORAL_DOCKER_DIR),
    env: { ...process.env, ...nodeEnvironment(settings) },
    log: paths.log(settings.node),
  });
}
