/**
 * Reading an offline bundle the way an ESXi host will, before any host does: the depot chain
 * (index.xml, vendor index, metadata zip), the VIB descriptors in the metadata, and the head of
 * each `.vib` (its own descriptor and signature member), checked against each other. Only the
 * central directory and these small entries are read, each bounded, so reading costs the same
 * for a 10 KB bundle and a 1 GB one; payloads are never read. SHA-256 of the whole file is a
 * separate, streamed pass.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { ArProblem, arMembers, AR_MAGIC, isAr } from './ar';
import { bulletinVibIds, metadataUrls, resolveInside, vendorIndexFiles } from './depot';
import { DESCRIPTOR_FIELDS, parseDescriptor, type VibDescriptor } from './descriptor';
import { BundleError, type BundleErrorKind } from './errors';
import type { BundleContents, BundleInfo, BundleVib } from './types';
import { FileRangeStream } from './fileRange';
import { XmlProblem } from './xml';
import { ZipReader, type ZipEntry } from './zip';

/** Largest index, vmware.xml or descriptor read (a full ESXi depot's vmware.xml is a few MB). */
export const MAX_XML_BYTES = 16 * 1024 * 1024;
/** Largest metadata zip read into memory (a full ESXi depot's is a few MB). */
export const MAX_METADATA_ZIP_BYTES = 64 * 1024 * 1024;
/** Most bytes decompressed from one metadata zip in all. */
export const MAX_METADATA_TOTAL_BYTES = 128 * 1024 * 1024;
/** First read of a `.vib`: the ar header, descriptor.xml and sig.pkcs7 of a typical VIB. */
const VIB_HEAD_BYTES = 64 * 1024;

const OFFLINE_BUNDLE_ADVICE =
  "download the offline bundle (\"offline bundle\", \"depot\" or component zip) from the vendor's download page, " +
  "or build one from the VIB with VMware's tools (vibauthor's -O option, or PowerCLI Image Builder: " +
  'Add-EsxSoftwarePackage to an image profile, then Export-EsxImageProfile -ExportToBundle)';
const BARE_VIB = `it is a single VIB (an ar archive), not an offline bundle. vibflow installs offline bundles (depot zips): ${OFFLINE_BUNDLE_ADVICE}`;

const ZIP_MAGIC = Buffer.from('PK\x03\x04', 'latin1');

const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
};

function fileError(file: string, doing: string, err: unknown): BundleError {
  const code = (err as NodeJS.ErrnoException).code;
  const words = code === undefined ? (err as Error).message : (ERRNO_WORDS[code] ?? code);
  return new BundleError('unreadable', file, null, `cannot ${doing} it: ${words}`);
}

async function openBundle(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'r');
  } catch (err) {
    throw fileError(file, 'open', err);
  }
}

/** The file's first bytes, to tell a bare VIB from a zip before yauzl looks for a central directory. */
async function magic(handle: FileHandle): Promise<Buffer> {
  const buffer = Buffer.alloc(AR_MAGIC.length);
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
  return buffer.subarray(0, bytesRead);
}

/** A problem with one entry of the bundle. */
function problem(kind: BundleErrorKind, file: string, entry: string, detail: string): BundleError {
  return new BundleError(kind, file, entry, detail);
}

function parseEntry<T>(file: string, entry: string, text: string, parse: (text: string) => T): T {
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof XmlProblem) throw problem('bad-descriptor', file, entry, err.message);
    throw err;
  }
}

/** An entry that the depot chain names: it must be in the zip. */
function named(zip: ZipReader, file: string, name: string, namedBy: string, what: string): ZipEntry {
  const entry = zip.entries.get(name);
  if (!entry) throw problem('no-metadata', file, name, `${namedBy} names it as ${what}, but the bundle has no such entry`);
  return entry;
}

/** `reference`, found in entry `label`, resolved relative to the directory of entry `base`. */
function resolved(file: string, label: string, base: string, reference: string, what: string): string {
  const target = resolveInside(base, reference);
  if ('path' in target) return target.path;
  if (/^[a-z][a-z0-9+.-]*:/i.test(reference)) {
    throw problem('no-metadata', file, label, `names ${what} at ${reference}, outside the bundle; an offline bundle carries its metadata inside it`);
  }
  throw problem('unsafe-entry-name', file, label, `names ${what} as ${JSON.stringify(reference)}, a path outside the bundle`);
}

