/**
 * XML with namespaces resolved, read in one pass over the text. Servers disagree on prefixes:
 * vCenter writes `xsi:type`, govmomi's vcsim writes `XMLSchema-instance:type` with its own
 * declaration, and a ManagedObjectReference carries an unprefixed `type` beside either; only the
 * URI decides, so prefixes become namespace URIs here, scope by scope. The reader checks what makes
 * a document well-formed (one root, tags that nest and match, quoted and unique attributes, known
 * entity and character references), refuses DTDs, and bounds the depth.
 *
 * It is written for property collector pages: one of 500 hosts is about 10 MB and 600,000
 * elements, nearly all of them the items of the hosts' certificates (an xsd:byte array is one
 * element per byte). fast-xml-parser's validation, its ordered tree and the tree made from that
 * took 4.5-5.8 s of CPU for such a page; this reader takes about
 * 0.1 s, keeping a run of plain leaves (no attributes, no children) as their texts until someone
 * asks for them as elements (see leafTexts), and reading the items after the first of a run in
 * place when they are spelled plainly (`<byte>45</byte>`).
 */
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

type Scope = ReadonlyMap<string, string>;

const ROOT_SCOPE: Scope = new Map([['xml', XML_NAMESPACE]]);
const NONE: readonly never[] = Object.freeze([]);

function fail(detail: string, text: string, at: number): never {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line++;
  throw new XmlError(`not well-formed XML: ${detail} (line ${line})`);
}

function resolveIn(scope: Scope, qname: string, useDefault: boolean): QualifiedName {
  const colon = qname.indexOf(':');
  if (colon < 0) return { namespace: useDefault ? (scope.get('') ?? null) : null, name: qname };
  const prefix = qname.slice(0, colon);
  const namespace = scope.get(prefix);
  if (namespace === undefined) throw new XmlError(`namespace prefix "${prefix}" of "${qname}" is not declared`);
  return { namespace, name: qname.slice(colon + 1) };
}

/**
 * Children that are all plain leaves of one name (no attributes, no declarations, no elements of
 * their own), kept as their texts: an xsd:byte array of a certificate is a thousand of them.
 * Element objects for them are made only when something asks for `children`.
 */
interface LeafRun {
  readonly tag: string;
  readonly texts: string[];
}

class Element implements XmlElement {
  readonly #scope: Scope;
  #children: readonly XmlElement[] | LeafRun;

  constructor(
    readonly namespace: string | null,
    readonly name: string,
    readonly attributes: readonly XmlAttribute[],
    children: readonly XmlElement[] | LeafRun,
    readonly text: string,
    scope: Scope,
  ) {
    this.#scope = scope;
    this.#children = children;
  }

