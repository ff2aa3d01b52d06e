import { type Command, Option } from 'commander';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { answeredQuery } from '../../api/lookup';
import {
  bareRolloutId,
  findRollout,
  reportableId,
  rolloutDescription,
  rolloutHandle,
  rolloutProgress,
  rolloutResult,
  rolloutStartOptions,
  rolloutState,
  RolloutIdTakenError,
  RolloutNotFoundError,
  startRollout,
  steer,
  type RolloutHandle,
  type SteeringVerb,
} from '../../api/rollouts';
import { rolloutProgressQuery } from '../../workflows/fleetRollout';
import type { RolloutProgress, RolloutResult } from '../../workflows/rolloutState';
import { validateFlags } from '../inputFlags';
import { liveHosts, withLiveSteps } from '../liveHosts';
import { addRolloutOptions, checkRolloutHosts, ROLLOUT_FIELDS, rolloutInputFromFlags, type RolloutFlags } from '../rolloutOptions';
import { formatReport, REPORT_FORMATS, stateText, type ReportFormat } from '../rolloutReport';
import { createRolloutView, MAX_BARS } from '../rolloutView';
import { addTemporalOptions, noteWhenNoWorker, withTemporal, type TemporalFlags } from '../temporalOptions';
import { EXIT, UsageError } from '../usageError';

interface StartFlags extends RolloutFlags, TemporalFlags {
  id?: string;
  reuseId?: boolean;
  wait?: boolean;
  json?: boolean;
}

/**
 * Follows a rollout until it ends: a live view, then the final table (or JSON). Ctrl-C stops
 * following, not the rollout: it says so and how to follow it again, and exits 130.
 */
async function follow(client: Client, handle: RolloutHandle, json: boolean): Promise<number> {
  const view = json ? undefined : createRolloutView();
  const id = reportableId(handle.workflowId);
  const interrupted = () => {
    view?.stop();
    process.stderr.write(`\nvibflow: stopped following; rollout ${id} goes on. Follow it again with: vibflow report ${id} --follow (or vibflow status ${id})\n`);
    process.exit(EXIT.interrupted);
  };
  process.once('SIGINT', interrupted);
  try {
    let settled = false;
    const ended = rolloutResult(handle).finally(() => (settled = true));
    while (!settled) {
      const progress = await answeredQuery(handle, rolloutProgressQuery);
      if (progress && view) view.update(progress, await liveHosts(client, progress, MAX_BARS));
      await Promise.race([ended.catch(() => undefined), new Promise((r) => setTimeout(r, 1_000).unref())]);
    }
    const result = await ended;
    view?.update(result, new Map());
    view?.stop();
    process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `\n${formatReport(result, 'table', process.stdout.isTTY ? process.stdout.columns : undefined)}`);
    return succeeded(result) ? EXIT.ok : EXIT.failed;
  } finally {
    process.removeListener('SIGINT', interrupted);
  }
}

/** Every host done as asked; for a dry run or compliance check, no host blocked or missing what it should have. */
function succeeded(result: RolloutResult): boolean {
  if (result.outcome !== 'checked') return result.outcome === 'succeeded';
  return result.rows.every((row) => row.outcome !== 'blocked');
}

