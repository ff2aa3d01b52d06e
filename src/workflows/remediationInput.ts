/**
 * Remediation policy and remediateHost's input: plain JSON for the UI's Start Workflow form and
 * for rollouts, validated with messages naming the field. Pure (validated in a local activity).
 *
 * A remediation takes one host through pre-check -> maintenance mode -> install -> reboot ->
 * back -> verify -> exit maintenance mode; the install settings are installVib's own.
 */
import { z } from 'zod';
import { describeIssues, vcenterTargetSchema } from '../esxi/hostSchema';
import type { HostTarget } from '../esxi/model';
import type { StagedForHost } from '../staging/model';
import type { VcenterTarget } from '../vsphere/model';
import { durationMs, InvalidInputError, parseInstallInput, type InstallPlan, type InstallVibInput } from './installInput';

export const REBOOT_POLICIES = ['if-required', 'always', 'never'] as const;
export type RebootPolicy = (typeof REBOOT_POLICIES)[number];

export const REMEDIATION_DEFAULTS = {
  maintenanceTimeout: '30m',
  maintenanceRetryDelay: '5m',
  rebootTimeout: '30m',
} as const;

/** A VIB the bundle brings, as `--vib NAME=VERSION` declares it; without a version, any version. */
export const vibSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'must be a VIB name such as "drv" or "nvme-pcie"'),
  version: z.string().min(1, 'must not be empty').optional(),
});
export type Vib = z.infer<typeof vibSchema>;

const maintenancePolicySchema = z.strictObject({
  /** EnterMaintenanceMode_Task's own timeout. */
  timeout: durationMs(1_000, 7 * 86_400_000).prefault(REMEDIATION_DEFAULTS.maintenanceTimeout),
  evacuatePoweredOffVms: z.boolean().default(false),
  /** vSphere Lifecycle Manager's policy when the host does not enter: fail, or retry after a delay. */
  onFailure: z.enum(['fail', 'retry']).default('fail'),
  retries: z.number().int().min(1).max(20).default(3),
  retryDelay: durationMs(1_000, 86_400_000).prefault(REMEDIATION_DEFAULTS.maintenanceRetryDelay),
});

export const remediationPolicySchema = z.strictObject({
  reboot: z.enum(REBOOT_POLICIES).default('if-required'),
  maintenance: maintenancePolicySchema.prefault({}),
  /** From the reboot request until the host must be back, else "host did not come back". */
  rebootTimeout: durationMs(10_000, 86_400_000).prefault(REMEDIATION_DEFAULTS.rebootTimeout),
  /** A failed host stays in maintenance mode unless this is set. */
  exitMaintenanceOnFailure: z.boolean().default(false),
});
export type RemediationPolicyInput = z.input<typeof remediationPolicySchema>;

export interface RemediationPolicy {
  readonly reboot: RebootPolicy;
  readonly maintenance: {
    readonly timeoutMs: number;
    readonly evacuatePoweredOffVms: boolean;
    /** Further attempts after the first one failed (0 when the policy is to fail). */
    readonly retries: number;
    readonly retryDelayMs: number;
  };
  readonly rebootTimeoutMs: number;
  readonly exitMaintenanceOnFailure: boolean;
}

/** The vCenter that manages a host, and where the host is in it. */
export const managedHostSchema = z.strictObject({
  vcenter: vcenterTargetSchema,
  /** The host's managed object id in that vCenter, e.g. "host-21". */
  hostRef: z.string().min(1, "must be the host's managed object id, e.g. host-21"),
  cluster: z.string().nullable().default(null),
});
export interface ManagedHost {
  readonly vcenter: VcenterTarget;
  readonly hostRef: string;
  readonly cluster: string | null;
}

/**
 * remediateHost's input: installVib's fields, plus where the host is in vCenter and the policy.
 * With `staged` (a bundle the rollout staged), `bundleUri` may be left out: the pre-check picks
 * the copy on a datastore the host mounts, and the install reads that one.
 */
