/**
 * Writes real ESXi offline bundles, laid out as VMware's tools lay them out: index.xml, the
 * vendor index, metadata.zip (vmware.xml with a bulletin per VIB, bulletins/, the descriptors
 * under vibs/ with the VIB's path, size and SHA-256 added) and the VIBs under vib20/<name>/,
 * each an `ar` archive of descriptor.xml, sig.pkcs7 (empty for community level) and a gzipped
 * tar payload of the size asked for. Payloads are streamed, so a 1 GB bundle is written without
 * holding it in memory. For the tests, the simulator's `--sample-bundle` and the benchmarks; the
 * defects reproduce the bad bundles vibflow must refuse.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { stat, truncate, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import yazl from 'yazl';
import type { AcceptanceLevel } from '../bundle';

/** How a descriptor is written: the tools that write them disagree on everything but the content. */
export type DescriptorStyle =
  /** Two-space indentation in VMware's order, as the public vibauthor scripts write it. */
  | 'indented'
  /** One line, an XML declaration, `<x></x>` for empty elements. */
  | 'compact'
  /** Another element order, tabs and CRLF, comments, CDATA, values wrapped in whitespace. */
  | 'shuffled';

export interface VibSpec {
  readonly name: string;
  readonly version: string;
  /** Default VMW. */
  readonly vendor?: string;
  /** Default bootbank. */
  readonly type?: string;
  /** Default partner. */
  readonly acceptanceLevel?: AcceptanceLevel;
  /** system-requires/maintenance-mode; default true. */
  readonly maintenanceMode?: boolean;
  /** live-install-allowed; default false (a reboot follows). */
  readonly liveInstall?: boolean;
  /** Bytes of the file inside the payload; default 1024. */
  readonly payloadBytes?: number;
  /** Default indented. */
  readonly descriptorStyle?: DescriptorStyle;
}

/** The bad bundles vibflow refuses, one per way a bundle goes wrong. */
export const BUNDLE_DEFECTS = [
  'no-metadata-zip',
  'no-vmware-xml',
  'no-descriptors',
  'unparsable-descriptor',
  'descriptor-without-name',
  'descriptor-without-version',
  'dotdot-entry',
  'absolute-entry',
  'dotdot-entry-in-metadata',
  'declared-size-bomb',
  'deflate-bomb',
  'zip-in-metadata',
  'missing-descriptor',
  'missing-vib-file',
  'vib-descriptor-mismatch',
  'packed-size-mismatch',
  'corrupt-entry',
  'truncated',
] as const;
export type BundleDefect = (typeof BUNDLE_DEFECTS)[number];

export interface BundleSpec {
  readonly vibs: readonly VibSpec[];
  /** Vendor in index.xml and the bulletins; default "vibflow test depot". */
  readonly depotVendor?: string;
  /** ESXi versions the metadata says it is for; default 8.0.0. */
  readonly esxiVersion?: string;
  readonly defect?: BundleDefect;
  /**
   * More files for metadata.zip, by name. ESXi 7.0 and later depots add base images, add-ons,
   * hardware support manifests, solutions and image profiles beside the bulletins (esximage's
   * WriteOfflineBundle takes baseimages, addons, manifests, solutions and profiles); vibflow
   * reads the VIBs through the bulletins and descriptors either way.
   */
  readonly extraMetadata?: Readonly<Record<string, string>>;
}

