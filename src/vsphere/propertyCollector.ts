/**
 * PropertyCollector specs and results as typed data: what to read (PropertyFilterSpec with
 * ObjectSpecs and TraversalSpecs) encoded in schema order, and RetrieveResult pages decoded.
 */
import type { DataObject, SoapField } from './envelope';
import type { MoRef } from './model';
import { list, readMoRef, readObject, readString, VimObject, type VimValue } from './values';

export interface PropertySpec {
  /** Managed object type; subtypes match too (ComputeResource covers ClusterComputeResource). */
  readonly type: string;
  readonly pathSet?: readonly string[];
  readonly all?: boolean;
}

/** A reference to a TraversalSpec defined elsewhere in the same ObjectSpec, by name. */
export interface SelectionSpec {
  readonly name: string;
}

/** Follow `path` of objects of `type` to reach more objects. */
export interface TraversalSpec {
  readonly name?: string;
  readonly type: string;
  readonly path: string;
  /** Whether the objects reached are left out of the results (they are still traversed). */
  readonly skip?: boolean;
  readonly selectSet?: readonly (SelectionSpec | TraversalSpec)[];
}

export interface ObjectSpec {
  readonly obj: MoRef;
  readonly skip?: boolean;
  readonly selectSet?: readonly (SelectionSpec | TraversalSpec)[];
}

export interface PropertyFilterSpec {
  readonly propSet: readonly PropertySpec[];
  readonly objectSet: readonly ObjectSpec[];
}

export interface MissingProperty {
  readonly path: string;
  /** Why it is missing, e.g. "InvalidProperty" or "NoPermission". */
  readonly faultType: string;
}

export interface ObjectContent {
  readonly obj: MoRef;
  /** Property values by path; a property the server has no value for is absent. */
  readonly properties: ReadonlyMap<string, VimValue>;
  readonly missing: readonly MissingProperty[];
}

export interface RetrieveResult {
  readonly objects: readonly ObjectContent[];
  /** Set when more pages wait: pass it to ContinueRetrievePropertiesEx. */
  readonly token: string | null;
}

function isTraversal(spec: SelectionSpec | TraversalSpec): spec is TraversalSpec {
  return 'path' in spec;
}

function selectionObject(spec: SelectionSpec | TraversalSpec): DataObject {
  if (!isTraversal(spec)) return { vimType: 'SelectionSpec', fields: [['name', spec.name]] };
  return {
    vimType: 'TraversalSpec',
    fields: [
      ['name', spec.name],
      ['type', spec.type],
      ['path', spec.path],
      ['skip', spec.skip],
      ['selectSet', spec.selectSet?.map(selectionObject)],
    ],
  };
}

function filterSpecObject(spec: PropertyFilterSpec): DataObject {
  return {
    vimType: 'PropertyFilterSpec',
    fields: [
      ['propSet', spec.propSet.map((p): DataObject => ({ vimType: 'PropertySpec', fields: [['type', p.type], ['all', p.all], ['pathSet', p.pathSet]] }))],
      ['objectSet', spec.objectSet.map((o): DataObject => ({ vimType: 'ObjectSpec', fields: [['obj', o.obj], ['skip', o.skip], ['selectSet', o.selectSet?.map(selectionObject)]] }))],
    ],
  };
}

/** RetrievePropertiesEx's arguments after _this. */
export function retrieveArguments(specSet: readonly PropertyFilterSpec[], maxObjects: number | undefined): SoapField[] {
  return [
    ['specSet', specSet.map(filterSpecObject)],
    ['options', { vimType: 'RetrieveOptions', fields: [['maxObjects', maxObjects]] }],
  ];
}

function objectContent(value: VimValue): ObjectContent {
  const content = readObject(value, 'ObjectContent');
  const properties = new Map<string, VimValue>();
  for (const property of list(content.get('propSet'))) {
    const dynamic = readObject(property, 'DynamicProperty');
    const val = dynamic.get('val');
    if (val !== undefined) properties.set(readString(dynamic.get('name'), 'DynamicProperty.name'), val);
  }
  const missing = list(content.get('missingSet')).map((entry): MissingProperty => {
    const missingProperty = readObject(entry, 'MissingProperty');
    const fault = missingProperty.get('fault');
    const cause = fault instanceof VimObject ? fault.get('fault') : undefined;
    return { path: readString(missingProperty.get('path'), 'MissingProperty.path'), faultType: cause instanceof VimObject ? (cause.vimType ?? 'unknown') : 'unknown' };
  });
  return { obj: readMoRef(content.get('obj'), 'ObjectContent.obj'), properties, missing };
}

/** A RetrieveResult; when nothing matched vCenter sends no returnval at all, vcsim an empty one. */
export function decodeRetrieveResult(value: VimValue | undefined): RetrieveResult {
  if (value === undefined || value === '') return { objects: [], token: null };
  const result = readObject(value, 'RetrieveResult');
  const token = result.get('token');
  return { objects: list(result.get('objects')).map(objectContent), token: typeof token === 'string' && token !== '' ? token : null };
}
