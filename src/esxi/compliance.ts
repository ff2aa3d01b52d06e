/** Does a host have the VIBs a bundle brings? Pure: compares a software inventory with expectations. */
import type { SoftwareItem } from './model';

export interface ExpectedVib {
  readonly name: string;
  /** Absent: any version will do. */
  readonly version?: string;
}

export interface VibPresence {
  readonly name: string;
  readonly expected: string | null;
  readonly found: string | null;
}

export function checkVibs(software: readonly SoftwareItem[], expected: readonly ExpectedVib[]): VibPresence[] {
  const installed = new Map(software.map((item) => [item.name, item.version]));
  return expected.map((vib) => ({ name: vib.name, expected: vib.version ?? null, found: installed.get(vib.name) ?? null }));
}

export function satisfied(check: VibPresence): boolean {
  return check.found !== null && (check.expected === null || check.found === check.expected);
}

export function allSatisfied(checks: readonly VibPresence[]): boolean {
  return checks.length > 0 && checks.every(satisfied);
}

/** "drv 2.0 (found 1.0)", "nvme (not installed)" for the VIBs that are not as expected. */
export function describeShortfall(checks: readonly VibPresence[]): string {
  return checks
    .filter((check) => !satisfied(check))
    .map((check) => `${check.name}${check.expected ? ` ${check.expected}` : ''} (${check.found === null ? 'not installed' : `found ${check.found}`})`)
    .join(', ');
}
