/**
 * A VIB descriptor (`<vib version="5.0">`), the XML inside every `.vib` as `descriptor.xml` and,
 * with the VIB's place in the bundle added, under `vibs/` in metadata.zip. Only the fields that
 * decide whether and how a host can install the VIB are read; the rest (summary, relationships,
 * file list, payloads ...) is left alone, whatever order and whitespace it comes in.
 */
import { ACCEPTANCE_LEVEL_NAMES, ACCEPTANCE_LEVELS, type AcceptanceLevel } from './types';
import { parseXml, textOf, XmlProblem, type XmlElement } from './xml';

export interface VibDescriptor {
  /** `<vendor>_<type>_<name>_<version>`, ESXi's VIB id. */
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly vendor: string;
  readonly type: string;
  readonly acceptanceLevel: AcceptanceLevel;
  readonly maintenanceMode: boolean;
  readonly liveInstallAllowed: boolean;
  /** Metadata copies only: where the `.vib` is, relative to the bundle's root. */
  readonly relativePath?: string;
  /** Metadata copies only: the `.vib` file's size. */
  readonly packedSize?: number;
}

/** The descriptor fields that the metadata copy and the VIB's own copy must agree on. */
export const DESCRIPTOR_FIELDS = ['name', 'version', 'vendor', 'type', 'acceptanceLevel', 'maintenanceMode', 'liveInstallAllowed'] as const;

/** ESXi's own default when a descriptor has no <type>. */
const DEFAULT_TYPE = 'bootbank';

function bool(text: string, field: string): boolean {
  const value = text.trim().toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new XmlProblem(`<${field}> is ${JSON.stringify(text)}; expected true or false`);
}

function required(vib: XmlElement, field: string): string {
  const value = textOf(vib, field);
  if (value === undefined) throw new XmlProblem(`has no <${field}> (or an empty one); a VIB descriptor must give it`);
  return value;
}

function acceptanceLevel(vib: XmlElement): AcceptanceLevel {
  const text = required(vib, 'acceptance-level');
  const level = ACCEPTANCE_LEVELS.find((l) => l === text.toLowerCase());
  if (level) return level;
  const shown = ACCEPTANCE_LEVELS.find((l) => ACCEPTANCE_LEVEL_NAMES[l].toLowerCase() === text.toLowerCase());
  const hint = shown ? ` (${text} is how esxcli shows "${shown}"; a descriptor writes the short form)` : '';
  throw new XmlProblem(`<acceptance-level> is ${JSON.stringify(text)}; expected one of ${ACCEPTANCE_LEVELS.join(', ')}${hint}`);
}

/**
 * `system-requires/maintenance-mode` for installing. esximage writes the element's text for both
 * install and remove, and an `install="..."` attribute where installing differs. A descriptor
 * without it gets ESXi's default: maintenance mode required.
 */
function maintenanceMode(vib: XmlElement): boolean {
  const element = vib.one('system-requires')?.one('maintenance-mode');
  if (!element) return true;
  const install = element.attribute('install');
  if (install !== undefined) return bool(install, 'maintenance-mode install=');
  return element.text === '' ? true : bool(element.text, 'maintenance-mode');
}

/** `live-install-allowed`; absent means false, as in ESXi: the install takes effect after a reboot. */
function liveInstallAllowed(vib: XmlElement): boolean {
  const text = textOf(vib, 'live-install-allowed');
  return text === undefined ? false : bool(text, 'live-install-allowed');
}

function packedSize(vib: XmlElement): number | undefined {
  const text = textOf(vib, 'packed-size');
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new XmlProblem(`<packed-size> is ${JSON.stringify(text)}; expected a number of bytes`);
  return Number(text);
}

/** Parses a descriptor; an XmlProblem says what is wrong with it. */
export function parseDescriptor(text: string): VibDescriptor {
  const vib = parseXml(text, 'vib');
  const name = required(vib, 'name');
  const version = required(vib, 'version');
  const vendor = required(vib, 'vendor');
  const type = textOf(vib, 'type') ?? DEFAULT_TYPE;
  const relativePath = textOf(vib, 'relative-path');
  const size = packedSize(vib);
  return {
    id: `${vendor}_${type}_${name}_${version}`,
    name,
    version,
    vendor,
    type,
    acceptanceLevel: acceptanceLevel(vib),
    maintenanceMode: maintenanceMode(vib),
    liveInstallAllowed: liveInstallAllowed(vib),
    ...(relativePath !== undefined ? { relativePath } : {}),
    ...(size !== undefined ? { packedSize: size } : {}),
  };
}
