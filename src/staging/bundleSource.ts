/**
 * The bundle as a worker reads it: from a path on its filesystem, or from an http(s) URL (an
 * artifact repository) into a local copy, checked against its SHA-256 as it streams. A zip
 * needs random access, so a downloaded bundle is kept in the worker's cache by its hash, and
 * every later step (reading its metadata, uploading it) reads that file.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Agent, interceptors, request } from 'undici';
import { sha256OfFile } from '../bundle';

export class BundleSourceError extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
    this.name = 'BundleSourceError';
  }
}

/** Counts and hashes what passes through; told of the byte count as it goes. */
export class HashingCounter extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  constructor(private readonly onBytes?: (bytes: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onBytes?.(this.bytes);
    done(null, chunk);
  }
  digest(): string {
    return this.hash.digest('hex');
  }
}

/** Whether a bundle source is an http(s) URL (else a path on the worker's filesystem). */
export const isBundleUrl = (source: string): boolean => /^https?:\/\//i.test(source);

/** A URL as messages show it: no user, password or query (an artifact URL may carry a token there). */
export function sourceLabel(source: string): string {
  if (!isBundleUrl(source)) return source;
  try {
    const url = new URL(source);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** The bundle's file name, as staged copies are named. */
export function sourceFileName(source: string): string {
  const name = isBundleUrl(source) ? decodeURIComponent(new URL(source).pathname.split('/').pop() ?? '') : path.basename(source);
  return name || 'bundle.zip';
}

const CACHE = path.join(os.tmpdir(), 'vibflow-bundles');

/** Follows up to 3 redirects, as artifact repositories hand downloads on to their storage (undici 7 does so through an interceptor). */
const downloads = new Agent().compose(interceptors.redirect({ maxRedirections: 3 }));

async function download(source: string, sha256: string, worker: string): Promise<string> {
  const target = path.join(CACHE, `${sha256}-${sourceFileName(source)}`);
  if (await stat(target).then((s) => s.isFile(), () => false)) return target;
  await mkdir(CACHE, { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  let response;
  try {
    response = await request(source, { method: 'GET', dispatcher: downloads, headersTimeout: 30_000, bodyTimeout: 60_000 });
  } catch (err) {
    throw new BundleSourceError(`worker ${worker} cannot read the bundle ${sourceLabel(source)}: ${(err as Error).message}`, true);
  }
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new BundleSourceError(`worker ${worker} cannot read the bundle ${sourceLabel(source)}: HTTP ${response.statusCode}`, response.statusCode >= 500);
  }
  const counter = new HashingCounter();
  try {
    await pipeline(response.body, counter, createWriteStream(partial));
  } catch (err) {
    await rm(partial, { force: true });
    throw new BundleSourceError(`worker ${worker} could not read all of the bundle ${sourceLabel(source)}: ${(err as Error).message}`, true);
  }
  const got = counter.digest();
  if (got !== sha256) {
    await rm(partial, { force: true });
    throw new BundleSourceError(`the bundle ${sourceLabel(source)} that worker ${worker} read has SHA-256 ${got}, not ${sha256}: it changed or is not the file meant`, false);
  }
  await rename(partial, target);
  return target;
}

/**
 * A local file holding the bundle, its hash checked: the source itself when it is a path, else
 * the worker's cached download. `worker` names the worker in messages. A path is read once to
 * check its hash unless `verify` is false (for a caller that hashes what it reads anyway).
 */
export async function localBundle(source: string, sha256: string, worker: string, options: { readonly verify?: boolean } = {}): Promise<{ file: string; sizeBytes: number }> {
  const expected = sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(expected)) throw new BundleSourceError(`bundle.sha256: "${sha256}" is not a SHA-256 (64 hex digits)`, false);
  if (isBundleUrl(source)) {
    const file = await download(source, expected, worker);
    return { file, sizeBytes: (await stat(file)).size };
  }
  if (!path.isAbsolute(source)) throw new BundleSourceError(`bundle.source: "${source}" must be an absolute path every worker can read, or an http(s) URL`, false);
  const info = await stat(source).catch((err: NodeJS.ErrnoException) => {
    throw new BundleSourceError(`worker ${worker} cannot read the bundle ${source}: ${err.code === 'ENOENT' ? 'no such file' : err.code ?? err.message}`, false);
  });
  if (!info.isFile()) throw new BundleSourceError(`worker ${worker} cannot read the bundle ${source}: not a file`, false);
  // An upload hashes what it sends anyway; it may skip this read.
  if (options.verify === false) return { file: source, sizeBytes: info.size };
  const got = await sha256OfFile(source);
  if (got !== expected) throw new BundleSourceError(`the bundle ${source} on worker ${worker} has SHA-256 ${got}, not ${expected}: it changed since the rollout was started, or is not the file meant`, false);
  return { file: source, sizeBytes: info.size };
}