export type RemediateHostInput = Omit<InstallVibInput, 'bundleUri'> & {
  bundleUri?: string;
  managed: z.input<typeof managedHostSchema>;
  vibs?: Vib[];
  policy?: RemediationPolicyInput;
  staged?: StagedForHost;
};

export interface RemediationPlan {
  readonly install: InstallPlan;
  /** The install settings as installVib takes them, for the child workflow. */
  readonly installInput: InstallVibInput;
  readonly managed: ManagedHost;
  readonly vibs: readonly Vib[];
  readonly policy: RemediationPolicy;
  readonly staged?: StagedForHost;
}

export function resolveRemediationPolicy(raw: unknown, where: string): RemediationPolicy {
  const parsed = remediationPolicySchema.safeParse(raw ?? {});
  if (!parsed.success) throw new InvalidInputError(`invalid ${where}:\n${describeIssues(parsed.error, where === 'remediation input' ? 'policy' : 'remediate')}`);
  const p = parsed.data;
  return {
    reboot: p.reboot,
    maintenance: {
      timeoutMs: p.maintenance.timeout,
      evacuatePoweredOffVms: p.maintenance.evacuatePoweredOffVms,
      retries: p.maintenance.onFailure === 'retry' ? p.maintenance.retries : 0,
      retryDelayMs: p.maintenance.retryDelay,
    },
    rebootTimeoutMs: p.rebootTimeout,
    exitMaintenanceOnFailure: p.exitMaintenanceOnFailure,
  };
}

export function parseVibs(raw: unknown, field: string): Vib[] {
  const parsed = z.array(vibSchema).safeParse(raw ?? []);
  if (!parsed.success) throw new InvalidInputError(`invalid input:\n${describeIssues(parsed.error, field)}`);
  const seen = new Set<string>();
  for (const vib of parsed.data) {
    if (seen.has(vib.name)) throw new InvalidInputError(`invalid input:\n${field}: "${vib.name}" is declared twice`);
    seen.add(vib.name);
  }
  return parsed.data;
}

/** `drv=2.0` -> { name: 'drv', version: '2.0' }; `drv` -> { name: 'drv' }. */
export function vibFromText(text: string): Vib {
  const [name, ...rest] = text.split('=');
  const version = rest.join('=');
  return { name: name.trim(), ...(version.trim() ? { version: version.trim() } : {}) };
}

export function parseRemediationInput(raw: unknown): RemediationPlan {
  if (typeof raw !== 'object' || raw === null) throw new InvalidInputError('invalid remediation input:\n(input): must be an object');
  const { managed, vibs, policy, staged, ...rest } = raw as RemediateHostInput;
  // A staged bundle's host installs the copy its pre-check finds; until then, its vCenter's first copy stands for it.
  const stagedUri = staged?.copies?.[0]?.uri ?? (staged ? STAGED_PLACEHOLDER_URI : undefined);
  const installInput = { ...rest, bundleUri: rest.bundleUri ?? stagedUri } as InstallVibInput;
  const { plan: install } = parseInstallInput(installInput);
  const parsedManaged = managedHostSchema.safeParse(managed);
  if (!parsedManaged.success) throw new InvalidInputError(`invalid remediation input:\n${describeIssues(parsedManaged.error, 'managed')}`);
  return {
    install,
    installInput: installInput as InstallVibInput,
    managed: parsedManaged.data,
    vibs: parseVibs(vibs, 'vibs'),
    policy: resolveRemediationPolicy(policy, 'remediation input'),
    ...(staged ? { staged } : {}),
  };
}

/** The install URI of a staged host whose vCenter holds no copy (its pre-check blocks it, unless it is compliant). */
const STAGED_PLACEHOLDER_URI = 'file:///vmfs/volumes/none/vibflow/not-staged.zip';

/** The CIM host a remediation installs on (for activities that need both sides). */
export type RemediationHost = { readonly cim: HostTarget } & ManagedHost;