export interface WrittenVib {
  readonly id: string;
  /** The `.vib` inside the bundle. */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface WrittenBundle {
  readonly file: string;
  readonly size: number;
  readonly vibs: readonly WrittenVib[];
}

/** One partner-level driver that needs maintenance mode and a reboot: what `--sample-bundle` writes. */
export const SAMPLE_BUNDLE: BundleSpec = {
  vibs: [{ name: 'vibflow-drv', version: '2.0.0-1', vendor: 'VMW', acceptanceLevel: 'partner', maintenanceMode: true, liveInstall: false, payloadBytes: 64 * 1024 }],
};

const MTIME = new Date('2026-01-01T00:00:00Z');
const RELEASE_DATE = '2026-01-01T00:00:00.000000+00:00';
/** Payloads larger than this are streamed, never held in memory. */
const IN_MEMORY_BYTES = 16 * 1024 * 1024;
/** A stand-in for a signature: the simulator does not verify one, ESXi would. */
const PLACEHOLDER_SIGNATURE = Buffer.from('-----BEGIN PKCS7-----\nvibflow test signature (not a real one)\n-----END PKCS7-----\n');

interface Vib {
  readonly spec: Required<Omit<VibSpec, 'descriptorStyle'>> & { readonly descriptorStyle: DescriptorStyle };
  readonly id: string;
  readonly path: string;
}

function withDefaults(spec: VibSpec): Vib {
  const full = {
    vendor: 'VMW', type: 'bootbank', acceptanceLevel: 'partner' as AcceptanceLevel, maintenanceMode: true, liveInstall: false,
    payloadBytes: 1024, descriptorStyle: 'indented' as DescriptorStyle, ...spec,
  };
  const id = `${full.vendor}_${full.type}_${full.name}_${full.version}`;
  return { spec: full, id, path: `vib20/${full.name}/${id}.vib` };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// ---------------------------------------------------------------- payload: a gzipped ustar archive

/** A 1 MiB block of fixed pseudo-random bytes (xorshift), repeated: the same spec gives the same bytes. */
const FILL = (() => {
  const block = Buffer.alloc(1024 * 1024);
  let x = 0x9e3779b9;
  for (let i = 0; i < block.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    block.writeUInt32LE(x >>> 0, i);
  }
  return block;
})();

/** A ustar header for one regular file. */
function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(512);
  const field = (value: string, offset: number, length: number) => header.write(value, offset, length, 'ascii');
  const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, '0');
  field(name, 0, 100);
  field(octal(0o644, 8), 100, 8);
  field(octal(0, 8), 108, 8);
  field(octal(0, 8), 116, 8);
  field(octal(size, 12), 124, 12);
  field(octal(Math.floor(MTIME.getTime() / 1000), 12), 136, 12);
  field('        ', 148, 8);
  field('0', 156, 1);
  field('ustar\x0000', 257, 8);
  let sum = 0;
  for (const byte of header) sum += byte;
  field(`${octal(sum, 7)}\0 `, 148, 8);
  return header;
}

async function* tarChunks(name: string, size: number): AsyncGenerator<Buffer> {
  yield tarHeader(name, size);
  for (let left = size; left > 0; left -= FILL.length) yield left >= FILL.length ? FILL : FILL.subarray(0, left);
  yield Buffer.alloc((512 - (size % 512)) % 512 + 1024);
}

/** The payload: level 0 keeps a 1 GB payload quick to write (the simulator never unpacks it). */
function payloadStream(vib: Vib): Readable {
  return Readable.from(tarChunks(`opt/${vib.spec.name}/payload.bin`, vib.spec.payloadBytes)).pipe(createGzip({ level: 0, chunkSize: 1024 * 1024 }));
}

async function measure(stream: Readable): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

// ---------------------------------------------------------------- descriptors

interface PayloadFacts {
  readonly size: number;
  readonly sha256: string;
}

interface Extra {
  readonly relativePath: string;
  readonly packedSize: number;
  readonly sha256: string;
}

type Field = readonly [tag: string, content: string | null, attributes?: string];

/** The descriptor's elements in VMware's order; content null is an empty element. */
function descriptorFields(vib: Vib, payload: PayloadFacts, omit: ReadonlySet<string>): Field[] {
  const s = vib.spec;
  const fields: Field[] = [
    ['type', s.type],
    ['name', s.name],
    ['version', s.version],
    ['vendor', s.vendor],
    ['summary', `${s.name} for vibflow's tests & benchmarks`],
    ['description', `Built by vibflow's bundle builder: ${s.name} ${s.version}`],
    ['release-date', RELEASE_DATE],
    ['urls', null],
    ['relationships', '<depends/><conflicts/><replaces/><provides/><compatibleWith/>'],
    ['software-tags', null],
    ['system-requires', `<maintenance-mode>${s.maintenanceMode}</maintenance-mode>`],
    ['file-list', `<file>opt/${s.name}/payload.bin</file>`],
    ['acceptance-level', s.acceptanceLevel],
    ['live-install-allowed', String(s.liveInstall)],
    ['live-remove-allowed', String(s.liveInstall)],
    ['cimom-restart', 'false'],
    ['stateless-ready', 'true'],
    ['overlay', 'false'],
    ['payloads', `<payload name="payload1" type="tgz" size="${payload.size}"><checksum checksum-type="sha-256">${payload.sha256}</checksum></payload>`],
  ];
  return fields.filter(([tag]) => !omit.has(tag));
}

