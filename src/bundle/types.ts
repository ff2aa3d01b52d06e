/**
 * What an ESXi offline bundle contains, as vibflow needs it before any host is touched: the VIBs,
 * their acceptance levels, and whether installing them needs maintenance mode or a reboot.
 */

/** A VIB's acceptance level, as its descriptor writes it (`<acceptance-level>`). */
export type AcceptanceLevel = 'certified' | 'accepted' | 'partner' | 'community';

/** A host's acceptance level, as `HostImageConfigManager.HostImageConfigGetAcceptance` answers. */
export type HostAcceptanceLevel = 'vmware_certified' | 'vmware_accepted' | 'partner' | 'community';

export const ACCEPTANCE_LEVELS: readonly AcceptanceLevel[] = ['certified', 'accepted', 'partner', 'community'];
export const HOST_ACCEPTANCE_LEVELS: readonly HostAcceptanceLevel[] = ['vmware_certified', 'vmware_accepted', 'partner', 'community'];

/** How esxcli shows each level (`esxcli software vib list`), for messages an operator recognises. */
export const ACCEPTANCE_LEVEL_NAMES: Readonly<Record<AcceptanceLevel, string>> = {
  certified: 'VMwareCertified',
  accepted: 'VMwareAccepted',
  partner: 'PartnerSupported',
  community: 'CommunitySupported',
};

/**
 * A host installs only VIBs at its own level or a more trusted one: a partner-level host takes
 * certified, accepted and partner VIBs and refuses community ones.
 */
export function admits(host: HostAcceptanceLevel, vib: AcceptanceLevel): boolean {
  // Both lists run from most to least trusted, level for level.
  return ACCEPTANCE_LEVELS.indexOf(vib) <= HOST_ACCEPTANCE_LEVELS.indexOf(host);
}

export interface BundleVib {
  /** The VIB id as the metadata names it: `<vendor>_<type>_<name>_<version>`, e.g. VMW_bootbank_drv_2.0.0-1. */
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly vendor: string;
  /** `<type>`: bootbank, locker, ... */
  readonly type: string;
  readonly acceptanceLevel: AcceptanceLevel;
  /** `system-requires/maintenance-mode` for installing (absent: true, as ESXi assumes). */
  readonly maintenanceMode: boolean;
  /** `live-install-allowed`; false (or absent): a reboot follows the install. */
  readonly liveInstallAllowed: boolean;
  /** Where the `.vib` (an `ar` archive) sits in the bundle, e.g. vib20/drv/VMW_bootbank_drv_2.0.0-1.vib. */
  readonly path: string;
  /** Bytes of the `.vib` file. */
  readonly size: number;
  /** Its `sig.pkcs7` is not empty. ESXi refuses an unsigned VIB above community level (unless told not to check). */
  readonly signed: boolean;
}

export interface BundleContents {
  /** The file as given. */
  readonly file: string;
  /** Bytes on disk. */
  readonly size: number;
  readonly vibs: readonly BundleVib[];
  /** Some VIB does not install live, so a reboot follows. */
  readonly rebootRequired: boolean;
  /** Some VIB needs maintenance mode. */
  readonly maintenanceModeRequired: boolean;
}

export interface BundleInfo extends BundleContents {
  /** SHA-256 of the whole file, lowercase hex. */
  readonly sha256: string;
}
