/**
 * The pre-check's verdict on one host, from what vCenter and the host's CIM server say. Pure: the
 * activity gathers the facts, this decides. A pre-check changes nothing.
 */
import { allSatisfied, checkVibs, type ExpectedVib, type VibPresence } from '../esxi/compliance';
import type { SoftwareItem } from '../esxi/model';
import type { HostState, TaskInfo } from '../vsphere/model';

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
  const report = (verdict: PrecheckVerdict, reasons: string[] = []): PrecheckReport => ({ host: facts.host, verdict, reasons, vibs, state, vcenterTime: facts.vcenter?.time ?? null });

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
  const bundle = facts.bundleUri ? bundleProblem(facts.bundleUri) : null;
  if (bundle) reasons.push(bundle);
  if (reasons.length) return report('blocked', reasons);
  if (!allSatisfied(vibs)) return report('ready');
  // VIBs in place but waiting for a reboot (e.g. an earlier run with --reboot never) are not done yet.
  return state?.rebootRequired ? report('reboot-pending', [REBOOT_PENDING_REASON]) : report('already-compliant');
}
