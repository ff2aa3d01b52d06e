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

export async function connectClient(target: TemporalTarget = {}): Promise<{ client: Client; connection: Connection }> {
  const { connectionOptions, namespace } = resolveTemporalTarget(target);
  const connection = await Connection.connect(connectionOptions);
  return { client: new Client({ connection, namespace }), connection };
}

export async function connectWorker(target: TemporalTarget = {}): Promise<{ connection: NativeConnection; namespace: string }> {
  const { connectionOptions, namespace } = resolveTemporalTarget(target);
  return { connection: await NativeConnection.connect(connectionOptions), namespace };
}
