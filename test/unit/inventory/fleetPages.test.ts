import { fileEntries, pageAfter, sortEntries, type FleetEntry } from '../../../src/inventory/fleetPages';
import { UnknownSelection } from '../../../src/inventory/selection';

const host = (name: string, cluster: string | null = null): FleetEntry => ({ host: { target: { name, url: `https://${name}:5989`, user: 'root', credential: 'env:PW' }, hostRef: '', cluster } });
const names = (page: ReturnType<typeof pageAfter>) => [...page.hosts.map((h) => h.target.name), ...page.skipped.map((s) => `(${s.name})`)];

describe('paging through a fleet', () => {
  const fleet = sortEntries([host('esx-3', 'b'), host('esx-1', 'a'), { skipped: { name: 'esx-2', cluster: 'a', reason: 'notResponding in vCenter' } }, host('esx-4', 'b')]);

  it('hands out every host once, in cluster and name order, a page at a time', () => {
    const first = pageAfter(fleet, null, 2);
    expect(names(first)).toEqual(['esx-1', '(esx-2)']);
    expect(first).toMatchObject({ more: true, total: 4 });
    const second = pageAfter(fleet, first.cursor, 2);
    expect(names(second)).toEqual(['esx-3', 'esx-4']);
    expect(second.more).toBe(false);
    expect(pageAfter(fleet, second.cursor, 2)).toMatchObject({ hosts: [], skipped: [], more: false, cursor: second.cursor });
  });

  it('neither repeats nor loses a host when the source changes between pages', () => {
    const first = pageAfter(fleet, null, 2);
    // A host appears before the cursor and one after it; one after it disappears.
    const changed = sortEntries([host('esx-0', 'a'), ...fleet.filter((e) => !('host' in e && e.host.target.name === 'esx-3')), host('esx-5', 'b')]);
    expect(names(pageAfter(changed, first.cursor, 10))).toEqual(['esx-4', 'esx-5']);
  });

  it('selects hosts of an inventory file by name, refusing unknown ones', () => {
    const inventory = { version: 1 as const, hosts: ['esx-b', 'esx-a', 'esx-c'].map((name) => ({ name, url: `https://${name}:5989`, user: 'root', credential: 'env:PW' })) };
    expect(fileEntries(inventory, undefined, '/inv.json').map((e) => ('host' in e ? e.host.target.name : ''))).toEqual(['esx-a', 'esx-b', 'esx-c']);
    expect(fileEntries(inventory, ['ESX-C', 'esx-a'], '/inv.json')).toHaveLength(2);
    expect(() => fileEntries(inventory, ['esx-z'], '/inv.json')).toThrow(new UnknownSelection('host "esx-z" not in the inventory /inv.json (3 hosts)'));
  });
});
