/**
 * One staged copy on one datastore, made so that a half-written file is never installed: the
 * bundle is uploaded to a partial name beside its place, read back and checked (size and
 * SHA-256 of what the datastore holds), and only then moved into place. An identical copy that
 * is already there is kept; a copy that differs is replaced. A retry after a crash at any point
 * starts over from the partial (PUT overwrites), so every datastore ends with one verified copy.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import path from 'node:path';
import type { VsphereClient } from '../vsphere';
import type { DatastoreSummary } from '../vsphere/model';
import { sha256OfFile } from '../bundle';

export interface CopyToStage {
  /** The local file to upload. */
  readonly file: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  /** Path inside the datastore (vibflow/<sha prefix>/<name>). */
  readonly path: string;
}

export type CopyPhase = 'checking' | 'uploading' | 'verifying' | 'moving';

export interface CopyProgress {
  readonly phase: CopyPhase;
  readonly bytesDone: number;
  readonly sizeBytes: number;
}

export class StagedCopyError extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
    this.name = 'StagedCopyError';
  }
}

const where = (ds: DatastoreSummary, file: string) => `[${ds.name}] ${file}`;

/** Reads of 1 MiB: a 1 GB bundle goes out in about a thousand chunks instead of sixteen thousand. */
const CHUNK_BYTES = 1024 * 1024;

/** Counts what passes through, and says so as it goes. */
class ByteCounter extends Transform {
  bytes = 0;
  constructor(private readonly onBytes: (bytes: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.onBytes(this.bytes);
    done(null, chunk);
  }
}

/** Size and SHA-256 of what the datastore holds at `file` (read back through vCenter); null when nothing is there. */
export async function readBackCopy(client: VsphereClient, ds: DatastoreSummary, file: string, onBytes?: (bytes: number) => void): Promise<{ sizeBytes: number; sha256: string } | null> {
  const body = await client.downloadFile(ds, file);
  if (!body) return null;
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
    onBytes?.(bytes);
  }
  return { sizeBytes: bytes, sha256: hash.digest('hex') };
}

/** Whether the datastore holds an identical copy at `copy.path`: the size first (a browser search), then the bytes. */
export async function holdsCopy(client: VsphereClient, ds: DatastoreSummary, copy: Pick<CopyToStage, 'path' | 'sizeBytes' | 'sha256'>): Promise<boolean> {
  const files = await client.searchDatastore(ds, path.posix.dirname(copy.path), path.posix.basename(copy.path));
  const found = files.find((f) => f.datastorePath.endsWith(`/${path.posix.basename(copy.path)}`));
  if (!found || (found.sizeBytes !== null && found.sizeBytes !== copy.sizeBytes)) return false;
  const held = await readBackCopy(client, ds, copy.path);
  return held !== null && held.sizeBytes === copy.sizeBytes && held.sha256 === copy.sha256;
}

/**
 * Puts one verified copy on the datastore. Resolves `uploaded: false` when an identical copy was
 * there already. `attempt` names the partial file, so a retry never reads another attempt's bytes.
 */
export async function stageCopy(client: VsphereClient, ds: DatastoreSummary, copy: CopyToStage, onProgress: (progress: CopyProgress) => void): Promise<{ uploaded: boolean }> {
  onProgress({ phase: 'checking', bytesDone: 0, sizeBytes: copy.sizeBytes });
  if (await holdsCopy(client, ds, copy)) return { uploaded: false };
  const dir = path.posix.dirname(copy.path);
  await client.makeDirectory(ds.datacenterRef, ds.name, dir);
  const partial = `${dir}/.${path.posix.basename(copy.path)}.partial`;

  // The bytes are checked once, where it counts: read back from the datastore. Hashing them on the
  // way out as well would halve the upload's rate (one thread hashes and sends).
  const sent = new ByteCounter((bytes) => onProgress({ phase: 'uploading', bytesDone: bytes, sizeBytes: copy.sizeBytes }));
  const source = createReadStream(copy.file, { highWaterMark: CHUNK_BYTES }).pipe(sent);
  await client.uploadFile(ds, partial, source, copy.sizeBytes);

  const held = await readBackCopy(client, ds, partial, (bytes) => onProgress({ phase: 'verifying', bytesDone: bytes, sizeBytes: copy.sizeBytes }));
  if (!held || held.sizeBytes !== copy.sizeBytes || held.sha256 !== copy.sha256) {
    await client.deleteDatastoreFile(ds.datacenterRef, ds.name, partial).catch(() => false);
    // Which side is wrong: a bundle file that changed since it was checked is not worth uploading again.
    const local = await sha256OfFile(copy.file).catch(() => null);
    if (sent.bytes !== copy.sizeBytes || local !== copy.sha256) {
      throw new StagedCopyError(`the bundle ${copy.file} changed while it was uploaded to ${where(ds, partial)} (${sent.bytes} bytes sent, ${copy.sizeBytes} expected, SHA-256 now ${local ?? 'unreadable'})`, false);
    }
    const got = held ? `${held.sizeBytes} bytes, SHA-256 ${held.sha256}` : 'nothing';
    throw new StagedCopyError(`${where(ds, partial)} holds ${got} after the upload, not the ${copy.sizeBytes} bytes sent (SHA-256 ${copy.sha256}); uploading again`, true);
  }
  onProgress({ phase: 'moving', bytesDone: copy.sizeBytes, sizeBytes: copy.sizeBytes });
  await client.moveDatastoreFile(ds.datacenterRef, ds.name, partial, copy.path, { force: true });
  return { uploaded: true };
}
