/**
 * What the pre-check says of a staged bundle on one host, right before the host would enter
 * maintenance mode: the host can read a complete staged copy (a datastore it mounts and can
 * access, holding the expected bytes), and its acceptance level admits every VIB. Pure: the
 * activity reads vCenter, this decides. Compliance is the pre-check's own (the bundle's VIBs
 * are the expected ones).
 */
import { ACCEPTANCE_LEVEL_NAMES, admits, type HostAcceptanceLevel } from '../bundle/types';
import type { StagedCopy, StagedVib } from '../staging/model';

export interface BundleFacts {
  /** The staged copies of the host's vCenter. */
  readonly copies: readonly StagedCopy[];
  /** The copy on a datastore the host mounts and can access; null when none. */
  readonly copy: StagedCopy | null;
  /** When no copy is in reach: what the host mounts and why none of it took a copy (full, not accessible). */
  readonly noCopyReason?: string;
  /** Size of what that datastore holds at the copy's path; null when the file is not there. */
  readonly copySizeBytes: number | null;
  readonly acceptance: HostAcceptanceLevel;
  readonly vibs: readonly StagedVib[];
  /** A dry run's plan: the copy is not there yet, so only whether the host could read it is checked. */
  readonly planned?: boolean;
}

export interface BundleVerdict {
  readonly reasons: readonly string[];
  /** The URI the host would install from. */
  readonly bundleUri: string | null;
  readonly datastore: string | null;
  /** A VIB does not install live: the host reboots after the install. */
  readonly rebootPredicted: boolean;
}

const HOST_LEVEL_NAMES: Readonly<Record<HostAcceptanceLevel, string>> = {
  vmware_certified: 'VMwareCertified',
  vmware_accepted: 'VMwareAccepted',
  partner: 'PartnerSupported',
  community: 'CommunitySupported',
};

export function bundleVerdict(host: string, facts: BundleFacts): BundleVerdict {
  const reasons: string[] = [];
  const rebootPredicted = facts.vibs.some((vib) => !vib.liveInstallAllowed);
  const { copy } = facts;
  if (!copy) {
    const where = [...new Set(facts.copies.map((c) => c.datastore))].join(', ') || 'no datastore';
    reasons.push(`${host} cannot read the staged bundle: it mounts none of the datastores it is staged on (${where}), or cannot access them${facts.noCopyReason ? `; ${facts.noCopyReason}` : ''}`);
  } else if (facts.planned) {
    // A dry run: staging would put the copy there; whether it is there, complete, is checked when the rollout runs.
  } else if (facts.copySizeBytes === null) {
    reasons.push(`the staged copy [${copy.datastore}] ${copy.path} is not there any more (deleted after staging?); stage the bundle again`);
  } else if (facts.copySizeBytes !== copy.sizeBytes) {
    reasons.push(`the staged copy [${copy.datastore}] ${copy.path} has ${facts.copySizeBytes} bytes, not the ${copy.sizeBytes} staged; stage the bundle again`);
  }
  const refused = facts.vibs.filter((vib) => !admits(facts.acceptance, vib.acceptanceLevel));
  if (refused.length) {
    const list = refused.map((vib) => `${vib.name} ${vib.version} (${ACCEPTANCE_LEVEL_NAMES[vib.acceptanceLevel]})`).join(', ');
    reasons.push(`${host}'s acceptance level is ${HOST_LEVEL_NAMES[facts.acceptance]}, which refuses ${list}; raise it (esxcli software acceptance set) or use a bundle signed at a trusted level`);
  }
  return { reasons, bundleUri: copy?.uri ?? null, datastore: copy?.datastore ?? null, rebootPredicted };
}