  get children(): readonly XmlElement[] {
    const children = this.#children;
    if (!isLeafRun(children)) return children;
    const { namespace, name } = resolveIn(this.#scope, children.tag, true);
    const elements = children.texts.map((text) => new Element(namespace, name, NONE, NONE, text, this.#scope));
    this.#children = elements;
    return elements;
  }

  /** The texts of the children when they are a run of plain leaves; undefined when they are not (or were asked for as elements). */
  get leafTexts(): readonly string[] | undefined {
    return isLeafRun(this.#children) ? this.#children.texts : undefined;
  }

  resolve(qname: string): QualifiedName {
    return resolveIn(this.#scope, qname, true);
  }
}

function isLeafRun(children: readonly XmlElement[] | LeafRun): children is LeafRun {
  return !Array.isArray(children);
}

/** An element whose end tag is still to come. */
interface Open {
  readonly tag: string;
  readonly at: number;
  readonly scope: Scope;
  readonly attributes: readonly XmlAttribute[];
  children: XmlElement[] | LeafRun | null;
  text: string;
}

// XML 1.0 names, with the letters beyond ASCII taken as a whole (vim25 names are ASCII).
const NAME = /^[A-Za-z_:\u00C0-\uFFFF][-A-Za-z0-9._:\u00B7\u00C0-\uFFFF]*$/;
const REFERENCE = /&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|([A-Za-z][A-Za-z0-9]*))?;?/g;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d;
}

function isXmlChar(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

/** Character data as the document means it: line ends as \n, references replaced; a stray `&` is an error. */
function characterData(raw: string, text: string, at: number): string {
  const normalized = raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
  if (!normalized.includes('&')) return normalized;
  return normalized.replace(REFERENCE, (match: string, hex: string | undefined, decimal: string | undefined, entity: string | undefined) => {
    if (!match.endsWith(';') || match === '&;') fail(`"&" that starts no reference: ${JSON.stringify(match.slice(0, 12))}`, text, at);
    if (entity !== undefined) {
      const value = PREDEFINED[entity];
      if (value === undefined) fail(`unknown entity &${entity};`, text, at);
      return value;
    }
    const code = hex !== undefined ? parseInt(hex, 16) : Number(decimal);
    if (!isXmlChar(code)) fail(`character reference ${match} is not an XML character`, text, at);
    return String.fromCodePoint(code);
  });
}

function attributesIn(scope: Scope, raw: readonly [string, string][] | null): readonly XmlAttribute[] {
  if (!raw) return NONE;
  const attributes: XmlAttribute[] = [];
  for (const [name, value] of raw) {
    if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
    // Unprefixed attributes are in no namespace, whatever the default namespace is.
    attributes.push({ ...resolveIn(scope, name, false), value });
  }
  return attributes.length ? attributes : NONE;
}

/** Reads the start tag at `<` (text[at]) into an Open; `next` is where the text after it starts. */
function startTag(text: string, at: number, parent: Scope): { open: Open; empty: boolean; next: number } {
  const n = text.length;
  let i = at + 1;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c) || c === 0x2f /* / */ || c === 0x3e /* > */) break;
    i++;
  }
  const tag = text.slice(at + 1, i);
  if (!NAME.test(tag)) fail(`bad element name ${JSON.stringify(tag.slice(0, 40))}`, text, at);
  let raw: [string, string][] | null = null;
  let scope = parent;
  let empty = false;
  for (;;) {
    const before = i;
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) fail(`<${tag}> is not closed`, text, at);
    const c = text.charCodeAt(i);
    if (c === 0x3e) {
      i++;
      break;
    }
    if (c === 0x2f) {
      if (text.charCodeAt(i + 1) !== 0x3e) fail(`"/" inside <${tag}>`, text, at);
      i += 2;
      empty = true;
      break;
    }
    if (i === before) fail(`attributes of <${tag}> without space between them`, text, at);
    const nameStart = i;
    while (i < n) {
      const d = text.charCodeAt(i);
      if (isSpace(d) || d === 0x3d /* = */ || d === 0x3e || d === 0x2f) break;
      i++;
    }
    const name = text.slice(nameStart, i);
    if (!NAME.test(name)) fail(`bad attribute name ${JSON.stringify(name.slice(0, 40))} in <${tag}>`, text, at);
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== 0x3d) fail(`attribute ${name} of <${tag}> has no value`, text, at);
    i++;
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    const quote = text.charCodeAt(i);
    if (quote !== 0x22 && quote !== 0x27) fail(`attribute ${name} of <${tag}> is not quoted`, text, at);
    const close = text.indexOf(quote === 0x22 ? '"' : "'", i + 1);
    if (close < 0) fail(`attribute ${name} of <${tag}> is not closed`, text, at);
    const literal = text.slice(i + 1, close);
    if (literal.includes('<')) fail(`"<" in attribute ${name} of <${tag}>`, text, at);
    // Attribute-value normalization: literal white space becomes a space; references stay what they say.
    const value = characterData(/[\t\n\r]/.test(literal) ? literal.replace(/\r\n|[\t\n\r]/g, ' ') : literal, text, at);
    i = close + 1;
    raw ??= [];
    if (raw.some(([other]) => other === name)) fail(`attribute ${name} repeated in <${tag}>`, text, at);
    raw.push([name, value]);
    if (name === 'xmlns' || name.startsWith('xmlns:')) {
      if (scope === parent) scope = new Map(parent);
      (scope as Map<string, string>).set(name === 'xmlns' ? '' : name.slice('xmlns:'.length), value);
    }
  }
  const open: Open = { tag, at, scope, attributes: attributesIn(scope, raw), children: null, text: '' };
  return { open, empty, next: i };
}

function element(open: Open): Element {
  const children = open.children ?? NONE;
  const { namespace, name } = resolveIn(open.scope, open.tag, true);
  const hasChildren = isLeafRun(children) || children.length > 0;
  return new Element(namespace, name, open.attributes, children, hasChildren && open.text.trim() === '' ? '' : open.text, open.scope);
}

/** Adds a closed element to its parent, keeping a run of plain leaves of one name as texts. */
function addChild(parent: Open, child: Open): void {
  const plain = child.children === null && child.attributes === NONE && child.scope === parent.scope;
  const children = parent.children;
  if (plain && children === null) {
    resolveIn(child.scope, child.tag, true); // an undeclared prefix fails here, not when the children are read
    parent.children = { tag: child.tag, texts: [child.text] };
    return;
  }
  if (plain && children !== null && isLeafRun(children) && children.tag === child.tag) {
    children.texts.push(child.text);
    return;
  }
  let elements: XmlElement[];
  if (children === null) elements = [];
  else if (isLeafRun(children)) {
    const { namespace, name } = resolveIn(parent.scope, children.tag, true);
    elements = children.texts.map((text) => new Element(namespace, name, NONE, NONE, text, parent.scope));
  } else elements = children;
  elements.push(element(child));
  parent.children = elements;
}

