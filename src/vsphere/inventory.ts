/**
 * The inventory walk: from the root folder through datacenters and their host folders to
 * compute resources (clusters and standalone hosts) and their hosts, in one paged property
 * retrieval. Each object brings its parent, so a host's cluster and datacenter are found by
 * walking up, whatever folders sit in between.
 */
import { certificatePemOf, HOST_CERTIFICATE_PATH, HOST_STATE_PATHS, hostStateOf } from './hosts';
import type { ClusterSummary, HostSummary, MoRef } from './model';
import type { ObjectContent, PropertyFilterSpec, TraversalSpec } from './propertyCollector';
import { readMoRef, readString, VimValueError } from './values';

const FOLDER_CHILDREN = 'folderChildren';
const DATACENTER_HOST_FOLDER = 'datacenterHostFolder';
const COMPUTE_RESOURCE_HOSTS = 'computeResourceHosts';
/** Folders nest, but not without end: a longer parent chain means the answer is inconsistent. */
const MAX_PARENT_DEPTH = 64;

/** What to read from the whole inventory: with hosts for listHosts, without for listClusters. */
export function inventoryFilter(rootFolder: MoRef, withHosts: boolean): PropertyFilterSpec {
  const folderChildren: TraversalSpec = {
    name: FOLDER_CHILDREN,
    type: 'Folder',
    path: 'childEntity',
    skip: false,
    selectSet: [{ name: FOLDER_CHILDREN }, { name: DATACENTER_HOST_FOLDER }, ...(withHosts ? [{ name: COMPUTE_RESOURCE_HOSTS }] : [])],
  };
  const datacenterHostFolder: TraversalSpec = { name: DATACENTER_HOST_FOLDER, type: 'Datacenter', path: 'hostFolder', skip: false, selectSet: [{ name: FOLDER_CHILDREN }] };
  const computeResourceHosts: TraversalSpec = { name: COMPUTE_RESOURCE_HOSTS, type: 'ComputeResource', path: 'host', skip: false };
  return {
    propSet: [
      { type: 'Datacenter', pathSet: ['name'] },
      { type: 'Folder', pathSet: ['parent'] },
      { type: 'ComputeResource', pathSet: ['name', 'parent'] },
      ...(withHosts ? [{ type: 'HostSystem', pathSet: ['parent', ...HOST_STATE_PATHS, HOST_CERTIFICATE_PATH] }] : []),
    ],
    objectSet: [{ obj: rootFolder, skip: false, selectSet: [folderChildren, datacenterHostFolder, ...(withHosts ? [computeResourceHosts] : [])] }],
  };
}

const key = (ref: MoRef) => `${ref.type}:${ref.value}`;

/** The walked objects, indexed, with the questions listHosts and listClusters ask of them. */
export class Inventory {
  private readonly byRef = new Map<string, ObjectContent>();

  constructor(readonly objects: readonly ObjectContent[]) {
    for (const content of objects) this.byRef.set(key(content.obj), content);
  }

  private name(content: ObjectContent): string {
    return readString(content.properties.get('name'), `${content.obj.value} name`);
  }

  private parentOf(content: ObjectContent): ObjectContent {
    const ref = readMoRef(content.properties.get('parent'), `${content.obj.value} parent`);
    const parent = this.byRef.get(key(ref));
    if (!parent) throw new VimValueError(`${content.obj.value}'s parent ${ref.type} ${ref.value} was not in the inventory walk`);
    return parent;
  }

  private datacenterOf(content: ObjectContent): string {
    let current = content;
    for (let depth = 0; depth < MAX_PARENT_DEPTH; depth++) {
      current = this.parentOf(current);
      if (current.obj.type === 'Datacenter') return this.name(current);
    }
    throw new VimValueError(`no datacenter above ${content.obj.value} within ${MAX_PARENT_DEPTH} levels`);
  }

  clusters(): ClusterSummary[] {
    return this.objects
      .filter((content) => content.obj.type === 'ClusterComputeResource')
      .map((content) => ({ ref: content.obj, name: this.name(content), datacenter: this.datacenterOf(content) }));
  }

  hosts(): HostSummary[] {
    return this.objects
      .filter((content) => content.obj.type === 'HostSystem')
      .map((content) => {
        const computeResource = this.parentOf(content);
        return {
          ...hostStateOf(content),
          datacenter: this.datacenterOf(computeResource),
          cluster: computeResource.obj.type === 'ClusterComputeResource' ? this.name(computeResource) : null,
          certificatePem: certificatePemOf(content),
        };
      });
  }
}
