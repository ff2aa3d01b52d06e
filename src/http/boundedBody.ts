/**
 * A response body read whole, but never past a bound, declared or streamed: a server (or anyone
 * in its place) cannot make a client buffer without end. Shared by the CIM and vSphere transports.
 */
import type { Dispatcher } from 'undici';

export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
}

/** Throws BodyTooLarge past `maxBytes`; a stream that breaks throws its own error. */
export async function readBoundedBody(response: Pick<Dispatcher.ResponseData, 'headers' | 'body'>, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers['content-length'] ?? NaN);
  if (declared > maxBytes) {
    response.body.destroy();
    throw new BodyTooLarge(`response of ${declared} bytes exceeds the limit of ${maxBytes}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).byteLength;
    if (size > maxBytes) {
      response.body.destroy();
      throw new BodyTooLarge(`response exceeds the limit of ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}
