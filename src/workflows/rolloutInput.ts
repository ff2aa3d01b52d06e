/**
 * fleetRollout's input: plain JSON for the UI's Start Workflow form, the CLI and schedules,
 * validated with messages naming the field. Pure (the workflow validates with it too, in a local
 * activity).
 */
import { z } from 'zod';
import { describeIssues, hostTargetSchema, vcenterTargetSchema } from '../esxi/hostSchema';
import type { HostTarget } from '../esxi/model';
import { DEFAULT_CIM_URL_TEMPLATE, hostOverrideSchema, VCENTER_NAME } from '../inventory/inventory';
import { vcenterNameOf } from '../inventory/vcenterHosts';
import type { FleetSource } from '../activities/fleet';
import { notifySchema, type NotifyPlan } from '../notify/plan';
import type { BundleSource } from '../staging/model';
import { resolveCountOrPercent, resolveLimits } from '../shared/countOrPercent';
import { parseDurationMs } from '../shared/duration';
import { installVibInputSchema, InvalidInputError } from './installInput';
import { parseVibs, resolveRemediationPolicy, type RemediationPolicy, type Vib } from './remediationInput';

export { resolveCountOrPercent, resolveLimits };

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

/** Hosts read from a vCenter when the rollout starts, by an activity (not carried in the input). */
const fromVcenterSchema = z.strictObject({
  vcenter: vcenterTargetSchema,
  clusters: z.array(z.string().min(1)).optional(),
  hosts: z.array(z.string().min(1)).optional(),
  cimUrlTemplate: z.string().refine((t) => t.includes('{name}'), 'must contain {name}, e.g. https://{name}:5989').default(DEFAULT_CIM_URL_TEMPLATE),
  overrides: z.array(hostOverrideSchema).default([]),
});

/** One vCenter of a fleet that spans several, under the name hosts and clusters are qualified with. */
const fleetVcenterSchema = z.strictObject({
  name: z.string().regex(VCENTER_NAME, 'must be 1-100 letters, digits, ".", "_", ":" or "-", e.g. vc-fra1'),
  vcenter: vcenterTargetSchema,
  cimUrlTemplate: z.string().refine((t) => t.includes('{name}'), 'must contain {name}, e.g. https://{name}:5989').default(DEFAULT_CIM_URL_TEMPLATE),
  overrides: z.array(hostOverrideSchema).default([]),
});

/** Hosts read from several vCenters; clusters and hosts are `VCENTER/NAME`, or a name no other vCenter has. */
const fromVcentersSchema = z
  .strictObject({
    vcenters: z.array(fleetVcenterSchema).min(1, 'must list at least one vCenter'),
    clusters: z.array(z.string().min(1)).optional(),
    hosts: z.array(z.string().min(1)).optional(),
    /** A vCenter that cannot be read at the start fails the rollout (else its hosts are skipped with the reason). */
    requireAll: z.boolean().optional(),
  })
  .superRefine((source, ctx) => {
    const seen = new Map<string, number>();
    source.vcenters.forEach((v, index) => {
      const first = seen.get(v.name.toLowerCase());
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['vcenters', index, 'name'], message: `duplicate vCenter "${v.name}" (also vcenters[${first}])` });
      else seen.set(v.name.toLowerCase(), index);
    });
  });

/** The bundle a rollout stages itself: where the worker reads it, and the SHA-256 it must have. */
export const bundleSourceSchema = z.strictObject({
  source: z.string().refine((s) => s.startsWith('/') || /^https?:\/\/[^/\s]+/i.test(s), 'must be an absolute path every worker can read, or an http(s) URL'),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the SHA-256 of the bundle file, 64 hex digits (vibflow bundle inspect FILE prints it)'),
});

/** Hosts read from an inventory file by the workers, a page at a time (fleets beyond the inline limit). */
const fromFileSchema = z.strictObject({
  path: z.string().refine((p) => p.startsWith('/'), 'must be an absolute path every worker can read'),
  hosts: z.array(z.string().min(1)).optional(),
});

