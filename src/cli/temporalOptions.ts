/** The flags every command that talks to Temporal shares (they override envconfig), and the connection they make. */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { type Command, Option } from 'commander';
import { connectClient, DEFAULT_TASK_QUEUE, type TemporalTarget } from '../temporal/connection';
import { whyNewWorkWaits } from '../temporal/deployments';
import { UsageError } from './usageError';

export interface TemporalFlags {
  address?: string;
  namespace?: string;
  profile?: string;
  configFile?: string;
  taskQueue: string;
}

export function addTemporalOptions(command: Command): Command {
  return command
    .addOption(new Option('--address <host:port>', 'Temporal frontend address; else the profile, TEMPORAL_ADDRESS, or 127.0.0.1:7233'))
    .addOption(new Option('--namespace <ns>', 'Temporal namespace; else the profile, TEMPORAL_NAMESPACE, or "default"'))
    .addOption(new Option('--profile <name>', 'envconfig profile (TEMPORAL_PROFILE)'))
    .addOption(new Option('--config-file <path>', 'envconfig TOML file (TEMPORAL_CONFIG_FILE)'))
    .addOption(new Option('--task-queue <name>', 'task queue of the vibflow workers').default(DEFAULT_TASK_QUEUE));
}

export function temporalTarget(flags: TemporalFlags): TemporalTarget {
  return {
    ...(flags.address ? { address: flags.address } : {}),
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
    ...(flags.profile ? { profile: flags.profile } : {}),
    ...(flags.configFile ? { configFile: flags.configFile } : {}),
  };
}

/**
 * Connects (a failure is TemporalUnreachableError: exit 3), runs `body`, closes. Call it only once
 * the command's input is valid: validate first, connect second.
 */
export async function withTemporal<T>(flags: TemporalFlags, body: (client: Client) => Promise<T>): Promise<T> {
  const { client, connection } = await connectClient(temporalTarget(flags));
  try {
    return await body(client);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new UsageError(`no workflow ${err.workflowId ?? ''} in namespace ${client.options.namespace}${err.runId ? ` (run ${err.runId})` : ''}`);
    }
    throw err;
  } finally {
    await connection.close();
  }
}

/** A note on stderr when no worker would take what was just started (none polls, or none of the current version): it would only wait. */
export async function noteWhenNoWorker(client: Client, taskQueue: string): Promise<void> {
  const why = await whyNewWorkWaits(client, taskQueue);
  if (why) process.stderr.write(`vibflow: ${why}\n`);
}
