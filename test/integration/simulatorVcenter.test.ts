/**
 * The vCenter simulator beside the CIM simulator, checked with independent clients: VMware's own
 * govc (built from source) wherever it has a command, plain SOAP for AcquireCimServicesTicket
 * (govc has none), and the project's CIM client for what a ticket opens on a host.
 */
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Agent, fetch } from 'undici';
import { CimClient } from '../../src/cim/client';
import { CimAuthError } from '../../src/cim/errors';
import { projectGoTool } from '../../src/devserver/goTool';
import { GOVC_MODULE } from '../support/vcsim';
import { discoverHost } from '../../src/esxi/discovery';
import { startInstall } from '../../src/esxi/install';
import { isVcenterInventory, parseInventory } from '../../src/inventory/inventory';
import { startSimulator, type Simulator } from '../../src/simulator';
import { placeBundle } from '../support/bundles';
import { run, vibflow, type CommandRun } from '../support/commands';
import { assertNoCanary } from '../support/secretCanary';
import { waitFor } from '../support/waitFor';

jest.setTimeout(120_000);

const REBOOT_SECONDS = 2;
const MAINTENANCE_SECONDS = 1.5;
const TICKET_SECONDS = 4;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The password behind a credential reference (file:/path, as the simulator writes it). */
async function secretOf(reference: string): Promise<string> {
  if (!reference.startsWith('file:')) throw new Error(`unexpected credential reference ${reference}`);
  return (await readFile(reference.slice('file:'.length), 'utf8')).trim();
}

/** govc against the simulated vCenter: password in the environment, TLS pinned by thumbprint. */
interface Govc {
  (args: readonly string[]): Promise<CommandRun>;
  /**
   * `govc object.collect -n CHANGES -s OBJECT PROPERTY` (WaitForUpdatesEx), once it printed the
   * current value; `seen` ends with that value and the next CHANGES.
   */
  watch(object: string, property: string, changes: number): Promise<{ seen: Promise<string[]> }>;
  /** A property of an object, as `govc object.collect -s` prints it. */
  property(object: string, name: string): Promise<string>;
  /** The vim25 fault type of a host's latest task, e.g. InvalidState. */
  lastTaskFault(hostPath: string): Promise<string | undefined>;
}

async function govcFor(simulator: Simulator, workDir: string): Promise<Govc> {
  const binary = projectGoTool('govc', GOVC_MODULE, (line) => process.stderr.write(`${line}\n`));
  if (!binary) throw new Error(`govc is built with Go (${GOVC_MODULE}); no Go toolchain found`);
  const vcenter = simulator.vcenter!;
  const knownHosts = path.join(workDir, 'known_hosts');
  await writeFile(knownHosts, `${new URL(vcenter.url).host} ${vcenter.thumbprint}\n`);
  const env = {
    GOVC_URL: vcenter.url,
    GOVC_USERNAME: vcenter.user,
    GOVC_PASSWORD: await secretOf(vcenter.credential),
    GOVC_TLS_KNOWN_HOSTS: knownHosts,
    GOVC_PERSIST_SESSION: 'false',
  };
  const govc = ((args: readonly string[]) => run(binary, args, { env, timeoutMs: 60_000 })) as Govc;
  govc.watch = async (object, property, changes) => {
    const watcher = spawn(binary, ['object.collect', '-n', String(changes), '-s', object, property], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    watcher.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const seen = new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => watcher.kill(), 60_000);
      watcher.once('exit', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(stdout.trim().split('\n'));
        else reject(new Error(`govc object.collect -n ${changes} ended with ${code} after printing ${JSON.stringify(stdout)}`));
      });
    });
    await Promise.race([waitFor(() => stdout.includes('\n'), `the current ${property} of ${object}`, 30_000, 20), seen]);
    return { seen };
  };
  govc.property = async (object, name) => {
    const { code, stdout, stderr } = await govc(['object.collect', '-s', object, name]);
    if (code !== 0) throw new Error(`govc object.collect ${object} ${name}: ${stderr}`);
    return stdout.trim();
  };
  govc.lastTaskFault = async (hostPath) => {
    const tasks = (await govc.property(hostPath, 'recentTask')).split(',');
    const { stdout } = await govc(['object.collect', '-xml', tasks[tasks.length - 1], 'info.error']);
    return /<fault [^>]*type="(\w+)"/.exec(stdout)?.[1];
  };
  return govc;
}

