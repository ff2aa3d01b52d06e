/** The vSphere client against VMware's own vCenter simulator (vcsim), over real HTTPS on loopback. */
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import {
  VimObject,
  VsphereClient,
  VsphereFault,
  VsphereTransportError,
  VsphereUsageError,
  list,
  readMoRef,
  readString,
  type HostSummary,
  type MoRef,
  type PropertyFilterSpec,
  type RequestDone,
  type VsphereLoginOptions,
} from '../../../src/vsphere';
import { startVcsim, type Vcsim } from '../../support/vcsim';
import { failure } from '../../support/failure';

let sim: Vcsim;
const clients: VsphereClient[] = [];

beforeAll(async () => {
  sim = await startVcsim();
}, 180_000);

afterAll(async () => {
  await sim?.stop();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

async function login(extra: Partial<VsphereLoginOptions> = {}): Promise<VsphereClient> {
  const client = await VsphereClient.login({ url: sim.url, user: sim.user, password: sim.password, tls: { thumbprint: sim.thumbprint }, ...extra });
  clients.push(client);
  return client;
}

function expectNoSecret(err: Error, ...secrets: string[]): void {
  const everything = `${err.message}\n${err.stack}\n${JSON.stringify(err)}`;
  for (const secret of secrets) expect(everything).not.toContain(secret);
}

const summary = (done: RequestDone[]) => done.map((d) => `${d.operation}:${d.outcome}`);

/** The session keys vcsim knows, and the caller's own (vcsim's key is also its cookie value). */
async function sessions(client: VsphereClient): Promise<{ mine: string; all: string[] }> {
  const [content] = (await client.retrievePropertiesEx([{ propSet: [{ type: 'SessionManager', pathSet: ['currentSession', 'sessionList'] }], objectSet: [{ obj: client.serviceContent.sessionManager }] }])).objects;
  const key = (session: unknown) => readString((session as VimObject).get('key'), 'UserSession.key');
  return { mine: key(content?.properties.get('currentSession')), all: list(content?.properties.get('sessionList')).map(key) };
}

async function hostNamed(client: VsphereClient, name: string): Promise<HostSummary> {
  const host = (await client.listHosts()).find((h) => h.name === name);
  if (!host) throw new Error(`vcsim has no host ${name}`);
  return host;
}

describe('sessions', () => {
  it('logs in, sends the session cookie back, and logs out', async () => {
    const client = await login();
    expect(client.about).toMatchObject({ apiType: 'VirtualCenter', apiVersion: expect.stringMatching(/^\d+\.\d+/) });
    expect(client.about.fullName).toMatch(/govmomi simulator/);
    // vcsim answers currentSession only for the session the cookie names.
    const { mine, all } = await sessions(client);
    expect(all).toContain(mine);

    const observer = await login();
    expect((await sessions(observer)).all).toContain(mine);
    await client.logout();
    expect((await sessions(observer)).all).not.toContain(mine);

    // After logout nothing logs in again behind the caller's back.
    const host = await hostNamed(observer, 'DC0_H0');
    const err = await failure(client.exitMaintenanceMode(host.ref, { timeoutSeconds: 0 }));
    expect(err).toBeInstanceOf(VsphereFault);
    expect(err).toMatchObject({ faultType: 'NotAuthenticated', category: 'authentication', retryable: false });
    expectNoSecret(err, mine, sim.password);
  });

  it('says vCenter refused the login for the user, never the password', async () => {
    const wrong = 'Wr0ng-but-secret-password';
    const done: RequestDone[] = [];
    const err = await failure(VsphereClient.login({ url: sim.url, user: sim.user, password: wrong, tls: { thumbprint: sim.thumbprint }, onRequestDone: (d) => done.push(d) }));
    expect(err).toBeInstanceOf(VsphereFault);
    expect(err).toMatchObject({ faultType: 'InvalidLogin', category: 'authentication', retryable: false, operation: 'Login', host: sim.address });
    expect(err.message).toBe(`Login on ${sim.address} failed: vCenter refused the login for user "${sim.user}" (InvalidLogin: Login failure)`);
    expectNoSecret(err, wrong, sim.password);
    expect(summary(done)).toEqual(['RetrieveServiceContent:ok', 'Login:authentication']);
  });

  it('logs in again once when the server ended the session, and repeats the call exactly once', async () => {
    const done: RequestDone[] = [];
    const victim = await login({ onRequestDone: (d) => done.push(d) });
    const host = await hostNamed(victim, 'DC0_C0_H1');
    const tasksBefore = (await victim.recentTasks(host.ref)).length;

    const admin = await login();
    const { mine, all } = await sessions(admin);
    const others = all.filter((key) => key !== mine);
    expect(others).toHaveLength(1);
    await admin.invoke('TerminateSession', admin.serviceContent.sessionManager, [['sessionId', others]]);

    done.length = 0;
    const task = await victim.enterMaintenanceMode(host.ref, { timeoutSeconds: 0 });
    expect(summary(done)).toEqual(['EnterMaintenanceMode_Task:authentication', 'Login:ok', 'EnterMaintenanceMode_Task:ok']);
    await victim.waitForTask(task, { pollIntervalMs: 20, timeoutMs: 10_000 });
    const tasks = await victim.recentTasks(host.ref);
    expect(tasks).toHaveLength(tasksBefore + 1);
    expect(tasks.filter((t) => /EnterMaintenanceMode/.test(t.name))).toHaveLength(1);
    await victim.waitForTask(await victim.exitMaintenanceMode(host.ref, { timeoutSeconds: 0 }), { pollIntervalMs: 20, timeoutMs: 10_000 });
  });
});

describe('property retrieval', () => {
  const allHostNames = (rootFolder: MoRef): PropertyFilterSpec => ({
    propSet: [{ type: 'HostSystem', pathSet: ['name'] }],
    objectSet: [
      {
        obj: rootFolder,
        selectSet: [
          { name: 'children', type: 'Folder', path: 'childEntity', selectSet: [{ name: 'children' }, { name: 'hostFolder' }, { name: 'hosts' }] },
          { name: 'hostFolder', type: 'Datacenter', path: 'hostFolder', selectSet: [{ name: 'children' }] },
          { name: 'hosts', type: 'ComputeResource', path: 'host' },
        ],
      },
    ],
  });

  it('pages with maxObjects and continues until no token is left', async () => {
    const done: RequestDone[] = [];
    const client = await login({ onRequestDone: (d) => done.push(d) });
    const spec = allHostNames(client.serviceContent.rootFolder);

    const first = await client.retrievePropertiesEx([spec], { maxObjects: 1 });
    expect(first.objects).toHaveLength(1);
    expect(first.token).toEqual(expect.any(String));
    const second = await client.continueRetrievePropertiesEx(first.token as string);
    expect(second.objects).toHaveLength(1);
    expect(second.objects[0]?.obj).not.toEqual(first.objects[0]?.obj);

    done.length = 0;
    const names = (await client.retrieveAll([spec], { maxObjects: 1 })).map((o) => o.properties.get('name'));
    expect(summary(done)).toEqual(['RetrievePropertiesEx:ok', 'ContinueRetrievePropertiesEx:ok', 'ContinueRetrievePropertiesEx:ok', 'ContinueRetrievePropertiesEx:ok']);
    expect([...names].sort()).toEqual(['DC0_C0_H0', 'DC0_C0_H1', 'DC0_C0_H2', 'DC0_H0']);
    const unpaged = (await client.retrieveAll([spec])).map((o) => o.properties.get('name'));
    expect([...unpaged].sort()).toEqual([...names].sort());
  });

  it('reports a property path the object does not have as missing', async () => {
    const client = await login();
    const host = await hostNamed(client, 'DC0_H0');
    const [content] = (await client.retrievePropertiesEx([{ propSet: [{ type: 'HostSystem', pathSet: ['name', 'config.noSuchThing'] }], objectSet: [{ obj: host.ref }] }])).objects;
    expect(content?.properties.get('name')).toBe('DC0_H0');
    expect(content?.missing).toEqual([{ path: 'config.noSuchThing', faultType: 'InvalidProperty' }]);
  });

  it('fails with a typed not-found fault for an object that does not exist', async () => {
    const client = await login();
    const err = await failure(client.hostState({ type: 'HostSystem', value: 'host-999' }));
    expect(err).toBeInstanceOf(VsphereFault);
    expect(err).toMatchObject({ faultType: 'ManagedObjectNotFound', category: 'not-found', retryable: false, operation: 'RetrievePropertiesEx' });
  });
});

describe('inventory', () => {
  it("lists the simulator's model: one datacenter, a cluster of three hosts and a standalone host", async () => {
    const client = await login();
    const clusters = await client.listClusters();
    expect(clusters).toEqual([{ ref: { type: 'ClusterComputeResource', value: expect.any(String) }, name: 'DC0_C0', datacenter: 'DC0' }]);

    const hosts = await client.listHosts();
    const placement = hosts.map((h) => [h.name, h.datacenter, h.cluster]).sort();
    expect(placement).toEqual([
      ['DC0_C0_H0', 'DC0', 'DC0_C0'],
      ['DC0_C0_H1', 'DC0', 'DC0_C0'],
      ['DC0_C0_H2', 'DC0', 'DC0_C0'],
      ['DC0_H0', 'DC0', null],
    ]);
    for (const host of hosts) {
      expect(host.ref.type).toBe('HostSystem');
      expect(host).toMatchObject({ connectionState: 'connected', inMaintenanceMode: false, powerState: 'poweredOn' });
      expect(new Date(host.bootTime as string).getTime()).toBeLessThanOrEqual(Date.now());
      expect(new X509Certificate(host.certificatePem as string).fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    }
    // Each cluster host's parent, read on its own, is the listed cluster.
    const clusterHost = hosts.find((h) => h.cluster !== null) as HostSummary;
    const [parent] = (await client.retrievePropertiesEx([{ propSet: [{ type: 'HostSystem', pathSet: ['parent'] }], objectSet: [{ obj: clusterHost.ref }] }])).objects;
    expect(readMoRef(parent?.properties.get('parent'), 'parent')).toEqual(clusters[0]?.ref);
  });

  it('gives the same hosts one object per page', async () => {
    const done: RequestDone[] = [];
    const client = await login({ onRequestDone: (d) => done.push(d) });
    const whole = await client.listHosts();
    done.length = 0;
    const paged = await client.listHosts({ pageSize: 1 });
    expect(paged).toEqual(whole);
    expect(done.filter((d) => d.operation === 'ContinueRetrievePropertiesEx').length).toBeGreaterThanOrEqual(whole.length);
  });

  it('reads one host as the inventory shows it', async () => {
    const client = await login();
    const listed = await hostNamed(client, 'DC0_C0_H2');
    const { datacenter, cluster, certificatePem, ...expected } = listed;
    const state = await client.hostState(listed.ref);
    expect(state).toEqual(expected);
    expect(state).toMatchObject({ name: 'DC0_C0_H2', connectionState: 'connected', inMaintenanceMode: false, powerState: 'poweredOn' });
    expect(typeof state.rebootSupported).toBe('boolean');
    expect(state.productVersion).toMatch(/^\d+\.\d+/);
    // ISO 8601 in UTC with milliseconds, whatever precision the server wrote (vcsim: nanoseconds).
    expect(state.bootTime).toBe(new Date(state.bootTime as string).toISOString());
  });
});

describe('maintenance mode and tasks', () => {
  it('enters and leaves maintenance mode through tasks', async () => {
    const client = await login();
    const host = await hostNamed(client, 'DC0_C0_H0');
    const entering = await client.enterMaintenanceMode(host.ref, { timeoutSeconds: 0, evacuatePoweredOffVms: false });
    expect(entering.type).toBe('Task');
    const entered = await client.waitForTask(entering, { pollIntervalMs: 20, timeoutMs: 10_000 });
    expect(entered).toMatchObject({ ref: entering, state: 'success', entity: host.ref, error: null, name: expect.stringMatching(/EnterMaintenanceMode/) });
    expect((await client.hostState(host.ref)).inMaintenanceMode).toBe(true);

    const leaving = await client.exitMaintenanceMode(host.ref, { timeoutSeconds: 600 });
    await client.waitForTask(leaving, { pollIntervalMs: 20, timeoutMs: 10_000 });
    expect((await client.hostState(host.ref)).inMaintenanceMode).toBe(false);

    const recent = await client.recentTasks(host.ref);
    expect(recent.map((t) => t.ref)).toEqual(expect.arrayContaining([entering, leaving]));
    expect(recent.find((t) => t.ref.value === leaving.value)).toMatchObject({ state: 'success', entity: host.ref, completeTime: expect.any(String) });
  });

  it("throws a task's InvalidState fault: a VM cannot power on while its host is in maintenance mode", async () => {
    const client = await login();
    const host = await hostNamed(client, 'DC0_H0');
    const [hostVms] = (await client.retrievePropertiesEx([{ propSet: [{ type: 'HostSystem', pathSet: ['vm'] }], objectSet: [{ obj: host.ref }] }])).objects;
    const vm = readMoRef(list(hostVms?.properties.get('vm'))[0], 'vm');
    const wait = (task: MoRef) => client.waitForTask(task, { pollIntervalMs: 20, timeoutMs: 10_000 });

    await wait(readMoRef(await client.invoke('PowerOffVM_Task', vm), 'task'));
    await wait(await client.enterMaintenanceMode(host.ref, { timeoutSeconds: 0 }));
    const powerOn = readMoRef(await client.invoke('PowerOnVM_Task', vm), 'task');
    const err = await failure(wait(powerOn));
    expect(err).toBeInstanceOf(VsphereFault);
    expect(err).toMatchObject({ faultType: 'InvalidState', category: 'invalid-state', retryable: false, host: sim.address });
    expect(err.message).toMatch(new RegExp(`^task ${powerOn.value} \\(PowerOn\\w*\\) on ${sim.address} failed: InvalidState`));

    await wait(await client.exitMaintenanceMode(host.ref, { timeoutSeconds: 0 }));
    await wait(readMoRef(await client.invoke('PowerOnVM_Task', vm), 'task'));
  });

  it.each([
    ['RebootHost_Task', (c: VsphereClient, host: MoRef) => c.rebootHost(host, { force: false })],
    ['AcquireCimServicesTicket', (c: VsphereClient, host: MoRef) => c.acquireCimServicesTicket(host)],
  ])('gets the typed not-implemented fault for %s from a pristine vcsim', async (method, call) => {
    const client = await login();
    const host = await hostNamed(client, 'DC0_C0_H1');
    const err = await failure(call(client, host.ref));
    expect(err).toBeInstanceOf(VsphereFault);
    expect(err).toMatchObject({ faultType: 'MethodNotFound', category: 'not-implemented', retryable: false, operation: method });
    expect(err.message).toBe(`${method} on ${sim.address} failed: MethodNotFound: HostSystem:${host.ref.value} does not implement: ${method}`);
  });
});

describe('bad input and unreachable vCenters', () => {
  it('refuses options that cannot work, naming the field', async () => {
    const base = { user: sim.user, password: sim.password, tls: { thumbprint: sim.thumbprint } };
    const cases: [Partial<VsphereLoginOptions>, RegExp][] = [
      [{ url: `http://${sim.address}/sdk` }, /url: http:\/\/ is refused/],
      [{ url: `https://root:${sim.password}@${sim.address}/sdk` }, /url: must not carry a user or password/],
      [{ url: 'not a url' }, /^connect on \(invalid url\) failed: url: not a valid URL/],
      [{ url: sim.url, user: '' }, /user: must not be empty/],
      [{ url: sim.url, password: '' }, /password: must not be empty/],
    ];
    for (const [options, message] of cases) {
      const err = await failure(VsphereClient.login({ url: sim.url, ...base, ...options }));
      expect(err).toBeInstanceOf(VsphereUsageError);
      expect(err).toMatchObject({ category: 'usage', retryable: false });
      expect(err.message).toMatch(message);
      expectNoSecret(err, sim.password);
    }
    const client = await login();
    await expect(client.retrievePropertiesEx([], { maxObjects: 0 })).rejects.toThrow(/options\.maxObjects: must be a positive integer, not 0/);
    await expect(client.hostState({ type: 'Task', value: 'task-1' })).rejects.toThrow(/host: expected a HostSystem reference, got Task "task-1"/);
    await expect(client.taskInfo({ type: 'HostSystem', value: 'host-21' })).rejects.toThrow(/task: expected a Task reference/);
    const host = await hostNamed(client, 'DC0_H0');
    await expect(client.enterMaintenanceMode(host.ref, { timeoutSeconds: -1 })).rejects.toThrow(/options\.timeoutSeconds: must be a whole number of seconds >= 0/);
  });

  it('fails fast naming the address and ECONNREFUSED when nothing listens', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(closed.address() as net.AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const started = Date.now();
    const err = await failure(VsphereClient.login({ url: `https://${address}`, user: sim.user, password: sim.password, tls: { insecure: true } }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(err).toBeInstanceOf(VsphereTransportError);
    expect(err).toMatchObject({ code: 'ECONNREFUSED', requestMayHaveReachedServer: false, category: 'network', retryable: true, operation: 'RetrieveServiceContent', host: address });
    expect(err.message).toMatch(new RegExp(`^RetrieveServiceContent on ${address} failed: cannot reach vCenter: .*ECONNREFUSED`));
    expectNoSecret(err, sim.password);
  });
});
