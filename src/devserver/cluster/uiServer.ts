/** The Temporal Web UI server (the one the temporal CLI embeds), talking to the cluster's client address. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { address, LOOPBACK, NAMESPACE, type ClusterPaths, type ClusterPorts } from './layout';
import { spawnDetached, type ProcessRecord } from './processes';

const UI_ENV = 'cluster';

export const uiUrl = (ports: ClusterPorts): string => `http://${LOOPBACK}:${ports.ui}`;

function writeUiConfig(paths: ClusterPaths, ports: ClusterPorts): void {
  const dir = path.join(paths.uiRoot, 'config');
  mkdirSync(dir, { recursive: true });
  const config = [
    `temporalGrpcAddress: ${address(ports.client)}`,
    `host: ${LOOPBACK}`,
    `port: ${ports.ui}`,
    'enableUi: true',
    `defaultNamespace: ${NAMESPACE}`,
    'notifyOnNewVersion: false',
    'cors:',
    '  cookieInsecure: true # plain HTTP on loopback',
    `  allowOrigins: ["${uiUrl(ports)}", "http://localhost:${ports.ui}"]`,
  ];
  writeFileSync(path.join(dir, `${UI_ENV}.yaml`), `${config.join('\n')}\n`);
}

export function startUiServer(uiBinary: string, paths: ClusterPaths, ports: ClusterPorts): ProcessRecord {
  writeUiConfig(paths, ports);
  return spawnDetached({
    name: 'ui',
    role: 'ui-server',
    address: uiUrl(ports),
    command: uiBinary,
    args: ['--root', paths.uiRoot, '--config', 'config', '--env', UI_ENV, 'start'],
    log: paths.log('ui'),
  });
}