/**
 * The next item of a leaf run, read in place: when `<TAG>text</TAG>` at `lt` is spelled exactly
 * like that with the run's tag, its text joins the run and the reading goes on after it (returned);
 * anything else (attributes, white space in the tags, children) returns -1 for the general path,
 * which would read it to the same result.
 */
function nextLeafOfRun(text: string, lt: number, parent: Open): number {
  const run = parent.children;
  if (run === null || !isLeafRun(run)) return -1;
  const { tag } = run;
  const contentStart = lt + tag.length + 2;
  if (text.charCodeAt(contentStart - 1) !== 0x3e || !text.startsWith(tag, lt + 1)) return -1;
  const end = text.indexOf('<', contentStart);
  if (end < 0 || text.charCodeAt(end + 1) !== 0x2f || text.charCodeAt(end + tag.length + 2) !== 0x3e || !text.startsWith(tag, end + 2)) return -1;
  run.texts.push(characterData(text.slice(contentStart, end), text, contentStart));
  return end + tag.length + 3;
}

/** Parses a whole document into its root element. DTDs are refused: no vim25 message has one. */
export function parseXml(text: string): XmlElement {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlError('document declarations (DOCTYPE/ENTITY) are not accepted');
  const n = text.length;
  const stack: Open[] = [];
  let root: Element | undefined;
  const close = (open: Open) => {
    const parent = stack[stack.length - 1];
    if (parent) addChild(parent, open);
    else root = element(open);
  };
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < n) {
    const lt = text.indexOf('<', i);
    const end = lt < 0 ? n : lt;
    if (end > i) {
      const top = stack[stack.length - 1];
      const raw = text.slice(i, end);
      if (top) top.text += characterData(raw, text, i);
      else if (raw.trim() !== '') fail(root ? 'text after the root element' : 'text before the root element', text, i);
    }
    if (lt < 0) break;
    const c = text.charCodeAt(lt + 1);
    if (c === 0x2f /* </ */) {
      const gt = text.indexOf('>', lt);
      if (gt < 0) fail('an end tag is not closed', text, lt);
      const tag = text.slice(lt + 2, gt).trimEnd();
      const open = stack.pop();
      if (!open) fail(`</${tag}> closes nothing`, text, lt);
      if (open.tag !== tag) fail(`</${tag}> closes <${open.tag}>`, text, lt);
      close(open);
      i = gt + 1;
    } else if (c === 0x3f /* <? */) {
      const end = text.indexOf('?>', lt + 2);
      if (end < 0) fail('a processing instruction is not closed', text, lt);
      i = end + 2;
    } else if (c === 0x21 /* <! */) {
      if (text.startsWith('<!--', lt)) {
        const end = text.indexOf('-->', lt + 4);
        if (end < 0) fail('a comment is not closed', text, lt);
        i = end + 3;
      } else if (text.startsWith('<![CDATA[', lt)) {
        const end = text.indexOf(']]>', lt + 9);
        if (end < 0) fail('a CDATA section is not closed', text, lt);
        const top = stack[stack.length - 1];
        if (!top) fail('a CDATA section outside the root element', text, lt);
        const raw = text.slice(lt + 9, end);
        top.text += raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
        i = end + 3;
      } else {
        fail(`unexpected ${JSON.stringify(text.slice(lt, lt + 12))}`, text, lt);
      }
    } else {
      if (root) fail('a second root element', text, lt);
      const parent = stack[stack.length - 1];
      const next = parent && stack.length < MAX_DEPTH ? nextLeafOfRun(text, lt, parent) : -1;
      if (next >= 0) {
        i = next;
        continue;
      }
      const start = startTag(text, lt, parent ? parent.scope : ROOT_SCOPE);
      if (start.empty) close(start.open);
      else if (stack.length >= MAX_DEPTH) fail(`elements nested deeper than ${MAX_DEPTH}`, text, lt);
      else stack.push(start.open);
      i = start.next;
    }
  }
  const open = stack.pop();
  if (open) fail(`<${open.tag}> is not closed`, text, open.at);
  if (!root) throw new XmlError('a document has exactly one root element');
  return root;
}

/**
 * The texts of the element's children when every child is a plain leaf (no attributes, no
 * children of its own), e.g. the items of an array of numbers; undefined otherwise. Read this
 * way, a long run of leaves costs one string each and no element objects.
 */
export function leafTexts(element: XmlElement): readonly string[] | undefined {
  if (element instanceof Element) {
    const texts = element.leafTexts;
    if (texts) return texts;
  }
  const { children } = element;
  return children.every((child) => child.attributes.length === 0 && child.children.length === 0) ? children.map((child) => child.text) : undefined;
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
