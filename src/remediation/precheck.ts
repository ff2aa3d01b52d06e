/**
 * The pre-check's verdict on one host, from what vCenter and the host's CIM server say. Pure: the
 * activity gathers the facts, this decides. A pre-check changes nothing.
 */
import { allSatisfied, checkVibs, type ExpectedVib, type VibPresence } from '../esxi/compliance';
import type { SoftwareItem } from '../esxi/model';
import type { HostState, TaskInfo } from '../vsphere/model';
import { bundleVerdict, type BundleFacts } from './bundleCheck';

/** `reboot-pending`: the host has the VIBs, but they are not active until it reboots (summary.rebootRequired). */
export type PrecheckVerdict = 'ready' | 'already-compliant' | 'reboot-pending' | 'blocked' | 'skip';

export interface VcenterFacts {
  readonly state: HostState;
  /** vCenter's clock when the pre-check read the host: tasks queued later are this remediation's. */
  readonly time: string;
  /** Maintenance-mode or reboot tasks still queued or running on the host. */
  readonly busyTasks: readonly TaskInfo[];
  /** Ids of other running remediations of this host. */
  readonly otherRemediations: readonly string[];
}

export interface CimFacts {
  /** Why the Software Update service cannot be used, when it cannot. */
  readonly serviceProblem: string | null;
  /** An install job the host is still running (InstallFromURI would answer Target In Use). */
  readonly runningJob: { readonly id: string; readonly percent: number } | null;
  readonly software: readonly SoftwareItem[];
}

export interface PrecheckFacts {
  readonly host: string;
  /** Absent for hosts not managed through vCenter (install-only rollouts, compliance). */
  readonly vcenter?: VcenterFacts;
  /** Absent when vCenter already says the host cannot be reached. */
  readonly cim?: CimFacts;
  readonly bundleUri?: string;
  readonly vibs: readonly ExpectedVib[];
  /** Set for a remediation: whether it will reboot for certain. */
  readonly rebootAlways?: boolean;
  /** A staged bundle: the host's copy, its size on the datastore, the host's acceptance level. */
  readonly bundle?: BundleFacts;
}

export interface PrecheckReport {
  readonly host: string;
  readonly verdict: PrecheckVerdict;
  /** Why the host is blocked or skipped, in words; empty otherwise. */
  readonly reasons: readonly string[];
  readonly vibs: readonly VibPresence[];
  readonly state: HostState | null;
  /** vCenter's clock at the pre-check (null without vCenter). */
  readonly vcenterTime: string | null;
  /** A staged bundle: the copy the host installs from, and whether a reboot follows. */
  readonly staged?: { readonly bundleUri: string | null; readonly datastore: string | null; readonly rebootPredicted: boolean };
}

export const SOFTWARE_UPDATE_HINT =
  'ESXi 6.5 and later need the CIM software-update provider VIB installed and the CIM service enabled (esxcli system wbem set --enable true)';

export const REBOOT_PENDING_REASON = 'installed, reboot pending: the VIBs are on the host but not active until it reboots (vCenter: summary.rebootRequired)';

const TASK_LABEL = /EnterMaintenanceMode|ExitMaintenanceMode|Reboot|Shutdown/i;

/** The offline-bundle rule InstallFromURI enforces on ESXi, said before anything is touched. */
export function bundleProblem(bundleUri: string): string | null {
  if (!/^file:\/\/\/.+\.zip$/i.test(bundleUri)) return `the bundle ${bundleUri} is not a local offline bundle (file:///...zip); ESXi refuses online depots`;
  return null;
}

export function isHostBusyTask(task: TaskInfo): boolean {
  return (task.state === 'queued' || task.state === 'running') && TASK_LABEL.test(`${task.name} ${task.descriptionId ?? ''}`);
}

export function precheckVerdict(facts: PrecheckFacts): PrecheckReport {
  const state = facts.vcenter?.state ?? null;
  const vibs = facts.cim ? checkVibs(facts.cim.software, facts.vibs) : [];
  const bundle = facts.bundle ? bundleVerdict(facts.host, facts.bundle) : undefined;
  const compliant = vibs.length > 0 && allSatisfied(vibs);
  // A reboot follows an install of a VIB that does not install live, or one still pending; a host that has the VIBs active installs nothing.
  const rebootPredicted = !!bundle?.rebootPredicted && (!compliant || !!state?.rebootRequired);
  const staged = bundle ? { staged: { bundleUri: bundle.bundleUri, datastore: bundle.datastore, rebootPredicted } } : {};
  const report = (verdict: PrecheckVerdict, reasons: string[] = []): PrecheckReport => ({ host: facts.host, verdict, reasons, vibs, state, vcenterTime: facts.vcenter?.time ?? null, ...staged });

  if (state && state.connectionState !== 'connected') {
    return report('skip', [`${state.connectionState} in vCenter`]);
  }
  const reasons: string[] = [];
  if (facts.vcenter) {
    for (const id of facts.vcenter.otherRemediations) reasons.push(`another remediation of this host is running (${id})`);
    for (const task of facts.vcenter.busyTasks) reasons.push(`vCenter task ${task.name} is ${task.state} on this host`);
    if (facts.rebootAlways && !state?.rebootSupported) reasons.push('vCenter says the host does not support RebootHost (capability.rebootSupported is false)');
  }
  if (facts.cim?.serviceProblem) reasons.push(`${facts.cim.serviceProblem}: ${SOFTWARE_UPDATE_HINT}`);
  if (facts.cim?.runningJob) reasons.push(`an install is already running on the host (job ${facts.cim.runningJob.id} at ${facts.cim.runningJob.percent} %)`);
  const uriProblem = facts.bundleUri ? bundleProblem(facts.bundleUri) : null;
  if (uriProblem) reasons.push(uriProblem);
  // A host that already has every VIB needs no copy and no level: it is compliant, never blocked by the bundle.
  if (bundle && !compliant) reasons.push(...bundle.reasons);
  if (reasons.length) return report('blocked', reasons);
  if (!allSatisfied(vibs)) return report('ready');
  // VIBs in place but waiting for a reboot (e.g. an earlier run with --reboot never) are not done yet.
  return state?.rebootRequired ? report('reboot-pending', [REBOOT_PENDING_REASON]) : report('already-compliant');
}
