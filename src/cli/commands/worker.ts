import type { LogLevel } from '@temporalio/worker';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { closeAllClients } from '../../activities/connections';
import { closeAllVcenterSessions } from '../../activities/vcenterSessions';
import { LOG_LEVELS, type LogFormat } from '../../ops/logging';
import { freeLoopbackPort, startOpsServer, type OpsServer } from '../../ops/opsServer';
import { installRuntime } from '../../ops/runtime';
import { parseDurationMs } from '../../shared/duration';
import os from 'node:os';
import { connectClient } from '../../temporal/connection';
import { makeCurrentIfNone, type CurrentCheck } from '../../temporal/deployments';
import { createWorker, type WorkerVersion } from '../../worker';
import { numberArg, portArg } from '../numberArg';
import { addTemporalOptions, temporalTarget, type TemporalFlags } from '../temporalOptions';

interface WorkerFlags extends TemporalFlags {
  logFormat: LogFormat | 'auto';
  logLevel: LogLevel;
  metricsPort?: number;
  metricsHost: string;
  maxConcurrentActivities?: number;
  maxConcurrentLocalActivities?: number;
  maxConcurrentWorkflowTasks?: number;
  maxCachedWorkflows?: number;
  shutdownGrace: number;
  deployment: string;
  buildId?: string;
}

/** Deployment names and build ids as the server and the search attribute take them. */
export function versionPartArg(flag: string) {
  return (value: string): string => {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(value)) {
      throw new InvalidArgumentError(`${flag} "${value}": letters, digits, '.', '_' and '-' only, starting with a letter or digit, at most 200 characters`);
    }
    return value;
  };
}

function durationArg(flag: string) {
  return (value: string): number => {
    const ms = parseDurationMs(value);
    if (typeof ms === 'string') throw new InvalidArgumentError(`${flag} ${ms}`);
    return ms;
  };
}

const count = (flag: string) => numberArg(flag, 1, 100_000, true);

export function registerWorker(program: Command): void {
  addTemporalOptions(
    program.command('worker').description('run a vibflow worker (workflows and CIM activities) until Ctrl-C or SIGTERM'),
  )
    .addOption(new Option('--log-format <format>', 'log lines as JSON objects or as text; auto: text on a terminal, json otherwise')
      .choices(['json', 'text', 'auto']).default('auto').env('VIBFLOW_LOG_FORMAT'))
    .addOption(new Option('--log-level <level>', 'lowest level logged').choices(LOG_LEVELS).default('INFO').env('VIBFLOW_LOG_LEVEL'))
    .addOption(new Option('--metrics-port <port>', 'serve /metrics, /healthz and /readyz on this port (0 = any free port)')
      .argParser(portArg('--metrics-port', 0)).env('VIBFLOW_METRICS_PORT'))
    .addOption(new Option('--metrics-host <address>', 'address the metrics endpoint listens on').default('0.0.0.0').env('VIBFLOW_METRICS_HOST'))
    .addOption(new Option('--max-concurrent-activities <n>', 'activity tasks run at once').argParser(count('--max-concurrent-activities')))
    .addOption(new Option('--max-concurrent-local-activities <n>', 'local activities (job reads) run at once').argParser(count('--max-concurrent-local-activities')))
    .addOption(new Option('--max-concurrent-workflow-tasks <n>', 'workflow tasks run at once').argParser(count('--max-concurrent-workflow-tasks')))
    .addOption(new Option('--max-cached-workflows <n>', 'workflows kept in the sticky cache').argParser(numberArg('--max-cached-workflows', 0, 1_000_000, true)))
    .addOption(new Option('--shutdown-grace <duration>', 'on SIGTERM, how long running activities may finish before they are cancelled')
      .argParser(durationArg('--shutdown-grace')).default(30_000, '30s'))
    .addOption(new Option('--deployment <name>', 'the Worker Deployment this worker is a version of (Worker Versioning)')
      .argParser(versionPartArg('--deployment')).default('vibflow').env('VIBFLOW_DEPLOYMENT'))
    .addOption(new Option('--build-id <id>', 'this worker\'s version in the deployment; default: the package version and a hash of the workflow code')
      .argParser(versionPartArg('--build-id')).env('VIBFLOW_BUILD_ID'))
    .action(async (flags: WorkerFlags) => runWorker(flags));
}

