/**
 * CIM-XML writer (DSP0201): requests for the client, responses for servers (the simulator, test
 * peers). Every text and attribute value goes through `escape`.
 */
import type { AssociationFilter, CimRequest, CimRequestHeaders, CimResponse, CimResult, InstanceRetrievalOptions } from './messages';
import { formatObjectPath } from './objectPath';
import type {
  CimClass,
  CimDateTime,
  CimInstance,
  CimInstanceName,
  CimKeyValue,
  CimProperty,
  CimScalar,
  CimTypedValue,
} from './types';

const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8" ?>\n';
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const attr = (name: string, value: string) => ` ${name}="${escape(value)}"`;

function isDateTime(value: CimScalar): value is CimDateTime {
  return typeof value === 'object' && value !== null && 'kind' in value && 'text' in value;
}
function isInstance(value: CimScalar): value is CimInstance {
  return typeof value === 'object' && value !== null && 'properties' in value;
}

function scalarText(value: CimScalar): string {
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return value;
  if (isDateTime(value)) return value.text;
  if (isInstance(value)) return encodeInstance(value);
  throw new Error('a reference cannot be written as a VALUE');
}

function valueElement(value: CimScalar): string {
  return `<VALUE>${escape(scalarText(value))}</VALUE>`;
}

export function encodeNamespace(namespace: string): string {
  const parts = namespace.split('/').filter(Boolean);
  return `<LOCALNAMESPACEPATH>${parts.map((p) => `<NAMESPACE${attr('NAME', p)}/>`).join('')}</LOCALNAMESPACEPATH>`;
}

function keyBinding(name: string, value: CimKeyValue): string {
  let inner: string;
  if (typeof value === 'object') inner = encodeReference(value);
  else if (typeof value === 'boolean') inner = `<KEYVALUE VALUETYPE="boolean">${value ? 'TRUE' : 'FALSE'}</KEYVALUE>`;
  else if (typeof value === 'number') inner = `<KEYVALUE VALUETYPE="numeric">${value}</KEYVALUE>`;
  else inner = `<KEYVALUE VALUETYPE="string">${escape(value)}</KEYVALUE>`;
  return `<KEYBINDING${attr('NAME', name)}>${inner}</KEYBINDING>`;
}

export function encodeInstanceName(name: CimInstanceName): string {
  const keys = Object.entries(name.keys).map(([key, value]) => keyBinding(key, value)).join('');
  return `<INSTANCENAME${attr('CLASSNAME', name.className)}>${keys}</INSTANCENAME>`;
}

/** The fullest path form the name allows: INSTANCEPATH (host), LOCALINSTANCEPATH (namespace) or INSTANCENAME. */
export function encodeReference(name: CimInstanceName): string {
  const instanceName = encodeInstanceName(name);
  if (name.host && name.namespace) {
    return `<VALUE.REFERENCE><INSTANCEPATH><NAMESPACEPATH><HOST>${escape(name.host)}</HOST>${encodeNamespace(name.namespace)}</NAMESPACEPATH>${instanceName}</INSTANCEPATH></VALUE.REFERENCE>`;
  }
  if (name.namespace) {
    return `<VALUE.REFERENCE><LOCALINSTANCEPATH>${encodeNamespace(name.namespace)}${instanceName}</LOCALINSTANCEPATH></VALUE.REFERENCE>`;
  }
  return `<VALUE.REFERENCE>${instanceName}</VALUE.REFERENCE>`;
}

function encodeInstancePath(name: CimInstanceName, fallbackNamespace: string): string {
  const host = name.host ?? 'localhost';
  return `<INSTANCEPATH><NAMESPACEPATH><HOST>${escape(host)}</HOST>${encodeNamespace(name.namespace ?? fallbackNamespace)}</NAMESPACEPATH>${encodeInstanceName(name)}</INSTANCEPATH>`;
}

