/** The flags every command that talks to Temporal shares; they override envconfig settings. */
import { type Command, Option } from 'commander';
import { DEFAULT_TASK_QUEUE, type TemporalTarget } from '../temporal/connection';

export interface TemporalFlags {
  address?: string;
  namespace?: string;
  profile?: string;
  configFile?: string;
  taskQueue: string;
}

export function addTemporalOptions(command: Command): Command {
  return command
    .addOption(new Option('--address <host:port>', 'Temporal frontend address (default: profile, TEMPORAL_ADDRESS, 127.0.0.1:7233)'))
    .addOption(new Option('--namespace <ns>', 'Temporal namespace (default: profile, TEMPORAL_NAMESPACE, default)'))
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
