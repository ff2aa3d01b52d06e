/**
 * installVib's input: plain JSON a person can paste into the Temporal UI's Start Workflow form,
 * validated with messages that name the field. Pure; the workflows validate with it through a
 * local activity (activities/validation.ts), which keeps zod out of the workflow sandbox.
 */
import { z } from 'zod';
import { describeIssues, hostTargetSchema } from '../esxi/hostSchema';
import type { HostTarget, InstallOptions, JobSnapshot, SoftwareItem, StartedInstall, HostObjects } from '../esxi/model';
import { INSTALL_OPTION_CODES } from '../esxi/valueMaps';
import { parseDurationMs } from '../shared/duration';

export const DEFAULTS = {
  pollInterval: '10s',
  stallTimeout: '30m',
  deadline: '4h',
  /** Before InstallFromURI is sent, how long a host that cannot be reached is retried. */
  unreachableTimeout: '2m',
  /**
   * About 6 history events per poll: 50 polls keep a run near 320 events, which a worker replays
   * in about 0.15 s when the install is not in its cache (after a restart, or with a cache smaller
   * than its installs), at about 2.8 ms per poll (bench/replayCost.ts).
   */
  maxPollsPerRun: 50,
} as const;

/** A duration as people write it ("30m" or seconds), to milliseconds within [min, max]. */
export function durationMs(min: number, max: number) {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = parseDurationMs(value);
    if (typeof ms === 'string') ctx.addIssue({ code: 'custom', message: ms });
    else if (ms < min || ms > max) ctx.addIssue({ code: 'custom', message: `must be between ${min / 1000}s and ${max / 1000}s` });
    return typeof ms === 'number' ? ms : 0;
  });
}

const installOption = z.union([z.number().int().min(0).max(65535), z.string()]).transform((option, ctx) => {
  if (typeof option === 'number') return option;
  const code = INSTALL_OPTION_CODES[option.toLowerCase()];
  if (code === undefined) ctx.addIssue({ code: 'custom', message: `unknown option "${option}"; known: ${Object.keys(INSTALL_OPTION_CODES).join(', ')}` });
  return code ?? 0;
});

// Control characters in a URI can only be a paste accident; everything else (& < > " ' ]]>,
// non-ASCII) is legal in a file name and must reach the host byte for byte.
const bundleUri = z
  .string()
  .regex(/^file:\/\/\/\S/, 'must be an offline bundle on the host file system, e.g. file:///vmfs/volumes/datastore1/bundle.zip (ESXi refuses online depots)')
  .refine((uri) => !/[\u0000-\u001f\u007f]/.test(uri), 'must not contain control characters');

export const installVibInputSchema = z
  .strictObject({
    host: hostTargetSchema,
    bundleUri,
    installOptions: z.array(installOption).optional(),
    installOptionValues: z.array(z.string()).optional(),
    pollInterval: durationMs(100, 600_000).prefault(DEFAULTS.pollInterval),
    stallTimeout: durationMs(1_000, 7 * 86_400_000).prefault(DEFAULTS.stallTimeout),
    deadline: durationMs(1_000, 30 * 86_400_000).prefault(DEFAULTS.deadline),
    unreachableTimeout: durationMs(1_000, 86_400_000).prefault(DEFAULTS.unreachableTimeout),
    maxPollsPerRun: z.number().int().min(2).max(5_000).default(DEFAULTS.maxPollsPerRun),
    rolloutId: z.string().min(1).optional(),
    /** Internal: state carried across continue-as-new. */
    resume: z.unknown().optional(),
  })
  .refine((input) => !input.installOptionValues || (input.installOptions?.length ?? 0) === input.installOptionValues.length, {
    message: 'must have one value per installOptions entry (they are index-paired)',
    path: ['installOptionValues'],
  });

/** What a user writes (durations as text or seconds). */
export type InstallVibInput = z.input<typeof installVibInputSchema> & { resume?: InstallState };

/** What the workflow works with: durations in ms, defaults applied. */
export interface InstallPlan {
  readonly host: HostTarget;
  readonly bundleUri: string;
  readonly installOptions?: InstallOptions;
  readonly pollIntervalMs: number;
  readonly stallTimeoutMs: number;
  readonly deadlineMs: number;
  readonly unreachableTimeoutMs: number;
  readonly maxPollsPerRun: number;
  readonly rolloutId?: string;
}

/** Everything an install knows, carried from one run to the next by continue-as-new. */
export interface InstallState {
  readonly objects: HostObjects;
  readonly softwareBefore: readonly SoftwareItem[];
  readonly job: StartedInstall;
  readonly lastJob?: JobSnapshot;
  /** Workflow time (ms) the install began, when the job last changed, and poll/run counters. */
  readonly startedAtMs: number;
  readonly lastChangeAtMs: number;
  readonly polls: number;
  readonly runs: number;
}

export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
}

export function parseInstallInput(raw: unknown): { plan: InstallPlan; resume?: InstallState } {
  const parsed = installVibInputSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidInputError(`invalid install input:\n${describeIssues(parsed.error)}`);
  const input = parsed.data;
  const installOptions = input.installOptions?.length
    ? { options: input.installOptions, ...(input.installOptionValues ? { values: input.installOptionValues } : {}) }
    : undefined;
  return {
    plan: {
      host: input.host,
      bundleUri: input.bundleUri,
      ...(installOptions ? { installOptions } : {}),
      pollIntervalMs: input.pollInterval,
      stallTimeoutMs: input.stallTimeout,
      deadlineMs: input.deadline,
      unreachableTimeoutMs: input.unreachableTimeout,
      maxPollsPerRun: input.maxPollsPerRun,
      ...(input.rolloutId ? { rolloutId: input.rolloutId } : {}),
    },
    ...(input.resume ? { resume: input.resume as InstallState } : {}),
  };
}
