import { pageAfter } from '../../../src/inventory/fleetPages';
import { X509Certificate } from 'node:crypto';
import { fleetFromVcenters, resolveSelection, sha256Thumbprint, UnknownSelection, type VcenterListing, type VcentersHostSource } from '../../../src/inventory/vcenterHosts';
import { makeHostCertificate } from '../../../src/simulator/certificates';
import type { HostSummary } from '../../../src/vsphere/model';

const vcenter = { url: 'https://vc01.lab/sdk', user: 'svc-vibflow@vsphere.local', credential: 'env:VC_PW' };

function summary(name: string, cluster: string | null, extra: Partial<HostSummary> = {}): HostSummary {
  return {
    ref: { type: 'HostSystem', value: `host-${name}` }, name, datacenter: 'dc-1', cluster, connectionState: 'connected', inMaintenanceMode: false,
    bootTime: '2026-11-01T00:00:00Z', powerState: 'poweredOn', rebootSupported: true, productVersion: '8.0.2', rebootRequired: false, certificatePem: null, ...extra,
  };
}

type Selection = Omit<VcentersHostSource, 'vcenters'> & { overrides?: VcentersHostSource['vcenters'][number]['overrides'] };

/** One vCenter, vc01.lab, with these hosts and this selection. */
const source = ({ overrides = [], ...selection }: Selection = {}): VcentersHostSource => ({
  vcenters: [{ name: 'vc01.lab', vcenter, cimUrlTemplate: 'https://{name}:5989', overrides }], ...selection,
});
const listing = (summaries: HostSummary[], name = 'vc01.lab'): VcenterListing[] => [{ name, summaries }];

/** The whole selection of one vCenter as one page. */
const fleetFromVcenter = (summaries: HostSummary[], from: VcentersHostSource) => pageAfter(fleetFromVcenters(listing(summaries), from), null, 10_000);

