/**
 * The XML of a bundle (descriptors, vmware.xml, the depot indexes) as elements looked up by name:
 * public build scripts write the same document with any indentation, element order and empty
 * element style (`<depends/>`, `<depends></depends>`), so nothing here depends on either.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** A document that does not parse, or lacks what is needed; the caller adds the file and entry. */
export class XmlProblem extends Error {}

export interface XmlElement {
  readonly name: string;
  /** The element's own text, trimmed ('' when it has none). */
  readonly text: string;
  attribute(name: string): string | undefined;
  /** The child elements of that name, in document order. */
  all(name: string): XmlElement[];
  /** The one child of that name; undefined when absent, a problem when repeated. */
  one(name: string): XmlElement | undefined;
}

const MAX_DEPTH = 64;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  htmlEntities: false,
  // Every element as a list, so one child and several look alike.
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
  maxNestedTags: MAX_DEPTH,
});

type Parsed = string | { [key: string]: unknown };

function element(name: string, value: Parsed, path: string): XmlElement {
  const node: Record<string, unknown> = typeof value === 'string' ? {} : value;
  const text = typeof value === 'string' ? value : typeof node['#text'] === 'string' ? (node['#text'] as string) : '';
  return {
    name,
    text: text.trim(),
    attribute: (attr) => {
      const found = node[`@${attr}`];
      return typeof found === 'string' ? found : undefined;
    },
    all: (child) => {
      const list = node[child];
      return Array.isArray(list) ? list.map((item: Parsed) => element(child, item, `${path}/${child}`)) : [];
    },
    one(child) {
      const found = this.all(child);
      if (found.length > 1) throw new XmlProblem(`<${child}> appears ${found.length} times in ${path}; it must appear once`);
      return found[0];
    },
  };
}

/** The document's root element, which must be named `root`. */
export function parseXml(text: string, root: string): XmlElement {
  // No bundle file needs a DTD, and entity definitions are how an XML bomb expands.
  if (/<!DOCTYPE/i.test(text)) throw new XmlProblem('has a <!DOCTYPE>, which no bundle file has (refused: entity definitions can expand without bound)');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new XmlProblem(`does not parse as XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  let parsed: Record<string, unknown>;
  try {
    parsed = parser.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new XmlProblem(`does not parse as XML: ${err instanceof Error ? err.message : String(err)}`);
  }
  const roots = Object.keys(parsed);
  const list = parsed[root];
  if (!Array.isArray(list) || list.length !== 1 || roots.length !== 1) {
    throw new XmlProblem(`its root element is ${roots.map((r) => `<${r}>`).join(', ') || 'missing'}, not <${root}>`);
  }
  return element(root, list[0] as Parsed, root);
}

/** The trimmed text of the one child `name`, or undefined when it is absent or empty. */
export function textOf(parent: XmlElement, name: string): string | undefined {
  const text = parent.one(name)?.text;
  return text ? text : undefined;
}
