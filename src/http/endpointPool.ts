/**
 * The connection pool for one CIM or vSphere endpoint. Shared by both transports so that they
 * treat a server's sockets the same way.
 */
import { Pool } from 'undici';

export interface EndpointPoolOptions {
  readonly connections?: number;
  /** Bounds both the wait for the headers and the gaps in the body. */
  readonly requestTimeoutMs: number;
  readonly connect: Pool.Options['connect'];
}

export function endpointPool(origin: string, options: EndpointPoolOptions): Pool {
  return new Pool(origin, {
    connections: options.connections ?? 4,
    pipelining: 1,
    // Servers close idle connections (SFCB after 15 s); closing ours first avoids writing into a
    // dead socket.
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 10_000,
    headersTimeout: options.requestTimeoutMs,
    bodyTimeout: options.requestTimeoutMs,
    connect: options.connect,
  });
}
