/**
 * `vibflow deployment status|set-current`: the Worker Deployment's versions, and the step of an
 * upgrade that moves new work to a new version (running work stays pinned to its own).
 */
import os from 'node:os';
import { type Command, Option } from 'commander';
import type { Client } from '@temporalio/client';
import { describeDeployment, setCurrentVersion, workflowPollers, type DeploymentView } from '../../temporal/deployments';
import { formatTable } from '../table';
import { addTemporalOptions, withTemporal, type TemporalFlags } from '../temporalOptions';
import { UsageError } from '../usageError';
import { versionPartArg } from './worker';

interface DeploymentFlags extends TemporalFlags {
  deployment: string;
  json?: boolean;
}

const deploymentOption = () => new Option('--deployment <name>', 'the Worker Deployment')
  .argParser(versionPartArg('--deployment')).default('vibflow').env('VIBFLOW_DEPLOYMENT');

async function readDeployment(client: Client, name: string): Promise<DeploymentView> {
  const view = await describeDeployment(client, name);
  if (!view) throw new UsageError(`no Worker Deployment "${name}" in namespace ${client.options.namespace}: no versioned worker of it has polled (vibflow worker --deployment ${name})`);
  return view;
}

/** A live worker polls again within a long poll (about a minute); the server lists gone ones for minutes. */
const SEEN_WITHIN_MS = 75_000;

/** Workers of each version seen polling the task queue lately (by build id). */
async function pollersByVersion(client: Client, deployment: string, taskQueue: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const p of await workflowPollers(client, taskQueue)) {
    if (p.lastAccessAt !== undefined && Date.now() - p.lastAccessAt > SEEN_WITHIN_MS) continue;
    if (p.deployment === deployment && p.buildId) counts.set(p.buildId, (counts.get(p.buildId) ?? 0) + 1);
  }
  return counts;
}

const STATE_NOTE: Record<string, string> = {
  current: 'new work starts here',
  ramping: 'part of new work starts here',
  draining: 'not current; pinned work still runs here: keep its workers',
  drained: 'nothing runs here any more: its workers can be stopped',
  inactive: 'never current, or no longer and nothing pinned to it',
};

async function status(flags: DeploymentFlags): Promise<void> {
  await withTemporal(flags, async (client) => {
    const view = await readDeployment(client, flags.deployment);
    const pollers = await pollersByVersion(client, flags.deployment, flags.taskQueue);
    const versions = view.versions.map((v) => ({ ...v, workers: pollers.get(v.buildId) ?? 0 }));
    if (flags.json) {
      const { conflictToken: _token, ...rest } = view;
      process.stdout.write(`${JSON.stringify({ ...rest, taskQueue: flags.taskQueue, versions }, null, 2)}\n`);
      return;
    }
    const lines = [
      `deployment "${view.name}": current ${view.currentBuildId ?? '(none: unversioned workers get new work)'}` +
        (view.currentSince ? ` since ${view.currentSince}` : '') +
        (view.rampingBuildId ? `, ramping ${view.rampingBuildId} at ${view.rampingPercent} %` : ''),
      formatTable(
        ['BUILD ID', 'STATE', 'OPEN EXECUTIONS', `WORKERS ON ${flags.taskQueue} (last 75 s)`, 'NOTE'],
        versions.map((v) => [v.buildId, v.state, String(v.openExecutions), String(v.workers), STATE_NOTE[v.state] ?? '']),
      ),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}

async function setCurrent(buildId: string, flags: DeploymentFlags): Promise<void> {
  await withTemporal(flags, async (client) => {
    const view = await readDeployment(client, flags.deployment);
    if (!view.versions.some((v) => v.buildId === buildId)) {
      throw new UsageError(`no version ${buildId} in deployment "${flags.deployment}" (versions: ${view.versions.map((v) => v.buildId).join(', ') || 'none'}): start a worker of it first`);
    }
    if (view.currentBuildId === buildId) {
      process.stdout.write(`${buildId} is already the current version of deployment "${flags.deployment}"\n`);
      return;
    }
    const workers = (await pollersByVersion(client, flags.deployment, flags.taskQueue)).get(buildId) ?? 0;
    if (!workers) throw new UsageError(`no worker of version ${buildId} polls task queue "${flags.taskQueue}": new work would wait; start one first (vibflow worker --deployment ${flags.deployment} --build-id ${buildId})`);
    await setCurrentVersion(client, flags.deployment, buildId, `vibflow deployment set-current ${process.pid}@${os.hostname()}`, view.conflictToken);
    // The change carried the read's conflict token, so what was current is what the read saw (the
    // server's own answer names the new version when a retried call finds the change already made).
    const previousBuildId = view.currentBuildId;
    process.stdout.write([
      `current version of deployment "${flags.deployment}": ${buildId}${previousBuildId ? ` (was ${previousBuildId})` : ''}`,
      'new rollouts, remediations and installs start on it; running ones finish on the version they started on',
      ...(previousBuildId ? [`stop the workers of ${previousBuildId} once \`vibflow deployment status\` shows it drained`] : []),
    ].join('\n') + '\n');
  });
}

export function registerDeployment(program: Command): void {
  const group = program.command('deployment').description('Worker Versioning: the versions of the worker deployment, and which one new work starts on');
  addTemporalOptions(
    group.command('status').description('the versions: current, ramping, draining, drained; open executions and workers of each')
      .addOption(deploymentOption())
      .option('--json', 'print machine-readable output'),
  ).action(async (flags: DeploymentFlags) => status(flags));
  addTemporalOptions(
    group.command('set-current').description('make a version current: new work starts on it, running work stays on its own version')
      .argument('<buildId>', 'the build id, as `vibflow worker` and `deployment status` print it')
      .addOption(deploymentOption()),
  ).action(async (buildId: string, flags: DeploymentFlags) => setCurrent(buildId, flags));
}