/** VALUE, VALUE.ARRAY or VALUE.REFERENCE for a typed value; empty for NULL. */
function typedValueBody(value: CimTypedValue): string {
  if (value.value === null || value.value === undefined) return '';
  if (Array.isArray(value.value)) {
    const items = value.value as readonly CimScalar[];
    if (value.type === 'reference') return `<VALUE.REFARRAY>${items.map((v) => encodeReference(v as CimInstanceName)).join('')}</VALUE.REFARRAY>`;
    return `<VALUE.ARRAY>${items.map(valueElement).join('')}</VALUE.ARRAY>`;
  }
  if (value.type === 'reference') return encodeReference(value.value as CimInstanceName);
  return valueElement(value.value as CimScalar);
}

function embeddedAttr(value: CimTypedValue): string {
  return value.embeddedObject ? attr('EmbeddedObject', value.embeddedObject) : '';
}

function encodeProperty(property: CimProperty): string {
  const origin = (property.classOrigin ? attr('CLASSORIGIN', property.classOrigin) : '') + (property.propagated ? ' PROPAGATED="true"' : '');
  if (property.type === 'reference') {
    const refClass = property.referenceClass ? attr('REFERENCECLASS', property.referenceClass) : '';
    return `<PROPERTY.REFERENCE${attr('NAME', property.name)}${refClass}${origin}>${typedValueBody(property)}</PROPERTY.REFERENCE>`;
  }
  const type = property.embeddedObject ? 'string' : property.type;
  const element = property.isArray || Array.isArray(property.value) ? 'PROPERTY.ARRAY' : 'PROPERTY';
  return `<${element}${attr('NAME', property.name)}${attr('TYPE', type)}${embeddedAttr(property)}${origin}>${typedValueBody(property)}</${element}>`;
}

export function encodeInstance(instance: CimInstance): string {
  return `<INSTANCE${attr('CLASSNAME', instance.className)}>${Object.values(instance.properties).map(encodeProperty).join('')}</INSTANCE>`;
}

function qualifier(name: string, value: string | number | boolean | null): string {
  if (value === null) return `<QUALIFIER${attr('NAME', name)} TYPE="string"></QUALIFIER>`;
  const type = typeof value === 'boolean' ? 'boolean' : typeof value === 'number' ? 'sint32' : 'string';
  return `<QUALIFIER${attr('NAME', name)}${attr('TYPE', type)}>${valueElement(value)}</QUALIFIER>`;
}

function encodeClass(cimClass: CimClass): string {
  const properties = cimClass.properties.map((p) => {
    const key = p.isKey ? qualifier('Key', true) : '';
    if (p.type === 'reference') return `<PROPERTY.REFERENCE${attr('NAME', p.name)}${p.referenceClass ? attr('REFERENCECLASS', p.referenceClass) : ''}>${key}</PROPERTY.REFERENCE>`;
    const element = p.isArray ? 'PROPERTY.ARRAY' : 'PROPERTY';
    return `<${element}${attr('NAME', p.name)}${attr('TYPE', p.type)}>${key}</${element}>`;
  });
  const methods = cimClass.methods.map((m) => {
    const params = m.parameters.map((p) => {
      const qualifiers = Object.entries(p.qualifiers).map(([n, v]) => qualifier(n, v)).join('');
      const refClass = p.referenceClass ? attr('REFERENCECLASS', p.referenceClass) : '';
      if (p.type === 'reference') {
        const element = p.isArray ? 'PARAMETER.REFARRAY' : 'PARAMETER.REFERENCE';
        return `<${element}${attr('NAME', p.name)}${refClass}>${qualifiers}</${element}>`;
      }
      const element = p.isArray ? 'PARAMETER.ARRAY' : 'PARAMETER';
      return `<${element}${attr('NAME', p.name)}${attr('TYPE', p.type)}>${qualifiers}</${element}>`;
    });
    return `<METHOD${attr('NAME', m.name)}${attr('TYPE', m.returnType)}>${params.join('')}</METHOD>`;
  });
  const superClass = cimClass.superClass ? attr('SUPERCLASS', cimClass.superClass) : '';
  return `<CLASS${attr('NAME', cimClass.name)}${superClass}>${properties.join('')}${methods.join('')}</CLASS>`;
}

