/**
 * Connecting to Temporal the Temporal way: envconfig profiles (TOML) and TEMPORAL_* environment
 * variables, with CLI flags on top. The same settings serve the dev server, a self-hosted cluster
 * with mTLS and Temporal Cloud with an API key.
 */
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';

export const DEFAULT_TASK_QUEUE = 'vibflow';
const DEFAULT_ADDRESS = '127.0.0.1:7233';

export interface TemporalTarget {
  /** host:port; overrides the profile and TEMPORAL_ADDRESS. */
  readonly address?: string;
  readonly namespace?: string;
  /** envconfig profile name (TEMPORAL_PROFILE otherwise, then "default"). */
  readonly profile?: string;
  /** Path of an envconfig TOML file (TEMPORAL_CONFIG_FILE otherwise). */
  readonly configFile?: string;
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

/** Says where it tried to connect and how, since the SDK's own message names neither. */
async function connecting<T>(resolved: ReturnType<typeof resolveTemporalTarget>, target: TemporalTarget, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (err) {
    const { address, tls, apiKey } = resolved.connectionOptions as { address: string; tls?: unknown; apiKey?: unknown };
    const how = [tls ? 'TLS' : 'plaintext', ...(apiKey ? ['API key'] : []), ...(target.profile ?? process.env.TEMPORAL_PROFILE ? [`profile "${target.profile ?? process.env.TEMPORAL_PROFILE}"`] : [])];
    throw new Error(`cannot connect to Temporal at ${address} (${how.join(', ')}): ${(err as Error).message}`, { cause: err });
  }
}

export async function connectClient(target: TemporalTarget = {}): Promise<{ client: Client; connection: Connection }> {
  const resolved = resolveTemporalTarget(target);
  const connection = await connecting(resolved, target, () => Connection.connect(resolved.connectionOptions));
  return { client: new Client({ connection, namespace: resolved.namespace }), connection };
}

export async function connectWorker(target: TemporalTarget = {}): Promise<{ connection: NativeConnection; namespace: string }> {
  const resolved = resolveTemporalTarget(target);
  const connection = await connecting(resolved, target, () => NativeConnection.connect(resolved.connectionOptions));
  return { connection, namespace: resolved.namespace };
}