const RAW_CONTENT = new Set(['relationships', 'system-requires', 'file-list', 'payloads', 'checksum']);

function renderDescriptor(style: DescriptorStyle, fields: readonly Field[], extra: Extra | null): string {
  const all: Field[] = [...fields];
  if (extra) all.push(['relative-path', extra.relativePath], ['packed-size', String(extra.packedSize)], ['checksum', extra.sha256, ' checksum-type="sha-256"']);
  const content = (tag: string, value: string) => (RAW_CONTENT.has(tag) && tag !== 'checksum' ? value : escapeXml(value));
  if (style === 'compact') {
    return `<?xml version="1.0" encoding="utf-8"?><vib version="5.0">${all.map(([tag, value, attrs = '']) => `<${tag}${attrs}>${value === null ? '' : content(tag, value)}</${tag}>`).join('')}</vib>`;
  }
  if (style === 'shuffled') {
    // Reversed order, a comment, CDATA for free text, values on their own lines.
    const lines = [...all].reverse().map(([tag, value, attrs = '']) => {
      if (value === null) return `\t<${tag} ${attrs}/>`;
      if (tag === 'summary' || tag === 'description') return `\t<${tag}${attrs}><![CDATA[${value}]]></${tag}>`;
      if (RAW_CONTENT.has(tag) && tag !== 'checksum') return `\t<${tag}${attrs}>\r\n\t\t${value.replace(/></g, '>\r\n\t\t<')}\r\n\t</${tag}>`;
      return `\t<${tag}${attrs}>\r\n\t\t${escapeXml(value)}\r\n\t</${tag}>`;
    });
    return `<vib   version = "5.0" >\r\n\t<!-- written out of order on purpose -->\r\n${lines.join('\r\n')}\r\n</vib>\r\n`;
  }
  const lines = all.map(([tag, value, attrs = '']) => (value === null ? `  <${tag}${attrs}/>` : `  <${tag}${attrs}>${content(tag, value)}</${tag}>`));
  return `<vib version="5.0">\n${lines.join('\n')}\n</vib>\n`;
}

// ---------------------------------------------------------------- the VIB: an ar archive

function arHeader(name: string, size: number): Buffer {
  // As ESXi's own tools write it: the name space padded, no GNU "/" and no BSD "#1/".
  const header = `${name.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${String(size).padEnd(10)}\`\n`;
  return Buffer.from(header, 'latin1');
}

const pad = (size: number) => (size % 2 === 1 ? Buffer.from('\n') : Buffer.alloc(0));

/** The VIB's bytes ahead of the payload's data. */
function vibPrefix(descriptor: Buffer, signature: Buffer, payloadSize: number): Buffer {
  return Buffer.concat([
    Buffer.from('!<arch>\n', 'latin1'),
    arHeader('descriptor.xml', descriptor.length), descriptor, pad(descriptor.length),
    arHeader('sig.pkcs7', signature.length), signature, pad(signature.length),
    arHeader('payload1', payloadSize),
  ]);
}

async function* vibChunks(prefix: Buffer, vib: Vib, payloadSize: number): AsyncGenerator<Buffer> {
  yield prefix;
  for await (const chunk of payloadStream(vib)) yield chunk as Buffer;
  yield pad(payloadSize);
}

interface BuiltVib {
  readonly vib: Vib;
  readonly fields: Field[];
  readonly size: number;
  readonly sha256: string;
  /** A new stream of the VIB's bytes each call. */
  readonly open: () => Readable;
}