export const fleetRolloutInputSchema = z
  .strictObject({
    rolloutId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, 'must be 1-100 letters, digits, ".", "_", ":" or "-"'),
    hosts: z.array(hostTargetSchema).min(1, 'must list at least one host').max(MAX_INLINE_HOSTS, `at most ${MAX_INLINE_HOSTS} hosts per rollout`).optional(),
    fromVcenter: fromVcenterSchema.optional(),
    fromVcenters: fromVcentersSchema.optional(),
    fromFile: fromFileSchema.optional(),
    /** A bundle already on the hosts' datastores (file:///vmfs/volumes/...); absent with `bundle` or for a compliance check. */
    bundleUri: z.string().optional(),
    /** The bundle file, staged by the rollout on the hosts' datastores before any host is touched. */
    bundle: bundleSourceSchema.optional(),
    /** With bundle: stage on this datastore only (else the fewest datastores that reach every host). */
    datastore: z.string().min(1).optional(),
    /** With bundle: leave the staged copies in place when the rollout ends. */
    keepStaged: z.boolean().optional(),
    /** Take each host through maintenance mode, reboot and verification (needs fromVcenter). */
    remediate: z.unknown().optional(),
    /** The VIBs the bundle brings: hosts that have them all are already compliant. */
    vibs: z.unknown().optional(),
    /** Hosts of one cluster remediated at once (default 1 when remediating). */
    maxPerCluster: z.number().int().min(1).max(1_000).optional(),
    /** Hosts of one vCenter in flight at once, so no vCenter's task queue is flooded (default: no limit). */
    maxPerVcenter: z.number().int().min(1).max(10_000).optional(),
    /** Run only the pre-check on every host; change nothing. */
    dryRun: z.boolean().default(false),
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
    notify: notifySchema.optional(),
    /** Internal: state carried across continue-as-new. */
    resume: z.unknown().optional(),
  })
  .superRefine((input, ctx) => {
    const fromVcenters = input.fromVcenter !== undefined || input.fromVcenters !== undefined;
    if ([input.hosts, input.fromVcenter, input.fromVcenters, input.fromFile].filter((source) => source !== undefined).length !== 1) {
      ctx.addIssue({ code: 'custom', path: ['hosts'], message: 'give exactly one of hosts, fromVcenter (read them from a vCenter), fromVcenters (from several) or fromFile (an inventory file the workers read)' });
    }
    if (input.remediate !== undefined && !fromVcenters) {
      ctx.addIssue({ code: 'custom', path: ['remediate'], message: 'remediation goes through vCenter (maintenance mode, reboot): give fromVcenter or fromVcenters' });
    }
    if (input.maxPerVcenter !== undefined && !fromVcenters) {
      ctx.addIssue({ code: 'custom', path: ['maxPerVcenter'], message: 'hosts come from vCenters only with fromVcenter or fromVcenters' });
    }
    if (input.bundleUri !== undefined && input.bundle !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['bundle'], message: 'give bundle (the rollout stages it) or bundleUri (already staged), not both' });
    } else if (input.bundleUri === undefined && input.bundle === undefined && !(input.dryRun && input.vibs !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['bundleUri'], message: 'Required: give bundle (a file the rollout stages) or bundleUri (already on the datastores); only a compliance check, dryRun with vibs, goes without' });
    }
    if (input.bundle !== undefined) {
      if (!fromVcenters) ctx.addIssue({ code: 'custom', path: ['bundle'], message: 'a bundle is staged through vCenter on the hosts\' datastores: give fromVcenter or fromVcenters' });
      else if (input.remediate === undefined && !input.dryRun) ctx.addIssue({ code: 'custom', path: ['bundle'], message: 'a staged bundle is checked on each host before it enters maintenance mode: give remediate (or dryRun for the check alone)' });
    }
    for (const field of ['datastore', 'keepStaged'] as const) {
      if (input[field] !== undefined && input.bundle === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'only with bundle (a bundle the rollout stages)' });
    }
    const seen = new Map<string, number>();
    (input.hosts ?? []).forEach((host, index) => {
      const key = host.name.toLowerCase();
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['hosts', index, 'name'], message: `duplicate host "${host.name}" (also hosts[${seen.get(key)}])` });
      else seen.set(key, index);
    });
  });

/** What a person writes; `resume` is the workflow's own business. */
export type FleetRolloutInput = Omit<z.input<typeof fleetRolloutInputSchema>, 'resume'>;

