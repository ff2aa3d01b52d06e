/** Small constructors and readers for CIM values. Pure. */
import type {
  CimDateTime,
  CimInstance,
  CimInstanceName,
  CimIntegerType,
  CimKeyValue,
  CimProperty,
  CimScalar,
  CimType,
  CimTypedValue,
} from './types';

export const cimString = (value: string): CimTypedValue => ({ type: 'string', value });
export const cimBoolean = (value: boolean): CimTypedValue => ({ type: 'boolean', value });
export const cimInteger = (type: CimIntegerType, value: number | bigint): CimTypedValue => ({ type, value });
export const cimUint16 = (value: number): CimTypedValue => cimInteger('uint16', value);
export const cimUint32 = (value: number): CimTypedValue => cimInteger('uint32', value);
export const cimDateTimeValue = (value: CimDateTime): CimTypedValue => ({ type: 'datetime', value });
export const cimReference = (value: CimInstanceName): CimTypedValue => ({ type: 'reference', value });
export const cimArray = (type: CimType, values: readonly CimScalar[]): CimTypedValue => ({ type, value: values, isArray: true });

export function getProperty(instance: CimInstance, name: string): CimProperty | undefined {
  const exact = instance.properties[name];
  if (exact) return exact;
  const lower = name.toLowerCase();
  return Object.values(instance.properties).find((p) => p.name.toLowerCase() === lower);
}

export function propertyValue(instance: CimInstance, name: string): CimTypedValue['value'] | undefined {
  return getProperty(instance, name)?.value;
}

const TIMESTAMP = /^\d{14}\.\d{6}[+-]\d{3}$/;
const INTERVAL = /^\d{14}\.\d{6}:000$/;

export function parseCimDateTime(text: string): CimDateTime {
  // Asterisks mark insignificant digits (DSP0004); they are valid on the wire.
  const digits = text.replace(/\*/g, '0');
  if (INTERVAL.test(digits)) return { kind: 'interval', text };
  if (TIMESTAMP.test(digits)) return { kind: 'timestamp', text };
  throw new Error(`"${text}" is not a CIM datetime`);
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export function cimTimestamp(date: Date): CimDateTime {
  const text =
    `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1, 2)}${pad(date.getUTCDate(), 2)}` +
    `${pad(date.getUTCHours(), 2)}${pad(date.getUTCMinutes(), 2)}${pad(date.getUTCSeconds(), 2)}` +
    `.${pad(date.getUTCMilliseconds() * 1000, 6)}+000`;
  return { kind: 'timestamp', text };
}

export function cimInterval(seconds: number): CimDateTime {
  const whole = Math.floor(seconds);
  const micros = Math.round((seconds - whole) * 1e6);
  const days = Math.floor(whole / 86_400);
  const text = `${pad(days, 8)}${pad(Math.floor(whole / 3600) % 24, 2)}${pad(Math.floor(whole / 60) % 60, 2)}${pad(whole % 60, 2)}.${pad(micros, 6)}:000`;
  return { kind: 'interval', text };
}

export function cimDateTimeToDate(dt: CimDateTime): Date {
  const t = dt.text.replace(/\*/g, '0');
  const utc = Date.UTC(+t.slice(0, 4), +t.slice(4, 6) - 1, +t.slice(6, 8), +t.slice(8, 10), +t.slice(10, 12), +t.slice(12, 14), Math.floor(+t.slice(15, 21) / 1000));
  const offsetMinutes = Number(t.slice(21, 25));
  return new Date(utc - offsetMinutes * 60_000);
}

export function cimIntervalSeconds(dt: CimDateTime): number {
  const t = dt.text.replace(/\*/g, '0');
  return +t.slice(0, 8) * 86_400 + +t.slice(8, 10) * 3600 + +t.slice(10, 12) * 60 + +t.slice(12, 14) + +t.slice(15, 21) / 1e6;
}

function keyValuesEqual(a: CimKeyValue, b: CimKeyValue): boolean {
  if (typeof a === 'object' && typeof b === 'object') return instanceNamesEqual(a, b);
  return a === b;
}

/** Same class and keys (names compared case-insensitively); namespace/host only when both carry one. */
export function instanceNamesEqual(a: CimInstanceName, b: CimInstanceName): boolean {
  if (a.className.toLowerCase() !== b.className.toLowerCase()) return false;
  if (a.namespace && b.namespace && a.namespace.toLowerCase() !== b.namespace.toLowerCase()) return false;
  const aKeys = Object.entries(a.keys);
  const bKeys = new Map(Object.entries(b.keys).map(([k, v]) => [k.toLowerCase(), v]));
  if (aKeys.length !== bKeys.size) return false;
  return aKeys.every(([k, v]) => bKeys.has(k.toLowerCase()) && keyValuesEqual(v, bKeys.get(k.toLowerCase()) as CimKeyValue));
}
