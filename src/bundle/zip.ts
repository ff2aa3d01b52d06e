/**
 * The zip layer of bundle reading, on yauzl. yauzl was chosen because it reads the central
 * directory and gives random access to each entry (through a file descriptor, so a 1 GB bundle
 * costs the bytes of the entries actually read), streams entries instead of buffering them,
 * reads nested zips from a buffer (`fromBuffer`, for metadata.zip), supports ZIP64, checks that
 * an entry's data lies inside the file, and is small and long maintained with no dependencies of
 * its own beyond a CRC-32 helper.
 *
 * Entry names are decoded and checked here rather than by yauzl (decodeStrings off), so that a
 * bad name becomes an error naming that entry instead of one that ends the listing; sizes are
 * checked here too, since an entry vibflow never reads (a VIB payload) is still one the host
 * will unpack.
 */
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { BundleError } from './errors';
import { FileRangeStream } from './fileRange';

export interface ZipEntry {
  /** The name as stored, `/`-separated. */
  readonly name: string;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** 0 stored, 8 deflated. */
  readonly method: number;
  readonly crc32: number;
  readonly raw: yauzl.Entry;
}

/** Where an error points: the bundle file, and how entries of this zip are named in messages. */
export interface ZipPlace {
  readonly file: string;
  /** The entry this zip is, inside the bundle (`metadata.zip`), or null for the bundle itself. */
  readonly entry: string | null;
}

/** Entries of a zip that vibflow reads, at most (a full ESXi depot has a few hundred). */
export const MAX_ENTRIES = 100_000;
/** No deflate stream expands more than this (a 258-byte match per 2 bits at best, about 1032:1). */
const DEFLATE_MAX_RATIO = 1032;
/** Each local file header takes at least this many bytes ahead of its data. */
const LOCAL_HEADER_BYTES = 30;

const STORED = 0;
const DEFLATED = 8;

/** Names come from the file: control characters are shown escaped, never written to a terminal. */
function printable(name: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(name) ? JSON.stringify(name) : name;
}

function entryLabel(place: ZipPlace, name: string): string {
  return printable(place.entry === null ? name : `${place.entry}!/${name}`);
}

/** What yauzl's validateFileName found, in words. */
function nameProblem(name: string): string | null {
  if (name.includes('\0')) return 'a NUL character';
  const problem = yauzl.validateFileName(name);
  if (problem === null) return null;
  if (problem.startsWith('invalid characters')) return 'a backslash';
  if (problem.startsWith('absolute path')) return 'an absolute path';
  return 'a .. segment';
}

function zipError(place: ZipPlace, err: unknown): BundleError {
  const message = err instanceof Error ? err.message : String(err);
  // A truncated download loses the end of central directory record first.
  if (/end of central directory record signature not found/i.test(message)) {
    return new BundleError('not-a-zip', place.file, place.entry, place.entry === null
      ? 'not a zip file (or one cut short: its end of central directory record is missing); an offline bundle is a zip'
      : 'not a zip file (or one cut short), though the depot names it as its metadata zip');
  }
  return new BundleError('corrupt-zip', place.file, place.entry, `the zip's structure is broken (a download cut short, or a damaged file): ${message}`);
}