async function runWorker(flags: WorkerFlags): Promise<void> {
  const serveOps = flags.metricsPort !== undefined;
  const coreMetricsPort = serveOps ? await freeLoopbackPort() : undefined;
  const runtime = installRuntime({
    logFormat: flags.logFormat === 'auto' ? (process.stdout.isTTY ? 'text' : 'json') : flags.logFormat,
    logLevel: flags.logLevel,
    ...(coreMetricsPort ? { prometheusBindAddress: `127.0.0.1:${coreMetricsPort}` } : {}),
  });
  const { worker, connection, version } = await createWorker({
    ...temporalTarget(flags),
    taskQueue: flags.taskQueue,
    deployment: { name: flags.deployment, ...(flags.buildId ? { buildId: flags.buildId } : {}) },
    tuning: {
      shutdownGraceTime: flags.shutdownGrace,
      ...(flags.maxConcurrentActivities ? { maxConcurrentActivityTaskExecutions: flags.maxConcurrentActivities } : {}),
      ...(flags.maxConcurrentLocalActivities ? { maxConcurrentLocalActivityExecutions: flags.maxConcurrentLocalActivities } : {}),
      ...(flags.maxConcurrentWorkflowTasks ? { maxConcurrentWorkflowTaskExecutions: flags.maxConcurrentWorkflowTasks } : {}),
      ...(flags.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: flags.maxCachedWorkflows } : {}),
    },
  }).catch(async (err: unknown) => {
    // The Runtime's threads and signal handlers would keep the process up with nothing to run.
    await runtime.shutdown();
    throw err;
  });
  let ops: OpsServer | undefined;
  try {
    if (serveOps) {
      ops = await startOpsServer({
        host: flags.metricsHost,
        port: flags.metricsPort ?? 0,
        coreMetricsUrl: `http://127.0.0.1:${coreMetricsPort}/metrics`,
        workerState: () => worker.getState(),
      });
    }
    const running = worker.run();
    const check = await currentCheck(flags, version as WorkerVersion).catch(async (err: unknown) => {
      worker.shutdown();
      await running.catch(() => undefined);
      throw err;
    });
    runtime.logger.info(versionLine(version as WorkerVersion, flags.taskQueue, check), {
      deployment: version?.deployment, buildId: version?.buildId, current: check.current,
    });
    runtime.logger.info('vibflow worker ready', {
      taskQueue: flags.taskQueue,
      deployment: version?.deployment,
      buildId: version?.buildId,
      current: check.current,
      ...(ops ? { metrics: `${ops.url}/metrics`, health: `${ops.url}/healthz`, readiness: `${ops.url}/readyz` } : {}),
    });
    await running;
    runtime.logger.info('vibflow worker stopped');
  } finally {
    await ops?.close();
    await closeAllClients();
    await closeAllVcenterSessions();
    await connection.close();
  }
}

/** Whether the worker's version is current, making it so on a deployment that has no current version. */
async function currentCheck(flags: WorkerFlags, version: WorkerVersion): Promise<CurrentCheck> {
  const { client, connection } = await connectClient(temporalTarget(flags));
  try {
    return await makeCurrentIfNone(client, {
      deployment: version.deployment,
      buildId: version.buildId,
      taskQueue: flags.taskQueue,
      identity: `vibflow worker ${process.pid}@${os.hostname()}`,
    });
  } finally {
    await connection.close();
  }
}

/** What the worker serves, in the words of the upgrade procedure. */
export function versionLine(version: WorkerVersion, taskQueue: string, check: CurrentCheck): string {
  const serving = `serving version ${version.buildId} of deployment "${version.deployment}" on task queue "${taskQueue}"`;
  if (check.current) {
    return `${serving}: current${check.madeCurrent ? ' (made current: the deployment had no current version)' : ''}; new rollouts, remediations and installs start here`;
  }
  return `${serving}: not current (${check.reason}); running work pinned to this version continues here; ` +
    `new work starts here after: vibflow deployment set-current ${version.buildId} --deployment ${version.deployment}`;
}
