/** `vibflow bundle inspect` as a user runs it: a real process, its output and its exit status. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inspectBundle } from '../../src/bundle';
import { writeBareVib, writeBundle } from '../../src/simulator/bundleBuilder';
import { vibflow } from '../support/commands';

let dir: string;
let good: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-cli-bundle-'));
  good = path.join(dir, 'drv.zip');
  await writeBundle(good, {
    vibs: [
      { name: 'nvme-drv', version: '2.0.0-1', vendor: 'VMW', acceptanceLevel: 'partner', maintenanceMode: true, liveInstall: false },
      { name: 'acme-agent', version: '3.1-7', vendor: 'ACME', acceptanceLevel: 'community', maintenanceMode: false, liveInstall: true },
    ],
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('vibflow bundle inspect', () => {
  it('prints the file, its size and SHA-256, a row per VIB and what installing takes; exit 0', async () => {
    const info = await inspectBundle(good);
    const run = await vibflow(['bundle', 'inspect', good]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`file:     ${good}\n`);
    expect(run.stdout).toContain(`size:     ${info.size} bytes (`);
    expect(run.stdout).toContain(`SHA-256:  ${info.sha256}\n`);
    expect(run.stdout).toMatch(/VIB +version +vendor +acceptance level +maintenance mode +install\n/);
    expect(run.stdout).toMatch(/nvme-drv +2\.0\.0-1 +VMW +partner \(PartnerSupported\) +required +reboot\n/);
    expect(run.stdout).toMatch(/acme-agent +3\.1-7 +ACME +community \(CommunitySupported\) +not required +live\n/);
    expect(run.stdout).toContain('reboot:           required (nvme-drv does not install live)\n');
    expect(run.stdout).toContain('maintenance mode: required (by nvme-drv)\n');
  });

  it('--json prints the BundleInfo', async () => {
    const run = await vibflow(['bundle', 'inspect', good, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(await inspectBundle(good));
  });

  it('exits 2 with the reason, naming the file and the entry, for a bundle no host could install from', async () => {
    const bad = path.join(dir, 'no-descriptor.zip');
    await writeBundle(bad, { vibs: [{ name: 'drv', version: '1-1' }], defect: 'missing-descriptor' });
    const run = await vibflow(['bundle', 'inspect', bad, '--json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`vibflow: bundle ${bad}, entry metadata.zip!/vmware.xml: a bulletin names VIB VMW_bootbank_drv-extra_1-1, whose descriptor is not under vibs/ (the host would fail to find it)\n`);
  });

  it('exits 2 for a bare VIB, saying how to get an offline bundle', async () => {
    const vib = path.join(dir, 'drv.vib');
    await writeBareVib(vib, { name: 'drv', version: '1-1' });
    const run = await vibflow(['bundle', 'inspect', vib]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^vibflow: bundle ${vib}: it is a single VIB \\(an ar archive\\), not an offline bundle.*download the offline bundle`));
  });

  it('exits 2 for a file that is not there', async () => {
    const run = await vibflow(['bundle', 'inspect', path.join(dir, 'nowhere.zip')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`vibflow: bundle ${path.join(dir, 'nowhere.zip')}: cannot open it: no such file\n`);
  });
});
