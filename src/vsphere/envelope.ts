/**
 * vim25 SOAP 1.1 envelopes: requests built with fast-xml-parser's XMLBuilder (which escapes text
 * and attributes), responses read with namespaces resolved into a value or a fault.
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { MoRef } from './model';
import { decodeValue, VimValueError, type VimValue } from './values';
import { childElement, childElements, parseXml, XSD_NAMESPACE, XSI_NAMESPACE, xsiType, type XmlElement } from './xml';

export const SOAP_ENVELOPE_NAMESPACE = 'http://schemas.xmlsoap.org/soap/envelope/';
export const VIM25_NAMESPACE = 'urn:vim25';

/** A data object argument: its vim25 type (sent as xsi:type) and its fields in schema order. */
export interface DataObject {
  readonly vimType: string;
  readonly fields: readonly SoapField[];
}

export type SoapScalar = string | number | boolean | MoRef | DataObject;
export type SoapValue = SoapScalar | readonly SoapScalar[];

/** One named argument or field; undefined values are left out, lists become repeated elements. */
export type SoapField = readonly [name: string, value: SoapValue | undefined];

export interface ServerFault {
  readonly faultType: string;
  readonly message: string;
}

export type SoapOutcome = { readonly ok: true; readonly value: VimValue | undefined } | { readonly ok: false; readonly fault: ServerFault };

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false });

function isDataObject(value: MoRef | DataObject): value is DataObject {
  return 'fields' in value;
}

function isList(value: SoapValue): value is readonly SoapScalar[] {
  return Array.isArray(value);
}

function valueNode(value: SoapScalar): unknown {
  if (typeof value !== 'object') return String(value);
  // vCenter needs xsi:type where a subtype stands for its base (a TraversalSpec in a selectSet), and accepts it everywhere.
  if (isDataObject(value)) return { '@_xsi:type': value.vimType, ...fieldNodes(value.fields) };
  return { '@_type': value.type, '#text': value.value };
}

/** Fields as XMLBuilder input; key order is element order, which vCenter checks against the schema. */
function fieldNodes(fields: readonly SoapField[]): Record<string, unknown> {
  const nodes: Record<string, unknown> = {};
  for (const [name, value] of fields) {
    if (value === undefined) continue;
    nodes[name] = isList(value) ? value.map(valueNode) : valueNode(value);
  }
  return nodes;
}

/** The request document for `method` on the managed object `target`. */
export function encodeRequest(method: string, target: MoRef, args: readonly SoapField[] = []): string {
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    'soapenv:Envelope': {
      '@_xmlns:soapenv': SOAP_ENVELOPE_NAMESPACE,
      '@_xmlns:xsd': XSD_NAMESPACE,
      '@_xmlns:xsi': XSI_NAMESPACE,
      'soapenv:Body': { [method]: { '@_xmlns': VIM25_NAMESPACE, ...fieldNodes([['_this', target], ...args]) } },
    },
  }) as string;
}

function soapBody(envelope: XmlElement): XmlElement {
  if (envelope.namespace !== SOAP_ENVELOPE_NAMESPACE || envelope.name !== 'Envelope') {
    throw new VimValueError(`the document is <${envelope.name}>, not a SOAP 1.1 Envelope`);
  }
  const body = envelope.children.find((child) => child.namespace === SOAP_ENVELOPE_NAMESPACE && child.name === 'Body');
  if (!body) throw new VimValueError('the SOAP Envelope has no Body');
  return body;
}

/** A SOAP fault: its vim25 type comes from the detail's xsi:type (or element name), else from faultcode. */
function serverFault(fault: XmlElement): ServerFault {
  const message = (childElement(fault, 'faultstring')?.text ?? '').trim();
  const detail = childElement(fault, 'detail')?.children[0];
  if (detail) return { faultType: xsiType(detail)?.name ?? detail.name.replace(/Fault$/, ''), message };
  const code = (childElement(fault, 'faultcode')?.text ?? '').trim();
  return { faultType: code.slice(code.indexOf(':') + 1) || 'SoapFault', message };
}

/**
 * Reads the answer to `method`: its returnval (undefined when the method returns nothing, a list
 * when it repeats), or the fault. Throws XmlError or VimValueError when the document is neither.
 */
export function decodeResponse(xml: string, method: string): SoapOutcome {
  const body = soapBody(parseXml(xml));
  const [answer] = body.children;
  if (!answer) throw new VimValueError('the SOAP Body is empty');
  if (answer.namespace === SOAP_ENVELOPE_NAMESPACE && answer.name === 'Fault') return { ok: false, fault: serverFault(answer) };
  if (answer.name !== `${method}Response`) throw new VimValueError(`expected <${method}Response>, got <${answer.name}>`);
  const returned = childElements(answer, 'returnval');
  if (returned.length === 0) return { ok: true, value: undefined };
  return { ok: true, value: returned.length === 1 ? decodeValue(returned[0]) : returned.map((element) => decodeValue(element)) };
}
