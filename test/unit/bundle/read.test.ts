/**
 * Bundles the builder writes, read back by readBundle/inspectBundle: every field the spec set
 * comes back, the SHA-256 is the one sha256sum computes, and a large payload is never read.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { admits, inspectBundle, readBundle, sha256OfFile, type AcceptanceLevel, type HostAcceptanceLevel } from '../../../src/bundle';
import { SAMPLE_BUNDLE, writeBundle, type VibSpec } from '../../../src/simulator/bundleBuilder';

const run = promisify(execFile);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-bundle-read-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const VIBS: VibSpec[] = [
  { name: 'nvme-drv', version: '2.0.0-1OEM.800.1.0.20613240', vendor: 'VMW', acceptanceLevel: 'certified', maintenanceMode: true, liveInstall: false },
  { name: 'acme-cim', version: '1.4-3', vendor: 'ACME', acceptanceLevel: 'partner', maintenanceMode: false, liveInstall: false, descriptorStyle: 'compact' },
  { name: 'tools-light', version: '12.1.0-1', vendor: 'VMware', acceptanceLevel: 'accepted', maintenanceMode: true, liveInstall: true, descriptorStyle: 'shuffled' },
  { name: 'ghetto-backup', version: '0.9-1', vendor: 'community', acceptanceLevel: 'community', maintenanceMode: false, liveInstall: true, payloadBytes: 0 },
];

describe('readBundle on a bundle of several VIBs', () => {
  it('returns each VIB exactly as written, in every descriptor style', async () => {
    const file = path.join(dir, 'four.zip');
    const written = await writeBundle(file, { vibs: VIBS });
    const bundle = await readBundle(file);
    expect(bundle.file).toBe(file);
    expect(bundle.size).toBe(written.size);
    expect(bundle.vibs).toEqual(VIBS.map((spec, i) => ({
      id: `${spec.vendor}_bootbank_${spec.name}_${spec.version}`,
      name: spec.name,
      version: spec.version,
      vendor: spec.vendor,
      type: 'bootbank',
      acceptanceLevel: spec.acceptanceLevel,
      maintenanceMode: spec.maintenanceMode,
      liveInstallAllowed: spec.liveInstall,
      path: `vib20/${spec.name}/${spec.vendor}_bootbank_${spec.name}_${spec.version}.vib`,
      size: written.vibs[i].size,
      signed: spec.acceptanceLevel !== 'community',
    })));
    expect(bundle.rebootRequired).toBe(true);
    expect(bundle.maintenanceModeRequired).toBe(true);
  });

  it('needs neither a reboot nor maintenance mode when every VIB installs live without it', async () => {
    const file = path.join(dir, 'live.zip');
    await writeBundle(file, { vibs: [VIBS[3], { ...VIBS[3], name: 'other-tool' }] });
    const bundle = await readBundle(file);
    expect(bundle).toMatchObject({ rebootRequired: false, maintenanceModeRequired: false });
    expect(bundle.vibs.map((v) => v.name)).toEqual(['ghetto-backup', 'other-tool']);
  });

  it('reads an ESXi 7.0+ depot, whose metadata also holds base images, add-ons, manifests, solutions and profiles', async () => {
    const file = path.join(dir, 'esxi8.zip');
    // vibflow does not read these files; their contents here are stand-ins.
    const spec = '<?xml version="1.0"?>\n<spec><name>ACME-addon</name><version>800.1.0-1</version><components><component name="acme-cim" version="1.4-3"/></components></spec>\n';
    await writeBundle(file, {
      vibs: VIBS.slice(0, 2),
      esxiVersion: '8.0.2',
      extraMetadata: { 'addons/ACME-addon-800.1.0-1.xml': spec, 'baseimages/ESXi-8.0.2.xml': spec, 'manifests/ACME-hsm.xml': spec, 'solutions/acme.xml': spec, 'profiles/ACME-standard.xml': spec },
    });
    expect((await readBundle(file)).vibs.map((v) => v.id)).toEqual(['VMW_bootbank_nvme-drv_2.0.0-1OEM.800.1.0.20613240', 'ACME_bootbank_acme-cim_1.4-3']);
  });

  it('reads the sample bundle the simulator offers', async () => {
    const file = path.join(dir, 'sample.zip');
    await writeBundle(file, SAMPLE_BUNDLE);
    const bundle = await readBundle(file);
    expect(bundle.vibs).toEqual([expect.objectContaining({ id: 'VMW_bootbank_vibflow-drv_2.0.0-1', acceptanceLevel: 'partner', maintenanceMode: true, liveInstallAllowed: false })]);
  });

  it('gives the same bytes for the same spec, so a bundle is addressed by its content', async () => {
    const [a, b] = [path.join(dir, 'same-a.zip'), path.join(dir, 'same-b.zip')];
    await writeBundle(a, { vibs: VIBS.slice(0, 2) });
    await writeBundle(b, { vibs: VIBS.slice(0, 2) });
    expect(await sha256OfFile(a)).toBe(await sha256OfFile(b));
  });
});

describe('inspectBundle', () => {
  it('adds the SHA-256 of the whole file, the one sha256sum computes', async () => {
    const file = path.join(dir, 'hashed.zip');
    await writeBundle(file, { vibs: VIBS.slice(0, 2) });
    const info = await inspectBundle(file);
    const { stdout } = await run('sha256sum', [file]);
    expect(info.sha256).toBe(stdout.split(' ')[0]);
    expect(info.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(info.vibs).toEqual((await readBundle(file)).vibs);
  });

  it('refuses a file that is not there, saying which', async () => {
    const file = path.join(dir, 'nowhere.zip');
    await expect(inspectBundle(file)).rejects.toMatchObject({ kind: 'unreadable', file, entry: null, message: `bundle ${file}: cannot open it: no such file` });
  });
});

/** Bytes this process has read through read(2) and friends, page cache included (Linux). */
function bytesReadByThisProcess(): number {
  const match = /^rchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
  if (!match) throw new Error('/proc/self/io has no rchar line');
  return Number(match[1]);
}

