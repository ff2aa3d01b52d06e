/** One simulated host's install, reboot and ticket rules, on a clock the test moves, reading real bundles from a datastore directory. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CimInstanceName } from '../../../src/cim/types';
import { interpretJob } from '../../../src/esxi/job';
import { Datastores } from '../../../src/simulator/datastores';
import { SimulatedHost, type FleetBehaviour } from '../../../src/simulator/host';
import { writeBareVib } from '../../../src/simulator/bundleBuilder';
import { placeBundle } from '../../support/bundles';

let root: string;
let datastores: Datastores;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'vibflow-host-test-'));
  datastores = await Datastores.create(root, [{ name: 'ds1' }, { name: 'ds2', hosts: ['esx-002'] }, { name: 'ds3', inaccessibleOn: ['esx-001'] }], ['esx-001', 'esx-002']);
  await placeBundle(datastores, DRIVER, [{ name: 'drv', version: '2.0' }]);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function newHost(name = 'esx-001'): { host: SimulatedHost; clock: { now: number } } {
  const clock = { now: Date.parse('2026-11-28T02:00:00Z') };
  const behaviour: FleetBehaviour = { installSeconds: 10, jobRetentionSeconds: 300, invokeDelayMs: 0, now: () => clock.now };
  return { host: new SimulatedHost(name, behaviour, datastores), clock };
}

function installedVersion(host: SimulatedHost, name: string): string | undefined {
  const identity = host.instances('root/cimv2').find((i) => i.className === 'CIM_SoftwareIdentity' && i.properties.ElementName?.value === name);
  return identity?.properties.VersionString?.value as string | undefined;
}

async function install(host: SimulatedHost, uri: string): Promise<void> {
  const target: CimInstanceName = host.computerSystem;
  expect((await host.installFromUri(uri, target)).returnCode).toBe(4096);
}

/** The latest job as vibflow's esxi layer reads it. */
function lastJob(host: SimulatedHost) {
  const jobs = host.instances('root/cimv2').filter((i) => i.className === 'VMware_ConcreteJob');
  return interpretJob(jobs[jobs.length - 1]);
}

const DRIVER = 'file:///vmfs/volumes/ds1/drv-2.0.zip';

