/**
 * Weekend patch windows as Temporal Schedules: each firing starts a fleetRollout whose window is
 * measured from the scheduled time. Overlapping firings are skipped unless asked otherwise.
 */
import { ScheduleOverlapPolicy, type CalendarSpec, type Client, type ScheduleHandle, type ScheduleOptions } from '@temporalio/client';
import { DAYS_OF_WEEK, type DayOfWeek } from '@temporalio/client/lib/schedule-types';
import { fleetRollout } from '../workflows/fleetRollout';
import type { FleetRolloutInput } from '../workflows/rolloutInput';
import { InvalidInputError } from '../workflows/installInput';
import { rolloutStartOptions } from './rollouts';

export interface PatchWindowSchedule {
  readonly scheduleId: string;
  /** Cron expressions or calendar specs (at least one of the two). */
  readonly cron?: readonly string[];
  readonly calendars?: readonly CalendarSpec[];
  readonly timezone: string;
  readonly rollout: FleetRolloutInput;
  readonly taskQueue: string;
  readonly overlap?: 'skip' | 'buffer-one' | 'allow-all';
}

const OVERLAP = { skip: ScheduleOverlapPolicy.SKIP, 'buffer-one': ScheduleOverlapPolicy.BUFFER_ONE, 'allow-all': ScheduleOverlapPolicy.ALLOW_ALL } as const;
const CALENDAR_FIELDS = ['second', 'minute', 'hour', 'dayOfMonth', 'month', 'year', 'dayOfWeek'] as const;

/** "dayOfWeek=SAT,hour=2,minute=30" -> a CalendarSpec; errors name the bad part. */
export function parseCalendar(text: string): CalendarSpec {
  const spec: Record<string, unknown> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [key, value] = part.split('=').map((s) => s.trim());
    const field = CALENDAR_FIELDS.find((f) => f.toLowerCase() === key?.toLowerCase());
    if (!field || value === undefined) throw new InvalidInputError(`calendar: "${part}" is not FIELD=VALUE with FIELD one of ${CALENDAR_FIELDS.join(', ')}`);
    if (field === 'dayOfWeek') {
      const day = DAYS_OF_WEEK.find((d) => d.startsWith(value.toUpperCase().slice(0, 3)));
      if (!day || value.length < 3) throw new InvalidInputError(`calendar: "${value}" is not a day of the week`);
      spec.dayOfWeek = day as DayOfWeek;
    } else {
      if (!/^\d+$/.test(value)) throw new InvalidInputError(`calendar: ${field} must be a number, not "${value}"`);
      spec[field] = Number(value);
    }
  }
  return spec as CalendarSpec;
}

function validTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** Validates the schedule and its rollout (InvalidInputError names the field) and says how to create it: no Temporal call. */
export function patchWindowScheduleOptions(schedule: PatchWindowSchedule): ScheduleOptions {
  if (!schedule.cron?.length && !schedule.calendars?.length) throw new InvalidInputError('schedule: give a cron expression or a calendar');
  if (!validTimezone(schedule.timezone)) throw new InvalidInputError(`timezone: "${schedule.timezone}" is not an IANA time zone such as Europe/Berlin`);
  const start = rolloutStartOptions(schedule.rollout);
  return {
    scheduleId: schedule.scheduleId,
    spec: {
      ...(schedule.cron?.length ? { cronExpressions: [...schedule.cron] } : {}),
      ...(schedule.calendars?.length ? { calendars: [...schedule.calendars] } : {}),
      timezone: schedule.timezone,
    },
    action: {
      type: 'startWorkflow',
      workflowType: fleetRollout,
      args: start.args,
      taskQueue: schedule.taskQueue,
      workflowId: start.workflowId,
      typedSearchAttributes: start.typedSearchAttributes,
      staticSummary: `${start.staticSummary} (scheduled by ${schedule.scheduleId})`,
      staticDetails: start.staticDetails,
    },
    policies: { overlap: OVERLAP[schedule.overlap ?? 'skip'] },
  };
}

export async function createPatchWindowSchedule(client: Client, schedule: PatchWindowSchedule): Promise<ScheduleHandle> {
  return client.schedule.create(patchWindowScheduleOptions(schedule));
}
