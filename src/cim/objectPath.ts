/**
 * The untyped WBEM URI form of an instance path, as in CIMObject headers and wbemcli arguments:
 * `//host/root/cimv2:Class.Key="value",Num=5`. Pure.
 */
import type { CimInstanceName, CimKeyValue } from './types';

function formatKeyValue(value: CimKeyValue): string {
  if (typeof value === 'string') return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  if (typeof value === 'object') return `"${formatObjectPath(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return value === true ? 'TRUE' : value === false ? 'FALSE' : String(value);
}

export function formatObjectPath(name: CimInstanceName): string {
  const keys = Object.entries(name.keys).map(([key, value]) => `${key}=${formatKeyValue(value)}`);
  const prefix = `${name.host ? `//${name.host}/` : ''}${name.namespace ? `${name.namespace}:` : ''}`;
  return `${prefix}${name.className}${keys.length ? `.${keys.join(',')}` : ''}`;
}

/** Parses what formatObjectPath writes (after any percent-decoding of a header). */
export function parseObjectPath(text: string): CimInstanceName {
  let rest = text.trim();
  let host: string | undefined;
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    if (slash < 0) throw new Error(`object path "${text}" has a host but no namespace`);
    host = rest.slice(2, slash);
    rest = rest.slice(slash + 1);
  }
  const firstQuote = rest.indexOf('"');
  const colon = rest.lastIndexOf(':', firstQuote < 0 ? rest.length : firstQuote);
  const namespace = colon >= 0 ? rest.slice(0, colon) : undefined;
  rest = colon >= 0 ? rest.slice(colon + 1) : rest;
  const dot = rest.indexOf('.');
  const className = dot >= 0 ? rest.slice(0, dot) : rest;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(className)) throw new Error(`object path "${text}" has no valid class name`);
  const keys: Record<string, CimKeyValue> = {};
  let i = dot >= 0 ? dot + 1 : rest.length;
  while (i < rest.length) {
    const eq = rest.indexOf('=', i);
    if (eq < 0) throw new Error(`object path "${text}": key without a value`);
    const key = rest.slice(i, eq).trim();
    i = eq + 1;
    if (rest[i] === '"') {
      let value = '';
      i++;
      while (i < rest.length && rest[i] !== '"') {
        if (rest[i] === '\\' && i + 1 < rest.length) i++;
        value += rest[i++];
      }
      if (rest[i] !== '"') throw new Error(`object path "${text}": unterminated string for key ${key}`);
      i++;
      keys[key] = value;
    } else {
      const end = rest.indexOf(',', i) < 0 ? rest.length : rest.indexOf(',', i);
      const raw = rest.slice(i, end).trim();
      keys[key] = /^true$/i.test(raw) ? true : /^false$/i.test(raw) ? false : Number(raw);
      if (typeof keys[key] === 'number' && Number.isNaN(keys[key])) throw new Error(`object path "${text}": bad value for key ${key}`);
      i = end;
    }
    if (rest[i] === ',') i++;
  }
  return { className, keys, ...(namespace ? { namespace } : {}), ...(host ? { host } : {}) };
}