describe('simulated host', () => {
  test('installs what the bundle contains, not what its name says: drv-9.9.zip holding drv 2.0 and tools 1.1 installs those', async () => {
    const uri = await placeBundle(datastores, 'file:///vmfs/volumes/ds1/drv-9.9.zip', [
      { name: 'drv', version: '2.0', vendor: 'ACME', liveInstall: false },
      { name: 'tools', version: '1.1', acceptanceLevel: 'certified', liveInstall: true },
    ]);
    const { host, clock } = newHost();
    await install(host, uri);
    clock.now += 10_000;
    const job = lastJob(host);
    expect(job).toMatchObject({ phase: 'succeeded', rebootRequired: true });
    expect(installedVersion(host, 'drv')).toBe('2.0');
    expect(installedVersion(host, 'tools')).toBe('1.1');
    const drv = host.instances('root/cimv2').find((i) => i.properties.ElementName?.value === 'drv');
    expect(drv?.properties.Manufacturer?.value).toBe('ACME');
    // Again: nothing changes, and the host says which VIBs it skipped.
    await install(host, uri);
    clock.now += 10_000;
    expect(lastJob(host)).toMatchObject({ phase: 'succeeded', rebootRequired: false, jobStatus: expect.stringMatching(/Host is not changed\. VIBs skipped: ACME_bootbank_drv_2\.0, VMW_bootbank_tools_1\.1/) });
    expect(host.jobRecords().map((j) => j.outcome)).toEqual(['succeeded', 'unchanged']);
  });

  test('VIBs that all install live need no reboot, and say so', async () => {
    const uri = await placeBundle(datastores, 'file:///vmfs/volumes/ds1/live.zip', [{ name: 'live-tool', version: '1.0', liveInstall: true, maintenanceMode: false }]);
    const { host, clock } = newHost();
    const applied: boolean[] = [];
    host.onInstallApplied = (reboot) => applied.push(reboot);
    await install(host, uri);
    clock.now += 10_000;
    expect(lastJob(host)).toMatchObject({ phase: 'succeeded', rebootRequired: false, jobStatus: 'The update completed successfully.' });
    expect(applied).toEqual([false]);
  });

  test('the same file by datastore uuid', async () => {
    const { host, clock } = newHost();
    await install(host, `file:///vmfs/volumes/${datastores.get('ds1').uuid}/drv-2.0.zip`);
    clock.now += 10_000;
    expect(installedVersion(host, 'drv')).toBe('2.0');
  });

  test.each([
    ['a missing file', 'file:///vmfs/volumes/ds1/nothing-here.zip', 'esx-001'],
    ['a datastore the host does not mount', 'file:///vmfs/volumes/ds2/drv-2.0.zip', 'esx-001'],
    ['a datastore the host mounts but cannot access', 'file:///vmfs/volumes/ds3/drv-2.0.zip', 'esx-001'],
    ['a datastore nobody has', 'file:///vmfs/volumes/ds9/drv-2.0.zip', 'esx-001'],
    ['a path out of the datastore', 'file:///vmfs/volumes/ds1/../ds2/drv-2.0.zip', 'esx-001'],
    ['not under /vmfs/volumes', 'file:///tmp/drv-2.0.zip', 'esx-001'],
  ])('%s: URI not accessible (4107), no job', async (_, uri, name) => {
    await placeBundle(datastores, 'file:///vmfs/volumes/ds2/drv-2.0.zip', [{ name: 'drv', version: '2.0' }]);
    await placeBundle(datastores, 'file:///vmfs/volumes/ds3/drv-2.0.zip', [{ name: 'drv', version: '2.0' }]);
    const { host } = newHost(name);
    expect(await host.installFromUri(uri, host.computerSystem)).toEqual({ returnCode: 4107 });
    expect(host.jobRecords()).toEqual([]);
  });

  test('the host that mounts ds2 reads it', async () => {
    const { host, clock } = newHost('esx-002');
    await install(host, await placeBundle(datastores, 'file:///vmfs/volumes/ds2/drv-2.0.zip', [{ name: 'drv', version: '2.0' }]));
    clock.now += 10_000;
    expect(installedVersion(host, 'drv')).toBe('2.0');
  });

  test('a file that is not a zip, and a bare VIB: the scan fails with MetadataDownloadError', async () => {
    await writeFile(path.join(datastores.get('ds1').directory, 'notes.zip'), 'not a zip at all');
    await writeBareVib(path.join(datastores.get('ds1').directory, 'drv.vib'), { name: 'drv', version: '2.0' });
    for (const uri of ['file:///vmfs/volumes/ds1/notes.zip', 'file:///vmfs/volumes/ds1/drv.vib']) {
      const { host, clock } = newHost();
      await install(host, uri);
      clock.now += 10_000;
      const job = lastJob(host);
      expect(job.phase).toBe('failed');
      expect(job.errorDescription).toContain('[MetadataDownloadError] Could not download from depot at zip:');
      expect(job.errorDescription).toContain('File is not a zip file');
      expect(installedVersion(host, 'drv')).toBeUndefined();
    }
  });

  test.each([
    ['no-metadata-zip', /^\[MetadataDownloadError\] Could not download from depot at zip:\/vmfs\/volumes\/ds1\/bad-no-metadata-zip\.zip\?index\.xml/],
    ['truncated', /^\[MetadataDownloadError\] .*Error extracting index\.xml from \/vmfs\/volumes\/ds1\/bad-truncated\.zip/],
    ['dotdot-entry', /^\[MetadataDownloadError\] /],
    ['unparsable-descriptor', /^\[MetadataFormatError\] Failed to parse metadata of depot zip:\/vmfs\/volumes\/ds1\/bad-unparsable-descriptor\.zip\?index\.xml/],
    ['missing-vib-file', /^\[VibFormatError\] /],
    ['vib-descriptor-mismatch', /^\[VibFormatError\] /],
  ] as const)('a bundle with %s: the job fails while scanning, in esxupdate\'s words, and installs nothing', async (defect, words) => {
    const uri = await placeBundle(datastores, `file:///vmfs/volumes/ds1/bad-${defect}.zip`, { vibs: [{ name: 'bad-drv', version: '1.0' }], defect });
    const { host, clock } = newHost();
    await install(host, uri);
    clock.now += 3_000; // scan-time failures end at 30 % of the 10 s install
    expect(lastJob(host)).toMatchObject({ phase: 'failed' });
    expect(lastJob(host).errorDescription).toMatch(words);
    expect(installedVersion(host, 'bad-drv')).toBeUndefined();
    expect(host.jobRecords().map((j) => j.outcome)).toEqual(['failed']);
  });

  test('a community VIB on a partner host: AcceptanceConfigError; the same bundle installs on a community host', async () => {
    const uri = await placeBundle(datastores, 'file:///vmfs/volumes/ds1/community-1.0.zip', [{ name: 'community-drv', version: '1.0', acceptanceLevel: 'community' }]);
    const { host, clock } = newHost();
    expect(host.acceptanceLevel).toBe('partner');
    await install(host, uri);
    clock.now += 10_000;
    expect(lastJob(host)).toMatchObject({ phase: 'failed', errorCategory: 'acceptance' });
    expect(lastJob(host).errorDescription).toContain("VIB VMW_bootbank_community-drv_1.0's acceptance level is community, which is not compliant with the ImageProfile acceptance level partner");
    expect(installedVersion(host, 'community-drv')).toBeUndefined();
    host.acceptanceLevel = 'community';
    await install(host, uri);
    clock.now += 10_000;
    expect(lastJob(host).phase).toBe('succeeded');
    expect(installedVersion(host, 'community-drv')).toBe('1.0');
  });

  test('a certified-only host refuses a partner VIB', async () => {
    const { host, clock } = newHost();
    host.acceptanceLevel = 'vmware_certified';
    await install(host, DRIVER);
    clock.now += 10_000;
    expect(lastJob(host)).toMatchObject({ phase: 'failed', errorCategory: 'acceptance' });
  });

  test('an install survives a reboot', async () => {
    const { host, clock } = newHost();
    await install(host, DRIVER);
    clock.now += 10_000;
    host.reboot();
    expect(installedVersion(host, 'drv')).toBe('2.0');
    expect(host.counters.reboots).toBe(1);
  });

  test('revert-on-reboot: the install succeeds, and the next boot comes up without it', async () => {
    const { host, clock } = newHost();
    host.failure = 'revert-on-reboot';
    await install(host, DRIVER);
    clock.now += 10_000;
    expect(host.jobRecords()[0].outcome).toBe('succeeded');
    expect(installedVersion(host, 'drv')).toBe('2.0');
    host.reboot();
    expect(installedVersion(host, 'drv')).toBeUndefined();
    expect(installedVersion(host, 'esx-base')).toBe('8.0.2-0.0.22380479');
    // Once the category is gone, the next install takes.
    host.failure = undefined;
    await install(host, DRIVER);
    clock.now += 10_000;
    host.reboot();
    expect(installedVersion(host, 'drv')).toBe('2.0');
  });

  test('a reboot loses a running install', async () => {
    const { host, clock } = newHost();
    await install(host, DRIVER);
    clock.now += 5_000;
    host.reboot();
    clock.now += 10_000;
    expect(host.jobRecords()[0].outcome).toBe('lost');
    expect(installedVersion(host, 'drv')).toBeUndefined();
  });

  test('a ticket logs in until it expires or the host reboots, and never while the host refuses tickets', () => {
    const { host, clock } = newHost();
    host.registerTicket('t-1', 120);
    expect(host.acceptTicket('t-1')).toBe(true);
    expect(host.acceptTicket('t-unknown')).toBe(false);
    host.refusesTickets = true;
    expect(host.acceptTicket('t-1')).toBe(false);
    host.refusesTickets = false;
    clock.now += 119_000;
    expect(host.acceptTicket('t-1')).toBe(true);
    clock.now += 1_000;
    expect(host.acceptTicket('t-1')).toBe(false);
    host.registerTicket('t-2', 120);
    host.reboot();
    expect(host.acceptTicket('t-2')).toBe(false);
    expect(host.counters).toMatchObject({ ticketLogins: 2, ticketsRefused: 4 });
  });
});
