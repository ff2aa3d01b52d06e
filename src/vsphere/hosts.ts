/** A HostSystem's properties as vibflow reads them, and their decoding into HostState. */
import type { HostConnectionState, HostState } from './model';
import type { ObjectContent } from './propertyCollector';
import { list, readBoolean, readDateTime, readNumber, readString, VimValueError } from './values';

/** The properties behind HostState, in the order HostState lists them. */
export const HOST_STATE_PATHS = [
  'name',
  'runtime.connectionState',
  'runtime.inMaintenanceMode',
  'runtime.bootTime',
  'runtime.powerState',
  'capability.rebootSupported',
  'config.product.version',
  'summary.rebootRequired',
] as const;

export const HOST_CERTIFICATE_PATH = 'config.certificate';

const CONNECTION_STATES: ReadonlySet<string> = new Set<HostConnectionState>(['connected', 'disconnected', 'notResponding']);

function optionalString(content: ObjectContent, path: string): string | null {
  const value = content.properties.get(path);
  return value === undefined ? null : readString(value, `${content.obj.value} ${path}`);
}

/** Properties vCenter leaves unset (a disconnected host has no config or capability) read as null or false. */
export function hostStateOf(content: ObjectContent): HostState {
  const what = (path: string) => `${content.obj.value} ${path}`;
  const connectionState = readString(content.properties.get('runtime.connectionState'), what('runtime.connectionState'));
  if (!CONNECTION_STATES.has(connectionState)) throw new VimValueError(`${what('runtime.connectionState')} is "${connectionState}", not a known connection state`);
  const rebootSupported = content.properties.get('capability.rebootSupported');
  return {
    ref: content.obj,
    name: readString(content.properties.get('name'), what('name')),
    connectionState: connectionState as HostConnectionState,
    inMaintenanceMode: readBoolean(content.properties.get('runtime.inMaintenanceMode'), what('runtime.inMaintenanceMode')),
    bootTime: content.properties.has('runtime.bootTime') ? readDateTime(content.properties.get('runtime.bootTime'), what('runtime.bootTime')) : null,
    powerState: optionalString(content, 'runtime.powerState') ?? 'unknown',
    rebootSupported: rebootSupported === undefined ? false : readBoolean(rebootSupported, what('capability.rebootSupported')),
    productVersion: optionalString(content, 'config.product.version'),
    rebootRequired: content.properties.has('summary.rebootRequired') && readBoolean(content.properties.get('summary.rebootRequired'), what('summary.rebootRequired')),
  };
}

/** config.certificate is a byte array (xsd:byte, so signed) holding the PEM text. */
export function certificatePemOf(content: ObjectContent): string | null {
  const value = content.properties.get(HOST_CERTIFICATE_PATH);
  if (value === undefined) return null;
  const what = `${content.obj.value} ${HOST_CERTIFICATE_PATH}`;
  const bytes = Buffer.from(list(value).map((b) => readNumber(b, what) & 0xff));
  if (bytes.length === 0) return null;
  const text = bytes.toString('latin1');
  if (!text.startsWith('-----BEGIN CERTIFICATE-----')) throw new VimValueError(`${content.obj.value} ${HOST_CERTIFICATE_PATH} is not a PEM certificate`);
  return text;
}