/** The default id: the bundle's file name and the time, e.g. tools-1.2.zip-2026-11-28T02-00-00-000Z. */
function defaultRolloutId(uri: string | undefined): string {
  const bundle = (uri ?? '').split('/').pop() || 'bundle';
  return `${bundle.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40)}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
}

/** What to do about an id that is taken, in words. */
function idTakenMessage(err: RolloutIdTakenError): string {
  const id = err.rolloutId;
  if (err.holder.running) return `rollout ${id} is already running; follow it with: vibflow report ${id}, or vibflow status ${id}`;
  return (
    `rollout ${id} already ran (${err.holder.status.toLowerCase()}${err.holder.closeTime ? `, ended ${err.holder.closeTime.toISOString()}` : ''}); ` +
    `its report: vibflow report ${id}. Choose another --id, or add --reuse-id to run it again ` +
    `(the earlier report then stays at: vibflow report ${id} --run ${err.holder.runId})`
  );
}

async function startAndFollow(client: Client, flags: StartFlags, input: Parameters<typeof startRollout>[1], details: string): Promise<void> {
  const earlier = flags.reuseId ? await rolloutHandle(client, input.rolloutId).describe().catch(() => undefined) : undefined;
  const handle = await startRollout(client, input, flags.taskQueue, { reuseEndedId: flags.reuseId ?? false }).catch((err: unknown) => {
    throw err instanceof RolloutIdTakenError ? new UsageError(idTakenMessage(err)) : err;
  });
  await noteWhenNoWorker(client, flags.taskQueue);
  if (!flags.json || !flags.wait) {
    process.stdout.write(
      flags.json
        ? `${JSON.stringify({ rolloutId: input.rolloutId, workflowId: handle.workflowId, runId: handle.firstExecutionRunId })}\n`
        : `started ${rolloutDescription(input)} (${details})\n` +
            (earlier ? `the earlier rollout under this id: vibflow report ${input.rolloutId} --run ${earlier.runId}\n` : '') +
            (flags.wait ? '' : `follow it with: vibflow report ${input.rolloutId}\n`),
    );
  }
  if (flags.wait) process.exitCode = await follow(client, handle, flags.json ?? false);
}

/** After a steering update, how the phase it causes shows: the workflow sets it on its next turn. */
async function phaseAfter(handle: RolloutHandle, answer: RolloutProgress): Promise<RolloutProgress> {
  const until = Date.now() + 3_000;
  let latest = answer;
  while (latest.phase === answer.phase && latest.phase !== 'done' && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    latest = await rolloutProgress(handle).catch(() => latest);
  }
  return latest;
}

function steeringCommand(parent: Command, verb: SteeringVerb, description: string): void {
  const command = parent
    .command(verb)
    .description(description)
    .argument('<rolloutId>', 'the rollout id (or its workflow id, vibflow-rollout:ID)')
    .option('--reason <text>', 'why, for the record (kept in the rollout history with the request)');
  addTemporalOptions(command).action(async (rolloutId: string, flags: TemporalFlags & { reason?: string }) =>
    withTemporal(flags, async (client) => {
      const id = bareRolloutId(rolloutId);
      try {
        const handle = await findRollout(client, rolloutId);
        const after = await phaseAfter(handle, await steer[verb](handle, flags.reason));
        process.stdout.write(`${id}: ${verb} accepted; phase now ${stateText(after)}\n`);
      } catch (err) {
        // The workflow's validator says why (e.g. "the rollout is not paused"): bad usage, exit 2.
        if (err instanceof WorkflowUpdateFailedError) throw new UsageError(`${verb} refused: ${err.cause?.message ?? err.message}`);
        if (err instanceof WorkflowNotFoundError) throw new UsageError(`${verb} refused: rollout ${id} has ended or does not exist`);
        if (err instanceof RolloutNotFoundError) throw new UsageError(`${verb} refused: ${err.message}`);
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
    .option('--id <rolloutId>', 'rollout id; the bundle file name and the time when not given')
    .option('--reuse-id', 'run again under the id of a rollout that ended (its report stays reachable with report --run)')
    .option('--wait', 'follow the rollout and exit with its outcome (0 only when every host succeeded)')
    .option('--json', 'print machine-readable output')
    .action(async (flags: StartFlags) => {
      const typed = await rolloutInputFromFlags(flags, flags.id ?? defaultRolloutId(flags.uri ?? flags.bundle));
      validateFlags(ROLLOUT_FIELDS, () => rolloutStartOptions(typed));
      // What vCenter can tell now (the clusters and hosts named) is checked before anything starts.
      const input = await checkRolloutHosts(typed, flags.inventory as string, 'the rollout');
      const { staticDetails } = rolloutStartOptions(input);
      await withTemporal(flags, (client) => startAndFollow(client, flags, input, staticDetails));
    });
  steeringCommand(rollout, 'pause', 'hold new host starts; installing hosts finish');
  steeringCommand(rollout, 'resume', 'continue a paused rollout');
  steeringCommand(rollout, 'abort', 'cancel installing hosts and start no more');
  steeringCommand(rollout, 'approve', 'let the rollout go on after its canary batches');
}

export function registerReport(program: Command): void {
  addTemporalOptions(
    program
      .command('report')
      .description("a rollout's per-host table and how it ended: live while it runs, final once it ended")
      .argument('<rolloutId>', 'the rollout id, or its workflow id (also a scheduled run\'s, or one started from the Web UI)')
      .addOption(new Option('--format <format>', 'table, csv or json (csv and json carry every error in full)').choices(REPORT_FORMATS).default('table'))
      .option('--run <runId>', 'an earlier rollout under a reused id (its run id, as printed when the id was reused)')
      .option('--follow', 'follow a running rollout live until it ends, as rollout --wait does, and exit with its outcome'),
  ).action(async (rolloutId: string, flags: TemporalFlags & { format: ReportFormat; run?: string; follow?: boolean }) =>
    withTemporal(flags, async (client) => {
      const handle = await findRollout(client, rolloutId, flags.run).catch((err: unknown) => {
        if (err instanceof RolloutNotFoundError) throw new UsageError(err.found ? err.message : `no rollout ${bareRolloutId(rolloutId)}${flags.run ? ` with run ${flags.run}` : ''}`);
        throw err;
      });
      if (flags.follow) {
        if (flags.format !== 'table') throw new UsageError(`--follow: shows the live view and then the table; without --follow, --format ${flags.format} prints the report once`);
        process.exitCode = await follow(client, handle, false);
        return;
      }
      const state = await rolloutState(handle);
      // The table shows each running host's step (asked of its remediation); csv and json are the rollout's own record.
      const shown = flags.format === 'table' ? await withLiveSteps(client, state) : state;
      process.stdout.write(formatReport(shown, flags.format, process.stdout.isTTY ? process.stdout.columns : undefined));
    }),
  );
}
