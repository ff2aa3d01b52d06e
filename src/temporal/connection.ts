/**
 * Connecting to Temporal the Temporal way: envconfig profiles (TOML) and TEMPORAL_* environment
 * variables, with CLI flags on top. The same settings serve the dev server, a self-hosted cluster
 * with mTLS and Temporal Cloud with an API key.
 */
import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnection } from '@temporalio/worker';

export const DEFAULT_TASK_QUEUE = 'vibflow';
const DEFAULT_ADDRESS = '127.0.0.1:7233';
/** A refused or unroutable address is told within this; the SDK alone waits 10 s and hides why. */
const PROBE_TIMEOUT_MS = 3_000;
/** For the TLS and gRPC handshakes once the address answers. */
const CONNECT_TIMEOUT_MS = 5_000;

export interface TemporalTarget {
  /** host:port; overrides the profile and TEMPORAL_ADDRESS. */
  readonly address?: string;
  readonly namespace?: string;
  /** envconfig profile name (TEMPORAL_PROFILE otherwise, then "default"). */
  readonly profile?: string;
  /** Path of an envconfig TOML file (TEMPORAL_CONFIG_FILE otherwise). */
  readonly configFile?: string;
}

/** Temporal could not be reached: the message says where, how, and the underlying cause. */
export class TemporalUnreachableError extends Error {
  override readonly name = 'TemporalUnreachableError';
}

export function resolveTemporalTarget(target: TemporalTarget = {}) {
  const loaded = loadClientConnectConfig({
    ...(target.profile ? { profile: target.profile } : {}),
    ...(target.configFile ? { configSource: { path: target.configFile } } : {}),
  });
  const connectionOptions = {
    ...loaded.connectionOptions,
    address: target.address ?? loaded.connectionOptions.address ?? DEFAULT_ADDRESS,
  };
  return { connectionOptions, namespace: target.namespace ?? loaded.namespace ?? 'default' };
}

type Resolved = ReturnType<typeof resolveTemporalTarget>;

/** "TLS, API key, profile "prod"": how the connection was attempted. */
function transport(resolved: Resolved, target: TemporalTarget): string {
  const { tls, apiKey } = resolved.connectionOptions as { tls?: unknown; apiKey?: unknown };
  const profile = target.profile ?? process.env.TEMPORAL_PROFILE;
  return [tls ? 'TLS' : 'plaintext', ...(apiKey ? ['API key'] : []), ...(profile ? [`profile "${profile}"`] : [])].join(', ');
}

/** "[::1]:7233" or "host:7233" -> host and port; undefined for anything else (e.g. a dns:/// target). */
function hostAndPort(address: string): { host: string; port: number } | undefined {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(address);
  return match ? { host: match[1], port: Number(match[2]) } : undefined;
}

/** gRPC honours these; through a proxy a direct TCP probe would test the wrong path. */
const viaProxy = () => ['grpc_proxy', 'https_proxy', 'http_proxy'].some((name) => process.env[name] ?? process.env[name.toUpperCase()]);

/** Opens (and closes) a TCP connection: the OS's own answer, e.g. ECONNREFUSED, in milliseconds. */
function probe(address: string): Promise<Error | undefined> {
  const endpoint = hostAndPort(address);
  if (!endpoint || viaProxy()) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const socket = net.connect(endpoint);
    const done = (err?: Error) => {
      socket.destroy();
      resolve(err);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000} s (ETIMEDOUT)`)));
    socket.once('connect', () => done());
    socket.once('error', (err) => done(err));
  });
}

/** Probes the address, then connects; either failure says where it tried to connect, how, and why. */
async function connecting<T>(resolved: Resolved, target: TemporalTarget, connect: () => Promise<T>): Promise<T> {
  const { address } = resolved.connectionOptions;
  const unreachable = (cause: string, err: unknown) =>
    new TemporalUnreachableError(`cannot connect to Temporal at ${address} (${transport(resolved, target)}): ${cause}`, { cause: err });
  const refused = await probe(address);
  if (refused) throw unreachable(refused.message, refused);
  try {
    return await connect();
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : (err as Error).message;
    throw unreachable(`${cause} (the address accepts TCP connections; the TLS or gRPC handshake failed)`, err);
  }
}

export async function connectClient(target: TemporalTarget = {}): Promise<{ client: Client; connection: Connection }> {
  const resolved = resolveTemporalTarget(target);
  const connection = await connecting(resolved, target, () => Connection.connect({ ...resolved.connectionOptions, connectTimeout: CONNECT_TIMEOUT_MS }));
  return { client: new Client({ connection, namespace: resolved.namespace }), connection };
}

export async function connectWorker(target: TemporalTarget = {}): Promise<{ connection: NativeConnection; namespace: string }> {
  const resolved = resolveTemporalTarget(target);
  // Loaded here: the worker's native runtime is not needed by commands that only talk to Temporal.
  const { NativeConnection: Native } = await import('@temporalio/worker');
  const connection = await connecting(resolved, target, () => Native.connect(resolved.connectionOptions));
  return { connection, namespace: resolved.namespace };
}

/** True for an error that means Temporal went away after connecting (gRPC UNAVAILABLE). */
export function isTemporalUnavailable(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === 14) return true;
  }
  return false;
}
