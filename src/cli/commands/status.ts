import type { Command } from 'commander';
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { installResult, type InstallHandle } from '../../api/installs';
import { answeredQuery, findWork } from '../../api/lookup';
import { remediationState, type RemediationHandle } from '../../api/remediations';
import { reportableId, rolloutState, type RolloutHandle } from '../../api/rollouts';
import { missingVersionWorker } from '../../api/versions';
import { installProgressQuery } from '../../workflows/installVib';
import type { InstallProgress, InstallResult } from '../../workflows/installResult';
import { outcomeLabel, stepLabel } from '../../workflows/remediationResult';
import { installActivity, outcomeLines } from '../installText';
import { liveHosts, waitingByVcenter, waitingText } from '../liveHosts';
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
  if (!state) return `${head}\n   no progress yet: ${await missingVersionWorker(handle.client, description) ?? `no worker answered; is one running on task queue "${description.taskQueue}"?`}`;
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

async function rolloutStatus(client: Client, handle: RolloutHandle, description: WorkflowExecutionDescription, json: boolean): Promise<string> {
  // Pinned to a version no worker of which runs: its progress cannot be read, and that is why it waits.
  const missing = await missingVersionWorker(handle.client, description);
  if (missing) throw new Error(`rollout ${reportableId(handle.workflowId)} is running, but ${missing}`);
  const state = await rolloutState(handle);
  // Hosts whose steps wait for a vCenter (or host) that does not answer, asked of their remediations.
  const waiting = state.work === 'remediation' && state.rows.some((r) => r.state === 'running') ? waitingByVcenter(state, await liveHosts(client, state, 50)) : [];
  if (json) return JSON.stringify({ workflowId: handle.workflowId, kind: 'rollout', status: description.status.name, ...state, waiting }, null, 2);
  const failed = state.rows.filter((r) => r.state === 'failed');
  const inMaintenance = state.rows.filter((r) => r.inMaintenanceMode);
  return [
    `${handle.workflowId}: ${description.status.name}`,
    ...rolloutSummary(state).map((line) => `   ${line}`),
    ...failed.slice(0, 10).map((r) => `   failed: ${r.host} (attempt ${r.attempt}): ${r.error ?? r.outcome ?? ''}`),
    ...(failed.length > 10 ? [`   ... and ${failed.length - 10} more failed`] : []),
    ...inMaintenance.slice(0, 10).map((r) => `   in maintenance mode: ${r.host}: ${r.maintenanceNote ?? ''}`),
    ...(inMaintenance.length > 10 ? [`   ... and ${inMaintenance.length - 10} more in maintenance mode`] : []),
    ...waiting.map((w) => `   waiting: ${waitingText(w)}`),
    ...(state.rows.length ? [`   every host: vibflow report ${reportableId(handle.workflowId)}`] : []),
  ].join('\n');
}

async function remediationStatus(handle: RemediationHandle, description: WorkflowExecutionDescription, json: boolean): Promise<string> {
  const running = description.status.name === 'RUNNING';
  const state = await remediationState(handle, running);
  if (json) {
    const body = state.kind === 'running' ? state.progress ?? {} : state.kind === 'ended' ? state.result : { failure: state.failure };
    return JSON.stringify({ workflowId: handle.workflowId, kind: 'remediation', status: description.status.name, ...body }, null, 2);
  }
  const head = `${handle.workflowId}: ${description.status.name}`;
  if (state.kind === 'failed') return `${head}\n   failed (${state.failure.category}): ${state.failure.message}`;
  if (state.kind === 'running' && !state.progress) return `${head}\n   no progress yet: ${await missingVersionWorker(handle.client, description) ?? `no worker answered; is one running on task queue "${description.taskQueue}"?`}`;
  const p = state.kind === 'running' ? state.progress! : state.result;
  const lines = [head, `   host: ${p.host}${p.cluster ? ` (cluster ${p.cluster})` : ''}   bundle: ${p.bundleUri}`];
  if (state.kind === 'running') {
    lines.push(`   step: ${stepLabel(p.step)}   maintenance mode: ${p.maintenance}   elapsed: ${p.elapsedSeconds} s`);
    // A step whose vCenter or host does not answer is retried by Temporal: say which, how often and since when.
    for (const activity of description.raw.pendingActivities ?? []) {
      if ((activity.attempt ?? 1) <= 1 || !activity.lastFailure?.message) continue;
      const since = activity.lastStartedTime?.seconds ? ` (attempt started ${new Date(Number(activity.lastStartedTime.seconds) * 1000).toISOString()})` : '';
      lines.push(`   retrying ${activity.activityType?.name ?? 'a step'}: attempt ${activity.attempt}${since}, last error: ${activity.lastFailure.message}`);
    }
    if (p.unreachable) lines.push(`   CIM not answering: attempt ${p.unreachable.attempts}, last error: ${p.unreachable.lastError}`);
    if (p.installWorkflowId) lines.push(`   install: vibflow status ${p.installWorkflowId}`);
    return lines.join('\n');
  }
  const r = state.result;
  lines.push(`   outcome: ${outcomeLabel(r.outcome)}${r.failedStep ? ` during ${stepLabel(r.failedStep)}` : ''}${r.errorCategory ? ` (${r.errorCategory})` : ''}`);
  if (r.reason) lines.push(`   reason: ${r.reason}`);
  lines.push(`   maintenance mode: ${r.inMaintenanceMode ? 'still in' : 'not in'}: ${r.maintenanceNote}${r.maintenanceAttempts > 1 ? ` (entered after ${r.maintenanceAttempts} attempts)` : ''}`);
  if (r.bootTimeBefore || r.bootTimeAfter) lines.push(`   boot time: ${r.bootTimeBefore ?? '-'} -> ${r.bootTimeAfter ?? '-'}`);
  lines.push(`   verified: ${r.verified ? 'yes' : r.rebootPending ? 'no: installed, reboot pending' : 'no'}${r.vibs.length ? ` (${r.vibs.map((v) => `${v.name} ${v.found ?? 'missing'}${v.expected && v.found !== v.expected ? `, want ${v.expected}` : ''}`).join('; ')})` : ''}`);
  return lines.join('\n');
}

export function registerStatus(program: Command): void {
  addTemporalOptions(
    program
      .command('status')
      .description("an install's, a rollout's or a host remediation's state: live progress while it runs, its result once it ended")
      .argument('<id>', 'an install workflow id (as printed by `vibflow install`), a rollout id or its workflow id (also a scheduled run\'s, or one started from the Web UI), or a remediation\'s workflow id (as in report --json)')
      .option('--json', 'print machine-readable output'),
  ).action(async (id: string, flags: StatusFlags) =>
    withTemporal(flags, async (client) => {
      const found = await findWork(client, id);
      if (!found) throw new UsageError(`no install, rollout or remediation "${id}" in namespace ${client.options.namespace}`);
      const json = flags.json ?? false;
      const text = found.kind === 'install' ? await installStatus(found.handle, found.description, json)
        : found.kind === 'rollout' ? await rolloutStatus(client, found.handle, found.description, json)
        : await remediationStatus(found.handle, found.description, json);
      process.stdout.write(`${text}\n`);
    }),
  );
}
