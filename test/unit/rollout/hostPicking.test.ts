import { pickNextHosts, type PickLimits, type PickRow } from '../../../src/rollout/hostPicking';

const limits = (over: Partial<PickLimits> = {}): PickLimits => ({ count: 10, maxPerCluster: 0, maxPerVcenter: 0, now: 1_000, retryAt: new Map(), ...over });
const row = (host: string, over: Partial<PickRow> = {}): PickRow => ({ host, state: 'pending', ...over });

describe('pickNextHosts', () => {
  it('takes pending hosts in row order up to the count', () => {
    const rows = [row('a'), row('b', { state: 'succeeded' }), row('c'), row('d')];
    expect(pickNextHosts(rows, limits({ count: 2 }))).toEqual(['a', 'c']);
    expect(pickNextHosts(rows, limits({ count: 0 }))).toEqual([]);
  });

  it('takes a host waiting for a retry only once its time has come', () => {
    const rows = [row('a', { state: 'waiting-retry' }), row('b', { state: 'waiting-retry' })];
    const retryAt = new Map([['a', 500], ['b', 1_500]]);
    expect(pickNextHosts(rows, limits({ retryAt }))).toEqual(['a']);
    expect(pickNextHosts(rows, limits({ retryAt, now: 1_500 }))).toEqual(['a', 'b']);
  });

  it('keeps each cluster within its limit, counting the hosts already running', () => {
    const rows = [
      row('a1', { cluster: 'a', state: 'running' }), row('a2', { cluster: 'a' }), row('a3', { cluster: 'a' }),
      row('b1', { cluster: 'b' }), row('b2', { cluster: 'b' }), row('s1', { cluster: null }), row('s2', { cluster: null }),
    ];
    expect(pickNextHosts(rows, limits({ maxPerCluster: 1 }))).toEqual(['b1', 's1', 's2']);
    expect(pickNextHosts(rows, limits({ maxPerCluster: 2 }))).toEqual(['a2', 'b1', 'b2', 's1', 's2']);
    expect(pickNextHosts(rows, limits({ maxPerCluster: 0, count: 3 }))).toEqual(['a2', 'a3', 'b1']);
  });

  it('tells apart clusters of the same name in different vCenters', () => {
    const rows = [row('x1', { vcenter: 'vc1', cluster: 'gold' }), row('x2', { vcenter: 'vc1', cluster: 'gold' }), row('y1', { vcenter: 'vc2', cluster: 'gold' })];
    expect(pickNextHosts(rows, limits({ maxPerCluster: 1 }))).toEqual(['x1', 'y1']);
  });

  it('keeps each vCenter within its limit', () => {
    const rows = [
      row('a1', { vcenter: 'vc1', cluster: 'c1', state: 'running' }), row('a2', { vcenter: 'vc1', cluster: 'c2' }), row('a3', { vcenter: 'vc1', cluster: 'c3' }),
      row('b1', { vcenter: 'vc2', cluster: 'c1' }), row('b2', { vcenter: 'vc2', cluster: 'c2' }), row('b3', { vcenter: 'vc2', cluster: 'c3' }),
    ];
    expect(pickNextHosts(rows, limits({ maxPerVcenter: 2 }))).toEqual(['a2', 'b1', 'b2']);
    expect(pickNextHosts(rows, limits({ maxPerVcenter: 2, maxPerCluster: 1 }))).toEqual(['a2', 'b1', 'b2']);
    expect(pickNextHosts(rows, limits({ maxPerVcenter: 2, count: 1 }))).toEqual(['a2']);
  });

  it('spreads a canary batch over the vCenters, one of each in turn', () => {
    const rows = [row('a1', { vcenter: 'vc1' }), row('a2', { vcenter: 'vc1' }), row('a3', { vcenter: 'vc1' }), row('b1', { vcenter: 'vc2' }), row('c1', { vcenter: 'vc3' }), row('c2', { vcenter: 'vc3' })];
    expect(pickNextHosts(rows, limits({ count: 3, spreadOverVcenters: true }))).toEqual(['a1', 'b1', 'c1']);
    expect(pickNextHosts(rows, limits({ count: 5, spreadOverVcenters: true }))).toEqual(['a1', 'b1', 'c1', 'a2', 'c2']);
    expect(pickNextHosts(rows, limits({ count: 3 }))).toEqual(['a1', 'a2', 'a3']);
  });

  it('spreads within the limits: a full vCenter gives its turn to the next', () => {
    const rows = [row('a0', { vcenter: 'vc1', state: 'running' }), row('a1', { vcenter: 'vc1' }), row('b1', { vcenter: 'vc2' }), row('b2', { vcenter: 'vc2' })];
    expect(pickNextHosts(rows, limits({ count: 3, maxPerVcenter: 1, spreadOverVcenters: true }))).toEqual(['b1']);
  });
});
