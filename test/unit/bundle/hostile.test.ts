/**
 * Every bad bundle vibflow refuses: the BundleError's kind, its file and its entry, and a message
 * that names both, so an operator knows which file and which entry to take to the vendor.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BundleError, inspectBundle, readBundle, type BundleErrorKind } from '../../../src/bundle';
import { BUNDLE_DEFECTS, writeBareVib, writeBundle, type BundleDefect } from '../../../src/simulator/bundleBuilder';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-bundle-bad-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const DRV = { name: 'drv', version: '2.0.0-1', vendor: 'VMW' } as const;
const VIB_PATH = 'vib20/drv/VMW_bootbank_drv_2.0.0-1.vib';
/** The metadata copy of drv's descriptor, whose name ends in the VIB's hash. */
const DESCRIPTOR = /^metadata\.zip!\/vibs\/drv--[0-9a-f]{10}\.xml$/;

async function refusal(file: string, read = readBundle): Promise<BundleError> {
  const err = await read(file).then(() => null, (e: unknown) => e);
  if (!(err instanceof BundleError)) throw new Error(`expected a BundleError for ${file}, got ${String(err)}`);
  return err;
}

/** The kind, the entry (exact or a pattern) and words of the detail, per defect. */
const EXPECTED: Record<BundleDefect, [BundleErrorKind, string | RegExp, RegExp]> = {
  'no-metadata-zip': ['no-metadata', 'metadata.zip', /vendor-index\.xml names it as its metadata zip, but the bundle has no such entry/],
  'no-vmware-xml': ['no-metadata', 'metadata.zip!/vmware.xml', /the metadata zip has no vmware\.xml/],
  'no-descriptors': ['no-vibs', 'metadata.zip!/vibs/', /no VIB descriptor under vibs\/: the bundle installs nothing/],
  'unparsable-descriptor': ['bad-descriptor', DESCRIPTOR, /does not parse as XML: .*line \d+/],
  'descriptor-without-name': ['bad-descriptor', DESCRIPTOR, /has no <name>/],
  'descriptor-without-version': ['bad-descriptor', DESCRIPTOR, /has no <version>/],
  'dotdot-entry': ['unsafe-entry-name', '../../evil.xml', /unsafe entry name \(a \.\. segment\)/],
  'absolute-entry': ['unsafe-entry-name', '/tmp/evil.xml', /unsafe entry name \(an absolute path\)/],
  'dotdot-entry-in-metadata': ['unsafe-entry-name', 'metadata.zip!/../../evil.xml', /unsafe entry name \(a \.\. segment\)/],
  'declared-size-bomb': ['size-mismatch', 'index.xml', /declares 3221225472 bytes from \d+ compressed, more than deflate can produce/],
  'deflate-bomb': ['too-large', 'metadata.zip!/vmware.xml', /declares \d+ bytes; vibflow reads at most 16777216/],
  'zip-in-metadata': ['too-deep', 'metadata.zip!/vibs/nested.zip', /a zip inside the metadata zip/],
  'missing-descriptor': ['missing-descriptor', 'metadata.zip!/vmware.xml', /names VIB VMW_bootbank_drv-extra_2\.0\.0-1, whose descriptor is not under vibs\//],
  'missing-vib-file': ['missing-vib', DESCRIPTOR, new RegExp(`its VIB file ${VIB_PATH} is not in the bundle`)],
  'vib-descriptor-mismatch': ['bad-vib', VIB_PATH, /its descriptor\.xml gives version "2\.0\.0-1\.1" where the metadata gives "2\.0\.0-1"/],
  'packed-size-mismatch': ['size-mismatch', VIB_PATH, /the VIB is (\d+) bytes but its descriptor .* gives <packed-size> \d+/],
  'corrupt-entry': ['corrupt-entry', 'vendor-index.xml', /does not match its CRC-32/],
  // Cut in half, the bundle's last end of central directory record is the one of metadata.zip inside it.
  truncated: ['corrupt-zip', '', /structure is broken \(a download cut short, or a damaged file\)/],
};

describe.each(BUNDLE_DEFECTS)('a bundle with defect %s', (defect) => {
  it('is refused with its kind, naming the file and the entry', async () => {
    const file = path.join(dir, `${defect}.zip`);
    await writeBundle(file, { vibs: [DRV, { name: 'tool', version: '1.0-1' }], defect });
    const [kind, entry, detail] = EXPECTED[defect];
    const err = await refusal(file);
    expect(err.kind).toBe(kind);
    expect(err.file).toBe(file);
    if (entry === '') expect(err.entry).toBeNull();
    else if (typeof entry === 'string') expect(err.entry).toBe(entry);
    else expect(err.entry).toMatch(entry);
    expect(err.message).toContain(`bundle ${file}`);
    if (err.entry !== null) expect(err.message).toContain(`entry ${err.entry}: `);
    expect(err.message).toMatch(detail);
    // inspect refuses it the same way, before hashing anything.
    expect((await refusal(file, inspectBundle)).message).toBe(err.message);
  });
});

describe('files that are not offline bundles', () => {
  it('a bare .vib: says what it is and how to get an offline bundle', async () => {
    const file = path.join(dir, 'drv.vib');
    await writeBareVib(file, DRV);
    const err = await refusal(file);
    expect(err).toMatchObject({ kind: 'bare-vib', file, entry: null });
    expect(err.message).toMatch(/it is a single VIB \(an ar archive\), not an offline bundle/);
    expect(err.message).toMatch(/vendor's download page/);
    expect(err.message).toMatch(/vibauthor/);
    expect(err.message).toMatch(/Export-EsxImageProfile -ExportToBundle/);
  });

  it('a text file: not a zip', async () => {
    const file = path.join(dir, 'notes.zip');
    await writeFile(file, 'these are not the bundles you are looking for\n');
    expect(await refusal(file)).toMatchObject({ kind: 'not-a-zip', file, entry: null, message: expect.stringMatching(/not a zip file \(or one cut short/) });
  });

  it('an empty file: not a zip', async () => {
    const file = path.join(dir, 'empty.zip');
    await writeFile(file, '');
    expect(await refusal(file)).toMatchObject({ kind: 'not-a-zip', file });
  });

  it('a directory: unreadable', async () => {
    expect(await refusal(dir)).toMatchObject({ kind: 'unreadable', file: dir, message: `bundle ${dir}: it is not a regular file` });
  });

  it('a zip that holds the offline bundle: says to unzip it first', async () => {
    const inner = path.join(dir, 'inner.zip');
    await writeBundle(inner, { vibs: [DRV] });
    const outer = path.join(dir, 'download.zip');
    const yazl = await import('yazl');
    const zip = new yazl.ZipFile();
    zip.addFile(inner, 'VMW-drv-2.0.0-offline_bundle.zip');
    zip.addBuffer(Buffer.from('read me'), 'README.txt');
    const { pipeline } = await import('node:stream/promises');
    const { createWriteStream } = await import('node:fs');
    const done = pipeline(zip.outputStream, createWriteStream(outer));
    zip.end();
    await done;
    const err = await refusal(outer);
    expect(err).toMatchObject({ kind: 'no-metadata', entry: 'index.xml' });
    expect(err.message).toMatch(/no index\.xml at its top level.*it holds VMW-drv-2\.0\.0-offline_bundle\.zip: if the offline bundle is in there, unzip this file/);
  });
});
