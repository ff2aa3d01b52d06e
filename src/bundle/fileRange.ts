/**
 * A byte range of an open file as a stream that leaves the file open when it is destroyed.
 * (Node's fs streams close their descriptor or FileHandle on destroy() whatever autoClose says,
 * and vibflow stops reading a VIB after its first members, then reads on.)
 */
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';

const CHUNK_BYTES = 1024 * 1024;

export class FileRangeStream extends Readable {
  private position: number;

  /** Bytes [start, end) of the file. */
  constructor(
    private readonly handle: FileHandle,
    start: number,
    private readonly end: number,
    private readonly chunkBytes = CHUNK_BYTES,
  ) {
    super({ highWaterMark: chunkBytes });
    this.position = start;
  }

  override _read(): void {
    const length = Math.min(this.chunkBytes, this.end - this.position);
    if (length <= 0) {
      this.push(null);
      return;
    }
    const buffer = Buffer.allocUnsafe(length);
    this.handle.read(buffer, 0, length, this.position).then(
      ({ bytesRead }) => {
        if (this.destroyed) return;
        if (bytesRead === 0) {
          this.destroy(new Error(`unexpected end of file at byte ${this.position}`));
          return;
        }
        this.position += bytesRead;
        this.push(bytesRead === length ? buffer : buffer.subarray(0, bytesRead));
      },
      (err: Error) => this.destroy(err),
    );
  }
}
