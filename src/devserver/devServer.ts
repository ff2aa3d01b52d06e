/**
 * Runs `temporal server start-dev` as vibflow's embedded default: file persistence, the Web UI,
 * and vibflow's search attributes registered. Tests, the demo and `vibflow dev-server` all use it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { VIBFLOW_SEARCH_ATTRIBUTES } from '../shared/searchAttributes';
import { NO_CLI_HELP, resolveTemporalCli } from './resolveTemporalCli';

export interface DevServerOptions {
  /** SQLite file; omitted means in-memory. */
  readonly dbFile?: string;
  readonly ip?: string;
  readonly port?: number;
  readonly uiPort?: number;
  readonly ui?: boolean;
  readonly namespace?: string;
  /** Where the one-line "which temporal CLI" message and server errors go. */
  readonly log?: (line: string) => void;
  readonly readyTimeoutMs?: number;
}

export interface DevServer {
  readonly address: string;
  readonly uiUrl: string;
  readonly pid: number;
  readonly cliPath: string;
  /** SIGTERM, then SIGKILL after a grace time. */
  stop(): Promise<void>;
  /** The way a crash ends it: for chaos tests. */
  kill(): Promise<void>;
}

export async function freePort(ip = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, ip, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(address: string, namespace: string, child: ChildProcess, stderr: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`temporal server exited (${child.exitCode ?? child.signalCode}) during start:\n${stderr()}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = (err as Error).message;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`temporal server at ${address} not ready after ${timeoutMs} ms (${lastError}):\n${stderr()}`);
}

/**
 * The last resort, for a machine with internet but neither a temporal CLI nor Go: the SDK
 * downloads its own copy of the CLI. No PID to kill here, so chaos tests need a real binary.
 */
async function startDownloadedDevServer(options: DevServerOptions, log: (line: string) => void): Promise<DevServer> {
  log('temporal CLI: none found and no Go to build one; letting the Temporal SDK download it');
  let testing: typeof import('@temporalio/testing');
  try {
    testing = await import('@temporalio/testing');
  } catch {
    throw new Error(NO_CLI_HELP);
  }
  const ui = options.ui ?? true;
  const env = await testing.TestWorkflowEnvironment.createLocal({
    server: {
      ip: options.ip ?? '127.0.0.1',
      ...(options.port ? { port: options.port } : {}),
      ui,
      ...(options.uiPort ? { uiPort: options.uiPort } : {}),
      ...(options.dbFile ? { dbFilename: options.dbFile } : {}),
      namespace: options.namespace ?? 'default',
      searchAttributes: VIBFLOW_SEARCH_ATTRIBUTES.map((a) => ({ name: a.name, type: 'KEYWORD' as const })),
    },
  }).catch((err: unknown) => {
    throw new Error(`${NO_CLI_HELP}\n(the download failed: ${(err as Error).message})`);
  });
  return {
    address: env.address,
    uiUrl: ui && options.uiPort ? `http://${options.ip ?? '127.0.0.1'}:${options.uiPort}` : '',
    pid: -1,
    cliPath: 'downloaded by the Temporal SDK',
    stop: () => env.teardown(),
    kill: () => env.teardown(),
  };
}

/**
 * Worker Versioning: the server checks whether a version that stopped being current still has
 * pinned executions after this grace period and then at this interval (3 minutes each by
 * default, for visibility stores that lag; SQLite's does not), so `vibflow deployment status`
 * shows an old version drained seconds after its last rollout ended.
 */
const DYNAMIC_CONFIG: Readonly<Record<string, string>> = {
  'matching.wv.VersionDrainageStatusVisibilityGracePeriod': '3s',
  'matching.wv.VersionDrainageStatusRefreshInterval': '2s',
};

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cli = resolveTemporalCli(log);
  if (!cli) return startDownloadedDevServer(options, log);
  const ip = options.ip ?? '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  const port = options.port ?? (await freePort(ip));
  const ui = options.ui ?? true;
  const uiPort = options.uiPort ?? (await freePort(ip));
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--namespace', namespace, '--log-level', 'warn'];
  args.push(...(ui ? ['--ui-port', String(uiPort)] : ['--headless']));
  if (options.dbFile) {
    mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  for (const attribute of VIBFLOW_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${attribute.name}=${attribute.type}`);
  for (const [key, value] of Object.entries(DYNAMIC_CONFIG)) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);

  const child = spawn(cli.path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const address = `${ip}:${port}`;
  const end = async (signal: NodeJS.Signals, graceMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitUntilReady(address, namespace, child, () => stderr, options.readyTimeoutMs ?? 60_000);
  } catch (err) {
    await end('SIGKILL', 0);
    throw err;
  }
  return {
    address,
    uiUrl: ui ? `http://${ip}:${uiPort}` : '',
    pid: child.pid ?? -1,
    cliPath: cli.path,
    stop: () => end('SIGTERM', 10_000),
    kill: () => end('SIGKILL', 0),
  };
}
