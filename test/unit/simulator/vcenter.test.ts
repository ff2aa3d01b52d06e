/** How the simulated vCenter lays the CIM fleet out, and the inventory that names it. */
import { isVcenterInventory, parseInventory } from '../../../src/inventory/inventory';
import { clusterLayout, vcenterInventory, vcenterSpec } from '../../../src/simulator/vcenter';

const hosts = Array.from({ length: 7 }, (_, i) => ({ name: `esx-00${i + 1}`, url: `https://127.20.0.${i + 1}:5989` }));

describe('simulated vCenter layout', () => {
  test('hosts fill clusters in order, the first clusters taking one more when they do not divide evenly', () => {
    expect(clusterLayout(hosts.slice(0, 6), 2).map((c) => c.map((h) => h.name))).toEqual([['esx-001', 'esx-002', 'esx-003'], ['esx-004', 'esx-005', 'esx-006']]);
    expect(clusterLayout(hosts, 3).map((c) => c.length)).toEqual([3, 2, 2]);
    expect(clusterLayout(hosts, 1)).toEqual([hosts]);
  });

  test('the spec names clusters cluster-1.., carries each host\'s CIM URL, certificate and fault', () => {
    const spec = vcenterSpec([{ ...hosts[0], certificatePem: 'PEM' }, hosts[1]], { clusters: 2, faults: { 'esx-002': 'never-back' } });
    expect(spec).toEqual({
      datacenter: 'dc-1',
      clusters: [
        { name: 'cluster-1', hosts: [{ name: 'esx-001', cimUrl: hosts[0].url, certificatePem: 'PEM' }] },
        { name: 'cluster-2', hosts: [{ name: 'esx-002', cimUrl: hosts[1].url, fault: 'never-back' }] },
      ],
    });
  });

  test('the inventory is a valid vCenter inventory whose hosts only give their CIM URL', () => {
    const vcenter = { url: 'https://127.0.0.1:8989/sdk', user: 'administrator@vsphere.local', credential: 'env:VC_PASSWORD', thumbprint: 'AB:'.repeat(31) + 'AB', controlUrl: 'http://127.0.0.1:9000' };
    const inventory = vcenterInventory(vcenter, [hosts[0], { name: 'esx-plain', url: 'http://127.20.0.9:5988' }], 'http://127.0.0.1:9001');
    const parsed = parseInventory(JSON.parse(JSON.stringify(inventory)), 'inventory');
    expect(isVcenterInventory(parsed)).toBe(true);
    expect(parsed).toEqual(inventory);
    expect(inventory.hosts).toEqual([{ name: 'esx-001', url: hosts[0].url }, { name: 'esx-plain', url: 'http://127.20.0.9:5988', allowHttp: true }]);
  });
});