describe('hosts of a vCenter inventory', () => {
  it('reaches each host by its vCenter name with a CIM ticket, pinning the certificate vCenter knows for it', async () => {
    const cert = await makeHostCertificate('esx-b.lab', '127.0.0.1');
    const { hosts, skipped } = fleetFromVcenter([summary('esx-b.lab', 'gold', { certificatePem: cert.certPem }), summary('esx-a.lab', 'gold')], source());
    expect(skipped).toEqual([]);
    expect(hosts.map((h) => h.target.name)).toEqual(['esx-a.lab', 'esx-b.lab']);
    expect(hosts[1]).toEqual({
      target: { name: 'esx-b.lab', url: 'https://esx-b.lab:5989', cimTicket: { vcenter, hostRef: 'host-esx-b.lab' }, tls: { thumbprint: cert.thumbprint } },
      hostRef: 'host-esx-b.lab',
      cluster: 'gold',
      vcenter: 'vc01.lab',
    });
    expect(hosts[0].target.tls).toBeUndefined();
  });

  it("pins the SHA-256 of the certificate's DER as Node's X509Certificate reports it, and nothing for what is no certificate", async () => {
    const [a, b] = await Promise.all([makeHostCertificate('esx-a.lab', '127.0.0.1'), makeHostCertificate('esx-b.lab', '127.0.0.2')]);
    expect(sha256Thumbprint(a.certPem)).toBe(new X509Certificate(a.certPem).fingerprint256);
    expect(sha256Thumbprint(a.certPem)).toBe(a.thumbprint);
    // A chain pins its first certificate; CRLF line ends and text around the block change nothing.
    expect(sha256Thumbprint(`subject=esx-a\r\n${a.certPem}${b.certPem}`.replace(/\n/g, '\r\n'))).toBe(a.thumbprint);
    const body = a.certPem.split('\n').slice(1, -2).join('');
    expect(sha256Thumbprint('not a certificate')).toBeUndefined();
    expect(sha256Thumbprint(`-----BEGIN CERTIFICATE-----\n${body.slice(0, 40)}\n-----END CERTIFICATE-----\n`)).toBeUndefined();
    expect(sha256Thumbprint(`-----BEGIN CERTIFICATE-----\n${Buffer.from('hello world').toString('base64')}\n-----END CERTIFICATE-----\n`)).toBeUndefined();
    expect(sha256Thumbprint(a.keyPem)).toBeUndefined();
  });

  it('takes a per-host override of the URL, TLS and credential', () => {
    const { hosts } = fleetFromVcenter([summary('esx-01', 'gold')], source({
      overrides: [{ name: 'ESX-01', url: 'https://10.0.0.1:5989', user: 'root', credential: 'env:ROOT_PW', tls: { insecure: true } }],
    }));
    expect(hosts[0].target).toEqual({ name: 'esx-01', url: 'https://10.0.0.1:5989', user: 'root', credential: 'env:ROOT_PW', tls: { insecure: true } });
  });

  it('selects clusters and hosts by their exact names, and skips hosts vCenter cannot reach with the reason', () => {
    const all = [summary('esx-01', 'gold'), summary('esx-02', 'silver'), summary('esx-03', 'gold', { connectionState: 'notResponding' }), summary('esx-04', null)];
    const { hosts, skipped } = fleetFromVcenter(all, source({ clusters: ['gold'] }));
    expect(hosts.map((h) => h.target.name)).toEqual(['esx-01']);
    expect(skipped).toEqual([{ name: 'esx-03', cluster: 'gold', vcenter: 'vc01.lab', reason: 'notResponding in vCenter vc01.lab' }]);
    expect(fleetFromVcenter(all, source({ hosts: ['esx-02', 'esx-04'] })).hosts.map((h) => [h.target.name, h.cluster])).toEqual([['esx-04', null], ['esx-02', 'silver']]);
  });

  it('refuses a cluster or host vCenter does not have, listing the real ones', () => {
    const all = [summary('esx-01', 'gold'), summary('esx-02', 'silver')];
    expect(() => fleetFromVcenter(all, source({ clusters: ['gold', 'bronze'] }))).toThrow(new UnknownSelection('cluster "bronze" does not exist in vCenter vc01.lab; its clusters: gold, silver'));
    expect(() => fleetFromVcenter(all, source({ clusters: ['gold'], hosts: ['esx-02'] }))).toThrow('host "esx-02" does not exist in vCenter vc01.lab; its hosts: esx-01');
  });

  it('takes a name that differs only in case as vCenter spells it when asked to say so (the CLI), and refuses it otherwise', () => {
    const all = [summary('esx-01', 'Gold'), summary('ESX-02', 'silver')];
    expect(() => fleetFromVcenter(all, source({ clusters: ['gold'] }))).toThrow('cluster "gold" (did you mean "Gold"?) does not exist in vCenter vc01.lab; its clusters: Gold, silver');
    const notes: string[] = [];
    expect(resolveSelection(listing(all), source({ clusters: ['gold', 'silver'], hosts: ['esx-02'] }), notes)).toEqual({
      clusters: [{ vcenter: 'vc01.lab', name: 'Gold' }, { vcenter: 'vc01.lab', name: 'silver' }], hosts: [{ vcenter: 'vc01.lab', name: 'ESX-02' }], notes,
    });
    expect(notes).toEqual([
      'cluster "gold" matched "Gold", its name in vCenter vc01.lab (the case differs)',
      'host "esx-02" matched "ESX-02", its name in vCenter vc01.lab (the case differs)',
    ]);
  });
});