async function buildVib(vib: Vib, ownDescriptor: (fields: Field[]) => Field[]): Promise<BuiltVib> {
  const payload = await measure(payloadStream(vib));
  const fields = descriptorFields(vib, payload, new Set());
  const descriptor = Buffer.from(renderDescriptor(vib.spec.descriptorStyle, ownDescriptor(fields), null));
  const signature = vib.spec.acceptanceLevel === 'community' ? Buffer.alloc(0) : PLACEHOLDER_SIGNATURE;
  const prefix = vibPrefix(descriptor, signature, payload.size);
  if (vib.spec.payloadBytes <= IN_MEMORY_BYTES) {
    const chunks: Buffer[] = [];
    for await (const chunk of vibChunks(prefix, vib, payload.size)) chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    return { vib, fields, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), open: () => Readable.from([bytes]) };
  }
  const open = () => Readable.from(vibChunks(prefix, vib, payload.size));
  const whole = await measure(open());
  return { vib, fields, ...whole, open };
}

// ---------------------------------------------------------------- depot files

function indexXml(vendor: string): string {
  return [
    '<vendorList>',
    '  <vendor>',
    `    <name>${escapeXml(vendor)}</name>`,
    '    <code>vft</code>',
    '    <indexfile>vendor-index.xml</indexfile>',
    '    <patchUrl></patchUrl>',
    '    <relativePath></relativePath>',
    '    <content>',
    '      <name>VMware ESX</name>',
    '      <type>http://www.vmware.com/depotmanagement/esx</type>',
    '    </content>',
    '  </vendor>',
    '</vendorList>',
    '',
  ].join('\n');
}

function vendorIndexXml(esxiVersion: string): string {
  return [
    '<metaList>',
    '  <metadata>',
    '    <productId>embeddedEsx</productId>',
    `    <version>${escapeXml(esxiVersion)}</version>`,
    '    <locale></locale>',
    '    <url>metadata.zip</url>',
    '    <channelName>default</channelName>',
    '  </metadata>',
    '</metaList>',
    '',
  ].join('\n');
}

function bulletinId(vib: Vib): string {
  return `${vib.spec.vendor}-${vib.spec.name}-${vib.spec.version}`;
}

function bulletinXml(vib: Vib, vibIds: readonly string[], depotVendor: string, esxiVersion: string): string {
  const platform = `${esxiVersion.split('.').slice(0, 2).join('.')}.*`;
  return [
    '  <bulletin>',
    `    <id>${escapeXml(bulletinId(vib))}</id>`,
    `    <vendor>${escapeXml(depotVendor)}</vendor>`,
    `    <summary>${escapeXml(vib.spec.name)} ${escapeXml(vib.spec.version)}</summary>`,
    '    <severity>general</severity>',
    '    <category>enhancement</category>',
    '    <urgency>moderate</urgency>',
    '    <releaseType>extension</releaseType>',
    `    <releaseDate>${RELEASE_DATE}</releaseDate>`,
    `    <platforms><softwarePlatform locale="" version="${platform}" productLineID="embeddedEsx"/></platforms>`,
    `    <vibList>${vibIds.map((id) => `<vibID>${escapeXml(id)}</vibID>`).join('')}</vibList>`,
    '  </bulletin>',
  ].join('\n');
}

function vmwareXml(bulletins: readonly string[], padding = ''): string {
  return `<metadataResponse>\n  <version>3.0</version>\n  <timestamp>${RELEASE_DATE}</timestamp>\n${bulletins.join('\n')}\n${padding}</metadataResponse>\n`;
}

// ---------------------------------------------------------------- zip output and raw patches

function zipToBuffer(zip: yazl.ZipFile): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.end();
  });
}

/**
 * Renames an entry to a name yazl refuses to write (`..`, an absolute path): the entry is written
 * under a placeholder of the same length, whose bytes are then replaced in the local and central
 * headers.
 */
