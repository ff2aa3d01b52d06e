/**
 * The production deployment files: temporal-docker/docker-compose.yml and the root Dockerfile.
 * Static checks that need no Docker daemon; `docker compose config` runs too when the compose
 * plugin is installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { VIBFLOW_SEARCH_ATTRIBUTES } from '../../../src/shared/searchAttributes';
import { resolveCompose } from '../../support/compose';

const ROOT = path.resolve(__dirname, '../../..');
const COMPOSE_DIR = path.join(ROOT, 'temporal-docker');
const COMPOSE_FILE = path.join(COMPOSE_DIR, 'docker-compose.yml');

type Build = string | { context?: string; dockerfile?: string };
type Volume = string | { type?: string; source?: string };
type EnvFile = string | { path: string };
interface Service {
  image?: string;
  build?: Build;
  volumes?: Volume[];
  env_file?: EnvFile | EnvFile[];
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  deploy?: { replicas?: number };
  secrets?: (string | { source: string; target?: string })[];
}
interface ComposeFile {
  services: Record<string, Service>;
  secrets?: Record<string, { file?: string; environment?: string; external?: boolean }>;
  configs?: Record<string, { file?: string }>;
}

const compose = parse(readFileSync(COMPOSE_FILE, 'utf8')) as ComposeFile;
const services = Object.entries(compose.services);
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

/** The tag of an image reference, after the last `/` (a registry host may carry a `:port`). */
function imageTag(image: string): string | undefined {
  const withoutDigest = image.split('@')[0];
  const lastSegment = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  return colon === -1 ? undefined : lastSegment.slice(colon + 1);
}

function expectPinned(image: string): void {
  const tag = imageTag(image);
  expect({ image, tag }).toEqual({ image, tag: expect.stringMatching(/^[\w][\w.-]*$/) });
  expect(tag).not.toBe('latest');
}

function commandText(service: Service): string {
  const command = service.command ?? '';
  return Array.isArray(command) ? command.join('\n') : command;
}

/** Every host path the compose file binds or builds from, relative to temporal-docker/. */
function referencedPaths(): { what: string; path: string }[] {
  const found: { what: string; path: string }[] = [];
  for (const [name, service] of services) {
    for (const volume of service.volumes ?? []) {
      const source = typeof volume === 'string' ? volume.split(':')[0] : volume.type === 'bind' ? volume.source : undefined;
      if (source && (source.startsWith('./') || source.startsWith('../') || source === '.' || source === '..')) {
        found.push({ what: `${name}.volumes`, path: source });
      }
    }
    if (service.build !== undefined) {
      const context = typeof service.build === 'string' ? service.build : (service.build.context ?? '.');
      found.push({ what: `${name}.build.context`, path: context });
      const file = typeof service.build === 'string' ? 'Dockerfile' : (service.build.dockerfile ?? 'Dockerfile');
      found.push({ what: `${name}.build.dockerfile`, path: path.join(context, file) });
    }
    const envFiles = service.env_file === undefined ? [] : Array.isArray(service.env_file) ? service.env_file : [service.env_file];
    for (const envFile of envFiles) found.push({ what: `${name}.env_file`, path: typeof envFile === 'string' ? envFile : envFile.path });
  }
  for (const [name, secret] of Object.entries(compose.secrets ?? {})) {
    if (secret.file !== undefined) found.push({ what: `secrets.${name}.file`, path: secret.file });
  }
  for (const [name, config] of Object.entries(compose.configs ?? {})) {
    if (config.file !== undefined) found.push({ what: `configs.${name}.file`, path: config.file });
  }
  return found;
}

/** The `FROM` lines of the Dockerfile: image and stage name. */
function fromLines(): { image: string; stage?: string }[] {
  return [...dockerfile.matchAll(/^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$/gim)].map((m) => ({ image: m[1], stage: m[2] }));
}

