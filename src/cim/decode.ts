/**
 * CIM-XML reader (DSP0201). Strict where it matters (versions, method names, ERROR), tolerant of
 * what real servers and clients send (missing PARAMTYPE, three reference forms, qualifiers,
 * CDATA), and safe against hostile documents (no DTDs or entities, size and depth limits).
 */
import { XMLParser } from 'fast-xml-parser';
import { CimProtocolError } from './errors';
import type { CimErrorPayload, CimRequest, CimRequestKind, CimResponse, CimResult } from './messages';
import { parseObjectPath } from './objectPath';
import type {
  CimClass,
  CimInstance,
  CimInstanceName,
  CimKeyValue,
  CimMethodDecl,
  CimParameterDecl,
  CimProperty,
  CimPropertyDecl,
  CimScalar,
  CimType,
  CimTypedValue,
} from './types';
import { instanceNamesEqual, parseCimDateTime } from './values';

type XmlNode = { [element: string]: XmlNode[] } & { '@'?: Record<string, string>; '#text'?: string };

export const DEFAULT_MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;
const MAX_DEPTH = 64;
const MAX_EMBEDDING = 4;
const MAX_ATTRIBUTE_CHARS = 64 * 1024;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  attributesGroupName: '@',
  textNodeName: '#text',
  alwaysCreateTextNode: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  htmlEntities: false,
  // Every element is a list, so that one access pattern serves "one" and "many".
  isArray: (_name: string, _path: unknown, _leaf: boolean, isAttribute: boolean) => !isAttribute,
});

const utf8 = new TextDecoder('utf-8', { fatal: true });

interface Context {
  readonly operation: string;
  readonly host: string;
  readonly header: string;
}

function fail(ctx: Context, detail: string, header = ctx.header): never {
  throw new CimProtocolError(ctx.operation, ctx.host, detail, header);
}

/** Rejects what a CIM document never needs and an attack always does, before parsing. */
function screen(xml: string | Uint8Array, maxBytes: number, ctx: Context): string {
  const size = typeof xml === 'string' ? Buffer.byteLength(xml) : xml.byteLength;
  if (size > maxBytes) fail(ctx, `document of ${size} bytes exceeds the limit of ${maxBytes}`);
  let text: string;
  try {
    text = typeof xml === 'string' ? xml : utf8.decode(xml);
  } catch {
    return fail(ctx, 'document is not valid UTF-8', 'request-not-well-formed');
  }
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) fail(ctx, 'document declarations (DOCTYPE/ENTITY) are not accepted', 'request-not-well-formed');
  checkNesting(text, ctx);
  return text;
}

/** One linear pass: tags balance (catches truncation) and nesting stays shallow. */
function checkNesting(text: string, ctx: Context): void {
  let depth = 0;
  let seenRoot = false;
  for (let i = text.indexOf('<'); i >= 0; i = text.indexOf('<', i + 1)) {
    const next = text.charCodeAt(i + 1);
    if (next === 63 /* ? */) continue;
    if (next === 33 /* ! */) {
      const end = text.startsWith('<![CDATA[', i) ? text.indexOf(']]>', i) : text.indexOf('-->', i);
      if (end < 0) fail(ctx, 'document ends inside a comment or CDATA section', 'request-not-well-formed');
      i = end;
      continue;
    }
    const close = text.indexOf('>', i);
    if (close < 0) fail(ctx, 'document ends inside a tag', 'request-not-well-formed');
    if (close - i > MAX_ATTRIBUTE_CHARS) fail(ctx, 'a tag is longer than the attribute limit', 'request-not-well-formed');
    if (next === 47 /* / */) depth--;
    else if (text.charCodeAt(close - 1) !== 47) {
      depth++;
      seenRoot = true;
    } else seenRoot = true;
    if (depth > MAX_DEPTH) fail(ctx, `document nests deeper than ${MAX_DEPTH} levels`, 'request-not-well-formed');
    if (depth < 0) fail(ctx, 'document closes a tag it never opened', 'request-not-well-formed');
    i = close;
  }
  if (!seenRoot) fail(ctx, 'document is not XML', 'request-not-well-formed');
  if (depth !== 0) fail(ctx, 'document is truncated (unclosed elements)', 'request-not-well-formed');
}

