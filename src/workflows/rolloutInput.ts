/**
 * fleetRollout's input: plain JSON for the UI's Start Workflow form, the CLI and schedules,
 * validated with messages naming the field. Pure (the workflow validates with it too, in a local
 * activity).
 */
import { z } from 'zod';
import { describeIssues, hostTargetSchema } from '../esxi/hostSchema';
import type { HostTarget } from '../esxi/model';
import { parseDurationMs } from '../shared/duration';
import { installVibInputSchema, InvalidInputError } from './installInput';

/** Hosts carried inline; a larger fleet belongs in several rollouts (see README, Scale). */
export const MAX_INLINE_HOSTS = 5_000;

const countOrPercent = (field: string, min: number) =>
  z.union([z.number(), z.string()]).superRefine((value, ctx) => {
    if (typeof value === 'number') {
      if (!Number.isInteger(value) || value < min) ctx.addIssue({ code: 'custom', message: `must be a whole number >= ${min} or a percentage like "20%"` });
      return;
    }
    const match = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
    if (!match) ctx.addIssue({ code: 'custom', message: `${field} must be a whole number >= ${min} or a percentage like "20%"` });
    else if (Number(match[1]) > 100) ctx.addIssue({ code: 'custom', message: 'a percentage cannot exceed 100%' });
    else if (min > 0 && Number(match[1]) === 0) ctx.addIssue({ code: 'custom', message: 'must be more than 0%' });
  });

const duration = z.union([z.string(), z.number()]).refine((v) => typeof parseDurationMs(v) === 'number', 'must be a duration such as "30m" or "4h"');

export const fleetRolloutInputSchema = z
  .strictObject({
    rolloutId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, 'must be 1-100 letters, digits, ".", "_", ":" or "-"'),
    hosts: z.array(hostTargetSchema).min(1, 'must list at least one host').max(MAX_INLINE_HOSTS, `at most ${MAX_INLINE_HOSTS} hosts per rollout`),
    bundleUri: z.string(),
    installOptions: z.array(z.union([z.number(), z.string()])).optional(),
    installOptionValues: z.array(z.string()).optional(),
    pollInterval: z.union([z.string(), z.number()]).optional(),
    stallTimeout: z.union([z.string(), z.number()]).optional(),
    deadline: z.union([z.string(), z.number()]).optional(),
    unreachableTimeout: z.union([z.string(), z.number()]).optional(),
    maxConcurrency: countOrPercent('maxConcurrency', 1),
    maxFailures: countOrPercent('maxFailures', 0).default(0),
    abortOnBudget: z.enum(['drain', 'cancel']).default('drain'),
    canary: z.array(z.number().int().min(1, 'canary batch sizes must be >= 1')).default([]),
    approveAfterCanary: z.boolean().default(false),
    window: z
      .strictObject({
        endsAt: z.string().refine((t) => !Number.isNaN(Date.parse(t)), 'must be an ISO 8601 time such as 2026-11-28T06:00:00Z').optional(),
        duration: duration.optional(),
        cutoff: duration.optional(),
        onEnd: z.enum(['finish', 'cancel']).default('finish'),
      })
      .refine((w) => (w.endsAt === undefined) !== (w.duration === undefined), 'give exactly one of endsAt or duration')
      .optional(),
    hostRetries: z.strictObject({ count: z.number().int().min(0).max(10), delay: duration.default('1m') }).optional(),
    order: z.enum(['as-given', 'name']).default('as-given'),
    /** Children started per run before the rollout continues-as-new (history stays bounded). */
    pageSize: z.number().int().min(2).max(2_000).default(1_000),
    /** Internal: state carried across continue-as-new. */
    resume: z.unknown().optional(),
  })
  .superRefine((input, ctx) => {
    const seen = new Map<string, number>();
    input.hosts.forEach((host, index) => {
      const key = host.name.toLowerCase();
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['hosts', index, 'name'], message: `duplicate host "${host.name}" (also hosts[${seen.get(key)}])` });
      else seen.set(key, index);
    });
  });

/** What a person writes; `resume` is the workflow's own business. */
export type FleetRolloutInput = Omit<z.input<typeof fleetRolloutInputSchema>, 'resume'>;