/** Why a zip without index.xml is not a bundle, with a hint at what it may be instead. */
function notADepot(file: string, zip: ZipReader): BundleError {
  const names = [...zip.entries.keys()];
  const zips = names.filter((n) => /\.zip$/i.test(n));
  const vibs = names.filter((n) => /\.vib$/i.test(n));
  let hint = '';
  if (zips.length > 0) hint = `; it holds ${zips.slice(0, 3).join(', ')}: if the offline bundle is in there, unzip this file and give vibflow that zip`;
  else if (vibs.length > 0) hint = `; it holds ${vibs.slice(0, 3).join(', ')} without the depot metadata: ${OFFLINE_BUNDLE_ADVICE}`;
  return new BundleError('no-metadata', file, 'index.xml', `the zip has no index.xml at its top level, so it is not an offline bundle (depot zip)${hint}`);
}

interface Metadata {
  readonly label: string;
  readonly descriptors: { readonly label: string; readonly descriptor: VibDescriptor }[];
}

async function readMetadata(file: string, outer: ZipReader, entry: ZipEntry): Promise<Metadata> {
  const label = outer.label(entry);
  const buffer = await outer.read(entry, MAX_METADATA_ZIP_BYTES);
  if (!buffer.subarray(0, 4).equals(ZIP_MAGIC)) {
    throw problem('no-metadata', file, label, 'the depot names it as its metadata zip, but it is not a zip');
  }
  const zip = await ZipReader.fromBuffer(buffer, { file, entry: label });
  try {
    let budget = MAX_METADATA_TOTAL_BYTES;
    const readXml = async (xml: ZipEntry): Promise<string> => {
      if (xml.uncompressedSize > budget) {
        throw problem('too-large', file, zip.label(xml), `the metadata zip decompresses to more than the ${MAX_METADATA_TOTAL_BYTES} bytes vibflow reads`);
      }
      const bytes = await zip.read(xml, MAX_XML_BYTES);
      budget -= bytes.length;
      if (bytes.subarray(0, 4).equals(ZIP_MAGIC)) throw problem('too-deep', file, zip.label(xml), 'a zip inside the metadata zip: offline bundles never nest deeper than metadata.zip');
      return bytes.toString('utf8');
    };
    for (const inner of zip.entries.values()) {
      if (/\.zip$/i.test(inner.name)) throw problem('too-deep', file, zip.label(inner), 'a zip inside the metadata zip: offline bundles never nest deeper than metadata.zip');
    }
    const vmwareXml = zip.entries.get('vmware.xml');
    if (!vmwareXml) throw problem('no-metadata', file, `${label}!/vmware.xml`, 'the metadata zip has no vmware.xml');
    const vmwareLabel = zip.label(vmwareXml);
    const namedIds = parseEntry(file, vmwareLabel, await readXml(vmwareXml), bulletinVibIds);
    const descriptors: Metadata['descriptors'] = [];
    for (const inner of zip.entries.values()) {
      if (!/^vibs\/.+\.xml$/i.test(inner.name)) continue;
      const innerLabel = zip.label(inner);
      descriptors.push({ label: innerLabel, descriptor: parseEntry(file, innerLabel, await readXml(inner), parseDescriptor) });
    }
    if (descriptors.length === 0) throw problem('no-vibs', file, `${label}!/vibs/`, 'the metadata has no VIB descriptor under vibs/: the bundle installs nothing');
    const described = new Set(descriptors.map((d) => d.descriptor.id));
    const missing = namedIds.find((id) => !described.has(id));
    if (missing !== undefined) {
      throw problem('missing-descriptor', file, vmwareLabel, `a bulletin names VIB ${missing}, whose descriptor is not under vibs/ (the host would fail to find it)`);
    }
    return { label, descriptors };
  } finally {
    zip.close();
  }
}