describe('hosts of several vCenters', () => {
  const several = (selection: Omit<VcentersHostSource, 'vcenters'> = {}): VcentersHostSource => ({
    vcenters: ['vc-a', 'vc-b', 'vc-c'].map((name) => ({ name, vcenter: { ...vcenter, url: `https://${name}.lab/sdk` }, cimUrlTemplate: 'https://{name}:5989', overrides: name === 'vc-c' ? [{ name: 'esx-09' }, { name: 'esx-10' }] : [] })),
    ...selection,
  });
  const listings: VcenterListing[] = [
    { name: 'vc-a', summaries: [summary('esx-01', 'gold'), summary('esx-02', 'silver')] },
    { name: 'vc-b', summaries: [summary('esx-01', 'gold'), summary('esx-03', 'bronze')] },
  ];

  it('names a host VCENTER/HOST where its name is in more than one vCenter, plain otherwise, and its ticket comes from its own vCenter', () => {
    const { hosts } = pageAfter(fleetFromVcenters(listings, several()), null, 100);
    expect(hosts.map((h) => [h.target.name, h.vcenter, h.cluster])).toEqual([
      ['vc-a/esx-01', 'vc-a', 'gold'], ['esx-02', 'vc-a', 'silver'], ['esx-03', 'vc-b', 'bronze'], ['vc-b/esx-01', 'vc-b', 'gold'],
    ]);
    // The CIM URL is the host's own name in its vCenter; its ticket comes from that vCenter.
    expect(hosts[3].target).toMatchObject({ url: 'https://esx-01:5989', cimTicket: { vcenter: { url: 'https://vc-b.lab/sdk' }, hostRef: 'host-esx-01' } });
  });

  it('skips the hosts of a vCenter that could not be read with the reason, by the names the inventory lists', () => {
    const { skipped } = pageAfter(fleetFromVcenters([...listings, { name: 'vc-c', unreadable: 'Login on vc-c.lab failed: refused' }], several()), null, 100);
    expect(skipped).toEqual(['esx-09', 'esx-10'].map((name) => ({ name: `vc-c/${name}`, vcenter: 'vc-c', reason: 'vCenter vc-c could not be read: Login on vc-c.lab failed: refused' })));
  });

  it('takes VCENTER/CLUSTER, or a cluster name only one vCenter has, and refuses one several have', () => {
    const names = (selection: Omit<VcentersHostSource, 'vcenters'>) => pageAfter(fleetFromVcenters(listings, several(selection)), null, 100).hosts.map((h) => h.target.name);
    expect(names({ clusters: ['vc-b/gold'] })).toEqual(['vc-b/esx-01']);
    expect(names({ clusters: ['silver', 'bronze'] })).toEqual(['esx-02', 'esx-03']);
    expect(names({ hosts: ['vc-a/esx-01', 'esx-03'] })).toEqual(['vc-a/esx-01', 'esx-03']);
    expect(() => names({ clusters: ['gold'] })).toThrow('cluster "gold" is in 2 vCenters (vc-a, vc-b): name one, e.g. vc-a/gold');
    expect(() => names({ hosts: ['esx-01'] })).toThrow('host "esx-01" is in 2 vCenters (vc-a, vc-b): name one, e.g. vc-a/esx-01');
    expect(() => names({ clusters: ['vc-a/bronze'] })).toThrow('cluster "vc-a/bronze" does not exist in vCenter vc-a; its clusters: gold, silver');
    expect(() => names({ clusters: ['platinum'] })).toThrow('cluster "platinum" does not exist in vCenters vc-a, vc-b; clusters: vc-a/gold, vc-a/silver, vc-b/bronze, vc-b/gold');
  });

  it('does not refuse a name a vCenter that could not be read may have', () => {
    const withUnreadable = [...listings, { name: 'vc-c', unreadable: 'timed out' }];
    expect(pageAfter(fleetFromVcenters(withUnreadable, several({ clusters: ['platinum'] })), null, 100).hosts).toEqual([]);
    expect(resolveSelection(withUnreadable, { clusters: ['vc-c/gold', 'silver'] })).toEqual({ clusters: [{ vcenter: 'vc-a', name: 'silver' }], notes: [] });
  });
});
