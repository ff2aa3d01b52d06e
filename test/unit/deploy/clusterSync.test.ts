/**
 * temporal-docker's compose file and `vibflow cluster` run the same Temporal: server version,
 * config file, dynamic config, schema steps, namespace and UI version. The config is rendered by
 * the real server binary with each side's environment and the two results compared.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { resolveGoBinary, TEMPORAL_SERVER, TEMPORAL_SERVER_VERSION, UI_SERVER_VERSION } from '../../../src/devserver/cluster/binaries';
import { DEFAULT_PORTS } from '../../../src/devserver/cluster/layout';
import { NAMESPACE_RETENTION } from '../../../src/devserver/cluster/namespace';
import { SCHEMAS, schemaSteps } from '../../../src/devserver/cluster/schema';
import { DYNAMIC_CONFIG_FILE, nodeEnvironment, SERVER_CONFIG_FILE, serverArguments, TEMPORAL_DOCKER_DIR } from '../../../src/devserver/cluster/temporalNode';

interface Service {
  image?: string;
  command?: string | string[];
  entrypoint?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
}

const compose = parse(readFileSync(path.join(TEMPORAL_DOCKER_DIR, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const temporal = compose.services.temporal;
const script = (service: Service) => [service.command ?? ''].flat().join('\n');
const tagOf = (image = '') => image.slice(image.lastIndexOf(':') + 1);
/** compose's `${VAR:-default}`, taken at its default as with an empty .env. */
const withDefaults = (value: string | number) => String(value).replace(/\$\{\w+:-([^}]*)\}/g, '$1');

/** The host path a container path comes from, through the service's bind mounts. */
function hostPathOf(service: Service, containerPath: string): string | undefined {
  for (const volume of service.volumes ?? []) {
    const [source, target] = volume.split(':');
    if (containerPath === target || containerPath.startsWith(`${target}/`)) return path.join(path.resolve(TEMPORAL_DOCKER_DIR, source), containerPath.slice(target.length));
  }
  return undefined;
}

/** Every leaf path at which two parsed documents differ. */
function differences(a: unknown, b: unknown, at = ''): string[] {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((key) => differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], at ? `${at}.${key}` : key));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [at];
}

describe('temporal-docker and vibflow cluster run the same Temporal', () => {
  let server: string;

  beforeAll(() => {
    server = resolveGoBinary(TEMPORAL_SERVER, (line) => process.stdout.write(`${line}\n`));
  }, 15 * 60_000);

  function render(env: Record<string, string>): unknown {
    // render-config reads --config relative to the working directory, ignoring --root.
    const result = spawnSync(server, [...serverArguments(TEMPORAL_DOCKER_DIR).slice(0, -2), 'render-config'], { cwd: TEMPORAL_DOCKER_DIR, encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
    expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({ status: 0, stderr: '' });
    return parse(result.stdout);
  }

  it('runs one server version: the images, the module built from source, the binary', () => {
    expect(tagOf(temporal.image)).toBe(TEMPORAL_SERVER_VERSION);
    for (const name of ['temporal-schema', 'temporal-admin-tools', 'register-search-attributes']) {
      expect({ name, tag: tagOf(compose.services[name].image) }).toEqual({ name, tag: expect.stringMatching(new RegExp(`^${TEMPORAL_SERVER_VERSION.replace(/\./g, '\\.')}(-|$)`)) });
    }
    expect(TEMPORAL_SERVER.module).toBe(`go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`);
    expect(spawnSync(server, ['--version'], { encoding: 'utf8' }).stdout.trim()).toBe(`temporal version ${TEMPORAL_SERVER_VERSION}`);
    expect(tagOf(compose.services['temporal-ui'].image)).toBe(UI_SERVER_VERSION);
  });

  it('starts temporal-server with the same arguments on the same config file and dynamic config', () => {
    expect(temporal.command).toEqual(serverArguments('/etc/temporal'));
    expect(temporal.entrypoint?.join(' ')).toMatch(/exec temporal-server "\$\$@"/);
    expect(hostPathOf(temporal, '/etc/temporal/config/temporal.yaml')).toBe(SERVER_CONFIG_FILE);
    expect(hostPathOf(temporal, String(temporal.environment?.TEMPORAL_DYNAMIC_CONFIG_FILE))).toBe(DYNAMIC_CONFIG_FILE);
  });

  it('sets, on both sides, only variables the config reads; the cluster sets every one', () => {
    const read = new Set([...readFileSync(SERVER_CONFIG_FILE, 'utf8').matchAll(/env "(\w+)"/g)].map((m) => m[1]));
    const cluster = nodeEnvironment({ ports: DEFAULT_PORTS, node: 'node-1', dbPassword: 'unused' });
    expect(Object.keys(cluster).sort()).toEqual([...read].sort());
    const composeSets = [...Object.keys(temporal.environment ?? {}), 'TEMPORAL_BROADCAST_ADDRESS'];
    for (const name of composeSets) expect({ name, read: read.has(name) }).toEqual({ name, read: true });
  });

  it('renders, from either side, a config that differs only in addresses, ports and log level', () => {
    const fromCompose = render({ ...Object.fromEntries(Object.entries(temporal.environment ?? {}).map(([k, v]) => [k, withDefaults(v)])), TEMPORAL_BROADCAST_ADDRESS: '172.18.0.3' });
    const fromCluster = render(nodeEnvironment({ ports: DEFAULT_PORTS, node: 'node-1', dbPassword: 'unused' }));
    const rpc = (service: string) => ['grpcPort', 'membershipPort', 'bindOnIP', ...(service === 'frontend' ? ['httpPort'] : [])].map((key) => `services.${service}.rpc.${key}`);
    // (render-config masks passwords)
    const sql = (store: string) => `persistence.datastores.${store}.sql.connectAddr`;
    expect(differences(fromCompose, fromCluster).sort()).toEqual(
      [
        'log.level',
        'global.membership.broadcastAddress',
        'global.metrics.prometheus.listenAddress',
        'clusterMetadata.clusterInformation.active.rpcAddress',
        'dynamicConfigClient.filepath',
        sql('postgres-default'),
        sql('postgres-visibility'),
        ...['frontend', 'history', 'matching', 'worker'].flatMap(rpc),
      ].sort(),
    );
    expect(fromCluster).toMatchObject({ persistence: { defaultStore: 'postgres-default', visibilityStore: 'postgres-visibility' } });
  });

  it("has a dynamic config the server's own validation accepts", () => {
    const result = spawnSync(server, ['validate-dynamic-config', DYNAMIC_CONFIG_FILE], { encoding: 'utf8' });
    expect({ status: result.status, output: result.stdout.trim() }).toEqual({ status: 0, output: DYNAMIC_CONFIG_FILE });
  });

  it('creates and upgrades the schemas with the same temporal-sql-tool steps', () => {
    const composeSteps = [...script(compose.services['temporal-schema']).matchAll(/^\s*temporal-sql-tool (.+)$/gm)].map((m) => m[1].trim());
    expect(composeSteps).toEqual(SCHEMAS.flatMap((schema) => schemaSteps(schema).map((step) => `--db ${schema.database} ${step.join(' ')}`)));
    expect(compose.services['temporal-schema'].environment).toMatchObject({ SQL_PLUGIN: 'postgres12' });
  });

  it('creates the namespace with the same retention', () => {
    expect(script(compose.services['register-search-attributes'])).toContain(`--retention ${NAMESPACE_RETENTION}`);
  });
});