export interface RolloutPlan {
  readonly rolloutId: string;
  /** Inline hosts; empty when they come from a source an activity reads a page at a time. */
  readonly hosts: readonly HostTarget[];
  readonly source?: FleetSource;
  readonly install: Readonly<Record<string, unknown>>;
  /** A count, or a share ("20%") resolved once the fleet is known. */
  readonly maxConcurrency: number | string;
  readonly maxFailures: number | string;
  readonly remediation?: RemediationPolicy;
  readonly vibs: readonly Vib[];
  /** Hosts of one cluster at once; 0 means no limit. */
  readonly maxPerCluster: number;
  /** Hosts of one vCenter at once; 0 means no limit. */
  readonly maxPerVcenter: number;
  /** The bundle the rollout stages before any host, and where. */
  readonly bundle?: BundleSource;
  readonly datastore?: string;
  readonly keepStaged: boolean;
  readonly dryRun: boolean;
  readonly abortOnBudget: 'drain' | 'cancel';
  readonly canary: readonly number[];
  readonly approveAfterCanary: boolean;
  /** Epoch ms: no host starts at or after `startsUntil`; the window ends at `endsAt`. */
  readonly window?: { readonly startsUntil: number; readonly endsAt: number; readonly onEnd: 'finish' | 'cancel' };
  readonly hostRetries: { readonly count: number; readonly delayMs: number };
  readonly pageSize: number;
  readonly notify?: NotifyPlan;
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
    ...(input.bundleUri !== undefined ? { bundleUri: input.bundleUri } : {}),
    ...(input.installOptions ? { installOptions: input.installOptions } : {}),
    ...(input.installOptionValues ? { installOptionValues: input.installOptionValues } : {}),
    ...(input.pollInterval !== undefined ? { pollInterval: input.pollInterval } : {}),
    ...(input.stallTimeout !== undefined ? { stallTimeout: input.stallTimeout } : {}),
    ...(input.deadline !== undefined ? { deadline: input.deadline } : {}),
    ...(input.unreachableTimeout !== undefined ? { unreachableTimeout: input.unreachableTimeout } : {}),
  };
  // The per-host settings must be valid installVib input (bundleUri, durations, options): check
  // them once with installVib's own schema, against a stand-in host.
  const standIn: HostTarget = { name: 'esx-check', url: 'https://esx-check:5989', user: 'root', credential: 'env:CHECK' };
  const installCheck = installVibInputSchema.safeParse({ host: standIn, bundleUri: 'file:///vmfs/volumes/ds/check.zip', ...install });
  if (!installCheck.success) throw new InvalidInputError(`invalid rollout input:\n${describeIssues(installCheck.error)}`);
  const remediation = input.remediate !== undefined ? resolveRemediationPolicy(input.remediate, 'rollout input') : undefined;
  const vibs = parseVibs(input.vibs, 'vibs');
  // A rollout installs a bundle in a version; "any version" is only for a compliance check (no bundle).
  const unversioned = vibs.findIndex((vib) => vib.version === undefined);
  if (input.bundleUri !== undefined && unversioned >= 0) {
    throw new InvalidInputError(`invalid rollout input:\nvibs[${unversioned}].version: Required: the version the bundle brings ("${vibs[unversioned].name}" has none); any version is only for a compliance check, without bundleUri`);
  }

  let window: RolloutPlan['window'];
  if (input.window) {
    const endsAt = input.window.endsAt ? Date.parse(input.window.endsAt) : windowStart + (parseDurationMs(input.window.duration) as number);
    const cutoffMs = input.window.cutoff !== undefined ? (parseDurationMs(input.window.cutoff) as number) : 0;
    if (endsAt - cutoffMs <= now && !options.windowMayHavePassed) throw new InvalidInputError('invalid rollout input:\nwindow: the window (less its cutoff) has already passed');
    window = { startsUntil: endsAt - cutoffMs, endsAt, onEnd: input.window.onEnd };
  }
  const inline = input.hosts ?? [];
  const hosts = input.order === 'name' ? [...inline].sort((a, b) => a.name.localeCompare(b.name)) : inline;
  // One vCenter is a fleet of one: every rollout from vCenter reads its hosts the same way.
  const one = input.fromVcenter;
  const vcenters = one
    ? {
        vcenters: [{ name: vcenterNameOf(one.vcenter.url), vcenter: one.vcenter, cimUrlTemplate: one.cimUrlTemplate, overrides: one.overrides }],
        ...(one.clusters ? { clusters: one.clusters } : {}),
        ...(one.hosts ? { hosts: one.hosts } : {}),
      }
    : input.fromVcenters;
  const source: FleetSource | undefined = vcenters ? { vcenters } : input.fromFile ? { file: input.fromFile } : undefined;
  const limits = source ? { maxConcurrency: input.maxConcurrency, maxFailures: input.maxFailures } : resolveLimits(input, inline.length);
  return {
    rolloutId: input.rolloutId,
    hosts,
    ...(source ? { source } : {}),
    install,
    ...limits,
    ...(remediation ? { remediation } : {}),
    vibs,
    maxPerCluster: input.maxPerCluster ?? (remediation ? 1 : 0),
    maxPerVcenter: input.maxPerVcenter ?? 0,
    ...(input.bundle ? { bundle: { source: input.bundle.source, sha256: input.bundle.sha256.toLowerCase() } } : {}),
    ...(input.datastore ? { datastore: input.datastore } : {}),
    keepStaged: input.keepStaged ?? false,
    dryRun: input.dryRun,
    abortOnBudget: input.abortOnBudget,
    canary: input.canary,
    approveAfterCanary: input.approveAfterCanary,
    ...(window ? { window } : {}),
    hostRetries: { count: input.hostRetries?.count ?? 0, delayMs: input.hostRetries ? (parseDurationMs(input.hostRetries.delay) as number) : 0 },
    pageSize: input.pageSize,
    ...(input.notify ? { notify: input.notify } : {}),
  };
}