/** The `.vib` entry of a metadata descriptor: its relative-path, else the one under vib20/<name>/. */
function vibEntry(file: string, outer: ZipReader, metadataLabel: string, label: string, descriptor: VibDescriptor): ZipEntry {
  if (descriptor.relativePath !== undefined) {
    const name = resolved(file, label, 'index.xml', descriptor.relativePath, 'its VIB file');
    const entry = outer.entries.get(name);
    if (!entry) throw problem('missing-vib', file, label, `its VIB file ${name} is not in the bundle`);
    return entry;
  }
  const prefix = `vib20/${descriptor.name}/`;
  const candidates = [...outer.entries.values()].filter((e) => e.name.startsWith(prefix) && /\.vib$/i.test(e.name));
  if (candidates.length !== 1) {
    throw problem('missing-vib', file, label, candidates.length === 0
      ? `the bundle has no ${prefix}*.vib for it, and the descriptor gives no <relative-path>`
      : `the descriptor gives no <relative-path> and ${prefix} holds ${candidates.length} VIB files (in ${metadataLabel})`);
  }
  return candidates[0];
}

/** The `.vib`'s own descriptor.xml and sig.pkcs7, read from its head; its payloads are not read. */
async function readVibHead(file: string, outer: ZipReader, entry: ZipEntry): Promise<{ descriptor: VibDescriptor; signed: boolean }> {
  const label = outer.label(entry);
  const bad = (detail: string) => problem('bad-vib', file, label, detail);
  try {
    let head = await outer.head(entry, VIB_HEAD_BYTES);
    if (!isAr(head)) throw bad('is not an ar archive (no !<arch> magic); a .vib always is');
    let members = arMembers(head, entry.uncompressedSize);
    const [descriptorMember] = members;
    if (!descriptorMember || descriptorMember.name !== 'descriptor.xml') {
      throw bad(`its first member is ${descriptorMember ? JSON.stringify(descriptorMember.name) : 'missing'}, not descriptor.xml`);
    }
    if (descriptorMember.size > MAX_XML_BYTES) throw problem('too-large', file, label, `its descriptor.xml is ${descriptorMember.size} bytes; vibflow reads at most ${MAX_XML_BYTES}`);
    // The signature member's header follows the descriptor; read that far when the first read stopped short.
    const wanted = descriptorMember.dataStart + descriptorMember.size + 1 + 60;
    if (wanted > head.length && head.length < entry.uncompressedSize) {
      head = await outer.head(entry, wanted);
      members = arMembers(head, entry.uncompressedSize);
    }
    const signature = members[1];
    if (!signature || signature.name !== 'sig.pkcs7') {
      throw bad(`its second member is ${signature ? JSON.stringify(signature.name) : 'missing'}, not sig.pkcs7`);
    }
    const text = head.subarray(descriptorMember.dataStart, descriptorMember.dataStart + descriptorMember.size).toString('utf8');
    return { descriptor: parseEntry(file, `${label}!/descriptor.xml`, text, parseDescriptor), signed: signature.size > 0 };
  } catch (err) {
    if (err instanceof ArProblem) throw bad(err.message);
    throw err;
  }
}

function sameVib(file: string, label: string, metadata: VibDescriptor, own: VibDescriptor): void {
  for (const field of DESCRIPTOR_FIELDS) {
    if (metadata[field] !== own[field]) {
      throw problem('bad-vib', file, label, `its descriptor.xml gives ${field} ${JSON.stringify(own[field])} where the metadata gives ${JSON.stringify(metadata[field])}`);
    }
  }
}

