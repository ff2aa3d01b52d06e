import { pageAfter } from '../../../src/inventory/fleetPages';
import { fleetFromVcenter as entriesFromVcenter, resolveSelection, UnknownSelection, type VcenterHostSource } from '../../../src/inventory/vcenterHosts';
import { makeHostCertificate } from '../../../src/simulator/certificates';
import type { HostSummary } from '../../../src/vsphere/model';

const vcenter = { url: 'https://vc01.lab/sdk', user: 'svc-vibflow@vsphere.local', credential: 'env:VC_PW' };

function summary(name: string, cluster: string | null, extra: Partial<HostSummary> = {}): HostSummary {
  return {
    ref: { type: 'HostSystem', value: `host-${name}` }, name, datacenter: 'dc-1', cluster, connectionState: 'connected', inMaintenanceMode: false,
    bootTime: '2026-11-01T00:00:00Z', powerState: 'poweredOn', rebootSupported: true, productVersion: '8.0.2', rebootRequired: false, certificatePem: null, ...extra,
  };
}

/** The whole selection as one page. */
const fleetFromVcenter = (...args: Parameters<typeof entriesFromVcenter>) => pageAfter(entriesFromVcenter(...args), null, 10_000);

const source = (extra: Partial<VcenterHostSource> = {}): VcenterHostSource => ({ vcenter, cimUrlTemplate: 'https://{name}:5989', overrides: [], ...extra });

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
    });
    expect(hosts[0].target.tls).toBeUndefined();
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
    expect(skipped).toEqual([{ name: 'esx-03', cluster: 'gold', reason: 'notResponding in vCenter' }]);
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
    expect(resolveSelection(all, source({ clusters: ['gold', 'silver'], hosts: ['esx-02'] }), notes)).toEqual({ clusters: ['Gold', 'silver'], hosts: ['ESX-02'], notes });
    expect(notes).toEqual([
      'cluster "gold" matched "Gold", its name in vCenter vc01.lab (the case differs)',
      'host "esx-02" matched "ESX-02", its name in vCenter vc01.lab (the case differs)',
    ]);
  });
});