describe('temporal-docker/docker-compose.yml', () => {
  it('has the services of a production-style deployment', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['postgresql', 'temporal-schema', 'temporal', 'temporal-admin-tools', 'register-search-attributes', 'temporal-ui', 'vibflow-worker']),
    );
  });

  it('pins every image to a tag other than latest; services without an image are built', () => {
    for (const [name, service] of services) {
      if (service.image === undefined) {
        expect({ name, build: service.build }).toEqual({ name, build: expect.anything() });
      } else {
        expectPinned(service.image);
      }
    }
  });

  it('binds and builds only paths that exist (relative to temporal-docker/)', () => {
    const paths = referencedPaths();
    expect(paths.map((p) => p.path)).toEqual(expect.arrayContaining(['./dynamicconfig', '..']));
    for (const { what, path: relative } of paths) {
      expect({ what, path: relative, exists: existsSync(path.resolve(COMPOSE_DIR, relative)) }).toEqual({ what, path: relative, exists: true });
    }
  });

  it('mounts the dynamic config file the server is told to read', () => {
    const temporal = compose.services.temporal;
    const env = temporal.environment as Record<string, string>;
    const mount = (temporal.volumes ?? []).find((v): v is string => typeof v === 'string' && v.startsWith('./dynamicconfig:'));
    expect(mount?.split(':')[1]).toBe('/etc/temporal/config/dynamicconfig');
    const file = env.TEMPORAL_DYNAMIC_CONFIG_FILE.replace(/^\/etc\/temporal\/config\/dynamicconfig\//, '');
    const config = parse(readFileSync(path.join(COMPOSE_DIR, 'dynamicconfig', file), 'utf8')) as Record<string, { value: unknown }[]>;
    expect(config['frontend.enableUpdateWorkflowExecution'][0].value).toBe(true);
  });

  it('builds vibflow-worker from the root Dockerfile, two replicas, after the search attributes exist', () => {
    const worker = compose.services['vibflow-worker'];
    expect(typeof worker.build).toBe('object');
    const build = worker.build as { context: string; dockerfile?: string };
    expect(path.resolve(COMPOSE_DIR, build.context)).toBe(ROOT);
    expect(path.resolve(COMPOSE_DIR, build.context, build.dockerfile ?? 'Dockerfile')).toBe(path.join(ROOT, 'Dockerfile'));
    expect(worker.deploy?.replicas).toBe(2);
    expect(worker.depends_on).toEqual({ 'register-search-attributes': { condition: 'service_completed_successfully' } });
    expect(worker.environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'default', VIBFLOW_METRICS_PORT: '9464' });
  });

  it('gives the worker its ESXi password as a secret file, never as a plain environment value', () => {
    const worker = compose.services['vibflow-worker'];
    expect(worker.secrets).toContain('esxi-password');
    expect(compose.secrets?.['esxi-password']).toBeDefined();
    expect(JSON.stringify(worker.environment)).not.toMatch(/PASSWORD/i);
  });

  it('registers exactly the search attributes of src/shared/searchAttributes.ts', () => {
    const register = compose.services['register-search-attributes'];
    expectPinned(register.image ?? '');
    const script = commandText(register);
    expect(script).toContain('temporal operator search-attribute create');
    const registered = [...script.matchAll(/^\s*register\s+(\S+)\s+(\S+)\s*$/gm)].map((m) => ({ name: m[1], type: m[2] }));
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(registered.sort(byName)).toEqual([...VIBFLOW_SEARCH_ATTRIBUTES].sort(byName));
  });

  it('passes `docker compose config`', () => {
    const compose = resolveCompose();
    if (!compose) throw new Error('no Docker Compose v2: run npm test (its pretest builds one) or install the compose plugin');
    const [command, ...args] = compose;
    const config = spawnSync(command, [...args, '-f', COMPOSE_FILE, 'config', '-q'], { encoding: 'utf8', env: { ...process.env, VIBFLOW_ESXI_PASSWORD: 'unused' } });
    expect({ status: config.status, stderr: config.stderr }).toEqual({ status: 0, stderr: '' });
  });
});

describe('Dockerfile', () => {
  it('is multi-stage with every base image pinned', () => {
    const froms = fromLines();
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(froms.map((f) => f.stage)).toEqual(expect.arrayContaining(['build', 'runtime']));
    for (const { image } of froms) expectPinned(image);
  });

  it('installs only production dependencies in the runtime stage and leaves the sources out', () => {
    const runtime = dockerfile.slice(dockerfile.search(/^FROM\s+\S+\s+AS\s+runtime\s*$/im));
    expect(runtime).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(runtime).not.toMatch(/^COPY\s+(?:--\S+\s+)*(?:\.\/)?src\b/m);
    expect(runtime).toMatch(/^ENV[\s\S]*VIBFLOW_WORKFLOW_BUNDLE=\/app\/dist\/workflow-bundle\.js/m);
  });

  it('runs as a non-root user', () => {
    const users = [...dockerfile.matchAll(/^USER\s+(\S+)\s*$/gm)].map((m) => m[1]);
    expect(users.length).toBeGreaterThan(0);
    const last = users[users.length - 1].split(':')[0];
    expect(['root', '0']).not.toContain(last);
  });

  it('starts the worker and checks readiness on the metrics port', () => {
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", ?"bin\/vibflow\.js"\]$/m);
    expect(dockerfile).toMatch(/^CMD \["worker"\]$/m);
    expect(dockerfile).toMatch(/^EXPOSE 9464$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK[\s\S]*\/readyz/m);
  });
});
