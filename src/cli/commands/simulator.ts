import { type Command, InvalidArgumentError, Option } from 'commander';
import { numberArg, portArg } from '../numberArg';
import { UsageError } from '../usageError';
import { FAILURE_CATEGORIES, simulatedHostName, startSimulator, VCENTER_FAULTS, type FailureCategory, type VcenterFault, type VcenterOptions } from '../../simulator';

interface SimulatorFlags {
  hosts: number;
  inventory: string;
  http?: boolean;
  port: number;
  addressBase: string;
  installSeconds: number;
  jobRetentionSeconds: number;
  invokeDelayMs: number;
  fail?: Record<string, FailureCategory>;
  faultRate: number;
  seed: number;
  passwordEnv?: string;
  controlPort: number;
  vcenter?: boolean;
  clusters?: number;
  rebootSeconds?: number;
  maintenanceSeconds?: number;
  vcenterFault?: Record<string, VcenterFault>;
}

/** A repeatable HOST=VALUE flag whose VALUE (called `what` in errors) is one of `allowed`. */
function hostAssignment<T extends string>(flag: string, what: string, allowed: readonly T[]) {
  return (value: string, previous: Record<string, T> = {}): Record<string, T> => {
    const [host, chosen] = value.split('=');
    if (!host || !allowed.includes(chosen as T)) throw new InvalidArgumentError(`${flag} expects HOST=${what} with ${what} one of ${allowed.join(', ')}`);
    return { ...previous, [host]: chosen as T };
  };
}

const VCENTER_ONLY_FLAGS = { clusters: '--clusters', rebootSeconds: '--reboot-seconds', maintenanceSeconds: '--maintenance-seconds', vcenterFault: '--vcenter-fault' } as const;

/** The vCenter flags make sense only with --vcenter, and name hosts and clusters the fleet has. */
function vcenterOptions(flags: SimulatorFlags): VcenterOptions | undefined {
  if (!flags.vcenter) {
    const given = Object.entries(VCENTER_ONLY_FLAGS).find(([option]) => flags[option as keyof typeof VCENTER_ONLY_FLAGS] !== undefined);
    if (given) throw new UsageError(`${given[1]} needs --vcenter`);
    return undefined;
  }
  const clusters = flags.clusters ?? 1;
  if (clusters > flags.hosts) throw new UsageError(`--clusters ${clusters} is more than --hosts ${flags.hosts}: every cluster needs a host`);
  const names = Array.from({ length: flags.hosts }, (_, i) => simulatedHostName(i));
  const unknown = Object.keys(flags.vcenterFault ?? {}).find((host) => !names.includes(host));
  if (unknown) throw new UsageError(`--vcenter-fault ${unknown}: no such host (the hosts are ${names[0]} to ${names[names.length - 1]})`);
  return {
    clusters,
    ...(flags.rebootSeconds !== undefined ? { rebootSeconds: flags.rebootSeconds } : {}),
    ...(flags.maintenanceSeconds !== undefined ? { maintenanceSeconds: flags.maintenanceSeconds } : {}),
    ...(flags.vcenterFault ? { faults: flags.vcenterFault } : {}),
  };
}

export function registerSimulator(program: Command): void {
  program
    .command('simulator')
    .description('serve simulated ESXi hosts speaking CIM-XML (and, with --vcenter, a simulated vCenter managing them), and write an inventory file for them')
    .addOption(new Option('--hosts <n>', 'number of hosts').argParser(numberArg('--hosts', 1, 10_000, true)).default(3))
    .option('--inventory <file>', 'where to write the inventory', 'vibflow-inventory.json')
    .option('--http', 'serve plain HTTP instead of HTTPS')
    .addOption(new Option('--port <port>', 'port on every host address (0 = ephemeral)').argParser(portArg('--port', 0)).default(5989))
    .option('--address-base <ip>', 'first loopback address; hosts take consecutive ones', '127.20.0.1')
    .addOption(new Option('--install-seconds <s>', 'how long an install takes').argParser(numberArg('--install-seconds', 0.1)).default(30))
    .addOption(new Option('--job-retention-seconds <s>', 'how long a finished job stays visible').argParser(numberArg('--job-retention-seconds', 0)).default(300))
    .addOption(new Option('--invoke-delay-ms <ms>', 'delay before InstallFromURI answers (after the job started)').argParser(numberArg('--invoke-delay-ms', 0)).default(0))
    .addOption(new Option('--fail <host=category>', `make a host fail (repeatable): ${FAILURE_CATEGORIES.join(', ')}`).argParser(hostAssignment('--fail', 'CATEGORY', FAILURE_CATEGORIES)))
    .addOption(new Option('--fault-rate <p>', 'share of requests that meet a transport fault').argParser(numberArg('--fault-rate', 0, 1)).default(0))
    .addOption(new Option('--seed <n>', 'seed for fault injection').argParser(numberArg('--seed', 0, Number.MAX_SAFE_INTEGER, true)).default(1))
    .option('--password-env <name>', 'take the password from this environment variable (default: random, written beside the inventory)')
    .addOption(new Option('--control-port <port>', 'control endpoint port (0 = ephemeral)').argParser(portArg('--control-port', 0)).default(0))
    .option('--vcenter', 'also serve a simulated vCenter managing the hosts (same password); the inventory then names it')
    .addOption(new Option('--clusters <n>', 'with --vcenter: spread the hosts over this many clusters (default 1)').argParser(numberArg('--clusters', 1, 10_000, true)))
    .addOption(new Option('--reboot-seconds <s>', 'with --vcenter: how long a rebooting host stays away (default 3)').argParser(numberArg('--reboot-seconds', 0)))
    .addOption(new Option('--maintenance-seconds <s>', 'with --vcenter: how long entering or exiting maintenance mode takes (default 1)').argParser(numberArg('--maintenance-seconds', 0)))
    .addOption(new Option('--vcenter-fault <host=fault>', `with --vcenter: inject a fault (repeatable): ${VCENTER_FAULTS.join(', ')}`).argParser(hostAssignment('--vcenter-fault', 'FAULT', VCENTER_FAULTS)))
    .action(async (flags: SimulatorFlags) => {
      const vcenter = vcenterOptions(flags);
      const simulator = await startSimulator({
        hosts: flags.hosts,
        http: flags.http ?? false,
        basePort: flags.port,
        addressBase: flags.addressBase,
        installSeconds: flags.installSeconds,
        jobRetentionSeconds: flags.jobRetentionSeconds,
        invokeDelayMs: flags.invokeDelayMs,
        failures: flags.fail ?? {},
        faultRate: flags.faultRate,
        seed: flags.seed,
        ...(flags.passwordEnv ? { passwordEnv: flags.passwordEnv } : {}),
        inventoryFile: flags.inventory,
        controlPort: flags.controlPort,
        ...(vcenter ? { vcenter } : {}),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      for (const host of simulator.hosts) process.stdout.write(`${host.name}  ${host.url}  ${host.thumbprint ?? '(plain http)'}\n`);
      if (simulator.vcenter) {
        const { url, user, thumbprint, controlUrl } = simulator.vcenter;
        process.stdout.write(`vCenter: ${url}  user ${user}  thumbprint ${thumbprint}\nvCenter control endpoint: ${controlUrl}\n`);
      }
      process.stdout.write(`control endpoint: ${simulator.controlUrl}\ninventory: ${flags.inventory} (password reference ${simulator.inventory.hosts[0].credential})\nCtrl-C to stop\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await simulator.stop();
    });
}
