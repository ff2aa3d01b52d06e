/**
 * XML with namespaces resolved. fast-xml-parser reads the document; this module then turns
 * prefixes into namespace URIs, scope by scope, because servers disagree on prefixes: vCenter
 * writes `xsi:type`, govmomi's vcsim writes `XMLSchema-instance:type` with its own declaration,
 * and a ManagedObjectReference carries an unprefixed `type` beside either. Only the URI decides.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';
export const XSD_NAMESPACE = 'http://www.w3.org/2001/XMLSchema';
const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';

/** A name after prefix resolution; namespace null means "in no namespace". */
export interface QualifiedName {
  readonly namespace: string | null;
  readonly name: string;
}

export interface XmlAttribute extends QualifiedName {
  readonly value: string;
}

export interface XmlElement extends QualifiedName {
  readonly attributes: readonly XmlAttribute[];
  readonly children: readonly XmlElement[];
  /** The element's own character data (CDATA included); whitespace between child elements is dropped. */
  readonly text: string;
  /** Resolves a QName found in content, such as the value of xsi:type, in this element's scope. */
  resolve(qname: string): QualifiedName;
}

/** A document that is not well-formed or uses an undeclared prefix. */
export class XmlError extends Error {}

const MAX_DEPTH = 100;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  htmlEntities: false,
  maxNestedTags: MAX_DEPTH,
});

type OrderedNode = { [name: string]: OrderedNode[] | string } & { ':@'?: Record<string, string> };
type Scope = ReadonlyMap<string, string>;

const ROOT_SCOPE: Scope = new Map([['xml', XML_NAMESPACE]]);

function splitQName(qname: string): [prefix: string, local: string] {
  const colon = qname.indexOf(':');
  return colon < 0 ? ['', qname] : [qname.slice(0, colon), qname.slice(colon + 1)];
}

function resolveIn(scope: Scope, qname: string, useDefault: boolean): QualifiedName {
  const [prefix, name] = splitQName(qname);
  if (prefix === '') return { namespace: useDefault ? (scope.get('') ?? null) : null, name };
  const namespace = scope.get(prefix);
  if (namespace === undefined) throw new XmlError(`namespace prefix "${prefix}" of "${qname}" is not declared`);
  return { namespace, name };
}

/** The scope of an element: its parent's, plus its own xmlns declarations. */
function scopeOf(parent: Scope, attributes: Record<string, string>): Scope {
  let scope: Map<string, string> | undefined;
  for (const [name, value] of Object.entries(attributes)) {
    if (name !== 'xmlns' && !name.startsWith('xmlns:')) continue;
    scope ??= new Map(parent);
    scope.set(name === 'xmlns' ? '' : name.slice('xmlns:'.length), value);
  }
  return scope ?? parent;
}

function toElement(tag: string, node: OrderedNode, parentScope: Scope): XmlElement {
  const rawAttributes = node[':@'] ?? {};
  const scope = scopeOf(parentScope, rawAttributes);
  const attributes: XmlAttribute[] = [];
  for (const [name, value] of Object.entries(rawAttributes)) {
    if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
    // Unprefixed attributes are in no namespace, whatever the default namespace is.
    attributes.push({ ...resolveIn(scope, name, false), value });
  }
  const children: XmlElement[] = [];
  let text = '';
  for (const child of node[tag] as OrderedNode[]) {
    const [childTag] = Object.keys(child).filter((key) => key !== ':@');
    if (childTag === undefined) continue;
    if (childTag === '#text') text += child['#text'] as string;
    else children.push(toElement(childTag, child, scope));
  }
  return {
    ...resolveIn(scope, tag, true),
    attributes,
    children,
    text: children.length > 0 && text.trim() === '' ? '' : text,
    resolve: (qname) => resolveIn(scope, qname, true),
  };
}

/** Parses a whole document into its root element. DTDs are refused: no vim25 message has one. */
export function parseXml(text: string): XmlElement {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlError('document declarations (DOCTYPE/ENTITY) are not accepted');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new XmlError(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(text) as OrderedNode[];
  } catch (err) {
    throw new XmlError(`not well-formed XML: ${(err as Error).message}`);
  }
  const roots = nodes.filter((node) => !('#text' in node));
  const [root] = roots;
  if (roots.length !== 1 || !root) throw new XmlError('a document has exactly one root element');
  const [tag] = Object.keys(root).filter((key) => key !== ':@');
  return toElement(tag as string, root, ROOT_SCOPE);
}

export function attribute(element: XmlElement, name: string, namespace: string | null = null): string | undefined {
  return element.attributes.find((a) => a.name === name && a.namespace === namespace)?.value;
}

/** The element's xsi:type, resolved; null when it has none. */
export function xsiType(element: XmlElement): QualifiedName | null {
  const value = attribute(element, 'type', XSI_NAMESPACE);
  return value === undefined ? null : element.resolve(value.trim());
}

export function childElements(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

export function childElement(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((child) => child.name === name);
}