export interface RolloutPlan {
  readonly rolloutId: string;
  readonly hosts: readonly HostTarget[];
  readonly install: Readonly<Record<string, unknown>>;
  readonly maxConcurrency: number;
  readonly maxFailures: number;
  readonly abortOnBudget: 'drain' | 'cancel';
  readonly canary: readonly number[];
  readonly approveAfterCanary: boolean;
  /** Epoch ms: no host starts at or after `startsUntil`; the window ends at `endsAt`. */
  readonly window?: { readonly startsUntil: number; readonly endsAt: number; readonly onEnd: 'finish' | 'cancel' };
  readonly hostRetries: { readonly count: number; readonly delayMs: number };
  readonly pageSize: number;
}

/** "20%" of 37 hosts -> 8 (at least `min`); a number stays as it is. */
export function resolveCountOrPercent(value: number | string, total: number, round: 'up' | 'down', min: number): number {
  if (typeof value === 'number') return value;
  const share = (Number(value.replace('%', '')) / 100) * total;
  return Math.max(min, round === 'up' ? Math.ceil(share) : Math.floor(share));
}

/**
 * Validates and resolves the input. `now` is the workflow's clock and `windowStart` the moment
 * the window counts from (the scheduled start time for a scheduled rollout).
 */
export function parseRolloutInput(raw: unknown, now: number, windowStart = now, options: { windowMayHavePassed?: boolean } = {}): RolloutPlan {
  const parsed = fleetRolloutInputSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidInputError(`invalid rollout input:\n${describeIssues(parsed.error)}`);
  const input = parsed.data;
  const install = {
    bundleUri: input.bundleUri,
    ...(input.installOptions ? { installOptions: input.installOptions } : {}),
    ...(input.installOptionValues ? { installOptionValues: input.installOptionValues } : {}),
    ...(input.pollInterval !== undefined ? { pollInterval: input.pollInterval } : {}),
    ...(input.stallTimeout !== undefined ? { stallTimeout: input.stallTimeout } : {}),
    ...(input.deadline !== undefined ? { deadline: input.deadline } : {}),
    ...(input.unreachableTimeout !== undefined ? { unreachableTimeout: input.unreachableTimeout } : {}),
  };
  // The per-host settings must be valid installVib input (bundleUri, durations, options): check
  // them once with installVib's own schema, against the first (already valid) host.
  const installCheck = installVibInputSchema.safeParse({ host: input.hosts[0], ...install });
  if (!installCheck.success) throw new InvalidInputError(`invalid rollout input:\n${describeIssues(installCheck.error)}`);

  let window: RolloutPlan['window'];
  if (input.window) {
    const endsAt = input.window.endsAt ? Date.parse(input.window.endsAt) : windowStart + (parseDurationMs(input.window.duration) as number);
    const cutoffMs = input.window.cutoff !== undefined ? (parseDurationMs(input.window.cutoff) as number) : 0;
    if (endsAt - cutoffMs <= now && !options.windowMayHavePassed) throw new InvalidInputError('invalid rollout input:\nwindow: the window (less its cutoff) has already passed');
    window = { startsUntil: endsAt - cutoffMs, endsAt, onEnd: input.window.onEnd };
  }
  const total = input.hosts.length;
  const hosts = input.order === 'name' ? [...input.hosts].sort((a, b) => a.name.localeCompare(b.name)) : input.hosts;
  return {
    rolloutId: input.rolloutId,
    hosts,
    install,
    maxConcurrency: Math.min(resolveCountOrPercent(input.maxConcurrency, total, 'up', 1), 1_000),
    maxFailures: resolveCountOrPercent(input.maxFailures, total, 'down', 0),
    abortOnBudget: input.abortOnBudget,
    canary: input.canary,
    approveAfterCanary: input.approveAfterCanary,
    ...(window ? { window } : {}),
    hostRetries: { count: input.hostRetries?.count ?? 0, delayMs: input.hostRetries ? (parseDurationMs(input.hostRetries.delay) as number) : 0 },
    pageSize: input.pageSize,
  };
}