function parse(text: string, ctx: Context): XmlNode {
  try {
    return parser.parse(text) as XmlNode;
  } catch (err) {
    return fail(ctx, `document is not well-formed XML (${(err as Error).message})`, 'request-not-well-formed');
  }
}

const all = (node: XmlNode | undefined, name: string): XmlNode[] => (node?.[name] as XmlNode[] | undefined) ?? [];
const one = (node: XmlNode | undefined, name: string): XmlNode | undefined => all(node, name)[0];
const attrOf = (node: XmlNode | undefined, name: string): string | undefined => node?.['@']?.[name];
function text(node: XmlNode | string | undefined): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node;
  return node['#text'] ?? '';
}
/** Case-insensitive attribute lookup for attributes servers spell differently (EmbeddedObject). */
function attrAnyCase(node: XmlNode, name: string): string | undefined {
  const attrs = node['@'];
  if (!attrs) return undefined;
  const lower = name.toLowerCase();
  const key = Object.keys(attrs).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : attrs[key];
}
function need(node: XmlNode | undefined, what: string, ctx: Context): XmlNode {
  if (!node) fail(ctx, `missing ${what}`);
  return node;
}
function needAttr(node: XmlNode, name: string, element: string, ctx: Context): string {
  const value = attrOf(node, name);
  if (value === undefined) fail(ctx, `${element} without ${name}`);
  return value;
}

const CIM_TYPES = new Set<CimType>(['uint8', 'sint8', 'uint16', 'sint16', 'uint32', 'sint32', 'uint64', 'sint64', 'string', 'char16', 'boolean', 'real32', 'real64', 'datetime', 'reference']);
const INTEGER_RANGES: Record<string, [bigint, bigint]> = {
  uint8: [0n, 255n], sint8: [-128n, 127n], uint16: [0n, 65535n], sint16: [-32768n, 32767n],
  uint32: [0n, 4294967295n], sint32: [-2147483648n, 2147483647n],
  uint64: [0n, 18446744073709551615n], sint64: [-9223372036854775808n, 9223372036854775807n],
};

function cimType(value: string | undefined, ctx: Context, fallback: CimType = 'string'): CimType {
  if (value === undefined) return fallback;
  if (!CIM_TYPES.has(value as CimType)) fail(ctx, `unknown CIM type "${value}"`);
  return value as CimType;
}

