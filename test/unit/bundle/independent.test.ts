/**
 * The builder's bundles as independent tools see them: Info-ZIP's unzip and zipinfo, GNU ar,
 * tar, and Python's zipfile and ElementTree (what ESXi's own esximage reads bundles with). What
 * they read must be what readBundle reads.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readBundle, type BundleContents } from '../../../src/bundle';
import { writeBundle, type VibSpec, type WrittenBundle } from '../../../src/simulator/bundleBuilder';

const exec = promisify(execFile);
const sh = async (script: string, cwd: string) => (await exec('sh', ['-c', script], { cwd, maxBuffer: 16 * 1024 * 1024 })).stdout;

const VIBS: VibSpec[] = [
  { name: 'nvme-drv', version: '2.0.0-1', vendor: 'VMW', acceptanceLevel: 'certified' },
  { name: 'acme-agent', version: '3.1-7', vendor: 'ACME', acceptanceLevel: 'community', maintenanceMode: false, liveInstall: true, descriptorStyle: 'compact' },
  { name: 'cfg-tool', version: '1.0-1', vendor: 'VMW', acceptanceLevel: 'partner', descriptorStyle: 'shuffled', payloadBytes: 5000 },
];

/** Reads the bundle the way esximage does, with Python's standard library only. */
const PYTHON_READER = `
import io, json, sys, zipfile, posixpath
import xml.etree.ElementTree as ET

def text(elem, tag, default=None):
    found = elem.find(tag)
    return default if found is None or not (found.text or '').strip() else found.text.strip()

def flag(value):
    return value.strip().lower() == 'true'

bundle = zipfile.ZipFile(sys.argv[1])
index = ET.fromstring(bundle.read('index.xml'))
vendor_index = ET.fromstring(bundle.read(index.find('vendor/indexfile').text.strip()))
metadata = zipfile.ZipFile(io.BytesIO(bundle.read(vendor_index.find('metadata/url').text.strip())))
vmware = ET.fromstring(metadata.read('vmware.xml'))
out = {'bulletinVibIds': [v.text for v in vmware.iter('vibID')], 'vibs': []}
for name in metadata.namelist():
    if not name.startswith('vibs/'):
        continue
    vib = ET.fromstring(metadata.read(name))
    raw = bundle.read(text(vib, 'relative-path'))
    assert raw.startswith(b'!<arch>\\n'), name
    mm = vib.find('system-requires/maintenance-mode')
    out['vibs'].append({
        'id': '_'.join([text(vib, 'vendor'), text(vib, 'type', 'bootbank'), text(vib, 'name'), text(vib, 'version')]),
        'acceptanceLevel': text(vib, 'acceptance-level'),
        'maintenanceMode': True if mm is None else flag(mm.get('install', mm.text)),
        'liveInstallAllowed': flag(text(vib, 'live-install-allowed', 'false')),
        'path': text(vib, 'relative-path'),
        'size': len(raw),
        'packedSize': int(text(vib, 'packed-size')),
    })
print(json.dumps(out))
`;

let dir: string;
let file: string;
let written: WrittenBundle;
let bundle: BundleContents;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-bundle-tools-'));
  file = path.join(dir, 'bundle.zip');
  written = await writeBundle(file, { vibs: VIBS });
  bundle = await readBundle(file);
  await sh(`unzip -q bundle.zip -d x && unzip -q x/metadata.zip -d x/metadata`, dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the builder's offline bundle, read by other tools", () => {
  it('zipinfo lists the depot files and the VIBs under vib20/, and unzip -t finds no error', async () => {
    expect((await sh('zipinfo -1 bundle.zip', dir)).trim().split('\n')).toEqual([
      'index.xml', 'vendor-index.xml', 'metadata.zip', ...bundle.vibs.map((v) => v.path),
    ]);
    expect(await sh('unzip -t bundle.zip', dir)).toContain('No errors detected in compressed data of bundle.zip.');
  });

  it('metadata.zip holds vmware.xml, a bulletin per VIB and a descriptor per VIB', async () => {
    const names = (await sh('zipinfo -1 x/metadata.zip', dir)).trim().split('\n');
    expect(names).toContain('vmware.xml');
    expect(names.filter((n) => n.startsWith('bulletins/'))).toHaveLength(VIBS.length);
    expect(names.filter((n) => /^vibs\/.+\.xml$/.test(n))).toHaveLength(VIBS.length);
    expect(await sh('unzip -t x/metadata.zip', dir)).toContain('No errors detected');
  });

  it('ar lists descriptor.xml, sig.pkcs7 and the payload in each VIB; community VIBs have an empty signature', async () => {
    for (const vib of bundle.vibs) {
      expect((await sh(`ar t "x/${vib.path}"`, dir)).trim().split('\n')).toEqual(['descriptor.xml', 'sig.pkcs7', 'payload1']);
      const signature = Number((await sh(`ar p "x/${vib.path}" sig.pkcs7 | wc -c`, dir)).trim());
      expect(signature === 0).toBe(vib.acceptanceLevel === 'community');
      expect(await sh(`ar p "x/${vib.path}" payload1 | tar tz`, dir)).toBe(`opt/${vib.name}/payload.bin\n`);
    }
  });

  it('sha256sum of each VIB matches the checksum the metadata gives it', async () => {
    for (const vib of written.vibs) {
      const [sum] = (await sh(`sha256sum "x/${vib.path}"`, dir)).split(' ');
      expect(sum).toBe(vib.sha256);
      expect(await sh(`grep -l "${sum}" x/metadata/vibs/*.xml | wc -l`, dir)).toBe('1\n');
    }
  });

  it("Python's zipfile and ElementTree read the same VIBs, levels, maintenance mode and reboot as readBundle", async () => {
    const { stdout } = await exec('python3', ['-c', PYTHON_READER, file]);
    const python = JSON.parse(stdout) as { bulletinVibIds: string[]; vibs: Record<string, unknown>[] };
    expect(python.bulletinVibIds.sort()).toEqual(bundle.vibs.map((v) => v.id).sort());
    expect(python.vibs).toEqual(bundle.vibs.map((v) => ({
      id: v.id, acceptanceLevel: v.acceptanceLevel, maintenanceMode: v.maintenanceMode, liveInstallAllowed: v.liveInstallAllowed,
      path: v.path, size: v.size, packedSize: v.size,
    })));
  });

  it("each VIB's own descriptor.xml, parsed by ElementTree, gives the name, version and vendor readBundle gives", async () => {
    for (const vib of bundle.vibs) {
      const script = 'import sys, xml.etree.ElementTree as ET; v = ET.fromstring(sys.stdin.buffer.read()); print("|".join(v.find(t).text.strip() for t in ("name", "version", "vendor", "acceptance-level")))';
      const fields = await sh(`ar p "x/${vib.path}" descriptor.xml | python3 -c '${script}'`, dir);
      expect(fields).toBe(`${vib.name}|${vib.version}|${vib.vendor}|${vib.acceptanceLevel}\n`);
    }
  });
});
