/**
 * vim25 values as plain data, decoded without a WSDL: xsi:type says what a value is where the
 * schema allows more than one type (property values, faults, arrays); elsewhere a leaf is its
 * text, and the readers below convert it where the caller knows the type.
 */
import type { MoRef } from './model';
import { attribute, leafTexts, xsiType, XSD_NAMESPACE, type XmlElement } from './xml';

/** A data object: its vim25 type when the server named it, and its fields by name (repeated fields as arrays). */
export class VimObject {
  constructor(
    readonly vimType: string | null,
    readonly fields: ReadonlyMap<string, VimValue>,
  ) {}

  get(name: string): VimValue | undefined {
    return this.fields.get(name);
  }
}

export type VimValue = string | number | boolean | MoRef | VimObject | readonly VimValue[];

/** A value that does not have the shape its reader expects. */
export class VimValueError extends Error {}

const XSD_NUMBERS = new Set(['byte', 'short', 'int', 'long', 'float', 'double', 'unsignedByte', 'unsignedShort', 'unsignedInt', 'unsignedLong']);

function primitive(xsdType: string, text: string): string | number | boolean {
  if (xsdType === 'boolean') return readBoolean(text, 'xsd:boolean value');
  if (XSD_NUMBERS.has(xsdType)) {
    // Said without building the message first: an array of bytes reads a thousand of these.
    const n = Number(text);
    return Number.isFinite(n) && (n !== 0 || text.trim() !== '') ? n : readNumber(text, `xsd:${xsdType} value`);
  }
  return text; // string, dateTime, base64Binary, anyURI...
}

/** The xsd type of an ArrayOfX's items when they are primitives ("ArrayOfByte" -> "byte"). */
function arrayItemXsdType(arrayType: string): string | null {
  const item = arrayType.slice('ArrayOf'.length);
  const xsd = item.charAt(0).toLowerCase() + item.slice(1);
  return xsd === 'string' || xsd === 'boolean' || xsd === 'dateTime' || XSD_NUMBERS.has(xsd) ? xsd : null;
}

function moRefOf(element: XmlElement): MoRef {
  const type = attribute(element, 'type');
  if (!type) throw new VimValueError(`<${element.name}> is a ManagedObjectReference without a type attribute`);
  return { type, value: element.text.trim() };
}

function objectOf(vimType: string | null, children: readonly XmlElement[]): VimObject {
  const byName = new Map<string, XmlElement[]>();
  for (const child of children) {
    const same = byName.get(child.name);
    if (same) same.push(child);
    else byName.set(child.name, [child]);
  }
  const fields = new Map<string, VimValue>();
  for (const [name, elements] of byName) {
    fields.set(name, elements.length === 1 ? decodeValue(elements[0]) : elements.map(decodeValue));
  }
  return new VimObject(vimType, fields);
}

/** Decodes one element. The unprefixed `type` attribute marks a ManagedObjectReference; xsi:type is found by namespace. */
export function decodeValue(element: XmlElement): VimValue {
  const type = xsiType(element);
  if (type?.namespace === XSD_NAMESPACE) return primitive(type.name, element.text);
  if (type?.name === 'ManagedObjectReference') return moRefOf(element);
  if (type?.name.startsWith('ArrayOf')) {
    const itemType = arrayItemXsdType(type.name);
    // Items without attributes have no xsi:type: an array of primitives reads from their texts alone.
    const texts = itemType ? leafTexts(element) : undefined;
    if (itemType && texts) return texts.map((text) => primitive(itemType, text));
    return element.children.map((item) => (itemType && !xsiType(item) ? primitive(itemType, item.text) : decodeValue(item)));
  }
  if (element.children.length === 0) {
    if (attribute(element, 'type') !== undefined) return moRefOf(element);
    // A typed empty element is a data object without fields (a fault, say); a typed text is an enum value.
    if (type && element.text === '') return new VimObject(type.name, new Map());
    return element.text;
  }
  return objectOf(type?.name ?? null, element.children);
}

export function isMoRef(value: VimValue | undefined): value is MoRef {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof VimObject);
}

/** A field that may repeat, as a list: absent is empty, one value is a list of one. */
export function list(value: VimValue | undefined): readonly VimValue[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value as VimValue];
}

export function readString(value: VimValue | undefined, what: string): string {
  if (typeof value !== 'string') throw new VimValueError(`${what} is ${describe(value)}, not text`);
  return value;
}

export function readBoolean(value: VimValue | undefined, what: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new VimValueError(`${what} is ${describe(value)}, not a boolean`);
}

export function readNumber(value: VimValue | undefined, what: string): number {
  if (typeof value === 'number') return value;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new VimValueError(`${what} is ${describe(value)}, not a number`);
  return n;
}

/** An xsd:dateTime as ISO 8601 in UTC with milliseconds, so times from any server compare as text. */
export function readDateTime(value: VimValue | undefined, what: string): string {
  const time = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(time)) throw new VimValueError(`${what} is ${describe(value)}, not a date and time`);
  return new Date(time).toISOString();
}

export function readMoRef(value: VimValue | undefined, what: string): MoRef {
  if (!isMoRef(value)) throw new VimValueError(`${what} is ${describe(value)}, not a managed object reference`);
  return value;
}

export function readObject(value: VimValue | undefined, what: string): VimObject {
  if (!(value instanceof VimObject)) throw new VimValueError(`${what} is ${describe(value)}, not a data object`);
  return value;
}

function describe(value: VimValue | undefined): string {
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof VimObject) return `a ${value.vimType ?? 'data object'}`;
  if (isMoRef(value)) return `a reference to ${value.type}`;
  return `"${String(value).slice(0, 40)}"`;
}
