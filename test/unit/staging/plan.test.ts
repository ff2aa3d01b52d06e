import { chooseDatastores, copyForHost, noCopyReason } from '../../../src/staging/plan';
import type { DatastoreSummary } from '../../../src/vsphere/model';

const MB = 1024 * 1024;
const ds = (name: string, hosts: string[], options: Partial<Pick<DatastoreSummary, 'freeBytes' | 'accessible'>> & { inaccessibleOn?: string[] } = {}): DatastoreSummary => ({
  ref: { type: 'Datastore', value: `ds-${name}` },
  name,
  datacenter: 'DC0',
  datacenterRef: { type: 'Datacenter', value: 'dc-1' },
  url: `ds:///vmfs/volumes/${name}/`,
  type: 'VMFS',
  capacityBytes: 1000 * MB,
  freeBytes: options.freeBytes ?? 500 * MB,
  accessible: options.accessible ?? true,
  hosts: hosts.map((h) => ({ host: { type: 'HostSystem', value: h }, mounted: true, accessible: !(options.inaccessibleOn ?? []).includes(h), accessMode: 'readWrite' })),
});
const host = (n: number) => ({ name: `esx-${n}`, hostRef: `host-${n}` });

describe('chooseDatastores', () => {
  it('stages one copy on the datastore every host shares', () => {
    const choice = chooseDatastores([host(1), host(2), host(3)], [ds('local-1', ['host-1']), ds('shared', ['host-1', 'host-2', 'host-3'])], { sizeBytes: 10 * MB });
    expect(choice.datastores.map((c) => [c.datastore.name, c.hosts])).toEqual([['shared', ['esx-1', 'esx-2', 'esx-3']]]);
    expect(choice.blocked).toEqual([]);
  });

  it('adds a copy for a host that does not mount the shared datastore, and blocks one that mounts none', () => {
    const choice = chooseDatastores([host(1), host(2), host(3), host(4)], [ds('shared', ['host-1', 'host-2']), ds('local-3', ['host-3'])], { sizeBytes: 10 * MB });
    expect(choice.datastores.map((c) => c.datastore.name)).toEqual(['shared', 'local-3']);
    expect(choice.blocked).toEqual([{ host: 'esx-4', reason: 'esx-4 mounts no datastore: mount one on it in vCenter, or stage the bundle by hand and give --uri' }]);
  });

  it('skips a full datastore and says so for a host that has nothing else', () => {
    const choice = chooseDatastores([host(1), host(2)], [ds('full', ['host-1', 'host-2'], { freeBytes: 1 * MB }), ds('local-2', ['host-2'])], { sizeBytes: 10 * MB });
    expect(choice.datastores.map((c) => c.datastore.name)).toEqual(['local-2']);
    expect(choice.blocked[0]).toEqual({ host: 'esx-1', reason: 'esx-1 mounts no datastore the bundle can be staged on (full: full (1.0 MB free, the bundle needs 10.0 MB)): free 10.0 MB on one of them' });
  });

  it('counts a full datastore that already holds the copy', () => {
    const choice = chooseDatastores([host(1)], [ds('full', ['host-1'], { freeBytes: 0 })], { sizeBytes: 10 * MB, alreadyStaged: new Set(['full']) });
    expect(choice.datastores.map((c) => c.datastore.name)).toEqual(['full']);
  });

  it('leaves out a datastore a host mounts but cannot access', () => {
    const choice = chooseDatastores([host(1), host(2)], [ds('shared', ['host-1', 'host-2'], { inaccessibleOn: ['host-2'] })], { sizeBytes: 1 });
    expect(choice.datastores[0].hosts).toEqual(['esx-1']);
    expect(choice.blocked[0].reason).toBe('esx-2 mounts no datastore the bundle can be staged on (shared: not accessible): bring the datastore back online for the host in vCenter');
  });

  it('takes only the datastore named with --datastore', () => {
    const stores = [ds('shared', ['host-1', 'host-2']), ds('other', ['host-1'])];
    const choice = chooseDatastores([host(1), host(2)], stores, { sizeBytes: 1, datastore: 'other' });
    expect(choice.datastores.map((c) => [c.datastore.name, c.hosts])).toEqual([['other', ['esx-1']]]);
    expect(choice.blocked).toEqual([{ host: 'esx-2', reason: 'esx-2 does not mount datastore other (--datastore); it mounts shared: give --datastore one of those, or leave --datastore out' }]);
    expect(chooseDatastores([host(1)], stores, { sizeBytes: 1, datastore: 'nope' }).blocked[0].reason).toBe('no datastore named nope in its vCenter (--datastore)');
  });

  it('prefers, among equals, the datastore that already holds the copy, then the roomiest', () => {
    const stores = [ds('a', ['host-1'], { freeBytes: 100 * MB }), ds('b', ['host-1'], { freeBytes: 900 * MB }), ds('c', ['host-1'], { freeBytes: 50 * MB })];
    expect(chooseDatastores([host(1)], stores, { sizeBytes: 1 }).datastores[0].datastore.name).toBe('b');
    expect(chooseDatastores([host(1)], stores, { sizeBytes: 1, alreadyStaged: new Set(['c']) }).datastores[0].datastore.name).toBe('c');
  });

  it('covers a fleet with the fewest copies the greedy choice finds', () => {
    const hosts = Array.from({ length: 10 }, (_, i) => host(i));
    const stores = [
      ds('rack-a', hosts.slice(0, 6).map((h) => h.hostRef)),
      ds('rack-b', hosts.slice(5).map((h) => h.hostRef)),
      ...hosts.map((h) => ds(`local-${h.hostRef}`, [h.hostRef])),
    ];
    const choice = chooseDatastores(hosts, stores, { sizeBytes: 1 });
    expect(choice.datastores.map((c) => [c.datastore.name, c.hosts.length])).toEqual([['rack-a', 6], ['rack-b', 4]]);
  });
});

describe('copyForHost', () => {
  it('gives the first copy on a datastore the host mounts and can access', () => {
    const stores = [ds('shared', ['host-1'], { inaccessibleOn: ['host-1'] }), ds('local-1', ['host-1'])];
    const copies = [{ datastore: 'shared' }, { datastore: 'local-1' }];
    expect(copyForHost('host-1', copies, stores)).toEqual({ datastore: 'local-1' });
    expect(copyForHost('host-9', copies, stores)).toBeUndefined();
  });
});

describe('noCopyReason', () => {
  it('says, at the host\'s turn, what it mounts and why none of it holds a copy', () => {
    const datastores = [ds('shared', ['host-1']), ds('full', ['host-2'], { freeBytes: 1 * MB }), ds('lost', ['host-2'], { inaccessibleOn: ['host-2'] })];
    expect(noCopyReason(host(2), datastores, 10 * MB)).toBe('esx-2 mounts no datastore the bundle can be staged on (full: full (1.0 MB free, the bundle needs 10.0 MB); lost: not accessible): free 10.0 MB on one of them, or bring the datastore back online for the host in vCenter');
    expect(noCopyReason(host(3), datastores, 10 * MB)).toBe('esx-3 mounts no datastore: mount one on it in vCenter, or stage the bundle by hand and give --uri');
  });
});
