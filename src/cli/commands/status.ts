import type { Command } from 'commander';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { installResult, type InstallHandle } from '../../api/installs';
import { answeredQuery, findWork } from '../../api/lookup';
import { rolloutState, type RolloutHandle } from '../../api/rollouts';
import { installProgressQuery } from '../../workflows/installVib';
import type { InstallProgress, InstallResult } from '../../workflows/installResult';
import { installActivity, outcomeLines } from '../installText';
import { rolloutSummary } from '../rolloutReport';
import { addTemporalOptions, withTemporal, type TemporalFlags } from '../temporalOptions';
import { UsageError } from '../usageError';

interface StatusFlags extends TemporalFlags {
  json?: boolean;
}

const isResult = (state: InstallProgress | InstallResult): state is InstallResult => 'changes' in state;

async function installStatus(handle: InstallHandle, description: WorkflowExecutionDescription, json: boolean): Promise<string> {
  const running = description.status.name === 'RUNNING';
  const state = running ? await answeredQuery(handle, installProgressQuery) : await installResult(handle);
  if (json) return JSON.stringify({ workflowId: handle.workflowId, kind: 'install', status: description.status.name, ...state }, null, 2);
  const head = `${handle.workflowId}: ${description.status.name}`;
  // No answer to the query: no worker has the install (yet), so nothing is known beyond its status.
  if (!state) return `${head}\n   no progress yet: no worker answered; is one running on task queue "${description.taskQueue}"?`;
  return [
    head,
    `   host: ${state.host}   bundle: ${state.bundleUri}`,
    `   phase: ${state.phase}`,
    ...(state.unreachable && !state.jobId ? [`   ${installActivity(state)}`] : []),
    `   percent complete ${state.percent}   job status: ${state.jobStatus || '-'}`,
    `   time elapsed: ${state.elapsedSeconds} seconds, ${state.polls} polls, ${state.runs} run(s)`,
    ...(isResult(state) ? outcomeLines(state, '   ') : []),
  ].join('\n');
}

async function rolloutStatus(handle: RolloutHandle, description: WorkflowExecutionDescription, json: boolean): Promise<string> {
  const state = await rolloutState(handle);
  if (json) return JSON.stringify({ workflowId: handle.workflowId, kind: 'rollout', status: description.status.name, ...state }, null, 2);
  const failed = state.rows.filter((r) => r.state === 'failed');
  return [
    `${handle.workflowId}: ${description.status.name}`,
    ...rolloutSummary(state).map((line) => `   ${line}`),
    ...failed.slice(0, 10).map((r) => `   failed: ${r.host} (attempt ${r.attempt}): ${r.error ?? r.outcome ?? ''}`),
    ...(failed.length > 10 ? [`   ... and ${failed.length - 10} more failed`] : []),
    `   every host: vibflow report ${state.rolloutId}`,
  ].join('\n');
}

export function registerStatus(program: Command): void {
  addTemporalOptions(
    program
      .command('status')
      .description("an install's or a rollout's state: live progress while it runs, its result once it ended")
      .argument('<id>', 'an install workflow id (as printed by `vibflow install`), a rollout id, or vibflow-rollout:ID')
      .option('--json', 'print machine-readable output'),
  ).action(async (id: string, flags: StatusFlags) =>
    withTemporal(flags, async (client) => {
      const found = await findWork(client, id);
      if (!found) throw new UsageError(`no install or rollout "${id}" in namespace ${client.options.namespace}`);
      const text = found.kind === 'install'
        ? await installStatus(found.handle, found.description, flags.json ?? false)
        : await rolloutStatus(found.handle, found.description, flags.json ?? false);
      process.stdout.write(`${text}\n`);
    }),
  );
}