function envelope(messageId: string, body: string): string {
  return `${XML_DECLARATION}<CIM CIMVERSION="2.0" DTDVERSION="2.0"><MESSAGE${attr('ID', messageId)} PROTOCOLVERSION="1.0">${body}</MESSAGE></CIM>`;
}

const iparam = (name: string, body: string) => `<IPARAMVALUE${attr('NAME', name)}>${body}</IPARAMVALUE>`;
const iparamBool = (name: string, value: boolean | undefined) => (value === undefined ? '' : iparam(name, valueElement(value)));
const iparamClass = (name: string, value: string | undefined) => (value ? iparam(name, `<CLASSNAME${attr('NAME', value)}/>`) : '');

function retrievalParams(options: InstanceRetrievalOptions | undefined): string {
  if (!options) return '';
  const list = options.propertyList ? iparam('PropertyList', `<VALUE.ARRAY>${options.propertyList.map(valueElement).join('')}</VALUE.ARRAY>`) : '';
  return iparamBool('LocalOnly', options.localOnly) + iparamBool('IncludeQualifiers', options.includeQualifiers) + iparamBool('IncludeClassOrigin', options.includeClassOrigin) + list;
}

function filterParams(filter: AssociationFilter | undefined): string {
  if (!filter) return '';
  const text = (name: string, value: string | undefined) => (value ? iparam(name, valueElement(value)) : '');
  return iparamClass('AssocClass', filter.assocClass) + iparamClass('ResultClass', filter.resultClass) + text('Role', filter.role) + text('ResultRole', filter.resultRole);
}

function intrinsicParams(req: Exclude<CimRequest, { kind: 'InvokeMethod' }>): string {
  switch (req.kind) {
    case 'GetInstance':
      return iparam('InstanceName', encodeInstanceName(req.instanceName)) + retrievalParams(req.options);
    case 'EnumerateInstanceNames':
      return iparamClass('ClassName', req.className);
    case 'EnumerateInstances':
      return iparamClass('ClassName', req.className) + iparamBool('DeepInheritance', req.options?.deepInheritance) + retrievalParams(req.options);
    case 'AssociatorNames':
      return iparam('ObjectName', encodeInstanceName(req.objectName)) + filterParams(req.filter);
    case 'Associators':
      return iparam('ObjectName', encodeInstanceName(req.objectName)) + filterParams(req.filter) + retrievalParams(req.options);
    case 'GetClass':
      return iparamClass('ClassName', req.className) + iparamBool('LocalOnly', req.localOnly) + iparamBool('IncludeQualifiers', req.includeQualifiers);
  }
}

/** DSP0200 header encoding: percent-encode everything outside the unreserved set, keep '/' readable. */
function headerEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function encodeRequest(req: CimRequest, messageId: string): { body: string; headers: CimRequestHeaders } {
  if (req.kind === 'InvokeMethod') {
    if (!req.objectName.namespace) throw new Error(`InvokeMethod ${req.methodName}: the target object path needs a namespace`);
    const params = Object.entries(req.params)
      .map(([name, value]) => {
        if (value === null) return `<PARAMVALUE${attr('NAME', name)}/>`;
        const type = value.embeddedObject ? 'string' : value.type;
        return `<PARAMVALUE${attr('NAME', name)}${attr('PARAMTYPE', type)}${embeddedAttr(value)}>${typedValueBody(value)}</PARAMVALUE>`;
      })
      .join('');
    const target = `<LOCALINSTANCEPATH>${encodeNamespace(req.objectName.namespace)}${encodeInstanceName(req.objectName)}</LOCALINSTANCEPATH>`;
    return {
      body: envelope(messageId, `<SIMPLEREQ><METHODCALL${attr('NAME', req.methodName)}>${target}${params}</METHODCALL></SIMPLEREQ>`),
      headers: {
        CIMOperation: 'MethodCall',
        CIMMethod: headerEncode(req.methodName),
        CIMObject: headerEncode(formatObjectPath({ ...req.objectName, host: undefined })),
      },
    };
  }
  const call = `<IMETHODCALL${attr('NAME', req.kind)}>${encodeNamespace(req.namespace)}${intrinsicParams(req)}</IMETHODCALL>`;
  return {
    body: envelope(messageId, `<SIMPLEREQ>${call}</SIMPLEREQ>`),
    headers: { CIMOperation: 'MethodCall', CIMMethod: req.kind, CIMObject: headerEncode(req.namespace) },
  };
}

