/** The frontend proxy (frontendProxy.ts) as a detached process of its own, in front of every node. */
import path from 'node:path';
import { address, NODE_NAMES, nodePorts, type ClusterPaths, type ClusterPorts } from './layout';
import { spawnDetached, type ProcessRecord } from './processes';

export function spawnFrontendProxy(paths: ClusterPaths, ports: ClusterPorts): ProcessRecord {
  const main = path.join(__dirname, `frontendProxyMain${path.extname(__filename)}`);
  // From the TypeScript sources (a checkout, the tests) through ts-node, as bin/vibflow.js does.
  const fromSources = main.endsWith('.ts');
  return spawnDetached({
    name: 'proxy',
    role: 'frontend-proxy',
    address: address(ports.client),
    command: process.execPath,
    args: [
      ...(fromSources ? ['-r', require.resolve('ts-node/register/transpile-only')] : []),
      main,
      address(ports.client),
      ...NODE_NAMES.map((node) => address(nodePorts(ports, node).frontend)),
    ],
    env: fromSources ? { ...process.env, TS_NODE_SWC: 'true', TS_NODE_PROJECT: path.resolve(__dirname, '../../..', 'tsconfig.json') } : process.env,
    log: paths.log('proxy'),
  });
}