describe('a bundle with a large payload', () => {
  const PAYLOAD = 96 * 1024 * 1024;
  let file: string;
  beforeAll(async () => {
    file = path.join(dir, 'large.zip');
    await writeBundle(file, { vibs: [{ name: 'big-addon', version: '800.1-1', payloadBytes: PAYLOAD }, VIBS[1]] });
  });

  it('is read without reading the payload: a few KB of the file, not its 96 MB', async () => {
    const before = bytesReadByThisProcess();
    const bundle = await readBundle(file);
    const read = bytesReadByThisProcess() - before;
    expect(bundle.size).toBeGreaterThan(PAYLOAD);
    expect(bundle.vibs.map((v) => v.name)).toEqual(['big-addon', 'acme-cim']);
    expect(bundle.vibs[0].size).toBeGreaterThan(PAYLOAD);
    // The central directory, the depot files, metadata.zip and each VIB's first chunk.
    expect(read).toBeLessThan(2 * 1024 * 1024);
  });

  it('is hashed whole by inspectBundle, in one pass over the file', async () => {
    const before = bytesReadByThisProcess();
    const info = await inspectBundle(file);
    const read = bytesReadByThisProcess() - before;
    expect(read).toBeGreaterThanOrEqual(info.size);
    expect(read).toBeLessThan(info.size + 2 * 1024 * 1024);
    const { stdout } = await run('sha256sum', [file]);
    expect(info.sha256).toBe(stdout.split(' ')[0]);
  });

  it('holds a real payload: the VIB ends with its gzipped tar of the requested size', async () => {
    const listing = await run('sh', ['-c', `unzip -p "${file}" vib20/big-addon/VMW_bootbank_big-addon_800.1-1.vib > "${dir}/big.vib" && ar p "${dir}/big.vib" payload1 | tar tzv`], { maxBuffer: 1024 * 1024 });
    expect(listing.stdout).toMatch(new RegExp(`\\s${PAYLOAD}\\s.*opt/big-addon/payload\\.bin`));
    await writeFile(`${dir}/big.vib`, '');
  });
});

describe('admits', () => {
  const HOSTS: HostAcceptanceLevel[] = ['vmware_certified', 'vmware_accepted', 'partner', 'community'];
  const VIB_LEVELS: AcceptanceLevel[] = ['certified', 'accepted', 'partner', 'community'];

  it.each([
    ['vmware_certified', ['certified']],
    ['vmware_accepted', ['certified', 'accepted']],
    ['partner', ['certified', 'accepted', 'partner']],
    ['community', ['certified', 'accepted', 'partner', 'community']],
  ] as const)('a %s host installs %j VIBs and refuses the rest', (host, accepted) => {
    expect(HOSTS).toContain(host);
    expect(VIB_LEVELS.filter((level) => admits(host, level))).toEqual(accepted);
  });
});