export class ZipReader {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    private readonly place: ZipPlace,
    /** Files by name; directories are left out. */
    readonly entries: ReadonlyMap<string, ZipEntry>,
  ) {}

  /**
   * The zip in an open file. The caller keeps the handle and closes it after close(): the
   * bundle is opened once, so the file read is the file checked and hashed.
   */
  static async fromFile(handle: FileHandle, fileSize: number, place: ZipPlace): Promise<ZipReader> {
    const zip = await yauzl.fromRandomAccessReaderPromise(new FileHandleReader(handle), fileSize, OPTIONS).catch((err: unknown) => {
      throw zipError(place, err);
    });
    return ZipReader.list(zip, fileSize, place);
  }

  static async fromBuffer(buffer: Buffer, place: ZipPlace): Promise<ZipReader> {
    const zip = await yauzl.fromBufferPromise(buffer, OPTIONS).catch((err: unknown) => {
      throw zipError(place, err);
    });
    return ZipReader.list(zip, buffer.length, place);
  }

  private static async list(zip: yauzl.ZipFile, fileSize: number, place: ZipPlace): Promise<ZipReader> {
    try {
      if (zip.entryCount > MAX_ENTRIES) {
        throw new BundleError('too-large', place.file, place.entry, `the zip has ${zip.entryCount} entries; vibflow reads at most ${MAX_ENTRIES}`);
      }
      const entries = new Map<string, ZipEntry>();
      const seen = new Set<string>();
      let claimedBytes = 0;
      for await (const raw of eachEntry(zip, place)) {
        const name = yauzl.getFileNameLowLevel(raw.generalPurposeBitFlag, raw.fileNameRaw, raw.extraFields, true);
        const label = entryLabel(place, name);
        const problem = nameProblem(name);
        if (problem !== null) {
          throw new BundleError('unsafe-entry-name', place.file, label, `unsafe entry name (${problem}): every entry of a bundle must stay inside it`);
        }
        if (seen.has(name)) {
          throw new BundleError('unsafe-entry-name', place.file, label, 'the name appears twice in the zip, and zip readers disagree on which copy counts');
        }
        seen.add(name);
        if (raw.isEncrypted()) throw new BundleError('corrupt-zip', place.file, label, 'the entry is encrypted; an offline bundle never is');
        checkSizes(raw, fileSize, place, label);
        // Entries that overlap (one compressed stream claimed by many entries) are a known zip bomb.
        claimedBytes += LOCAL_HEADER_BYTES + raw.compressedSize;
        if (claimedBytes > fileSize) {
          throw new BundleError('size-mismatch', place.file, label, `the entries claim more compressed bytes than the ${fileSize}-byte file holds (entries overlap: a zip bomb, or a broken zip)`);
        }
        if (name.endsWith('/')) continue;
        entries.set(name, { name, compressedSize: raw.compressedSize, uncompressedSize: raw.uncompressedSize, method: raw.compressionMethod, crc32: raw.crc32, raw });
      }
      return new ZipReader(zip, place, entries);
    } catch (err) {
      zip.close();
      throw err;
    }
  }

  label(entry: ZipEntry): string {
    return entryLabel(this.place, entry.name);
  }

  /** The whole entry, refused above `limit` bytes, checked against its declared size and CRC-32. */
  async read(entry: ZipEntry, limit: number): Promise<Buffer> {
    if (entry.uncompressedSize > limit) {
      throw this.error('too-large', entry, `the entry declares ${entry.uncompressedSize} bytes; vibflow reads at most ${limit} bytes of it`);
    }
    const chunks: Buffer[] = [];
    let length = 0;
    let crc = 0;
    await this.stream(entry, (chunk) => {
      length += chunk.length;
      if (length > entry.uncompressedSize) throw this.error('size-mismatch', entry, `the entry holds more than the ${entry.uncompressedSize} bytes it declares`);
      crc = crc32(chunk, crc);
      chunks.push(chunk);
      return true;
    });
    if (length !== entry.uncompressedSize) throw this.error('size-mismatch', entry, `the entry holds ${length} bytes but declares ${entry.uncompressedSize}`);
    if (crc !== entry.crc32) throw this.error('corrupt-entry', entry, 'the entry does not match its CRC-32: the bundle is damaged');
    return Buffer.concat(chunks, length);
  }

  /** The first `bytes` bytes of the entry (fewer when it is shorter); the rest is never read. */
  async head(entry: ZipEntry, bytes: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let length = 0;
    await this.stream(entry, (chunk) => {
      chunks.push(chunk);
      length += chunk.length;
      return length < bytes;
    });
    return Buffer.concat(chunks, length).subarray(0, bytes);
  }

  close(): void {
    this.zip.close();
  }

  private error(kind: ConstructorParameters<typeof BundleError>[0], entry: ZipEntry, detail: string): BundleError {
    return new BundleError(kind, this.place.file, this.label(entry), detail);
  }

  /** Feeds the entry's bytes to `take` until it returns false or the entry ends. */
  private async stream(entry: ZipEntry, take: (chunk: Buffer) => boolean): Promise<void> {
    if (entry.method !== STORED && entry.method !== DEFLATED) {
      throw this.error('corrupt-zip', entry, `compression method ${entry.method} is not one ESXi reads (stored or deflated)`);
    }
    let stream;
    try {
      stream = await this.zip.openReadStreamPromise(entry.raw);
    } catch (err) {
      throw this.error('corrupt-zip', entry, `cannot open the entry: ${err instanceof Error ? err.message : String(err)}`);
    }
    try {
      for await (const chunk of stream) {
        if (!take(chunk as Buffer)) break;
      }
    } catch (err) {
      if (err instanceof BundleError) throw err;
      throw this.error('corrupt-entry', entry, `the entry cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      stream.destroy();
    }
  }
}

/** yauzl's reads through a FileHandle it does not own (yauzl closes an fd it is given). */
class FileHandleReader extends yauzl.RandomAccessReader {
  constructor(private readonly handle: FileHandle) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return new FileRangeStream(this.handle, start, end, 256 * 1024);
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    this.handle.read(buffer, offset, length, position).then(
      ({ bytesRead }) => callback(bytesRead === length ? null : new Error(`unexpected end of file at byte ${position + bytesRead}`)),
      (err: Error) => callback(err),
    );
  }
}

const OPTIONS: yauzl.Options = { autoClose: false, lazyEntries: true, decodeStrings: false, validateEntrySizes: false, strictFileNames: true };

/** yauzl's listing, with its errors turned into ones that name the bundle. */
async function* eachEntry(zip: yauzl.ZipFile, place: ZipPlace): AsyncGenerator<yauzl.Entry> {
  try {
    for await (const entry of zip.eachEntry()) yield entry;
  } catch (err) {
    if (err instanceof BundleError) throw err;
    throw zipError(place, err);
  }
}

/** Sizes that no real zip declares: data past the end of the file, or more than its method can produce. */
function checkSizes(raw: yauzl.Entry, fileSize: number, place: ZipPlace, label: string): void {
  const refuse = (detail: string) => new BundleError('size-mismatch', place.file, label, detail);
  if (raw.relativeOffsetOfLocalHeader + LOCAL_HEADER_BYTES + raw.compressedSize > fileSize) {
    throw refuse(`the entry's ${raw.compressedSize} compressed bytes at offset ${raw.relativeOffsetOfLocalHeader} run past the end of the ${fileSize}-byte file (a truncated download?)`);
  }
  if (raw.compressionMethod === STORED && raw.compressedSize !== raw.uncompressedSize) {
    throw refuse(`the entry is stored uncompressed but declares ${raw.uncompressedSize} bytes from ${raw.compressedSize}`);
  }
  if (raw.compressionMethod === DEFLATED && raw.uncompressedSize > raw.compressedSize * DEFLATE_MAX_RATIO + 1024) {
    throw refuse(`the entry declares ${raw.uncompressedSize} bytes from ${raw.compressedSize} compressed, more than deflate can produce (a zip bomb, or a broken zip)`);
  }
}