function decodeScalar(type: CimType, raw: string, ctx: Context, embedded: boolean, embedding: number): CimScalar {
  if (embedded) return decodeEmbeddedInstance(raw, ctx, embedding);
  const trimmed = raw.trim();
  if (type in INTEGER_RANGES) {
    if (!/^[+-]?\d+$/.test(trimmed)) fail(ctx, `"${trimmed.slice(0, 40)}" is not a valid ${type}`);
    const big = BigInt(trimmed);
    const [min, max] = INTEGER_RANGES[type];
    if (big < min || big > max) fail(ctx, `${trimmed} is out of range for ${type}`);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  switch (type) {
    case 'boolean':
      if (/^true$/i.test(trimmed)) return true;
      if (/^false$/i.test(trimmed)) return false;
      return fail(ctx, `"${trimmed.slice(0, 40)}" is not a boolean`);
    case 'real32':
    case 'real64': {
      const n = Number(trimmed);
      if (trimmed === '' || Number.isNaN(n)) fail(ctx, `"${trimmed.slice(0, 40)}" is not a ${type}`);
      return n;
    }
    case 'datetime':
      try {
        return parseCimDateTime(trimmed);
      } catch (err) {
        return fail(ctx, (err as Error).message);
      }
    default:
      return raw;
  }
}

function decodeEmbeddedInstance(raw: string, ctx: Context, embedding: number): CimInstance {
  if (embedding >= MAX_EMBEDDING) fail(ctx, `embedded instances nest deeper than ${MAX_EMBEDDING}`);
  const root = parse(screen(raw, DEFAULT_MAX_DOCUMENT_BYTES, ctx), ctx);
  return decodeInstance(need(one(root, 'INSTANCE'), 'INSTANCE in embedded object', ctx), ctx, embedding + 1);
}

function decodeNamespace(node: XmlNode | undefined, ctx: Context): string {
  const parts = all(need(node, 'LOCALNAMESPACEPATH', ctx), 'NAMESPACE').map((n) => needAttr(n, 'NAME', 'NAMESPACE', ctx));
  if (parts.length === 0) fail(ctx, 'LOCALNAMESPACEPATH without NAMESPACE');
  return parts.join('/');
}

function decodeKeyValue(node: XmlNode, ctx: Context): CimKeyValue {
  const reference = one(node, 'VALUE.REFERENCE');
  if (reference) return decodeReference(reference, ctx);
  const keyValue = need(one(node, 'KEYVALUE'), 'KEYVALUE', ctx);
  const raw = text(keyValue);
  const type = attrOf(keyValue, 'TYPE');
  if (type) {
    const value = decodeScalar(cimType(type, ctx), raw, ctx, false, 0);
    if (typeof value === 'bigint') return Number(value);
    return typeof value === 'object' ? raw : (value as string | number | boolean);
  }
  switch (attrOf(keyValue, 'VALUETYPE') ?? 'string') {
    case 'numeric': {
      const n = Number(raw.trim());
      if (raw.trim() === '' || Number.isNaN(n)) fail(ctx, `numeric key value "${raw.slice(0, 40)}" is not a number`);
      return n;
    }
    case 'boolean':
      return decodeScalar('boolean', raw, ctx, false, 0) as boolean;
    default:
      return raw;
  }
}

export function decodeInstanceNameNode(node: XmlNode, ctx: Context, namespace?: string, host?: string): CimInstanceName {
  const className = needAttr(node, 'CLASSNAME', 'INSTANCENAME', ctx);
  const keys: Record<string, CimKeyValue> = {};
  for (const binding of all(node, 'KEYBINDING')) keys[needAttr(binding, 'NAME', 'KEYBINDING', ctx)] = decodeKeyValue(binding, ctx);
  return { className, keys, ...(namespace ? { namespace } : {}), ...(host ? { host } : {}) };
}

function decodeInstancePath(node: XmlNode, ctx: Context): CimInstanceName {
  const nsPath = need(one(node, 'NAMESPACEPATH'), 'NAMESPACEPATH', ctx);
  const host = text(one(nsPath, 'HOST')).trim();
  return decodeInstanceNameNode(need(one(node, 'INSTANCENAME'), 'INSTANCENAME', ctx), ctx, decodeNamespace(one(nsPath, 'LOCALNAMESPACEPATH'), ctx), host || undefined);
}

/** VALUE.REFERENCE holding INSTANCEPATH, LOCALINSTANCEPATH or INSTANCENAME: servers use all three. */
function decodeReference(node: XmlNode, ctx: Context): CimInstanceName {
  const path = one(node, 'INSTANCEPATH');
  if (path) return decodeInstancePath(path, ctx);
  const local = one(node, 'LOCALINSTANCEPATH');
  if (local) return decodeInstanceNameNode(need(one(local, 'INSTANCENAME'), 'INSTANCENAME', ctx), ctx, decodeNamespace(one(local, 'LOCALNAMESPACEPATH'), ctx));
  const name = one(node, 'INSTANCENAME');
  if (name) return decodeInstanceNameNode(name, ctx);
  return fail(ctx, 'VALUE.REFERENCE without an instance path');
}

/** The value body of a PROPERTY/PARAMVALUE/RETURNVALUE: VALUE, VALUE.ARRAY, VALUE.REFERENCE or VALUE.REFARRAY. */
function decodeValueBody(node: XmlNode, type: CimType, ctx: Context, embedded: boolean, embedding: number): { value: CimTypedValue['value']; isArray: boolean } {
  const array = one(node, 'VALUE.ARRAY');
  if (array) {
    return { value: all(array, 'VALUE').map((v) => decodeScalar(type, text(v), ctx, embedded, embedding)), isArray: true };
  }
  const refArray = one(node, 'VALUE.REFARRAY');
  if (refArray) return { value: all(refArray, 'VALUE.REFERENCE').map((r) => decodeReference(r, ctx)), isArray: true };
  const reference = one(node, 'VALUE.REFERENCE');
  if (reference) return { value: decodeReference(reference, ctx), isArray: false };
  const value = one(node, 'VALUE');
  if (value === undefined) return { value: null, isArray: false };
  return { value: decodeScalar(type, text(value), ctx, embedded, embedding), isArray: false };
}

function isEmbedded(node: XmlNode): boolean {
  const embedded = attrAnyCase(node, 'EmbeddedObject');
  return embedded === 'instance' || embedded === 'object';
}

function decodeInstance(node: XmlNode, ctx: Context, embedding = 0): CimInstance {
  const className = needAttr(node, 'CLASSNAME', 'INSTANCE', ctx);
  const properties: Record<string, CimProperty> = {};
  const add = (element: XmlNode, kind: 'PROPERTY' | 'PROPERTY.ARRAY' | 'PROPERTY.REFERENCE') => {
    const name = needAttr(element, 'NAME', kind, ctx);
    const embedded = isEmbedded(element);
    const type: CimType = kind === 'PROPERTY.REFERENCE' ? 'reference' : cimType(needAttr(element, 'TYPE', kind, ctx), ctx);
    const body = decodeValueBody(element, type, ctx, embedded, embedding);
    const referenceClass = attrOf(element, 'REFERENCECLASS');
    const classOrigin = attrOf(element, 'CLASSORIGIN');
    properties[name] = {
      name,
      type,
      value: body.value,
      ...(kind === 'PROPERTY.ARRAY' ? { isArray: true } : {}),
      ...(embedded ? { embeddedObject: attrAnyCase(element, 'EmbeddedObject') as 'instance' | 'object' } : {}),
      ...(referenceClass ? { referenceClass } : {}),
      ...(classOrigin ? { classOrigin } : {}),
      ...(attrOf(element, 'PROPAGATED') === 'true' ? { propagated: true } : {}),
    };
  };
  for (const p of all(node, 'PROPERTY')) add(p, 'PROPERTY');
  for (const p of all(node, 'PROPERTY.ARRAY')) add(p, 'PROPERTY.ARRAY');
  for (const p of all(node, 'PROPERTY.REFERENCE')) add(p, 'PROPERTY.REFERENCE');
  return { className, properties };
}

function qualifierValues(node: XmlNode, ctx: Context): Record<string, string | number | boolean | null> {
  const result: Record<string, string | number | boolean | null> = {};
  for (const q of all(node, 'QUALIFIER')) {
    const type = cimType(attrOf(q, 'TYPE'), ctx);
    const value = one(q, 'VALUE');
    const scalar = value === undefined ? null : decodeScalar(type, text(value), ctx, false, 0);
    result[needAttr(q, 'NAME', 'QUALIFIER', ctx)] = scalar === null || typeof scalar !== 'object' ? (scalar as string | number | boolean | null) : String(text(value));
  }
  return result;
}

function decodeClass(node: XmlNode, ctx: Context): CimClass {
  const properties: CimPropertyDecl[] = [];
  const declare = (element: XmlNode, type: CimType, isArray: boolean) => {
    const key = qualifierValues(element, ctx).Key === true || Object.entries(qualifierValues(element, ctx)).some(([n, v]) => n.toLowerCase() === 'key' && v === true);
    const referenceClass = attrOf(element, 'REFERENCECLASS');
    properties.push({ name: needAttr(element, 'NAME', 'PROPERTY', ctx), type, isArray, isKey: key, ...(referenceClass ? { referenceClass } : {}) });
  };
  for (const p of all(node, 'PROPERTY')) declare(p, cimType(attrOf(p, 'TYPE'), ctx), false);
  for (const p of all(node, 'PROPERTY.ARRAY')) declare(p, cimType(attrOf(p, 'TYPE'), ctx), true);
  for (const p of all(node, 'PROPERTY.REFERENCE')) declare(p, 'reference', false);
  const methods: CimMethodDecl[] = all(node, 'METHOD').map((m) => {
    const parameters: CimParameterDecl[] = [];
    const param = (p: XmlNode, type: CimType, isArray: boolean) => {
      const referenceClass = attrOf(p, 'REFERENCECLASS');
      parameters.push({ name: needAttr(p, 'NAME', 'PARAMETER', ctx), type, isArray, qualifiers: qualifierValues(p, ctx), ...(referenceClass ? { referenceClass } : {}) });
    };
    for (const p of all(m, 'PARAMETER')) param(p, cimType(attrOf(p, 'TYPE'), ctx), false);
    for (const p of all(m, 'PARAMETER.ARRAY')) param(p, cimType(attrOf(p, 'TYPE'), ctx), true);
    for (const p of all(m, 'PARAMETER.REFERENCE')) param(p, 'reference', false);
    for (const p of all(m, 'PARAMETER.REFARRAY')) param(p, 'reference', true);
    return { name: needAttr(m, 'NAME', 'METHOD', ctx), returnType: cimType(attrOf(m, 'TYPE'), ctx, 'uint32'), parameters };
  });
  const superClass = attrOf(node, 'SUPERCLASS');
  return { name: needAttr(node, 'NAME', 'CLASS', ctx), properties, methods, ...(superClass ? { superClass } : {}) };
}

/** CIM > MESSAGE, with the version checks every document must pass. */
function message(root: XmlNode, ctx: Context): XmlNode {
  const cim = need(one(root, 'CIM'), 'CIM root element', ctx);
  if (!(attrOf(cim, 'CIMVERSION') ?? '').startsWith('2.')) fail(ctx, `unsupported CIMVERSION "${attrOf(cim, 'CIMVERSION') ?? ''}"`, 'unsupported-cim-version');
  if (!(attrOf(cim, 'DTDVERSION') ?? '2.').startsWith('2.')) fail(ctx, `unsupported DTDVERSION "${attrOf(cim, 'DTDVERSION') ?? ''}"`, 'unsupported-dtd-version');
  const msg = need(one(cim, 'MESSAGE'), 'MESSAGE', ctx);
  if (!(attrOf(msg, 'PROTOCOLVERSION') ?? '').startsWith('1.')) fail(ctx, `unsupported PROTOCOLVERSION "${attrOf(msg, 'PROTOCOLVERSION') ?? ''}"`, 'unsupported-protocol-version');
  return msg;
}

function decodeError(node: XmlNode, ctx: Context): CimErrorPayload {
  const code = Number(needAttr(node, 'CODE', 'ERROR', ctx));
  if (!Number.isInteger(code)) fail(ctx, 'ERROR CODE is not a number');
  const description = attrOf(node, 'DESCRIPTION');
  return { code, ...(description ? { description } : {}), instances: all(node, 'INSTANCE').map((i) => decodeInstance(i, ctx)) };
}

function decodeParamValue(node: XmlNode, ctx: Context, defaultType: CimType = 'string'): CimTypedValue {
  const declared = attrOf(node, 'PARAMTYPE');
  // Without PARAMTYPE (wbemcli), the element says what it is; scalar text stays a string.
  const inferred: CimType = one(node, 'VALUE.REFERENCE') || one(node, 'VALUE.REFARRAY') ? 'reference' : defaultType;
  const type = cimType(declared, ctx, inferred);
  const embedded = isEmbedded(node);
  const body = decodeValueBody(node, type, ctx, embedded, 0);
  return { type, value: body.value, ...(body.isArray ? { isArray: true } : {}), ...(embedded ? { embeddedObject: 'instance' as const } : {}) };
}

function decodeResult(kind: CimRequestKind, response: XmlNode, methodName: string, ctx: Context): CimResult {
  if (kind === 'InvokeMethod') {
    const returnNode = need(one(response, 'RETURNVALUE'), 'RETURNVALUE', ctx);
    const outParams: Record<string, CimTypedValue> = {};
    for (const p of all(response, 'PARAMVALUE')) outParams[needAttr(p, 'NAME', 'PARAMVALUE', ctx)] = decodeParamValue(p, ctx);
    return { kind, methodName, result: { returnValue: decodeParamValue(returnNode, ctx, 'uint32'), outParams } };
  }
  const value = one(response, 'IRETURNVALUE');
  switch (kind) {
    case 'GetInstance':
      return { kind, instance: decodeInstance(need(one(value, 'INSTANCE'), 'INSTANCE in IRETURNVALUE', ctx), ctx) };
    case 'EnumerateInstanceNames':
      return { kind, names: all(value, 'INSTANCENAME').map((n) => decodeInstanceNameNode(n, ctx)) };
    case 'EnumerateInstances':
      return {
        kind,
        instances: all(value, 'VALUE.NAMEDINSTANCE').map((named) => ({
          ...decodeInstance(need(one(named, 'INSTANCE'), 'INSTANCE', ctx), ctx),
          path: decodeInstanceNameNode(need(one(named, 'INSTANCENAME'), 'INSTANCENAME', ctx), ctx),
        })),
      };
    case 'AssociatorNames':
      return { kind, names: all(value, 'OBJECTPATH').map((p) => decodeInstancePath(need(one(p, 'INSTANCEPATH'), 'INSTANCEPATH', ctx), ctx)) };
    case 'Associators':
      return {
        kind,
        instances: all(value, 'VALUE.OBJECTWITHPATH').map((o) => ({
          ...decodeInstance(need(one(o, 'INSTANCE'), 'INSTANCE', ctx), ctx),
          path: decodeInstancePath(need(one(o, 'INSTANCEPATH'), 'INSTANCEPATH', ctx), ctx),
        })),
      };
    case 'GetClass':
      return { kind, cimClass: decodeClass(need(one(value, 'CLASS'), 'CLASS in IRETURNVALUE', ctx), ctx) };
  }
}

export interface DecodeOptions {
  readonly host: string;
  readonly maxBytes?: number;
}

/** Decodes a response; throws CimProtocolError for anything that is not the expected answer. */
export function decodeResponse(
  xml: string | Uint8Array,
  expect: { kind: CimRequestKind; methodName?: string },
  options: DecodeOptions,
): CimResponse {
  const ctx: Context = { operation: expect.methodName ?? expect.kind, host: options.host, header: 'request-not-valid' };
  const msg = message(parse(screen(xml, options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES, ctx), ctx), ctx);
  const messageId = attrOf(msg, 'ID') ?? '';
  const simple = need(one(msg, 'SIMPLERSP'), 'SIMPLERSP', ctx);
  const extrinsic = expect.kind === 'InvokeMethod';
  const response = need(one(simple, extrinsic ? 'METHODRESPONSE' : 'IMETHODRESPONSE'), extrinsic ? 'METHODRESPONSE' : 'IMETHODRESPONSE', ctx);
  const name = attrOf(response, 'NAME') ?? '';
  const expectedName = extrinsic ? (expect.methodName ?? '') : expect.kind;
  if (name.toLowerCase() !== expectedName.toLowerCase()) fail(ctx, `response is for "${name}", expected "${expectedName}"`);
  const error = one(response, 'ERROR');
  if (error) return { ok: false, messageId, kind: expect.kind, ...(extrinsic ? { methodName: name } : {}), error: decodeError(error, ctx) };
  return { ok: true, messageId, result: decodeResult(expect.kind, response, name, ctx) };
}

const INTRINSIC: ReadonlySet<string> = new Set(['GetInstance', 'EnumerateInstanceNames', 'EnumerateInstances', 'AssociatorNames', 'Associators', 'GetClass']);

function iparams(call: XmlNode): Map<string, XmlNode> {
  return new Map(all(call, 'IPARAMVALUE').map((p) => [(attrOf(p, 'NAME') ?? '').toLowerCase(), p]));
}

function className(param: XmlNode | undefined): string | undefined {
  const name = one(param, 'CLASSNAME');
  return name ? attrOf(name, 'NAME') : undefined;
}

function booleanParam(param: XmlNode | undefined, ctx: Context): boolean | undefined {
  const value = one(param, 'VALUE');
  return value === undefined ? undefined : (decodeScalar('boolean', text(value), ctx, false, 0) as boolean);
}

function intrinsicRequest(name: string, namespace: string, params: Map<string, XmlNode>, ctx: Context): CimRequest {
  const requireClass = () => className(params.get('classname')) ?? fail(ctx, `${name} without ClassName`);
  const requireName = (param: string) =>
    decodeInstanceNameNode(need(one(params.get(param.toLowerCase()), 'INSTANCENAME'), `${param} INSTANCENAME`, ctx), ctx, namespace);
  const options = () => {
    const list = one(params.get('propertylist'), 'VALUE.ARRAY');
    const localOnly = booleanParam(params.get('localonly'), ctx);
    const includeQualifiers = booleanParam(params.get('includequalifiers'), ctx);
    const includeClassOrigin = booleanParam(params.get('includeclassorigin'), ctx);
    return {
      ...(localOnly !== undefined ? { localOnly } : {}),
      ...(includeQualifiers !== undefined ? { includeQualifiers } : {}),
      ...(includeClassOrigin !== undefined ? { includeClassOrigin } : {}),
      ...(list ? { propertyList: all(list, 'VALUE').map((v) => text(v)) } : {}),
    };
  };
  const filter = () => {
    const text1 = (p: string) => {
      const value = one(params.get(p), 'VALUE');
      return value === undefined ? undefined : text(value);
    };
    const entries = { assocClass: className(params.get('assocclass')), resultClass: className(params.get('resultclass')), role: text1('role'), resultRole: text1('resultrole') };
    return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
  };
  switch (name) {
    case 'GetInstance':
      return { kind: name, namespace, instanceName: requireName('InstanceName'), options: options() };
    case 'EnumerateInstanceNames':
      return { kind: name, namespace, className: requireClass() };
    case 'EnumerateInstances': {
      const deepInheritance = booleanParam(params.get('deepinheritance'), ctx);
      return { kind: name, namespace, className: requireClass(), options: { ...options(), ...(deepInheritance !== undefined ? { deepInheritance } : {}) } };
    }
    case 'AssociatorNames':
      return { kind: name, namespace, objectName: requireName('ObjectName'), filter: filter() };
    case 'Associators':
      return { kind: name, namespace, objectName: requireName('ObjectName'), filter: filter(), options: options() };
    default: {
      const localOnly = booleanParam(params.get('localonly'), ctx);
      const includeQualifiers = booleanParam(params.get('includequalifiers'), ctx);
      return { kind: 'GetClass', namespace, className: requireClass(), ...(localOnly !== undefined ? { localOnly } : {}), ...(includeQualifiers !== undefined ? { includeQualifiers } : {}) };
    }
  }
}

/** Server side: decodes a request; CimProtocolError.cimErrorHeader says what to answer with. */
export function decodeRequest(xml: string | Uint8Array, options: { host?: string; maxBytes?: number } = {}): { messageId: string; request: CimRequest } {
  const ctx: Context = { operation: 'request', host: options.host ?? 'server', header: 'request-not-valid' };
  const msg = message(parse(screen(xml, options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES, ctx), ctx), ctx);
  const messageId = attrOf(msg, 'ID') ?? fail(ctx, 'MESSAGE without ID');
  const simple = need(one(msg, 'SIMPLEREQ'), 'SIMPLEREQ', ctx);
  const intrinsic = one(simple, 'IMETHODCALL');
  if (intrinsic) {
    const name = needAttr(intrinsic, 'NAME', 'IMETHODCALL', ctx);
    const canonical = [...INTRINSIC].find((n) => n.toLowerCase() === name.toLowerCase());
    if (!canonical) fail(ctx, `intrinsic method ${name} is not supported`, 'unsupported-operation');
    return { messageId, request: intrinsicRequest(canonical, decodeNamespace(one(intrinsic, 'LOCALNAMESPACEPATH'), ctx), iparams(intrinsic), ctx) };
  }
  const extrinsic = need(one(simple, 'METHODCALL'), 'IMETHODCALL or METHODCALL', ctx);
  const methodName = needAttr(extrinsic, 'NAME', 'METHODCALL', ctx);
  const path = need(one(extrinsic, 'LOCALINSTANCEPATH'), 'LOCALINSTANCEPATH (only instance methods are supported)', ctx);
  const objectName = decodeInstanceNameNode(need(one(path, 'INSTANCENAME'), 'INSTANCENAME', ctx), ctx, decodeNamespace(one(path, 'LOCALNAMESPACEPATH'), ctx));
  const params: Record<string, CimTypedValue | null> = {};
  for (const p of all(extrinsic, 'PARAMVALUE')) {
    const name = needAttr(p, 'NAME', 'PARAMVALUE', ctx);
    const value = decodeParamValue(p, ctx);
    params[name] = value.value === null ? null : value;
  }
  return { messageId, request: { kind: 'InvokeMethod', objectName, methodName, params } };
}

function percentDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // not encoded after all (a literal '%'): compare as sent
  }
}