async function readContents(file: string, size: number, outer: ZipReader): Promise<BundleContents> {
  const index = outer.entries.get('index.xml');
  if (!index) throw notADepot(file, outer);
  const readXml = async (entry: ZipEntry) => (await outer.read(entry, MAX_XML_BYTES)).toString('utf8');
  // Metadata zip -> the vendor index that names it.
  const metadataZips = new Map<string, string>();
  for (const vendorIndexRef of parseEntry(file, 'index.xml', await readXml(index), vendorIndexFiles)) {
    const vendorIndexName = resolved(file, 'index.xml', 'index.xml', vendorIndexRef, 'its vendor index');
    const vendorIndex = named(outer, file, vendorIndexName, 'index.xml', 'its vendor index');
    for (const url of parseEntry(file, vendorIndexName, await readXml(vendorIndex), metadataUrls)) {
      const metadataName = resolved(file, vendorIndexName, vendorIndexName, url, 'its metadata zip');
      if (!metadataZips.has(metadataName)) metadataZips.set(metadataName, vendorIndexName);
    }
  }
  const vibs = new Map<string, BundleVib>();
  for (const [metadataName, vendorIndexName] of metadataZips) {
    const metadata = await readMetadata(file, outer, named(outer, file, metadataName, vendorIndexName, 'its metadata zip'));
    for (const { label, descriptor } of metadata.descriptors) {
      if (vibs.has(descriptor.id)) continue;
      const entry = vibEntry(file, outer, metadata.label, label, descriptor);
      if (descriptor.packedSize !== undefined && descriptor.packedSize !== entry.uncompressedSize) {
        throw problem('size-mismatch', file, outer.label(entry), `the VIB is ${entry.uncompressedSize} bytes but its descriptor (${label}) gives <packed-size> ${descriptor.packedSize}`);
      }
      const own = await readVibHead(file, outer, entry);
      sameVib(file, outer.label(entry), descriptor, own.descriptor);
      vibs.set(descriptor.id, {
        id: descriptor.id, name: descriptor.name, version: descriptor.version, vendor: descriptor.vendor, type: descriptor.type,
        acceptanceLevel: descriptor.acceptanceLevel, maintenanceMode: descriptor.maintenanceMode, liveInstallAllowed: descriptor.liveInstallAllowed,
        path: entry.name, size: entry.uncompressedSize, signed: own.signed,
      });
    }
  }
  const list = [...vibs.values()];
  return {
    file,
    size,
    vibs: list,
    rebootRequired: list.some((v) => !v.liveInstallAllowed),
    maintenanceModeRequired: list.some((v) => v.maintenanceMode),
  };
}

async function readOpen(file: string, handle: FileHandle): Promise<BundleContents> {
  const stat = await handle.stat();
  if (!stat.isFile()) throw new BundleError('unreadable', file, null, 'it is not a regular file');
  const head = await magic(handle);
  if (head.equals(AR_MAGIC)) throw new BundleError('bare-vib', file, null, BARE_VIB);
  const outer = await ZipReader.fromFile(handle, stat.size, { file, entry: null });
  try {
    return await readContents(file, stat.size, outer);
  } finally {
    outer.close();
  }
}

/** The bundle's VIBs and what installing them takes; reads only the metadata, whatever the size. */
export async function readBundle(file: string): Promise<BundleContents> {
  const handle = await openBundle(file);
  try {
    return await readOpen(file, handle);
  } finally {
    await handle.close();
  }
}

async function sha256OfStream(file: string, stream: NodeJS.ReadableStream): Promise<string> {
  const hash = createHash('sha256');
  try {
    await pipeline(stream, hash);
  } catch (err) {
    throw fileError(file, 'read', err);
  }
  return hash.digest('hex');
}

const HASH_CHUNK_BYTES = 1024 * 1024;

/** SHA-256 of the whole file, streamed, lowercase hex. */
export function sha256OfFile(file: string): Promise<string> {
  return sha256OfStream(file, createReadStream(file, { highWaterMark: HASH_CHUNK_BYTES }));
}

/** readBundle, plus the SHA-256 of the whole file (the same open file); refused when the file changes meanwhile. */
export async function inspectBundle(file: string): Promise<BundleInfo> {
  const handle = await openBundle(file);
  try {
    const before = await handle.stat();
    const contents = await readOpen(file, handle);
    const sha256 = await sha256OfStream(file, new FileRangeStream(handle, 0, before.size, HASH_CHUNK_BYTES));
    const after = await handle.stat();
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
      throw new BundleError('unreadable', file, null, 'the file changed while it was being read (still downloading or being copied?)');
    }
    return { ...contents, sha256 };
  } finally {
    await handle.close();
  }
}