function renameEntry(zip: Buffer, placeholder: string, name: string): Buffer {
  if (placeholder.length !== name.length) throw new Error('renameEntry: the names must have the same length');
  const from = Buffer.from(placeholder);
  const to = Buffer.from(name);
  let count = 0;
  for (let at = zip.indexOf(from); at >= 0; at = zip.indexOf(from, at + to.length)) {
    to.copy(zip, at);
    count++;
  }
  if (count !== 2) throw new Error(`renameEntry: expected ${placeholder} in the local and the central header, found it ${count} times`);
  return zip;
}

/** Overwrites an entry's declared uncompressed size in its central and local headers. */
function patchDeclaredSize(zip: Buffer, name: string, size: number): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < zip.readUInt16LE(eocd + 10); i++) {
    const nameLength = zip.readUInt16LE(at + 28);
    const entryName = zip.subarray(at + 46, at + 46 + nameLength).toString();
    if (entryName === name) {
      zip.writeUInt32LE(size, at + 24);
      zip.writeUInt32LE(size, zip.readUInt32LE(at + 42) + 22);
      return zip;
    }
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  throw new Error(`patchDeclaredSize: no entry ${name}`);
}

const DOTDOT = { placeholder: 'xx/xx/evil.xml', name: '../../evil.xml' };
const ABSOLUTE = { placeholder: 'Xtmp/evil.xml', name: '/tmp/evil.xml' };

async function metadataZip(built: readonly BuiltVib[], spec: BundleSpec, depotVendor: string, esxiVersion: string): Promise<Buffer> {
  const defect = spec.defect;
  const zip = new yazl.ZipFile();
  const add = (text: string | Buffer, name: string) => zip.addBuffer(Buffer.isBuffer(text) ? text : Buffer.from(text), name, { mtime: MTIME });
  const ids = built.map((b) => b.vib.id);
  const bulletins = defect === 'no-descriptors' ? [] : built.map((b, i) => bulletinXml(b.vib, i === 0 && defect === 'missing-descriptor' ? [b.vib.id, `${b.vib.spec.vendor}_bootbank_${b.vib.spec.name}-extra_${b.vib.spec.version}`] : [ids[i]], depotVendor, esxiVersion));
  // 24 MiB of whitespace: well-formed XML that deflates to a few KB and is far above what vibflow reads.
  const padding = defect === 'deflate-bomb' ? `${' '.repeat(1024 * 1024)}\n`.repeat(24) : '';
  if (defect !== 'no-vmware-xml') add(vmwareXml(bulletins, padding), 'vmware.xml');
  add(vendorIndexXml(esxiVersion), 'vendor-index.xml');
  built.forEach((b, i) => add(`<?xml version="1.0"?>\n${bulletinXml(b.vib, [ids[i]], depotVendor, esxiVersion).trim()}\n`, `bulletins/${bulletinId(b.vib)}.xml`));
  if (defect !== 'no-descriptors') {
    built.forEach((b, i) => {
      const first = i === 0;
      const omit = new Set(first && defect === 'descriptor-without-name' ? ['name'] : first && defect === 'descriptor-without-version' ? ['version'] : []);
      const extra = { relativePath: b.vib.path, packedSize: b.size + (first && defect === 'packed-size-mismatch' ? 1 : 0), sha256: b.sha256 };
      let text = renderDescriptor(b.vib.spec.descriptorStyle, b.fields.filter(([tag]) => !omit.has(tag)), extra);
      if (first && defect === 'unparsable-descriptor') text = text.slice(0, Math.floor(text.length / 2));
      add(text, `vibs/${b.vib.spec.name}--${b.sha256.slice(0, 10)}.xml`);
    });
  }
  if (defect === 'zip-in-metadata') {
    const inner = new yazl.ZipFile();
    inner.addBuffer(Buffer.from('<vib/>'), 'vibs/inner.xml', { mtime: MTIME });
    add(await zipToBuffer(inner), 'vibs/nested.zip');
  }
  for (const [name, content] of Object.entries(spec.extraMetadata ?? {})) add(content, name);
  if (defect === 'dotdot-entry-in-metadata') add('<vib/>', DOTDOT.placeholder);
  const bytes = await zipToBuffer(zip);
  return defect === 'dotdot-entry-in-metadata' ? renameEntry(bytes, DOTDOT.placeholder, DOTDOT.name) : bytes;
}

