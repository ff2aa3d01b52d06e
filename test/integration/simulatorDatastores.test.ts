/**
 * The simulated vCenter's datastores and acceptance levels, and the simulated hosts reading what
 * was put there: a bundle uploaded through vCenter's /folder endpoint (by VMware's govc, an
 * independent client, and by the project's vSphere client) is the file a host installs, and the
 * host installs what the bundle holds. Checked with govc, the project's vSphere client and CIM.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CimClient } from '../../src/cim/client';
import { discoverHost } from '../../src/esxi/discovery';
import { interpretJob } from '../../src/esxi/job';
import { startInstall } from '../../src/esxi/install';
import { snapshotSoftware } from '../../src/esxi/software';
import { startSimulator, type Simulator } from '../../src/simulator';
import { writeBundle } from '../../src/simulator/bundleBuilder';
import { VsphereClient } from '../../src/vsphere/client';
import { govcFor, type GovcTarget } from '../support/govc';
import { waitFor } from '../support/waitFor';

jest.setTimeout(120_000);

async function secretOf(reference: string): Promise<string> {
  if (!reference.startsWith('file:')) throw new Error(`unexpected credential reference ${reference}`);
  return (await readFile(reference.slice('file:'.length), 'utf8')).trim();
}

describe('datastores and acceptance levels of the simulated vCenter, read by the simulated hosts', () => {
  let simulator: Simulator;
  let workDir: string;
  let vsphere: VsphereClient;
  let govc: GovcTarget;
  const clients: CimClient[] = [];

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-datastores-'));
    simulator = await startSimulator({
      hosts: 4,
      basePort: 0,
      addressBase: '127.74.0.1',
      installSeconds: 1,
      // esx-004 does not mount shared; esx-003 mounts it but lost its path; full has no room.
      datastores: [{ name: 'shared', hosts: ['esx-001', 'esx-002', 'esx-003'], inaccessibleOn: ['esx-003'] }, { name: 'full', freeBytes: 0 }],
      acceptanceLevels: { 'esx-002': 'vmware_certified' },
      vcenter: { clusters: 1 },
      log: (line) => process.stderr.write(`${line}\n`),
    });
    const vcenter = simulator.vcenter!;
    const password = await secretOf(vcenter.credential);
    vsphere = await VsphereClient.login({ url: vcenter.url, user: vcenter.user, password, tls: { thumbprint: vcenter.thumbprint } });
    govc = await govcFor(simulator, workDir);
  }, 600_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await vsphere?.close();
    await simulator?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const cim = async (name: string) => {
    const host = simulator.inventory.hosts.find((h) => h.name === name)!;
    const client = new CimClient({ url: host.url, user: host.user ?? 'root', password: await secretOf(host.credential!), tls: { thumbprint: simulator.hosts.find((h) => h.name === name)!.thumbprint! } });
    clients.push(client);
    return client;
  };
  /** InstallFromURI on the host, followed to the end; the job's reading and the host's software after it. */
  const installOn = async (name: string, uri: string) => {
    const client = await cim(name);
    const objects = await discoverHost(client);
    const { jobRef } = await startInstall(client, objects, uri);
    let job = interpretJob(await client.getInstance(jobRef));
    await waitFor(async () => (job = interpretJob(await client.getInstance(jobRef))).phase !== 'running', `the install on ${name} to end`, 30_000, 200);
    return { job, software: await snapshotSoftware(client, objects.computerSystem) };
  };

  test('vCenter lists each datastore with its url, room and mounts; each host its acceptance level', async () => {
    const datastores = await vsphere.listDatastores();
    const byName = Object.fromEntries(datastores.map((d) => [d.name, d]));
    expect(Object.keys(byName).sort()).toEqual(['full', 'shared']);
    const hosts = Object.fromEntries((await vsphere.listHosts()).map((h) => [h.ref.value, h.name]));
    const mounts = (name: string) => byName[name].hosts.map((m) => [hosts[m.host.value], m.accessible]).sort();
    expect(mounts('shared')).toEqual([['esx-001', true], ['esx-002', true], ['esx-003', false]]);
    expect(mounts('full')).toEqual([['esx-001', true], ['esx-002', true], ['esx-003', true], ['esx-004', true]]);
    expect(byName.shared.url).toBe(`ds:///vmfs/volumes/${simulator.datastores.find((d) => d.name === 'shared')!.uuid}/`);
    expect(byName.shared.freeBytes).toBeGreaterThan(1024 ** 3);
    expect(byName.full.freeBytes).toBe(0);

    const refs = Object.fromEntries(Object.entries(hosts).map(([ref, name]) => [name, { type: 'HostSystem', value: ref }]));
    expect(await vsphere.hostAcceptanceLevel(refs['esx-001'])).toBe('partner');
    expect(await vsphere.hostAcceptanceLevel(refs['esx-002'])).toBe('vmware_certified');
    await simulator.setAcceptanceLevel('esx-004', 'community');
    expect(await vsphere.hostAcceptanceLevel(refs['esx-004'])).toBe('community');
  });

  test('a bundle uploaded with govc datastore.upload is what the host installs: the VIBs the bundle holds, not what its name says', async () => {
    const local = path.join(workDir, 'drv-9.9.zip');
    await writeBundle(local, { vibs: [{ name: 'net-drv', version: '1.2.3-1', vendor: 'ACME' }, { name: 'net-tools', version: '0.9', liveInstall: true }] });
    expect((await govc(['datastore.upload', '-ds', 'shared', local, 'vibflow/abc/drv-9.9.zip'])).code).toBe(0);
    expect((await govc(['datastore.ls', '-ds', 'shared', 'vibflow/abc'])).stdout.trim()).toBe('drv-9.9.zip');
    // /folder GET (vcsim's own) serves the same bytes, from the directory the hosts read.
    const back = path.join(workDir, 'back.zip');
    expect((await govc(['datastore.download', '-ds', 'shared', 'vibflow/abc/drv-9.9.zip', back])).code).toBe(0);
    expect((await readFile(back)).equals(await readFile(local))).toBe(true);
    const directory = simulator.datastores.find((d) => d.name === 'shared')!.directory;
    expect((await readFile(path.join(directory, 'vibflow', 'abc', 'drv-9.9.zip'))).equals(await readFile(local))).toBe(true);

    const { job, software } = await installOn('esx-001', 'file:///vmfs/volumes/shared/vibflow/abc/drv-9.9.zip');
    expect(job).toMatchObject({ phase: 'succeeded', rebootRequired: true });
    expect(software).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: 'net-drv', version: '1.2.3-1', vendor: 'ACME' }),
      expect.objectContaining({ name: 'net-tools', version: '0.9' }),
    ]));
    expect(software.some((s) => s.name === 'drv')).toBe(false);
  });

  test('the same file by the datastore uuid of summary.url; uploaded by the project client; refused where ESXi refuses', async () => {
    const [shared] = (await vsphere.listDatastores()).filter((d) => d.name === 'shared');
    const local = path.join(workDir, 'tools.zip');
    const written = await writeBundle(local, { vibs: [{ name: 'cert-tool', version: '3.0', acceptanceLevel: 'partner' }] });
    await vsphere.uploadFile(shared, 'vibflow/def/tools.zip', createReadStream(local), written.size);
    const uuid = /^ds:\/\/\/vmfs\/volumes\/([^/]+)\/$/.exec(shared.url!)![1];
    const byUuid = `file:///vmfs/volumes/${uuid}/vibflow/def/tools.zip`;
    expect((await installOn('esx-001', byUuid)).software).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'cert-tool', version: '3.0' })]));

    // esx-002 takes only VMware-certified VIBs: the scan refuses the partner one, as esxupdate does.
    const refused = await installOn('esx-002', byUuid);
    expect(refused.job).toMatchObject({ phase: 'failed', errorCategory: 'acceptance' });
    expect(refused.job.errorDescription).toContain("[AcceptanceConfigError] VIB VMW_bootbank_cert-tool_3.0's acceptance level is partner, which is not compliant with the ImageProfile acceptance level vmware_certified");
    expect(refused.software.some((s) => s.name === 'cert-tool')).toBe(false);

    // Not mounted (esx-004), mounted but not accessible (esx-003), no such file: URI not accessible.
    for (const [name, uri] of [['esx-004', byUuid], ['esx-003', byUuid], ['esx-001', 'file:///vmfs/volumes/shared/vibflow/def/gone.zip']]) {
      const client = await cim(name);
      await expect(startInstall(client, await discoverHost(client), uri)).rejects.toMatchObject({ category: 'uri-not-accessible', code: 4107 });
    }
  });

  test('a full datastore refuses an upload; a host that loses its path is seen in vCenter and by the host', async () => {
    const [full] = (await vsphere.listDatastores()).filter((d) => d.name === 'full');
    const local = path.join(workDir, 'big.zip');
    const written = await writeBundle(local, { vibs: [{ name: 'big', version: '1.0' }] });
    await expect(vsphere.uploadFile(full, 'vibflow/big.zip', createReadStream(local), written.size)).rejects.toThrow(/507|Insufficient disk space on datastore 'full'/);
    expect((await govc(['datastore.ls', '-ds', 'full'])).stdout.trim()).toBe('');

    await simulator.setDatastoreAccessible('shared', 'esx-001', false);
    const hosts = Object.fromEntries((await vsphere.listHosts()).map((h) => [h.ref.value, h.name]));
    const [shared] = (await vsphere.listDatastores()).filter((d) => d.name === 'shared');
    expect(shared.hosts.find((m) => hosts[m.host.value] === 'esx-001')?.accessible).toBe(false);
    const client = await cim('esx-001');
    await expect(startInstall(client, await discoverHost(client), 'file:///vmfs/volumes/shared/vibflow/def/tools.zip')).rejects.toMatchObject({ code: 4107 });
    await simulator.setDatastoreAccessible('shared', 'esx-001', true);
  });
});
