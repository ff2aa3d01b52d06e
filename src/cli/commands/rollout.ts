import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { rolloutHandle, rolloutProgress, rolloutResult, startRollout, steer, type RolloutHandle } from '../../api/rollouts';
import { connectClient } from '../../temporal/connection';
import { InvalidInputError } from '../../workflows/installInput';
import { installProgressQuery } from '../../workflows/installVib';
import type { RolloutProgress } from '../../workflows/rolloutState';
import { addRolloutOptions, rolloutInputFromFlags, type RolloutFlags } from '../rolloutOptions';
import { createRolloutView, formatReport, type HostProgress } from '../rolloutView';
import { addTemporalOptions, temporalTarget, type TemporalFlags } from '../temporalOptions';
import { EXIT, UsageError } from '../usageError';

interface StartFlags extends RolloutFlags, TemporalFlags {
  id?: string;
  wait?: boolean;
  json?: boolean;
}

async function withClient<T>(flags: TemporalFlags, body: (client: Client) => Promise<T>): Promise<T> {
  const { client, connection } = await connectClient(temporalTarget(flags));
  try {
    return await body(client);
  } finally {
    await connection.close();
  }
}

/** Live percent of each installing host, straight from its install workflow. */
async function liveHosts(client: Client, progress: RolloutProgress): Promise<Map<string, HostProgress>> {
  const running = progress.rows.filter((r) => r.state === 'running' && r.installWorkflowId).slice(0, 20);
  const entries = await Promise.all(
    running.map(async (row) => {
      const p = await client.workflow.getHandle(row.installWorkflowId as string).query(installProgressQuery).catch(() => undefined);
      return p ? ([row.host, { percent: p.percent, jobStatus: p.jobStatus }] as const) : undefined;
    }),
  );
  return new Map(entries.filter((e): e is readonly [string, HostProgress] => e !== undefined));
}

async function follow(client: Client, handle: RolloutHandle, json: boolean): Promise<number> {
  const view = json ? undefined : createRolloutView();
  let settled = false;
  const ended = rolloutResult(handle).finally(() => (settled = true));
  while (!settled) {
    const progress = await rolloutProgress(handle).catch(() => undefined);
    if (progress && view) view.update(progress, await liveHosts(client, progress));
    await Promise.race([ended.catch(() => undefined), new Promise((r) => setTimeout(r, 1_000))]);
  }
  view?.stop();
  const result = await ended;
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `\n${formatReport(result, 'table')}ended: ${result.reason} (${result.outcome})\n`);
  return result.outcome === 'succeeded' ? EXIT.ok : EXIT.failed;
}

function steeringCommand(parent: Command, name: 'pause' | 'resume' | 'abort' | 'approve', description: string): void {
  const command = parent.command(name).description(description).argument('<rolloutId>', 'the rollout id');
  if (name === 'abort') command.option('--reason <text>', 'why, for the record');
  addTemporalOptions(command).action(async (rolloutId: string, flags: TemporalFlags & { reason?: string }) =>
    withClient(flags, async (client) => {
      const handle = rolloutHandle(client, rolloutId);
      try {
        const progress = name === 'abort' ? await steer.abort(handle, flags.reason) : await steer[name](handle);
        process.stdout.write(`${rolloutId}: ${name} accepted; phase ${progress.phase}${progress.paused ? ' (paused)' : ''}\n`);
      } catch (err) {
        // The workflow's validator says why (e.g. "the rollout is not paused"): bad usage, exit 2.
        if (err instanceof WorkflowUpdateFailedError) throw new UsageError(`${name} refused: ${err.cause?.message ?? err.message}`);
        if (err instanceof WorkflowNotFoundError) throw new UsageError(`${name} refused: rollout ${rolloutId} has ended or does not exist`);
        throw err;
      }
    }),
  );
}

export function registerRollout(program: Command): void {
  const rollout = program
    .command('rollout')
    .description('install a bundle across a fleet: canary, concurrency, error budget, patch window')
    .enablePositionalOptions();
  addTemporalOptions(addRolloutOptions(rollout))
    .option('--id <rolloutId>', 'rollout id (default: derived from the bundle and the time)')
    .option('--wait', 'follow the rollout and exit with its outcome (0 all succeeded, 1 otherwise)')
    .option('--json', 'print machine-readable output')
    .action(async (flags: StartFlags) =>
      withClient(flags, async (client) => {
        const id = flags.id ?? `${((flags.uri ?? '').split('/').pop() ?? 'bundle').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40)}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        const input = await rolloutInputFromFlags(flags, id);
        const handle = await startRollout(client, input, flags.taskQueue).catch((err: unknown) => {
          throw err instanceof InvalidInputError ? new UsageError(err.message) : err;
        });
        if (!flags.json || !flags.wait) {
          process.stdout.write(flags.json ? `${JSON.stringify({ rolloutId: id, workflowId: handle.workflowId })}\n` : `started rollout ${id} on ${input.hosts.length} hosts (${handle.workflowId})\n`);
        }
        if (flags.wait) process.exitCode = await follow(client, handle, flags.json ?? false);
      }),
    );
  steeringCommand(rollout, 'pause', 'hold new host starts; installing hosts finish');
  steeringCommand(rollout, 'resume', 'continue a paused rollout');
  steeringCommand(rollout, 'abort', 'cancel installing hosts and start no more');
  steeringCommand(rollout, 'approve', 'let the rollout go on after its canary batches');
}

export function registerReport(program: Command): void {
  addTemporalOptions(
    program
      .command('report')
      .description("a rollout's per-host table: live while it runs, final once it ended")
      .argument('<rolloutId>', 'the rollout id')
      .option('--format <format>', 'table, csv or json', 'table'),
  ).action(async (rolloutId: string, flags: TemporalFlags & { format: string }) => {
    if (!['table', 'csv', 'json'].includes(flags.format)) throw new UsageError('--format must be table, csv or json');
    await withClient(flags, async (client) => {
      const handle = rolloutHandle(client, rolloutId);
      const running = (await handle.describe()).status.name === 'RUNNING';
      const progress = running ? await rolloutProgress(handle) : await rolloutResult(handle);
      process.stdout.write(formatReport(progress, flags.format as 'table' | 'csv' | 'json'));
    });
  });
}
