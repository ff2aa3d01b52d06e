import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { HOST_ACCEPTANCE_LEVELS, type HostAcceptanceLevel } from '../../bundle';
import { numberArg, portArg } from '../numberArg';
import { UsageError } from '../usageError';
import { defaultDatastoreName, FAILURE_CATEGORIES, simulatedHostName, startSimulator, startVcenterFleet, VCENTER_FAULTS, type DatastoreOptions, type FailureCategory, type VcenterFault, type VcenterOptions } from '../../simulator';
import { SAMPLE_BUNDLE, writeBundle } from '../../simulator/bundleBuilder';

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
  datastoreRoot?: string;
  datastore?: string[];
  localDatastores?: boolean;
  unmount?: [string, string | undefined][];
  inaccessible?: [string, string | undefined][];
  datastoreFree?: Record<string, number>;
  acceptance?: Record<string, HostAcceptanceLevel>;
  sampleBundle?: string;
  vcenters?: number;
}

/** --sample-bundle FILE: a real offline bundle (zip, metadata.zip, an `ar` VIB) for the user to try. */
async function writeSampleBundle(file: string) {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    return await writeBundle(file, SAMPLE_BUNDLE);
  } catch (err) {
    throw new UsageError(`--sample-bundle ${file}: cannot write it (${(err as Error).message})`);
  }
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** HOST or HOST=DATASTORE, repeatable; a bare HOST means the first shared datastore. */
const hostDatastore = (value: string, previous: [string, string | undefined][] = []): [string, string | undefined][] => {
  const [host, datastore] = value.split('=');
  if (!host) throw new InvalidArgumentError('expects HOST or HOST=DATASTORE');
  return [...previous, [host, datastore || undefined]];
};

const UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** DATASTORE=SIZE with SIZE in bytes or with a K, M, G or T suffix (powers of 1024). */
function datastoreSize(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const match = /^([^=]+)=(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(value.trim());
  if (!match) throw new InvalidArgumentError('--datastore-free expects DATASTORE=SIZE, e.g. LocalDS_0=0 or LocalDS_0=10M');
  return { ...previous, [match[1]]: Math.floor(Number(match[2]) * UNITS[match[3].toLowerCase()]) };
}

/** The datastores the flags describe: the shared ones, each host's own, who mounts and accesses what, and free space. */
function datastoreOptions(flags: SimulatorFlags, names: readonly string[]): DatastoreOptions[] {
  const shared = flags.datastore ?? [defaultDatastoreName(flags.vcenter === true)];
  const local = flags.localDatastores ? names.map((host) => ({ name: `${host}-local`, hosts: [host] })) : [];
  const all: { name: string; hosts?: string[] }[] = [...shared.map((name) => ({ name })), ...local];
  const find = (flag: string, [host, datastore = shared[0]]: [string, string | undefined]) => {
    if (!names.includes(host)) throw new UsageError(`${flag} ${host}: no such host (the hosts are ${names[0]} to ${names[names.length - 1]})`);
    const ds = all.find((d) => d.name === datastore);
    if (!ds) throw new UsageError(`${flag} ${host}=${datastore}: no such datastore (there are: ${all.map((d) => d.name).join(', ')})`);
    return { host, ds };
  };
  const unmounted = (flags.unmount ?? []).map((pair) => find('--unmount', pair));
  const inaccessible = (flags.inaccessible ?? []).map((pair) => find('--inaccessible', pair));
  for (const name of Object.keys(flags.datastoreFree ?? {})) {
    if (!all.some((d) => d.name === name)) throw new UsageError(`--datastore-free ${name}: no such datastore (there are: ${all.map((d) => d.name).join(', ')})`);
  }
  return all.map((ds) => {
    const mountedBy = (ds.hosts ?? [...names]).filter((host) => !unmounted.some((u) => u.ds === ds && u.host === host));
    const notAccessible = inaccessible.filter((i) => i.ds === ds && mountedBy.includes(i.host)).map((i) => i.host);
    const free = flags.datastoreFree?.[ds.name];
    return { name: ds.name, hosts: mountedBy, ...(notAccessible.length ? { inaccessibleOn: notAccessible } : {}), ...(free !== undefined ? { freeBytes: free } : {}) };
  });
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
  if (clusters > flags.hosts && flags.vcenters === undefined) throw new UsageError(`--clusters ${clusters} is more than --hosts ${flags.hosts}: every cluster needs a host`);
  const names = Array.from({ length: flags.vcenters === undefined ? flags.hosts : flags.hosts * clusters }, (_, i) => simulatedHostName(i));
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
    .addOption(new Option('--vcenters <n>', 'with --vcenter: serve this many vCenters (vc-1, vc-2, ...), each its own process, port, certificate, password and datastores, each with --clusters clusters of --hosts hosts (names repeat across vCenters); the inventory lists them all').argParser(numberArg('--vcenters', 1, 64, true)))
    .option('--datastore-root <dir>', 'put each datastore in DIR/<name>/ (kept after the simulator stops; default: a temporary directory)')
    .option('--datastore <name>', 'a datastore every host mounts (repeatable; default datastore1, LocalDS_0 with --vcenter)', collect)
    .option('--local-datastores', 'also give each host a datastore of its own, HOST-local, that no other host mounts')
    .option('--unmount <host[=datastore]>', 'the host does not mount that datastore (default the first shared one; repeatable)', hostDatastore)
    .option('--inaccessible <host[=datastore]>', 'the host mounts that datastore but cannot access it (mountInfo.accessible false; repeatable)', hostDatastore)
    .option('--datastore-free <datastore=size>', 'free space of a datastore at the start, e.g. LocalDS_0=0 for a full one (bytes, or K/M/G/T; repeatable)', datastoreSize)
    .addOption(new Option('--acceptance <host=level>', `a host's acceptance level (repeatable; default partner): ${HOST_ACCEPTANCE_LEVELS.join(', ')}`).argParser(hostAssignment('--acceptance', 'LEVEL', HOST_ACCEPTANCE_LEVELS)))
    .option('--sample-bundle <file>', 'write a real offline bundle to FILE to try (VIBs the hosts do not have yet)')
    .action(async (flags: SimulatorFlags) => {
      const vcenter = vcenterOptions(flags);
      if (flags.vcenters !== undefined && !vcenter) throw new UsageError('--vcenters needs --vcenter');
      // With --vcenters, --hosts counts the hosts of a cluster: each vCenter has clusters x hosts, named alike.
      const names = Array.from({ length: flags.vcenters === undefined ? flags.hosts : flags.hosts * (flags.clusters ?? 1) }, (_, i) => simulatedHostName(i));
      const unknownHost = Object.keys(flags.acceptance ?? {}).find((host) => !names.includes(host));
      if (unknownHost) throw new UsageError(`--acceptance ${unknownHost}: no such host (the hosts are ${names[0]} to ${names[names.length - 1]})`);
      const datastores = datastoreOptions(flags, names);
      // Written first: a file that cannot be written stops nothing that started.
      const sample = flags.sampleBundle ? await writeSampleBundle(path.resolve(flags.sampleBundle)) : undefined;
      if (sample) process.stdout.write(`sample bundle: ${sample.file} (${sample.vibs.map((v) => v.id).join(', ')}; see vibflow bundle inspect ${sample.file})\n`);
      if (flags.vcenters !== undefined) return serveVcenterFleet(flags, vcenter as VcenterOptions, datastores);
      const simulator = await startSimulator({
        hosts: flags.hosts,
        ...hostBehaviour(flags, datastores),
        addressBase: flags.addressBase,
        ...(flags.passwordEnv ? { passwordEnv: flags.passwordEnv } : {}),
        inventoryFile: flags.inventory,
        controlPort: flags.controlPort,
        ...(vcenter ? { vcenter } : {}),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      for (const host of simulator.hosts) process.stdout.write(`${host.name}  ${host.url}  ${host.thumbprint ?? '(plain http)'}\n`);
      for (const ds of simulator.datastores) {
        const mounts = ds.mounts.map((m) => `${m.host}${m.accessible ? '' : ' (not accessible)'}`).join(', ') || 'no host';
        process.stdout.write(`datastore ${ds.name}  ${ds.directory}  (/vmfs/volumes/${ds.name}/ or /vmfs/volumes/${ds.uuid}/ on ${mounts})\n`);
      }
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

/** How the simulated hosts behave, from the flags: the same for one vCenter or several. */
function hostBehaviour(flags: SimulatorFlags, datastores: readonly DatastoreOptions[]) {
  return {
    http: flags.http ?? false,
    basePort: flags.port,
    installSeconds: flags.installSeconds,
    jobRetentionSeconds: flags.jobRetentionSeconds,
    invokeDelayMs: flags.invokeDelayMs,
    failures: flags.fail ?? {},
    faultRate: flags.faultRate,
    seed: flags.seed,
    datastores,
    ...(flags.datastoreRoot ? { datastoreRoot: flags.datastoreRoot } : {}),
    ...(flags.acceptance ? { acceptanceLevels: flags.acceptance } : {}),
  };
}

/** --vcenters N: N vCenters with their own hosts, one inventory, one control endpoint. */
async function serveVcenterFleet(flags: SimulatorFlags, vcenter: VcenterOptions, datastores: readonly DatastoreOptions[]): Promise<void> {
  if (flags.passwordEnv) throw new UsageError('--password-env does not go with --vcenters: each vCenter has its own password, written beside the inventory');
  const { clusters, ...perVcenter } = vcenter;
  const fleet = await startVcenterFleet({
    vcenters: flags.vcenters as number,
    clusters,
    hostsPerCluster: flags.hosts,
    hosts: hostBehaviour(flags, datastores),
    vcenter: perVcenter,
    addressBase: flags.addressBase,
    inventoryFile: flags.inventory,
    controlPort: flags.controlPort,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  for (const { name, simulator } of fleet.vcenters) {
    const info = simulator.vcenter;
    process.stdout.write(`vCenter ${name}: ${info?.url}  user ${info?.user}  thumbprint ${info?.thumbprint}  ${simulator.hosts.length} hosts (${simulator.hosts[0].name} to ${simulator.hosts[simulator.hosts.length - 1].name})\n`);
    for (const ds of simulator.datastores) process.stdout.write(`  datastore ${ds.name}  ${ds.directory}  (/vmfs/volumes/${ds.name}/ on the hosts of ${name})\n`);
  }
  process.stdout.write(`control endpoint: ${fleet.controlUrl}\ninventory: ${flags.inventory} (one password per vCenter, beside it)\nCtrl-C to stop\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await fleet.stop();
}
