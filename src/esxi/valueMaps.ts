/** CIM value maps vibflow reads and writes (CIM_Job, CIM_SoftwareInstallationService). Pure. */

export const JOB_STATE_NAMES: Readonly<Record<number, string>> = {
  2: 'New',
  3: 'Starting',
  4: 'Running',
  5: 'Suspended',
  6: 'Shutting Down',
  7: 'Completed',
  8: 'Terminated',
  9: 'Killed',
  10: 'Exception',
  11: 'Service',
  12: 'Query Pending',
};
export const JOB_STATE = { completed: 7, terminated: 8, killed: 9, exception: 10 } as const;
export const TERMINAL_FAILED_JOB_STATES: ReadonlySet<number> = new Set([8, 9, 10]);

/** InstallFromURI return codes (CIM_SoftwareInstallationService). */
export const INSTALL_RETURN_CODES: Readonly<Record<number, string>> = {
  0: 'Job Completed with No Error',
  1: 'Not Supported',
  2: 'Unspecified Error',
  3: 'Timeout',
  4: 'Failed',
  5: 'Invalid Parameter',
  6: 'Target In Use',
  4096: 'Method Parameters Checked - Job Started',
  4097: 'Unsupported TargetType',
  4098: 'Unattended/silent installation not supported',
  4099: 'Downgrade/reinstall not supported',
  4100: 'Not enough memory',
  4101: 'Not enough swap-space',
  4102: 'Unsupported version transition',
  4103: 'Not enough disk space',
  4104: 'Software and target operating system mismatch',
  4105: 'Missing dependencies',
  4106: 'Not applicable to target',
  4107: 'URI not accessible',
};
export const INSTALL_RC = { completed: 0, targetInUse: 6, jobStarted: 4096 } as const;

export function installReturnCodeText(code: number): string {
  if (code in INSTALL_RETURN_CODES) return INSTALL_RETURN_CODES[code];
  return code >= 32768 && code <= 65535 ? 'Vendor specific' : 'Unknown return code';
}

/** InstallOptions value map; users may give names (case-insensitive) or numbers. */
export const INSTALL_OPTION_CODES: Readonly<Record<string, number>> = {
  'defer-reset': 2,
  force: 3,
  install: 4,
  update: 5,
  repair: 6,
  reboot: 7,
  password: 8,
  uninstall: 9,
  log: 10,
  'silent-mode': 11,
  'administrative-mode': 12,
  'schedule-install-at': 13,
};
export const INSTALL_OPTION = { deferReset: 2, reboot: 7 } as const;