/**
 * Checks the CIMOperation/CIMMethod/CIMObject headers against the body. Accepts CIMObject
 * percent-encoded (DSP0200), unencoded (pywbem) or half-encoded (wbemcli). Returns the CIMError
 * header value to answer with, or undefined when the headers are fine.
 */
export function checkRequestHeaders(headers: Record<string, string | string[] | undefined>, request: CimRequest): string | undefined {
  const get = (name: string) => {
    const value = headers[name.toLowerCase()] ?? headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  if ((get('CIMOperation') ?? '').toLowerCase() !== 'methodcall') return 'unsupported-operation';
  const version = get('CIMProtocolVersion');
  if (version !== undefined && !version.startsWith('1.')) return 'unsupported-protocol-version';
  const method = get('CIMMethod');
  const object = get('CIMObject');
  if (method === undefined || object === undefined) return 'header-mismatch';
  const expectedMethod = request.kind === 'InvokeMethod' ? request.methodName : request.kind;
  if (percentDecode(method).toLowerCase() !== expectedMethod.toLowerCase()) return 'header-mismatch';
  const decodedObject = percentDecode(object);
  if (request.kind !== 'InvokeMethod') {
    const normalize = (ns: string) => ns.replace(/^\/+|\/+$/g, '').toLowerCase();
    return normalize(decodedObject) === normalize(request.namespace) ? undefined : 'header-mismatch';
  }
  try {
    const path = parseObjectPath(decodedObject);
    const sameNamespace = (path.namespace ?? '').replace(/^\/+/, '').toLowerCase() === (request.objectName.namespace ?? '').toLowerCase();
    return sameNamespace && instanceNamesEqual({ ...path, namespace: undefined }, { ...request.objectName, namespace: undefined }) ? undefined : 'header-mismatch';
  } catch {
    return 'header-mismatch';
  }
}
