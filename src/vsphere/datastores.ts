/**
 * Datastores as vim25 data: what to read (every datacenter's datastores with their summary and
 * host mounts), how the answers decode, the datastore paths FileManager and the browser take,
 * and the /folder URL vCenter serves files at. Pure: the client does the calls.
 */
import type { DataObject, SoapField } from './envelope';
import type { DatastoreFile, DatastoreMount, DatastoreSummary, HostAcceptanceLevel, MoRef } from './model';
import type { ObjectContent, PropertyFilterSpec, TraversalSpec } from './propertyCollector';
import { isMoRef, list, readBoolean, readMoRef, readNumber, readObject, readString, VimValueError, type VimValue } from './values';

const FOLDER_CHILDREN = 'dsFolderChildren';
const DATACENTER_DATASTORES = 'datacenterDatastores';

export const DATASTORE_PATHS = ['summary.name', 'summary.url', 'summary.type', 'summary.capacity', 'summary.freeSpace', 'summary.accessible', 'host'] as const;

/** Every datacenter (name, datastore list) and every datastore, in one retrieval. */
export function datastoreFilter(rootFolder: MoRef): PropertyFilterSpec {
  const folderChildren: TraversalSpec = { name: FOLDER_CHILDREN, type: 'Folder', path: 'childEntity', skip: false, selectSet: [{ name: FOLDER_CHILDREN }, { name: DATACENTER_DATASTORES }] };
  const datacenterDatastores: TraversalSpec = { name: DATACENTER_DATASTORES, type: 'Datacenter', path: 'datastore', skip: false };
  return {
    propSet: [
      { type: 'Datacenter', pathSet: ['name', 'datastore'] },
      { type: 'Datastore', pathSet: [...DATASTORE_PATHS] },
    ],
    objectSet: [{ obj: rootFolder, skip: false, selectSet: [folderChildren, datacenterDatastores] }],
  };
}

function mountOf(value: VimValue): DatastoreMount {
  const mount = readObject(value, 'DatastoreHostMount');
  const info = readObject(mount.get('mountInfo'), 'DatastoreHostMount.mountInfo');
  const flag = (field: string) => {
    const v = info.get(field);
    return v === undefined ? true : readBoolean(v, `HostMountInfo.${field}`);
  };
  const accessMode = info.get('accessMode');
  return {
    host: readMoRef(mount.get('key'), 'DatastoreHostMount.key'),
    mounted: flag('mounted'),
    accessible: flag('accessible'),
    accessMode: typeof accessMode === 'string' ? accessMode : null,
  };
}

const optional = (value: VimValue | undefined): string | null => (typeof value === 'string' ? value : null);

/** The datastores of a datastoreFilter retrieval, each with its datacenter. */
export function datastoresOf(objects: readonly ObjectContent[]): DatastoreSummary[] {
  const datacenterOf = new Map<string, { name: string; ref: MoRef }>();
  for (const content of objects) {
    if (content.obj.type !== 'Datacenter') continue;
    const name = readString(content.properties.get('name'), `${content.obj.value} name`);
    for (const ds of list(content.properties.get('datastore'))) if (isMoRef(ds)) datacenterOf.set(ds.value, { name, ref: content.obj });
  }
  return objects
    .filter((content) => content.obj.type === 'Datastore')
    .map((content) => {
      const p = content.properties;
      const dc = datacenterOf.get(content.obj.value);
      if (!dc) throw new VimValueError(`datastore ${content.obj.value} is in no datacenter of the walk`);
      return {
        ref: content.obj,
        name: readString(p.get('summary.name'), `${content.obj.value} summary.name`),
        datacenter: dc.name,
        datacenterRef: dc.ref,
        url: optional(p.get('summary.url')),
        type: optional(p.get('summary.type')),
        capacityBytes: readNumber(p.get('summary.capacity'), `${content.obj.value} summary.capacity`),
        freeBytes: readNumber(p.get('summary.freeSpace'), `${content.obj.value} summary.freeSpace`),
        accessible: readBoolean(p.get('summary.accessible'), `${content.obj.value} summary.accessible`),
        hosts: list(p.get('host')).map(mountOf),
      };
    });
}

