import { type Command, InvalidArgumentError, Option } from 'commander';
import { numberArg, portArg } from '../numberArg';
import { FAILURE_CATEGORIES, startSimulator, type FailureCategory } from '../../simulator';

interface SimulatorFlags {
  hosts: number;
  inventory: string;
  http?: boolean;
  port: number;
  addressBase: string;
  installSeconds: number;
  jobRetentionSeconds: number;
  invokeDelayMs: number;
  fail: Record<string, FailureCategory>;
  faultRate: number;
  seed: number;
  passwordEnv?: string;
  controlPort: number;
}

function failure(value: string, previous: Record<string, FailureCategory> = {}): Record<string, FailureCategory> {
  const [host, category] = value.split('=');
  if (!host || !FAILURE_CATEGORIES.includes(category as FailureCategory)) {
    throw new InvalidArgumentError(`--fail expects HOST=CATEGORY with CATEGORY one of ${FAILURE_CATEGORIES.join(', ')}`);
  }
  return { ...previous, [host]: category as FailureCategory };
}

export function registerSimulator(program: Command): void {
  program
    .command('simulator')
    .description('serve simulated ESXi hosts speaking CIM-XML, and write an inventory file for them')
    .addOption(new Option('--hosts <n>', 'number of hosts').argParser(numberArg('--hosts', 1, 10_000, true)).default(3))
    .option('--inventory <file>', 'where to write the inventory', 'vibflow-inventory.json')
    .option('--http', 'serve plain HTTP instead of HTTPS')
    .addOption(new Option('--port <port>', 'port on every host address (0 = ephemeral)').argParser(portArg('--port', 0)).default(5989))
    .option('--address-base <ip>', 'first loopback address; hosts take consecutive ones', '127.20.0.1')
    .addOption(new Option('--install-seconds <s>', 'how long an install takes').argParser(numberArg('--install-seconds', 0.1)).default(30))
    .addOption(new Option('--job-retention-seconds <s>', 'how long a finished job stays visible').argParser(numberArg('--job-retention-seconds', 0)).default(300))
    .addOption(new Option('--invoke-delay-ms <ms>', 'delay before InstallFromURI answers (after the job started)').argParser(numberArg('--invoke-delay-ms', 0)).default(0))
    .addOption(new Option('--fail <host=category>', `make a host fail (repeatable): ${FAILURE_CATEGORIES.join(', ')}`).argParser(failure).default({}))
    .addOption(new Option('--fault-rate <p>', 'share of requests that meet a transport fault').argParser(numberArg('--fault-rate', 0, 1)).default(0))
    .addOption(new Option('--seed <n>', 'seed for fault injection').argParser(numberArg('--seed', 0, Number.MAX_SAFE_INTEGER, true)).default(1))
    .option('--password-env <name>', 'take the password from this environment variable (default: random, written beside the inventory)')
    .addOption(new Option('--control-port <port>', 'control endpoint port (0 = ephemeral)').argParser(portArg('--control-port', 0)).default(0))
    .action(async (flags: SimulatorFlags) => {
      const simulator = await startSimulator({
        hosts: flags.hosts,
        http: flags.http ?? false,
        basePort: flags.port,
        addressBase: flags.addressBase,
        installSeconds: flags.installSeconds,
        jobRetentionSeconds: flags.jobRetentionSeconds,
        invokeDelayMs: flags.invokeDelayMs,
        failures: flags.fail,
        faultRate: flags.faultRate,
        seed: flags.seed,
        ...(flags.passwordEnv ? { passwordEnv: flags.passwordEnv } : {}),
        inventoryFile: flags.inventory,
        controlPort: flags.controlPort,
      });
      for (const host of simulator.hosts) process.stdout.write(`${host.name}  ${host.url}  ${host.thumbprint ?? '(plain http)'}\n`);
      process.stdout.write(`control endpoint: ${simulator.controlUrl}\ninventory: ${flags.inventory} (password reference ${simulator.inventory.hosts[0].credential})\nCtrl-C to stop\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await simulator.stop();
    });
}
