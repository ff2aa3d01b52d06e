import path from 'node:path';
import { type Command, Option } from 'commander';
import { clusterDown, clusterStatus, clusterUp, type ClusterStatus } from '../../devserver/cluster/cluster';
import { DEFAULT_CLUSTER_DIR, DEFAULT_PORTS, MAX_FIRST_NODE_PORT } from '../../devserver/cluster/layout';
import { numberArg, portArg } from '../numberArg';

interface DirFlags {
  dir?: string;
  json?: boolean;
}

interface UpFlags extends DirFlags {
  port?: number;
  uiPort?: number;
  pgPort?: number;
  nodePorts?: number;
}

const write = (text: string): void => void process.stdout.write(`${text}\n`);
const printJson = (value: unknown): void => write(JSON.stringify(value, null, 2));
const clusterDir = (flags: DirFlags) => (flags.dir ? path.resolve(flags.dir) : DEFAULT_CLUSTER_DIR);
/** Progress lines go to stderr under --json, so stdout stays one JSON document. */
const progressLog = (flags: DirFlags) => (line: string) => (flags.json ? process.stderr : process.stdout).write(`${line}\n`);

function withDirOptions(command: Command): Command {
  return command
    .option('--dir <dir>', `cluster directory: PostgreSQL data, logs, pids (default: ${path.relative(process.cwd(), DEFAULT_CLUSTER_DIR) || '.'})`)
    .option('--json', 'print machine-readable output');
}

function statusText(status: ClusterStatus): string {
  const rows = status.processes.map((p) => [p.name, p.role, p.pid === null ? '-' : String(p.pid), p.address, p.running ? 'running' : 'stopped']);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i].length)));
  return [
    `client address  ${status.clientAddress}   (TEMPORAL_ADDRESS=${status.clientAddress})`,
    `Web UI          ${status.uiUrl}`,
    `namespace       ${status.namespace}`,
    `directory       ${status.dir}`,
    ...rows.map((row) => row.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]) : cell)).join('  ')),
  ].join('\n');
}

const portOption = (flag: string, what: string, fallback: number, parse = portArg(flag)) =>
  new Option(`${flag} <port>`, `${what} (default: ${fallback}, then the last one used)`).argParser(parse);

export function registerCluster(program: Command): void {
  const cluster = program
    .command('cluster')
    .description('run a production-style Temporal locally: PostgreSQL, two server nodes, one client address, the Web UI');

  withDirOptions(
    cluster
      .command('up')
      .description('start whatever part of the cluster is not running; returns once everything answers (idempotent)')
      .addOption(portOption('--port', 'the client address: a proxy in front of both frontends', DEFAULT_PORTS.client))
      .addOption(portOption('--ui-port', 'Web UI', DEFAULT_PORTS.ui))
      .addOption(portOption('--pg-port', 'PostgreSQL', DEFAULT_PORTS.postgres))
      .addOption(
        portOption(
          '--node-ports',
          `the first of 20 consecutive ports for the two server nodes, at most ${MAX_FIRST_NODE_PORT} (Temporal stores membership ports as a smallint)`,
          DEFAULT_PORTS.nodes,
          numberArg('--node-ports', 1, MAX_FIRST_NODE_PORT, true),
        ),
      ),
  ).action(async (flags: UpFlags) => {
    const started = Date.now();
    const { status, started: parts } = await clusterUp({
      dir: clusterDir(flags),
      ports: { client: flags.port, ui: flags.uiPort, postgres: flags.pgPort, nodes: flags.nodePorts },
      log: progressLog(flags),
    });
    const seconds = Number(((Date.now() - started) / 1000).toFixed(1));
    if (flags.json) return printJson({ ...status, started: parts, seconds });
    write(parts.length ? `cluster up in ${seconds} s (started ${parts.join(', ')})` : 'cluster already up: nothing started');
    write(statusText(status));
  });

  withDirOptions(cluster.command('down').description('stop the processes `cluster up` started; the data stays for the next `up`')).action(
    async (flags: DirFlags) => {
      const { dir, stopped } = await clusterDown({ dir: clusterDir(flags), log: progressLog(flags) });
      if (flags.json) return printJson({ dir, stopped });
      write(stopped.length ? `stopped ${stopped.join(', ')}; data kept in ${dir}` : `nothing to stop: no cluster process is running (${dir})`);
    },
  );

  withDirOptions(cluster.command('status').description('each process of the cluster with its pid, role, address and whether it runs')).action(
    (flags: DirFlags) => {
      const status = clusterStatus({ dir: clusterDir(flags) });
      if (flags.json) return printJson(status);
      write(`cluster ${status.up ? 'up' : status.processes.some((p) => p.running) ? 'partly up' : 'down'}`);
      write(statusText(status));
    },
  );
}
