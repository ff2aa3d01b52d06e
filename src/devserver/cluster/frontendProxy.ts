/**
 * The cluster's one client address: a TCP proxy in front of every node's frontend, as a load
 * balancer is in production. Connections go round-robin; one that cannot reach its node (a killed
 * node refuses at once) moves on to the next, so clients keep working while any node lives.
 * gRPC runs over long-lived HTTP/2 connections: when a node dies, its clients' connections drop
 * and their reconnects land on a live node.
 */
import net from 'node:net';

const CONNECT_TIMEOUT_MS = 2_000;

export interface FrontendProxyOptions {
  readonly host: string;
  readonly port: number;
  /** host:port of every frontend. */
  readonly upstreams: readonly string[];
  readonly log?: (line: string) => void;
}

function connectUpstream(upstream: string): Promise<net.Socket> {
  const separator = upstream.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: upstream.slice(0, separator), port: Number(upstream.slice(separator + 1)) });
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error(`no answer in ${CONNECT_TIMEOUT_MS} ms`)));
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.removeListener('error', reject);
      resolve(socket);
    });
  });
}

export function startFrontendProxy(options: FrontendProxyOptions): Promise<net.Server> {
  const log = options.log ?? (() => undefined);
  let next = 0;

  async function route(client: net.Socket): Promise<void> {
    client.pause();
    client.on('error', () => client.destroy());
    const first = next++ % options.upstreams.length;
    for (let i = 0; i < options.upstreams.length && !client.destroyed; i++) {
      const upstream = options.upstreams[(first + i) % options.upstreams.length];
      let server: net.Socket;
      try {
        server = await connectUpstream(upstream);
      } catch (err) {
        log(`frontend ${upstream} unreachable (${(err as Error).message}); trying the next`);
        continue;
      }
      server.setNoDelay(true);
      client.setNoDelay(true);
      server.on('error', () => client.destroy());
      client.on('error', () => server.destroy());
      server.on('close', () => client.destroy());
      client.on('close', () => server.destroy());
      client.pipe(server);
      server.pipe(client);
      client.resume();
      return;
    }
    log('no frontend reachable; closing the client connection');
    client.destroy();
  }

  const server = net.createServer((client) => void route(client));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.removeListener('error', reject);
      resolve(server);
    });
  });
}