/** Defects that rewrite bytes of the finished bundle, which is then assembled in memory. */
const PATCHED: ReadonlySet<BundleDefect> = new Set(['dotdot-entry', 'absolute-entry', 'declared-size-bomb', 'corrupt-entry']);

/** Writes an offline bundle to `file`. */
export async function writeBundle(file: string, spec: BundleSpec): Promise<WrittenBundle> {
  if (spec.vibs.length === 0 && spec.defect !== 'no-descriptors') throw new Error('writeBundle: give at least one VIB');
  const depotVendor = spec.depotVendor ?? 'vibflow test depot';
  const esxiVersion = spec.esxiVersion ?? '8.0.0';
  const defect = spec.defect;
  const built: BuiltVib[] = [];
  for (const [i, vibSpec] of spec.vibs.entries()) {
    const vib = withDefaults(vibSpec);
    // The VIB's own descriptor; the defect makes it disagree with the metadata's copy.
    const own = (fields: Field[]): Field[] => (i === 0 && defect === 'vib-descriptor-mismatch' ? fields.map(([tag, value, attrs]) => (tag === 'version' ? [tag, `${value}.1`, attrs] : [tag, value, attrs])) : fields);
    built.push(await buildVib(vib, own));
  }
  const zip = new yazl.ZipFile();
  const text = (content: string, name: string, compress = true) => zip.addBuffer(Buffer.from(content), name, { mtime: MTIME, compress });
  text(indexXml(depotVendor), 'index.xml');
  // Stored, so that the corrupt-entry defect can flip one of its bytes in place.
  text(vendorIndexXml(esxiVersion), 'vendor-index.xml', false);
  if (defect !== 'no-metadata-zip') zip.addBuffer(await metadataZip(built, spec, depotVendor, esxiVersion), 'metadata.zip', { mtime: MTIME, compress: false });
  for (const [i, b] of built.entries()) {
    if (i === 0 && defect === 'missing-vib-file') continue;
    zip.addReadStreamLazy(b.vib.path, { mtime: MTIME, compress: false, size: b.size }, (callback) => callback(null, b.open()));
  }
  if (defect === 'dotdot-entry') text('<vib/>', DOTDOT.placeholder);
  if (defect === 'absolute-entry') text('<vib/>', ABSOLUTE.placeholder);

  if (defect !== undefined && PATCHED.has(defect)) {
    let bytes = await zipToBuffer(zip);
    if (defect === 'dotdot-entry') bytes = renameEntry(bytes, DOTDOT.placeholder, DOTDOT.name);
    if (defect === 'absolute-entry') bytes = renameEntry(bytes, ABSOLUTE.placeholder, ABSOLUTE.name);
    // index.xml deflates to a few hundred bytes; 3 GiB from that is impossible.
    if (defect === 'declared-size-bomb') bytes = patchDeclaredSize(bytes, 'index.xml', 3 * 1024 ** 3);
    if (defect === 'corrupt-entry') {
      const at = bytes.indexOf(Buffer.from('<productId>'));
      bytes[at + 1] ^= 0x20;
    }
    await writeFile(file, bytes);
  } else {
    const done = pipeline(zip.outputStream, createWriteStream(file));
    zip.end();
    await done;
  }
  // A download cut short: the end of central directory record is gone.
  if (defect === 'truncated') await truncate(file, Math.floor((await stat(file)).size / 2));
  return {
    file,
    size: (await stat(file)).size,
    vibs: built.filter((_, i) => !(i === 0 && defect === 'missing-vib-file')).map((b) => ({ id: b.vib.id, path: b.vib.path, size: b.size, sha256: b.sha256 })),
  };
}

/** Writes one `.vib` on its own, as a vendor ships it beside (or instead of) the offline bundle. */
export async function writeBareVib(file: string, spec: VibSpec): Promise<WrittenVib> {
  const b = await buildVib(withDefaults(spec), (fields) => fields);
  await pipeline(b.open(), createWriteStream(file));
  return { id: b.vib.id, path: file, size: b.size, sha256: b.sha256 };
}