/** "[ds1] vibflow/ab12/drv.zip": how FileManager and the browser name a file. */
export function datastorePath(datastore: string, path: string): string {
  return `[${datastore}] ${path.replace(/^\/+/, '')}`;
}

/** Splits "[ds1] some/path" into the datastore and the path inside it. */
export function parseDatastorePath(value: string): { datastore: string; path: string } {
  const match = /^\[([^\]]+)\]\s*(.*)$/.exec(value);
  if (!match) throw new VimValueError(`"${value}" is not a datastore path ([datastore] path)`);
  return { datastore: match[1], path: match[2] };
}

/** vCenter's HTTP file endpoint for a file on a datastore. */
export function folderUrlPath(datacenter: string, datastore: string, path: string): string {
  const encoded = path.replace(/^\/+/, '').split('/').map(encodeURIComponent).join('/');
  return `/folder/${encoded}?dcPath=${encodeURIComponent(datacenter)}&dsName=${encodeURIComponent(datastore)}`;
}

/** HostDatastoreBrowserSearchSpec asking for sizes and times of files matching `pattern`. */
export function searchSpec(pattern: string): DataObject {
  return {
    vimType: 'HostDatastoreBrowserSearchSpec',
    fields: [
      ['details', { vimType: 'FileQueryFlags', fields: [['fileType', true], ['fileSize', true], ['modification', true], ['fileOwner', false]] }],
      ['matchPattern', [pattern]],
    ] satisfies SoapField[],
  };
}

/** "[ds] a/b" -> "[ds] a/b/", "[ds]" -> "[ds] ": what a file name is appended to. */
function folderBase(folderPath: string): string {
  if (folderPath.endsWith(']')) return `${folderPath} `;
  return folderPath.endsWith('/') || folderPath.endsWith('] ') ? folderPath : `${folderPath}/`;
}

/** The files of a SearchDatastore(SubFolders)_Task result (one HostDatastoreBrowserSearchResults, or a list of them). */
export function searchResultFiles(result: VimValue | undefined): DatastoreFile[] {
  const files: DatastoreFile[] = [];
  for (const entry of list(result)) {
    const folder = readObject(entry, 'HostDatastoreBrowserSearchResults');
    const folderPath = readString(folder.get('folderPath'), 'HostDatastoreBrowserSearchResults.folderPath');
    for (const value of list(folder.get('file'))) {
      const file = readObject(value, 'FileInfo');
      // Folders come back too; only files have a size worth staging.
      if (file.vimType === 'FolderFileInfo') continue;
      const size = file.get('fileSize');
      const modified = file.get('modification');
      const name = readString(file.get('path'), 'FileInfo.path');
      files.push({
        datastorePath: `${folderBase(folderPath)}${name}`,
        sizeBytes: size === undefined ? null : readNumber(size, 'FileInfo.fileSize'),
        modified: typeof modified === 'string' ? modified : null,
      });
    }
  }
  return files;
}

const ACCEPTANCE_LEVELS: readonly HostAcceptanceLevel[] = ['vmware_certified', 'vmware_accepted', 'partner', 'community'];

/** HostImageConfigGetAcceptance's answer as a level; esxcli's spellings are taken too. */
export function acceptanceLevelOf(value: VimValue | undefined): HostAcceptanceLevel {
  const raw = readString(value, 'HostImageConfigGetAcceptance');
  const norm = raw.toLowerCase().replace(/[^a-z]/g, '');
  const aliases: Record<string, HostAcceptanceLevel> = {
    vmwarecertified: 'vmware_certified', certified: 'vmware_certified',
    vmwareaccepted: 'vmware_accepted', accepted: 'vmware_accepted',
    partner: 'partner', partnersupported: 'partner',
    community: 'community', communitysupported: 'community',
  };
  const level = aliases[norm];
  if (!level) throw new VimValueError(`HostImageConfigGetAcceptance answered "${raw}", not one of ${ACCEPTANCE_LEVELS.join(', ')}`);
  return level;
}