/** The vCenter's certificate, taken from a TLS handshake and accepted only when it matches the pinned thumbprint. */
async function pinnedCertificate(url: string, thumbprint: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port), rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().raw);
      socket.end();
    });
    socket.once('error', reject);
  });
  const certificate = new X509Certificate(raw);
  if (certificate.fingerprint256 !== thumbprint) throw new Error(`vCenter certificate ${certificate.fingerprint256} is not the pinned ${thumbprint}`);
  return certificate.toString();
}

/** The command lines of this process's children (Linux /proc), NUL-separated arguments joined by spaces. */
async function childCommandLines(): Promise<string[]> {
  const lines: string[] = [];
  for (const pid of (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry))) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid ...: the parent's pid follows the closing parenthesis of comm.
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== process.pid) continue;
    lines.push((await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' '));
  }
  return lines;
}

const xmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Plain vim25 SOAP: Login, then AcquireCimServicesTicket on a host. */
class SoapSession {
  private constructor(private readonly url: string, private readonly dispatcher: Agent, private readonly cookie: string) {}

  static async login(url: string, thumbprint: string, user: string, password: string): Promise<SoapSession> {
    const dispatcher = new Agent({ connect: { ca: await pinnedCertificate(url, thumbprint) } });
    const res = await SoapSession.call(url, dispatcher, undefined,
      `<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>${xmlEscape(user)}</userName><password>${xmlEscape(password)}</password></Login>`);
    const cookie = /vmware_soap_session="?[^";]+"?/.exec(res.setCookie ?? '')?.[0];
    if (res.status !== 200 || !cookie) throw new Error(`Login failed: HTTP ${res.status}`);
    return new SoapSession(url, dispatcher, cookie);
  }

  private static async call(url: string, dispatcher: Agent, cookie: string | undefined, body: string) {
    const envelope = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
    const res = await fetch(url, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: 'urn:vim25/8.0.2.0', ...(cookie ? { cookie } : {}) },
      body: envelope,
    });
    return { status: res.status, setCookie: res.headers.get('set-cookie'), text: await res.text() };
  }

  /** The ticket, or the fault's vim25 type. */
  async acquireCimServicesTicket(hostRef: string): Promise<{ ticket?: string; host?: string; fault?: string }> {
    const { text } = await SoapSession.call(this.url, this.dispatcher, this.cookie,
      `<AcquireCimServicesTicket xmlns="urn:vim25"><_this type="HostSystem">${hostRef}</_this></AcquireCimServicesTicket>`);
    const ticket = /<sessionId>([^<]+)<\/sessionId>/.exec(text)?.[1];
    if (ticket) return { ticket, host: /<host>([^<]+)<\/host>/.exec(text)?.[1] };
    return { fault: /<detail>\s*<(\w+)Fault\b/.exec(text)?.[1] };
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

describe('vCenter simulator beside the CIM hosts', () => {
  let simulator: Simulator;
  let workDir: string;
  let govc: Govc;
  let soap: SoapSession;
  const clients: CimClient[] = [];

  const hostPath = (name: string) => `/dc-1/host/cluster-${Number(name.slice(4)) <= 3 ? 1 : 2}/${name}`;
  const cimHost = (name: string) => simulator.hosts.find((h) => h.name === name)!;
  const cimClient = (name: string, user: string, password: string) => {
    const host = cimHost(name);
    const client = new CimClient({ url: host.url, user, password, tls: { thumbprint: host.thumbprint! } });
    clients.push(client);
    return client;
  };
  const vcenterView = async (name: string) => (await simulator.statsWithVcenter()).hosts[name].vcenter!;
  const connectionState = (name: string) => govc.property(hostPath(name), 'runtime.connectionState');
  /** Whether a ticket opens the host's CIM server as user name and password. */
  const ticketOpens = async (name: string, ticket: string) => {
    try {
      await cimClient(name, ticket, ticket).enumerateInstances('CIM_SoftwareIdentity');
      return true;
    } catch (err) {
      if (err instanceof CimAuthError) return false;
      throw err;
    }
  };
  const enterMaintenance = async (name: string) => expect((await govc(['host.maintenance.enter', hostPath(name)])).code).toBe(0);

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-vcenter-sim-'));
    simulator = await startSimulator({
      hosts: 6,
      basePort: 0,
      addressBase: '127.71.0.1',
      installSeconds: 60,
      datastores: [{ name: 'ds1' }],
      inventoryFile: path.join(workDir, 'inventory.json'),
      vcenter: { clusters: 2, rebootSeconds: REBOOT_SECONDS, maintenanceSeconds: MAINTENANCE_SECONDS, ticketSeconds: TICKET_SECONDS, faults: { 'esx-006': 'never-back' } },
      log: (line) => process.stderr.write(`${line}\n`),
    });
    govc = await govcFor(simulator, workDir);
    await placeBundle(simulator, 'file:///vmfs/volumes/ds1/drv-2.0.zip', [{ name: 'drv', version: '2.0' }]);
    const vcenter = simulator.vcenter!;
    soap = await SoapSession.login(vcenter.url, vcenter.thumbprint, vcenter.user, await secretOf(vcenter.credential));
  }, 600_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await soap?.close();
    await simulator?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  test('vCenter holds the CIM fleet in its clusters, each host with its CIM certificate, ESXi 8.0.2, reboot supported', async () => {
    const listed = async (cluster: string) => (await govc(['ls', '-t', 'HostSystem', `/dc-1/host/${cluster}`])).stdout.trim().split('\n').map((p) => path.basename(p));
    expect(await listed('cluster-1')).toEqual(['esx-001', 'esx-002', 'esx-003']);
    expect(await listed('cluster-2')).toEqual(['esx-004', 'esx-005', 'esx-006']);
    expect(simulator.hosts.map((h) => h.name)).toEqual(['esx-001', 'esx-002', 'esx-003', 'esx-004', 'esx-005', 'esx-006']);
    for (const host of simulator.hosts) {
      const certificate = Buffer.from(await govc.property(hostPath(host.name), 'config.certificate'), 'base64').toString('utf8');
      expect(new X509Certificate(certificate).fingerprint256).toBe(host.thumbprint);
    }
    const info = await govc(['host.info', hostPath('esx-004')]);
    expect(info.stdout).toMatch(/Name:\s+esx-004/);
    expect(info.stdout).toMatch(/State:\s+connected/);
    expect(await govc.property(hostPath('esx-004'), 'config.product.version')).toBe('8.0.2');
    expect(await govc.property(hostPath('esx-004'), 'capability.rebootSupported')).toBe('true');
  });

  test('the vCenter simulator counts the SOAP requests it answers on /sdk by method (soapCalls in its stats)', async () => {
    const calls = async () => (await simulator.statsWithVcenter()).soapCalls ?? {};
    const before = await calls();
    expect(await govc.property(hostPath('esx-002'), 'runtime.connectionState')).toBe('connected');
    await soap.acquireCimServicesTicket((await vcenterView('esx-002')).ref);
    const after = await calls();
    // govc logs in and reads through the property collector; the plain SOAP session asks once for a ticket.
    expect(after.Login - (before.Login ?? 0)).toBeGreaterThan(0);
    expect(after.RetrievePropertiesEx - (before.RetrievePropertiesEx ?? 0)).toBeGreaterThan(0);
    expect(after.AcquireCimServicesTicket - (before.AcquireCimServicesTicket ?? 0)).toBe(1);
  });

  test('the vCenter simulator gets its password from the environment, never on its command line', async () => {
    const [commandLine] = (await childCommandLines()).filter((line) => line.includes('vibflow-vcsim'));
    expect(commandLine).toContain('-password-env VIBFLOW_VCSIM_PASSWORD');
    expect(commandLine).not.toContain(await secretOf(simulator.vcenter!.credential));
  });

  test('a reboot in maintenance mode: notResponding, then connected with a later bootTime; the CIM host reboots once and loses its running install', async () => {
    const root = cimClient('esx-001', 'root', await secretOf(simulator.inventory.hosts[0].credential!));
    await startInstall(root, await discoverHost(root), 'file:///vmfs/volumes/ds1/drv-2.0.zip');
    const bootTime = Date.parse(await govc.property(hostPath('esx-001'), 'runtime.bootTime'));
    await enterMaintenance('esx-001');
    // WaitForUpdatesEx: the current state, then two changes.
    const watched = await govc.watch(hostPath('esx-001'), 'runtime.connectionState', 2);
    expect((await govc(['host.shutdown', '-r', hostPath('esx-001')])).code).toBe(0);
    expect(await connectionState('esx-001')).toBe('notResponding');
    await waitFor(async () => (await connectionState('esx-001')) === 'connected', 'esx-001 back after its reboot', 15_000, 250);
    expect(await watched.seen).toEqual(['connected', 'notResponding', 'connected']);
    expect(Date.parse(await govc.property(hostPath('esx-001'), 'runtime.bootTime'))).toBeGreaterThan(bootTime);
    expect(await govc.property(hostPath('esx-001'), 'runtime.inMaintenanceMode')).toBe('true');

    const cim = simulator.stats().hosts['esx-001'];
    expect(cim.reboots).toBe(1);
    expect(cim.jobs.map((j) => j.outcome)).toEqual(['lost']);
    expect((await govc(['host.maintenance.exit', hostPath('esx-001')])).code).toBe(0);
    const seen = await vcenterView('esx-001');
    expect(seen).toMatchObject({ reboots: 1, enterMaintenanceCalls: 1, exitMaintenanceCalls: 1, inMaintenanceMode: false, connectionState: 'connected' });
    expect(seen.maintenance).toHaveLength(1);
    expect(Date.parse(seen.maintenance[0].exitedAt!)).toBeGreaterThan(Date.parse(seen.maintenance[0].enteredAt));
  });

  test('a reboot outside maintenance mode fails with InvalidState and reboots nothing', async () => {
    const refused = await govc(['host.shutdown', '-r', hostPath('esx-002')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('The operation is not allowed in the current state.');
    expect(await govc.lastTaskFault(hostPath('esx-002'))).toBe('InvalidState');
    expect(await connectionState('esx-002')).toBe('connected');
    expect(simulator.stats().hosts['esx-002'].reboots).toBe(0);
    expect((await vcenterView('esx-002')).reboots).toBe(0);
  });

  test('maintenance mode takes its time, shows in recentTask, and cannot be entered twice', async () => {
    const before = (await govc.property(hostPath('esx-003'), 'recentTask')).split(',').filter(Boolean);
    const entering = govc(['host.maintenance.enter', hostPath('esx-003')]);
    await waitFor(async () => (await govc.property(hostPath('esx-003'), 'recentTask')).split(',').length > before.length, 'the enter task in recentTask', 5_000, 50);
    const task = (await govc.property(hostPath('esx-003'), 'recentTask')).split(',').pop()!;
    expect(await govc.property(task, 'info.name')).toBe('EnterMaintenanceMode_Task');
    expect(await govc.property(task, 'info.state')).toBe('running');
    expect(await govc.property(hostPath('esx-003'), 'runtime.inMaintenanceMode')).toBe('false');
    expect((await entering).code).toBe(0);
    expect(await govc.property(task, 'info.state')).toBe('success');
    expect(await govc.property(hostPath('esx-003'), 'runtime.inMaintenanceMode')).toBe('true');
    expect((await govc(['host.maintenance.enter', hostPath('esx-003')])).code).toBe(1);
    expect(await govc.lastTaskFault(hostPath('esx-003'))).toBe('InvalidState');
    expect((await govc(['host.maintenance.exit', hostPath('esx-003')])).code).toBe(0);
  });

  test('reboot-not-supported, injected live: capability.rebootSupported is false and a reboot fails with NotSupported', async () => {
    await simulator.setVcenterFault('esx-003', 'reboot-not-supported');
    expect(await govc.property(hostPath('esx-003'), 'capability.rebootSupported')).toBe('false');
    await enterMaintenance('esx-003');
    expect((await govc(['host.shutdown', '-r', hostPath('esx-003')])).code).toBe(1);
    expect(await govc.lastTaskFault(hostPath('esx-003'))).toBe('NotSupported');
    await simulator.setVcenterFault('esx-003', null);
    expect(await govc.property(hostPath('esx-003'), 'capability.rebootSupported')).toBe('true');
    expect((await govc(['host.maintenance.exit', hostPath('esx-003')])).code).toBe(0);
    expect(simulator.stats().hosts['esx-003'].reboots).toBe(0);
  });

  test('mm-timeout: the entry keeps running until its timeout passes, then fails with Timedout outside maintenance mode; without a timeout, until cancelled', async () => {
    await simulator.setVcenterFault('esx-004', 'mm-timeout');
    const started = Date.now();
    const entry = await govc(['host.maintenance.enter', '-timeout', '2', hostPath('esx-004')]);
    expect(entry.code).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(entry.stderr).toContain('Operation timed out.');
    expect(await govc.lastTaskFault(hostPath('esx-004'))).toBe('Timedout');
    expect(await govc.property(hostPath('esx-004'), 'runtime.inMaintenanceMode')).toBe('false');

    // Without a timeout the entry hangs (at 100 %) past its usual time, until a client cancels it.
    const hanging = govc(['host.maintenance.enter', hostPath('esx-004')]);
    await sleep((MAINTENANCE_SECONDS + 0.5) * 1000);
    const task = (await govc.property(hostPath('esx-004'), 'recentTask')).split(',').pop()!;
    expect(await govc.property(task, 'info.state')).toBe('running');
    expect(await govc.property(task, 'info.progress')).toBe('100');
    expect((await govc(['task.cancel', task])).code).toBe(0);
    expect((await hanging).code).toBe(1);
    expect(await govc.lastTaskFault(hostPath('esx-004'))).toBe('RequestCanceled');
    expect(await govc.property(hostPath('esx-004'), 'runtime.inMaintenanceMode')).toBe('false');

    await simulator.setVcenterFault('esx-004', null);
    await enterMaintenance('esx-004');
    expect((await govc(['host.maintenance.exit', hostPath('esx-004')])).code).toBe(0);
    expect((await vcenterView('esx-004')).maintenance).toHaveLength(1);
  });

  test('disconnected, injected live: the host shows disconnected and refuses maintenance mode and tickets with HostNotConnected', async () => {
    await simulator.setVcenterFault('esx-002', 'disconnected');
    expect(await connectionState('esx-002')).toBe('disconnected');
    expect((await govc(['host.maintenance.enter', hostPath('esx-002')])).code).toBe(1);
    expect(await govc.lastTaskFault(hostPath('esx-002'))).toBe('HostNotConnected');
    expect(await soap.acquireCimServicesTicket((await vcenterView('esx-002')).ref)).toEqual({ fault: 'HostNotConnected' });
    await simulator.setVcenterFault('esx-002', null);
    expect(await connectionState('esx-002')).toBe('connected');
  });

  test('never-back (injected at start): after a reboot the host stays notResponding', async () => {
    expect((await vcenterView('esx-006')).fault).toBe('never-back');
    await enterMaintenance('esx-006');
    expect((await govc(['host.shutdown', '-r', hostPath('esx-006')])).code).toBe(0);
    await sleep(REBOOT_SECONDS * 1000 * 2);
    expect(await connectionState('esx-006')).toBe('notResponding');
    expect(simulator.stats().hosts['esx-006']).toMatchObject({ reboots: 1, down: true });
  });

  test('a CIM services ticket opens its own host as user name and password, not another host, not while the host refuses tickets, not after it expires or a reboot', async () => {
    const ref = (await vcenterView('esx-005')).ref;
    const issued = await soap.acquireCimServicesTicket(ref);
    expect(issued.host).toBe(new URL(cimHost('esx-005').url).hostname);
    const ticket = issued.ticket!;
    expect(await ticketOpens('esx-005', ticket)).toBe(true);
    expect(await ticketOpens('esx-004', ticket)).toBe(false);
    simulator.setRefuseTickets('esx-005', true);
    expect(await ticketOpens('esx-005', ticket)).toBe(false);
    simulator.setRefuseTickets('esx-005', false);
    expect(await ticketOpens('esx-005', ticket)).toBe(true);
    await sleep(TICKET_SECONDS * 1000 + 500);
    expect(await ticketOpens('esx-005', ticket)).toBe(false);

    const beforeReboot = (await soap.acquireCimServicesTicket(ref)).ticket!;
    expect(await ticketOpens('esx-005', beforeReboot)).toBe(true);
    await enterMaintenance('esx-005');
    expect((await govc(['host.shutdown', '-r', hostPath('esx-005')])).code).toBe(0);
    await waitFor(async () => !simulator.stats().hosts['esx-005'].down, 'the CIM server of esx-005 back', 15_000, 100);
    expect(await ticketOpens('esx-005', beforeReboot)).toBe(false);

    expect(simulator.stats().hosts['esx-005']).toMatchObject({ ticketLogins: 3, ticketsRefused: 3, reboots: 1 });
    expect(simulator.stats().hosts['esx-004'].ticketsRefused).toBe(1);
    expect((await vcenterView('esx-005')).ticketsIssued).toBe(2);
  });

  test('the inventory file names the vCenter, with each host\'s CIM URL and no secret', async () => {
    const text = await readFile(path.join(workDir, 'inventory.json'), 'utf8');
    assertNoCanary('the vCenter inventory', text);
    const inventory = parseInventory(JSON.parse(text), 'inventory');
    expect(isVcenterInventory(inventory)).toBe(true);
    expect(inventory).toEqual(simulator.vcenterInventory);
    expect(simulator.vcenterInventory).toMatchObject({
      vcenter: { url: simulator.vcenter!.url, user: 'administrator@vsphere.local', credential: simulator.inventory.hosts[0].credential, tls: { thumbprint: simulator.vcenter!.thumbprint } },
      hosts: simulator.hosts.map((h) => ({ name: h.name, url: h.url })),
    });
  });
});

describe('vibflow simulator --vcenter', () => {
  test('serves both, writes a vCenter inventory, prints the vCenter URL and thumbprint, and stops both', async () => {
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-vcenter-cli-'));
    const inventoryFile = path.join(workDir, 'inventory.json');
    const sampleBundle = path.join(workDir, 'sample', 'drv.zip');
    const cli = spawn(process.execPath, [path.resolve(__dirname, '../../bin/vibflow.js'), 'simulator', '--vcenter', '--clusters', '2', '--hosts', '6',
      '--inventory', inventoryFile, '--address-base', '127.72.0.1', '--port', '0', '--reboot-seconds', '1', '--vcenter-fault', 'esx-002=never-back',
      '--sample-bundle', sampleBundle], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    cli.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    cli.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => cli.once('exit', (code) => resolve(code)));
    try {
      await waitFor(() => output.includes('Ctrl-C to stop'), 'the simulator to be ready', 90_000, 100);
      const inventory = parseInventory(JSON.parse(await readFile(inventoryFile, 'utf8')), inventoryFile);
      if (!isVcenterInventory(inventory) || !('vcenter' in inventory)) throw new Error('the CLI wrote no one-vCenter inventory');
      expect(inventory.hosts.map((h) => h.name)).toEqual(['esx-001', 'esx-002', 'esx-003', 'esx-004', 'esx-005', 'esx-006']);
      expect(output).toContain(`vCenter: ${inventory.vcenter.url}`);
      expect(output).toContain(`thumbprint ${inventory.vcenter.tls!.thumbprint}`);
      const vcenterControl = /vCenter control endpoint: (\S+)/.exec(output)![1];
      const stats = (await (await fetch(`${vcenterControl}/stats`)).json()) as { hosts: Record<string, { cluster: string; fault: string | null }> };
      expect(Object.values(stats.hosts).map((h) => h.cluster)).toEqual(['cluster-1', 'cluster-1', 'cluster-1', 'cluster-2', 'cluster-2', 'cluster-2']);
      expect(stats.hosts['esx-002'].fault).toBe('never-back');
      // --sample-bundle: a real offline bundle, as vibflow bundle inspect reads it.
      expect(output).toContain(`sample bundle: ${sampleBundle} (VMW_bootbank_vibflow-drv_2.0.0-1;`);
      const inspected = await vibflow(['bundle', 'inspect', sampleBundle, '--json']);
      expect(inspected.code).toBe(0);
      expect(JSON.parse(inspected.stdout)).toMatchObject({ vibs: [{ name: 'vibflow-drv', version: '2.0.0-1', acceptanceLevel: 'partner', liveInstallAllowed: false }] });
      cli.kill('SIGTERM');
      expect(await exited).toBe(0);
      await expect(fetch(`${vcenterControl}/stats`)).rejects.toThrow();
      assertNoCanary('the output of vibflow simulator --vcenter', output);
    } finally {
      cli.kill('SIGKILL');
      await rm(workDir, { recursive: true, force: true });
    }
  });

  test.each([
    [['--vcenter', '--clusters', '0'], '--clusters'],
    [['--vcenter', '--clusters', '4', '--hosts', '3'], '--clusters'],
    [['--clusters', '2'], '--clusters needs --vcenter'],
    [['--vcenter', '--vcenter-fault', 'esx-001=bogus'], '--vcenter-fault'],
    [['--vcenter', '--vcenter-fault', 'esx-009=never-back'], '--vcenter-fault esx-009'],
    [['--vcenter', '--reboot-seconds', '-1'], '--reboot-seconds'],
    [['--acceptance', 'esx-001=trusted'], '--acceptance expects HOST=LEVEL with LEVEL one of vmware_certified, vmware_accepted, partner, community'],
    [['--unmount', 'esx-001=nfs-9'], '--unmount esx-001=nfs-9: no such datastore (there are: datastore1)'],
    [['--datastore-free', 'datastore1=lots'], '--datastore-free expects DATASTORE=SIZE'],
  ])('bad flags %j: exit 2 naming the flag', async (args, named) => {
    const { code, stderr } = await vibflow(['simulator', ...args, '--address-base', '127.73.0.1', '--port', '0', '--inventory', path.join(os.tmpdir(), 'never-written.json')]);
    expect(code).toBe(2);
    expect(stderr).toContain(named);
  });
});
