import { type Command, Option } from 'commander';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client } from '@temporalio/client';
import { patchWindowScheduleOptions, parseCalendar } from '../../api/schedules';
import { validateFlags } from '../inputFlags';
import { collect } from '../installSettings';
import { addRolloutOptions, checkRolloutHosts, ROLLOUT_FIELDS, rolloutInputFromFlags, type RolloutFlags } from '../rolloutOptions';
import { addTemporalOptions, withTemporal, type TemporalFlags } from '../temporalOptions';
import { UsageError } from '../usageError';

interface CreateFlags extends RolloutFlags, TemporalFlags {
  id: string;
  cron?: string[];
  calendar?: string[];
  timezone: string;
  overlap: 'skip' | 'buffer-one' | 'allow-all';
}

const SCHEDULE_FIELDS = { ...ROLLOUT_FIELDS, schedule: '--cron or --calendar', calendar: '--calendar', timezone: '--timezone' };

/** withTemporal, with a schedule that is not there (or already is) as bad input. */
async function withSchedules(flags: TemporalFlags, body: (client: Client) => Promise<string>): Promise<void> {
  const text = await withTemporal(flags, body).catch((err: unknown) => {
    if (err instanceof ScheduleNotFoundError) throw new UsageError(`no schedule ${err.scheduleId}: vibflow schedule list shows them`);
    if (err instanceof ScheduleAlreadyRunning) throw new UsageError(`schedule ${err.scheduleId} exists already: vibflow schedule describe ${err.scheduleId}`);
    throw err;
  });
  process.stdout.write(`${text}\n`);
}

function simple(parent: Command, name: string, description: string, act: (client: Client, id: string) => Promise<string>): void {
  addTemporalOptions(parent.command(name).description(description).argument('<scheduleId>', 'the schedule id')).action(
    async (id: string, flags: TemporalFlags) => withSchedules(flags, (client) => act(client, id)),
  );
}

export function registerSchedule(program: Command): void {
  const schedule = program.command('schedule').description('patch windows: rollouts started by Temporal Schedules').enablePositionalOptions();
  addTemporalOptions(
    addRolloutOptions(
      schedule
        .command('create')
        .description('create a schedule that starts a rollout in each patch window')
        .requiredOption('--id <scheduleId>', 'schedule id; each run is rollout ID-<scheduled time>')
        .addOption(new Option('--cron <expr>', 'cron expression, repeatable, e.g. "0 2 * * SAT"').argParser(collect))
        .addOption(new Option('--calendar <spec>', 'calendar, repeatable, e.g. "dayOfWeek=SAT,hour=2,minute=0"').argParser(collect))
        .option('--timezone <tz>', 'IANA time zone of the schedule', 'UTC')
        .addOption(new Option('--overlap <policy>', 'when a window is still running at the next one').choices(['skip', 'buffer-one', 'allow-all']).default('skip')),
    ),
  ).action(async (flags: CreateFlags) => {
    const typed = await rolloutInputFromFlags(flags, flags.id);
    const scheduleOf = (rollout: typeof typed) =>
      patchWindowScheduleOptions({
        scheduleId: flags.id,
        ...(flags.cron ? { cron: flags.cron } : {}),
        ...(flags.calendar ? { calendars: flags.calendar.map(parseCalendar) } : {}),
        timezone: flags.timezone,
        rollout,
        taskQueue: flags.taskQueue,
        overlap: flags.overlap,
      });
    validateFlags(SCHEDULE_FIELDS, () => scheduleOf(typed));
    // A misspelled cluster would fail the weekend's run: refused now, when vCenter can be read from here.
    const options = scheduleOf(await checkRolloutHosts(typed, flags.inventory as string, 'each scheduled run'));
    await withSchedules(flags, async (client) => {
      const handle = await client.schedule.create(options);
      const next = (await handle.describe()).info.nextActionTimes.slice(0, 3).map((d) => d.toISOString());
      return `created schedule ${flags.id}; next windows: ${next.join(', ') || '(none)'}`;
    });
  });
  addTemporalOptions(schedule.command('list').description('list schedules')).action(async (flags: TemporalFlags) =>
    withSchedules(flags, async (client) => {
      const lines: string[] = [];
      for await (const s of client.schedule.list()) {
        lines.push(`${s.scheduleId}  ${s.state.paused ? 'paused' : 'active'}  next ${s.info.nextActionTimes[0]?.toISOString() ?? '-'}`);
      }
      return lines.join('\n') || '(no schedules)';
    }),
  );
  simple(schedule, 'describe', 'show a schedule, its next windows and recent runs', async (client, id) => {
    const d = await client.schedule.getHandle(id).describe();
    const recent = d.info.recentActions.map((a) => `  ran ${a.scheduledAt.toISOString()} -> ${a.action.workflow.workflowId}`);
    return [`${id}: ${d.state.paused ? 'paused' : 'active'}${d.state.note ? ` (${d.state.note})` : ''}`, `  next: ${d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()).join(', ')}`, ...recent].join('\n');
  });
  simple(schedule, 'pause', 'stop starting rollouts', async (client, id) => (await client.schedule.getHandle(id).pause('paused with vibflow'), `paused ${id}`));
  simple(schedule, 'unpause', 'start rollouts again', async (client, id) => (await client.schedule.getHandle(id).unpause(), `unpaused ${id}`));
  simple(schedule, 'trigger', 'start a rollout now', async (client, id) => (await client.schedule.getHandle(id).trigger(), `triggered ${id}`));
  simple(schedule, 'delete', 'delete the schedule (running rollouts go on)', async (client, id) => (await client.schedule.getHandle(id).delete(), `deleted ${id}`));
}