function resultBody(result: CimResult, namespace: string): string {
  switch (result.kind) {
    case 'GetInstance':
      return `<IRETURNVALUE>${encodeInstance(result.instance)}</IRETURNVALUE>`;
    case 'EnumerateInstanceNames':
      return `<IRETURNVALUE>${result.names.map(encodeInstanceName).join('')}</IRETURNVALUE>`;
    case 'EnumerateInstances':
      return `<IRETURNVALUE>${result.instances.map((i) => `<VALUE.NAMEDINSTANCE>${encodeInstanceName(requirePath(i))}${encodeInstance(i)}</VALUE.NAMEDINSTANCE>`).join('')}</IRETURNVALUE>`;
    case 'AssociatorNames':
      return `<IRETURNVALUE>${result.names.map((n) => `<OBJECTPATH>${encodeInstancePath(n, namespace)}</OBJECTPATH>`).join('')}</IRETURNVALUE>`;
    case 'Associators':
      return `<IRETURNVALUE>${result.instances.map((i) => `<VALUE.OBJECTWITHPATH>${encodeInstancePath(requirePath(i), namespace)}${encodeInstance(i)}</VALUE.OBJECTWITHPATH>`).join('')}</IRETURNVALUE>`;
    case 'GetClass':
      return `<IRETURNVALUE>${encodeClass(result.cimClass)}</IRETURNVALUE>`;
    case 'InvokeMethod': {
      const rv = result.result.returnValue;
      const out = Object.entries(result.result.outParams)
        .map(([name, value]) => `<PARAMVALUE${attr('NAME', name)}${attr('PARAMTYPE', value.type)}>${typedValueBody(value)}</PARAMVALUE>`)
        .join('');
      return `<RETURNVALUE${attr('PARAMTYPE', rv.type)}>${typedValueBody(rv)}</RETURNVALUE>${out}`;
    }
  }
}

function requirePath(instance: CimInstance): CimInstanceName {
  if (!instance.path) throw new Error(`instance of ${instance.className} has no path to return`);
  return instance.path;
}

/**
 * A full response document. `namespace` fills INSTANCEPATHs whose names carry none.
 */
export function encodeResponse(res: CimResponse, namespace = 'root/cimv2'): string {
  const kind = res.ok ? res.result.kind : res.kind;
  const extrinsic = kind === 'InvokeMethod';
  const name = extrinsic ? (res.ok && res.result.kind === 'InvokeMethod' ? res.result.methodName : (!res.ok && res.methodName) || 'InvokeMethod') : kind;
  const inner = res.ok
    ? resultBody(res.result, namespace)
    : `<ERROR${attr('CODE', String(res.error.code))}${res.error.description ? attr('DESCRIPTION', res.error.description) : ''}>${(res.error.instances ?? []).map(encodeInstance).join('')}</ERROR>`;
  const element = extrinsic ? 'METHODRESPONSE' : 'IMETHODRESPONSE';
  return envelope(res.messageId, `<SIMPLERSP><${element}${attr('NAME', name)}>${inner}</${element}></SIMPLERSP>`);
}
